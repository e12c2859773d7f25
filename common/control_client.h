/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Short requests to a running alcove-init over its admin socket
 * (/run/alcove/<name>/admin, root 0600: only host root gets in, and init serves HOLD,
 * RELEASE, STOP and STATUS nowhere else): one connection, one request, one answer.
 * Used by alcove-helper (HOLD, RELEASE, STOP, STATUS) and alcovectl (STATUS).
 * Returns 0 on success; -errno of the connection, or the errno init answered
 * with in an ERROR (-EPERM: not served on this socket; -ENOENT: no such
 * hold); -EBADMSG for an answer that is not what the request expects.
 * The path is connected as given: root callers resolve it safely themselves
 * (it is a socket in a root-owned directory).
 *
 * Every connection has SO_SNDTIMEO and SO_RCVTIMEO of CONTROL_TIMEOUT_SEC: a connect, send
 * or answer that takes longer is -ETIMEDOUT (an init that is stopped or wedged). A session's
 * connection (enter_client.c) waits for its answers with poll(), unbounded.
 */

#define CONTROL_TIMEOUT_SEC 5

#include <stddef.h>

#include "proto.h"

/* "/run/alcove/<name>/admin" into buf; -ENAMETOOLONG if it does not fit. */
int control_admin_path(const char *name, char *buf, size_t len);

/* A SOCK_SEQPACKET|SOCK_CLOEXEC connection to path (at most sizeof(sun_path)-1 bytes), with
 * the timeouts above. */
int control_connect(const char *socket_path);

/* Registers (or renews) hold `session` for the process behind pidfd; init drops the hold
 * when RELEASE names it or when that process exits (pidfd readable). Root only. */
int control_hold(const char *socket_path, const char *session, int pidfd);
/* Drops hold `session`; -ENOENT if init has no such hold. Root only. */
int control_release(const char *socket_path, const char *session);
/* Asks init to stop the alcove now (SIGTERM to all, SIGKILL after 3 s). Returns once init
 * has accepted; does not wait for the end (wait on init's pidfd for that). */
int control_stop(const char *socket_path);
int control_status(const char *socket_path, ProtoStatus *ret);
/* STATUS in two steps, so that many inits are asked at once under one deadline (alcovectl
 * list: an init that does not answer would otherwise cost CONTROL_TIMEOUT_SEC each, in turn).
 * _send: a new connection, the request sent without waiting (a full backlog is -ETIMEDOUT at
 * once); its fd, the caller's to close. _take: the answer, until deadline (monotonic ms). */
int control_status_send(const char *socket_path);
int control_status_take(int fd, long long deadline, ProtoStatus *ret);

/* The same on a connection the caller already has (fd stays open). */
int control_request(int fd, const ProtoMessage *request, const int *fds, size_t n_fds,
		    ProtoMessage *ret_answer);
