/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The request/answer format between pam_alcove.so or alcovectl and
 * alcove-helper: one SOCK_SEQPACKET message holding "key=value\0" pairs,
 * with any fd riding along by SCM_RIGHTS. Nothing secret or structured goes
 * through argv; the helper's argv is only its verb.
 *
 * Pure encode/decode; bounded sizes; a key appears at most once.
 */

#include <stdbool.h>
#include <stddef.h>

#define KV_MAX_MESSAGE 8192
#define KV_MAX_PAIRS 32

typedef struct KvMessage {
	size_t n;
	const char *key[KV_MAX_PAIRS];
	const char *value[KV_MAX_PAIRS];
} KvMessage;

typedef struct KvBuilder {
	char buf[KV_MAX_MESSAGE];
	size_t len;
	int error; /* first error (-E2BIG/-EINVAL), sticky */
} KvBuilder;

void kv_builder_init(KvBuilder *b);
/* Appends key=value; a key may not contain '=' or NUL, value may not contain NUL. NULL value = skip. */
void kv_add(KvBuilder *b, const char *key, const char *value);
void kv_addf(KvBuilder *b, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parses buf[0..len) in place (pointers into buf). -EBADMSG on malformed input. */
int kv_parse(const char *buf, size_t len, KvMessage *ret);
const char *kv_get(const KvMessage *m, const char *key);
