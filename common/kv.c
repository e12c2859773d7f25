/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kv_builder_init(KvBuilder *b)
{
	b->len = 0;
	b->error = 0;
}

void kv_add(KvBuilder *b, const char *key, const char *value)
{
	size_t kl, vl;

	if (!value || b->error)
		return;
	kl = strlen(key);
	vl = strlen(value);
	if (kl == 0 || strchr(key, '=')) {
		b->error = -EINVAL;
		return;
	}
	if (kl + 1 + vl + 1 > sizeof(b->buf) - b->len) {
		b->error = -E2BIG;
		return;
	}
	memcpy(b->buf + b->len, key, kl);
	b->buf[b->len + kl] = '=';
	memcpy(b->buf + b->len + kl + 1, value, vl + 1);
	b->len += kl + 1 + vl + 1;
}

void kv_addf(KvBuilder *b, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value)) {
		if (!b->error)
			b->error = -E2BIG;
		return;
	}
	kv_add(b, key, value);
}

int kv_parse(const char *buf, size_t len, KvMessage *ret)
{
	KvMessage m = {0};
	size_t off = 0;

	if (len > KV_MAX_MESSAGE || (len > 0 && buf[len - 1] != '\0'))
		return -EBADMSG;
	while (off < len) {
		const char *pair = buf + off;
		size_t pl = strlen(pair); /* bounded: buf[len-1] is NUL */
		const char *eq = memchr(pair, '=', pl);

		if (!eq || eq == pair || m.n >= KV_MAX_PAIRS)
			return -EBADMSG;
		m.key[m.n] = pair;
		m.value[m.n] = eq + 1;
		/* keys are compared up to '=' by kv_get; reject duplicates here */
		for (size_t i = 0; i < m.n; i++) {
			size_t kl = (size_t)(strchr(m.key[i], '=') - m.key[i]);
			if (kl == (size_t)(eq - pair) && memcmp(m.key[i], pair, kl) == 0)
				return -EBADMSG;
		}
		m.n++;
		off += pl + 1;
	}
	*ret = m;
	return 0;
}

const char *kv_get(const KvMessage *m, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < m->n; i++)
		if (strncmp(m->key[i], key, kl) == 0 && m->key[i][kl] == '=')
			return m->value[i];
	return NULL;
}
