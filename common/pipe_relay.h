/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl enter`'s fds 0, 1, 2 that are not terminals (a pipe, a file, a socket) through
 * pipes of ours, never handed to the session as they are: a process the session leaves behind
 * (`setsid sleep 1000 &`) would keep them, so that a pipeline `alcovectl enter U -- cmd | grep`
 * waited for it, and under a systemd unit it could write into the unit's journal stream as the
 * admin's unit long after. With the relay the session's processes hold only our pipes; once
 * the session's process has ended, what the pipes hold then is passed on and our ends are
 * closed, so a leftover process reads EOF and writes into EPIPE. Terminals are pty_relay.h's;
 * /dev/null and closed fds go as they are (nothing to keep). Input is read ahead; what the
 * session did not read of a regular file is given back (its offset set back).
 */

#include <stdbool.h>

/* Whether one of fds 0, 1, 2 needs the relay. */
bool pipe_relay_wanted(void);

/* Runs session(userdata) in a child of ours whose fds 0, 1, 2 that need it are our pipes, and
 * relays between them and ours until that child has exited and its pipes' tail is passed on.
 * SIGHUP, SIGTERM, SIGINT, SIGQUIT sent to us are passed to the child, and after one the tail
 * is not waited for (an output nobody reads must not hold us); a closed output of ours (EPIPE)
 * closes that pipe, as the session would have met it. The child _exit()s with what session() returns (or exits
 * itself). 0 with *ret_status, the child's wait status; -errno when the child could not be
 * started (*ret_status untouched) or when the relay broke (the child got SIGHUP; *ret_status
 * is set). */
int pipe_relay_session(int (*session)(void *userdata), void *userdata, int *ret_status);
