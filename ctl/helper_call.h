/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcovectl's use of the helper client (common/helper_client.h): the helper is
 * LIBEXECDIR/alcove-helper, or $ALCOVE_HELPER (alcovectl runs as root; the tests point it at a
 * build); it keeps alcovectl's stderr, so its log lines reach the admin; $ALCOVE_FAULT is
 * passed on for the fault-injection build. Each verb has a deadline (open 60 s, close 30 s,
 * stop 300 s, gc 600 s, reset none; $ALCOVE_HELPER_TIMEOUT seconds for all): past it the
 * helper is killed (SIGKILL through its pidfd) and the call fails with -ETIMEDOUT.
 */

#include "helper_client.h"

/* 0 with *ret filled (whatever its status; helper_reply_status() reads it); -errno when the
 * helper could not be run or gave no well-formed answer, with one message on stderr. */
int ctl_helper_call(const char *verb, const KvBuilder *request, HelperReply *ret);
