/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* the kernel's MAX_ERRNO: the largest errno a syscall returns */
#define ERRNO_MAX 4095

/*
 * Header layout (host byte order):
 *   0  u32 magic "ALCV"   4  u16 version   6  u16 type
 *   8  u32 payload length 12 u32 reserved (0)
 * Fields are copied with memcpy: a received buffer has no alignment promise.
 */

static const struct {
	const char *name;
	size_t fds;
} proto_types[_PROTO_TYPE_MAX] = {
    [PROTO_ENTER] = {"ENTER", 3},     [PROTO_STARTED] = {"STARTED", 0},
    [PROTO_ERROR] = {"ERROR", 0},     [PROTO_EXITED] = {"EXITED", 0},
    [PROTO_SIGNAL] = {"SIGNAL", 0},   [PROTO_HOLD] = {"HOLD", 1},
    [PROTO_RELEASE] = {"RELEASE", 0}, [PROTO_STOP] = {"STOP", 0},
    [PROTO_STATUS] = {"STATUS", 0},   [PROTO_STATUS_REPLY] = {"STATUS_REPLY", 0},
    [PROTO_OK] = {"OK", 0},
};

static bool proto_type_is_known(unsigned type)
{
	return type > 0 && type < _PROTO_TYPE_MAX;
}

size_t proto_type_fds(ProtoType type)
{
	return proto_type_is_known(type) ? proto_types[type].fds : 0;
}

const char *proto_type_name(ProtoType type)
{
	return proto_type_is_known(type) ? proto_types[type].name : "unknown";
}

bool proto_session_is_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] <= ' ' || s[n] > '~' || n >= PROTO_SESSION_MAX)
			return false;
	return n > 0;
}

static bool signo_is_valid(int32_t signo)
{
	return signo > 0 && signo < 65;
}

/* What getrlimit() and umask() can give: a umask of permission bits, soft <= hard. */
static bool enter_limits_are_valid(const ProtoEnter *e)
{
	if (e->umask & ~0777u || e->n_rlimits > PROTO_MAX_RLIMITS)
		return false;
	for (uint32_t i = 0; i < e->n_rlimits; i++)
		if (e->rlimits[i].cur > e->rlimits[i].max)
			return false;
	return true;
}

/* --- encoding ------------------------------------------------------------------------------ */

typedef struct Writer {
	uint8_t *buf;
	size_t size;
	size_t len;
	int error;
} Writer;

