/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control protocol between alcove-init and its clients (alcove-enter,
 * alcovectl, alcove-helper): one SOCK_SEQPACKET packet per message, a fixed
 * 16-byte header and a bounded payload; fds only by SCM_RIGHTS (proto_io.c).
 * The table of messages is in docs/INTERNALS.md "Control protocol".
 *
 * This file is pure: encode/decode, no syscalls. alcove-init links it
 * statically, so it uses nothing but libc (no log.c).
 *
 * Both ends run on the same host, so integers travel in host byte order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC 0x56434c41u /* the bytes "ALCV" as a little-endian u32 */
#define PROTO_VERSION 1
#define PROTO_HEADER_SIZE 16
#define PROTO_MAX_PAYLOAD (128 * 1024)
#define PROTO_MAX_MESSAGE (PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD)
#define PROTO_MAX_ARGS 4096   /* argc and envc each */
#define PROTO_MAX_FDS 3	      /* the most fds any message carries (ENTER: 0,1,2) */
#define PROTO_MAX_RLIMITS 32  /* ENTER: resource limits (Linux has had 16 since 2.6.25) */
#define PROTO_SESSION_MAX 128 /* bytes of a HOLD/RELEASE session id, without the NUL */
#define PROTO_ERROR_MESSAGE_MAX 1024

typedef enum ProtoType {
	PROTO_ENTER = 1,
	PROTO_STARTED = 2,
	PROTO_ERROR = 3,
	PROTO_EXITED = 4,
	PROTO_SIGNAL = 5,
	PROTO_HOLD = 6,
	PROTO_RELEASE = 7,
	PROTO_STOP = 8,
	PROTO_STATUS = 9,
	PROTO_STATUS_REPLY = 10,
	PROTO_OK = 11,
	_PROTO_TYPE_MAX,
} ProtoType;

/* ENTER flags: none defined yet; a decoder rejects unknown bits. */
#define PROTO_ENTER_FLAGS_KNOWN 0u

/* One resource limit as getrlimit64() gives it; RLIM64_INFINITY (all ones) is unlimited.
 * cur <= max, as the kernel keeps them. */
typedef struct ProtoRlimit {
	uint64_t cur;
	uint64_t max;
} ProtoRlimit;

typedef struct ProtoEnter {
	uint32_t flags;
	uint32_t umask;	    /* the client's umask (<= 0777): the session starts with it */
	uint32_t n_rlimits; /* <= PROTO_MAX_RLIMITS; rlimits[i] is resource i (RLIMIT_*) */
	ProtoRlimit rlimits[PROTO_MAX_RLIMITS];
	const char *path; /* executable; no '/' = searched in the request's PATH */
	const char *cwd;  /* "" = the login's home */
	uint32_t argc;	  /* >= 1 */
	uint32_t envc;
	/* argc (envc) entries followed by NULL. For encoding: the caller's arrays.
	 * From proto_decode(): one allocated array (free with proto_message_done()),
	 * the strings point into the decoded buffer. */
	const char *const *argv;
	const char *const *envp;
} ProtoEnter;

/* STATUS_REPLY flags: init has begun to end the alcove (on_last_logout, SIGTERM, STOP): it
 * refuses ENTER and HOLD and exits once its processes are gone. A decoder rejects unknown
 * bits. */
#define PROTO_STATUS_STOPPING 1u
#define PROTO_STATUS_FLAGS_KNOWN PROTO_STATUS_STOPPING

/* STATUS_REPLY's payload grew by appending: 24 bytes without activity_usec (what an init from
 * before it sends), 32 bytes with it. A decoder takes either length, so an upgraded helper or
 * alcovectl still understands an alcove-init started before the upgrade; activity_usec 0 means
 * "not told" and is always sent in the short form (one spelling per message). */

typedef struct ProtoStatus {
	uint32_t sessions;
	uint32_t holds;
	uint32_t processes;
	uint64_t start_usec; /* CLOCK_MONOTONIC of init's start, µs */
	uint32_t flags;	     /* PROTO_STATUS_* (on the wire before start_usec) */
	/* CLOCK_REALTIME µs of the last session activity init saw (HOLD, RELEASE, a hold's
	 * process ending, an ENTER starting or its session ending; init's start before any);
	 * 0: an init that does not tell (the 24-byte reply). */
	uint64_t activity_usec;
} ProtoStatus;

typedef struct ProtoMessage {
	ProtoType type;
	union {
		ProtoEnter enter; /* ENTER */
		int32_t pid;	  /* STARTED: pid in the alcove's PID ns */
		struct {
			int32_t error;	     /* positive errno */
			const char *message; /* one line naming the object */
		} error;		     /* ERROR */
		int32_t wait_status;	     /* EXITED: as from waitpid() */
		int32_t signo;		     /* SIGNAL */
		const char *session;	     /* HOLD, RELEASE */
		ProtoStatus status;	     /* STATUS_REPLY */
	};
} ProtoMessage;

/* The number of fds that must ride with a message of this type (0 for unknown types). */
size_t proto_type_fds(ProtoType type);
const char *proto_type_name(ProtoType type);

/* Encodes m into buf; returns the message length (header + payload), -E2BIG when it does not
 * fit into size or exceeds PROTO_MAX_PAYLOAD, -EINVAL for a value the decoder would reject. */
int proto_encode(const ProtoMessage *m, void *buf, size_t size);

/* Decodes one received packet of len bytes that came with n_fds fds. Pointers in *ret point
 * into buf, which must stay alive. -EBADMSG for anything malformed: wrong magic/version/type,
 * length that does not match, counts that do not fit, missing NUL, wrong number of fds,
 * trailing bytes. -ENOMEM. *ret is untouched on failure. */
int proto_decode(const void *buf, size_t len, size_t n_fds, ProtoMessage *ret);

/* The type a packet's header names (0 when it is too short to hold one). init reads a control
 * packet first with MSG_PEEK, which does not take its fds: with it it knows how many to expect
 * for proto_decode() when the kernel said some came (MSG_CTRUNC). */
ProtoType proto_header_type(const void *buf, size_t len);

/* Frees what proto_decode() allocated (the ENTER arrays). Safe on any decoded message. */
void proto_message_done(ProtoMessage *m);

/* A HOLD/RELEASE session id: 1..PROTO_SESSION_MAX printable ASCII bytes, no space. */
bool proto_session_is_valid(const char *s);