static void put(Writer *w, const void *p, size_t n)
{
	if (w->error)
		return;
	if (n > w->size - w->len || w->len + n > PROTO_MAX_MESSAGE) {
		w->error = -E2BIG;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u32(Writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void put_u64(Writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void put_str(Writer *w, const char *s)
{
	put(w, s, strlen(s) + 1);
}

static int encode_enter(Writer *w, const ProtoEnter *e)
{
	if ((e->flags & ~PROTO_ENTER_FLAGS_KNOWN) || e->argc < 1 || e->argc > PROTO_MAX_ARGS ||
	    e->envc > PROTO_MAX_ARGS || !e->path || !e->path[0] || !e->cwd || !e->argv)
		return -EINVAL;
	if (e->envc > 0 && !e->envp)
		return -EINVAL;
	if (!enter_limits_are_valid(e))
		return -EINVAL;
	put_u32(w, e->flags);
	put_u32(w, e->argc);
	put_u32(w, e->envc);
	put_u32(w, e->umask);
	put_u32(w, e->n_rlimits);
	for (uint32_t i = 0; i < e->n_rlimits; i++) {
		put_u64(w, e->rlimits[i].cur);
		put_u64(w, e->rlimits[i].max);
	}
	put_str(w, e->path);
	put_str(w, e->cwd);
	for (uint32_t i = 0; i < e->argc; i++) {
		if (!e->argv[i])
			return -EINVAL;
		put_str(w, e->argv[i]);
	}
	for (uint32_t i = 0; i < e->envc; i++) {
		if (!e->envp[i])
			return -EINVAL;
		put_str(w, e->envp[i]);
	}
	return 0;
}

static int encode_payload(Writer *w, const ProtoMessage *m)
{
	switch (m->type) {
	case PROTO_ENTER:
		return encode_enter(w, &m->enter);
	case PROTO_STARTED:
		put_u32(w, (uint32_t)m->pid);
		return 0;
	case PROTO_ERROR:
		if (m->error.error <= 0 || m->error.error > ERRNO_MAX || !m->error.message ||
		    strlen(m->error.message) > PROTO_ERROR_MESSAGE_MAX)
			return -EINVAL;
		put_u32(w, (uint32_t)m->error.error);
		put_str(w, m->error.message);
		return 0;
	case PROTO_EXITED:
		put_u32(w, (uint32_t)m->wait_status);
		return 0;
	case PROTO_SIGNAL:
		if (!signo_is_valid(m->signo))
			return -EINVAL;
		put_u32(w, (uint32_t)m->signo);
		return 0;
	case PROTO_HOLD:
	case PROTO_RELEASE:
		if (!m->session || !proto_session_is_valid(m->session))
			return -EINVAL;
		put_str(w, m->session);
		return 0;
	case PROTO_STATUS_REPLY:
		if (m->status.flags & ~PROTO_STATUS_FLAGS_KNOWN)
			return -EINVAL;
		put_u32(w, m->status.sessions);
		put_u32(w, m->status.holds);
		put_u32(w, m->status.processes);
		put_u32(w, m->status.flags); /* also keeps start_usec 8-byte aligned */
		put_u64(w, m->status.start_usec);
		if (m->status.activity_usec) /* 0 goes in the short form, as old inits send it */
			put_u64(w, m->status.activity_usec);
		return 0;
	case PROTO_STOP:
	case PROTO_STATUS:
	case PROTO_OK:
		return 0;
	default:
		return -EINVAL;
	}
}

int proto_encode(const ProtoMessage *m, void *buf, size_t size)
{
	Writer w = {.buf = buf, .size = size, .len = PROTO_HEADER_SIZE};
	uint32_t magic = PROTO_MAGIC, length, reserved = 0;
	uint16_t version = PROTO_VERSION, type = (uint16_t)m->type;
	int r;

	if (size < PROTO_HEADER_SIZE)
		return -E2BIG;
	r = encode_payload(&w, m);
	if (r < 0)
		return r;
	if (w.error)
		return w.error;
	length = (uint32_t)(w.len - PROTO_HEADER_SIZE);
	memcpy(w.buf + 0, &magic, 4);
	memcpy(w.buf + 4, &version, 2);
	memcpy(w.buf + 6, &type, 2);
	memcpy(w.buf + 8, &length, 4);
	memcpy(w.buf + 12, &reserved, 4);
	return (int)w.len;
}

/* --- decoding ------------------------------------------------------------------------------ */

typedef struct Reader {
	const uint8_t *p;
	size_t left;
} Reader;

static bool get_u32(Reader *r, uint32_t *ret)
{
	if (r->left < 4)
		return false;
	memcpy(ret, r->p, 4);
	r->p += 4;
	r->left -= 4;
	return true;
}

static bool get_u64(Reader *r, uint64_t *ret)
{
	if (r->left < 8)
		return false;
	memcpy(ret, r->p, 8);
	r->p += 8;
	r->left -= 8;
	return true;
}

/* A NUL-terminated string that lies entirely inside the payload. */
static bool get_str(Reader *r, const char **ret)
{
	const uint8_t *nul = r->left ? memchr(r->p, '\0', r->left) : NULL;
	size_t n;

	if (!nul)
		return false;
	n = (size_t)(nul - r->p) + 1;
	*ret = (const char *)r->p;
	r->p += n;
	r->left -= n;
	return true;
}

static bool get_strv(Reader *r, uint32_t n, const char **v)
{
	for (uint32_t i = 0; i < n; i++)
		if (!get_str(r, &v[i]))
			return false;
	v[n] = NULL;
	return true;
}

static int decode_enter(Reader *r, ProtoEnter *ret)
{
	ProtoEnter e = {0};
	const char **v;

	if (!get_u32(r, &e.flags) || !get_u32(r, &e.argc) || !get_u32(r, &e.envc))
		return -EBADMSG;
	if ((e.flags & ~PROTO_ENTER_FLAGS_KNOWN) || e.argc < 1 || e.argc > PROTO_MAX_ARGS ||
	    e.envc > PROTO_MAX_ARGS)
		return -EBADMSG;
	if (!get_u32(r, &e.umask) || !get_u32(r, &e.n_rlimits) || e.n_rlimits > PROTO_MAX_RLIMITS)
		return -EBADMSG;
	for (uint32_t i = 0; i < e.n_rlimits; i++)
		if (!get_u64(r, &e.rlimits[i].cur) || !get_u64(r, &e.rlimits[i].max))
			return -EBADMSG;
	if (!enter_limits_are_valid(&e))
		return -EBADMSG;
	/* Every string takes at least its NUL: a count larger than the bytes left is a lie,
	 * caught before allocating for it. */
	if ((size_t)e.argc + e.envc + 2 > r->left)
		return -EBADMSG;
	if (!get_str(r, &e.path) || !get_str(r, &e.cwd) || !e.path[0])
		return -EBADMSG;
	v = calloc((size_t)e.argc + 1 + e.envc + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (!get_strv(r, e.argc, v) || !get_strv(r, e.envc, v + e.argc + 1)) {
		free(v);
		return -EBADMSG;
	}
	e.argv = v;
	e.envp = v + e.argc + 1;
	*ret = e;
	return 0;
}

static int decode_payload(Reader *r, ProtoMessage *m)
{
	uint32_t v;
	int k;

	switch (m->type) {
	case PROTO_ENTER:
		return decode_enter(r, &m->enter);
	case PROTO_STARTED:
	case PROTO_EXITED:
	case PROTO_SIGNAL:
		if (!get_u32(r, &v))
			return -EBADMSG;
		if (m->type == PROTO_SIGNAL && !signo_is_valid((int32_t)v))
			return -EBADMSG;
		m->pid = (int32_t)v; /* pid, wait_status and signo share the slot */
		return 0;
	case PROTO_ERROR:
		/* In root mode the tenant can ptrace init and answer any number: one no kernel
		 * gives is no errno a caller may act on (nor pass on as one), and the encoder never
		 * writes it: a malformed packet (one spelling per message, tests/fuzz). */
		if (!get_u32(r, &v) || (int32_t)v <= 0 || v > ERRNO_MAX ||
		    !get_str(r, &m->error.message) ||
		    strlen(m->error.message) > PROTO_ERROR_MESSAGE_MAX)
			return -EBADMSG;
		m->error.error = (int32_t)v;
		return 0;
	case PROTO_HOLD:
	case PROTO_RELEASE:
		if (!get_str(r, &m->session) || !proto_session_is_valid(m->session))
			return -EBADMSG;
		return 0;
	case PROTO_STATUS_REPLY:
		k = get_u32(r, &m->status.sessions) && get_u32(r, &m->status.holds) &&
		    get_u32(r, &m->status.processes) && get_u32(r, &m->status.flags) &&
		    get_u64(r, &m->status.start_usec);
		if (!k || (m->status.flags & ~PROTO_STATUS_FLAGS_KNOWN))
			return -EBADMSG;
		if (r->left == 0) /* the 24-byte reply of an init from before the activity field */
			return 0;
		/* the longer one; a trailing byte more than that is refused by proto_decode() */
		return get_u64(r, &m->status.activity_usec) && m->status.activity_usec ? 0
										       : -EBADMSG;
	case PROTO_STOP:
	case PROTO_STATUS:
	case PROTO_OK:
		return 0;
	default:
		return -EBADMSG;
	}
}

ProtoType proto_header_type(const void *buf, size_t len)
{
	uint16_t type;

	if (len < PROTO_HEADER_SIZE)
		return 0;
	memcpy(&type, (const uint8_t *)buf + 6, 2);
	return proto_type_is_known(type) ? (ProtoType)type : 0;
}

int proto_decode(const void *buf, size_t len, size_t n_fds, ProtoMessage *ret)
{
	const uint8_t *b = buf;
	uint32_t magic, length, reserved;
	uint16_t version, type;
	ProtoMessage m = {0};
	Reader r;
	int k;

	if (len < PROTO_HEADER_SIZE || len > PROTO_MAX_MESSAGE)
		return -EBADMSG;
	memcpy(&magic, b + 0, 4);
	memcpy(&version, b + 4, 2);
	memcpy(&type, b + 6, 2);
	memcpy(&length, b + 8, 4);
	memcpy(&reserved, b + 12, 4);
	if (magic != PROTO_MAGIC || version != PROTO_VERSION || reserved != 0 ||
	    !proto_type_is_known(type) || length != len - PROTO_HEADER_SIZE ||
	    n_fds != proto_types[type].fds)
		return -EBADMSG;

	m.type = (ProtoType)type;
	r = (Reader){.p = b + PROTO_HEADER_SIZE, .left = length};
	k = decode_payload(&r, &m);
	if (k < 0)
		return k;
	if (r.left != 0) { /* trailing bytes: the sender and we disagree about the format */
		proto_message_done(&m);
		return -EBADMSG;
	}
	*ret = m;
	return 0;
}

void proto_message_done(ProtoMessage *m)
{
	if (m->type == PROTO_ENTER) {
		free((void *)m->enter.argv);
		m->enter.argv = m->enter.envp = NULL;
	}
}
