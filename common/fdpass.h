/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One message with fds over an AF_UNIX socket (SCM_RIGHTS): the one place for the rules of
 * passing descriptors, used by the control protocol (proto_io.c), the helper's answer and its
 * client (helper/main.c, helper_client.c) and the build's GO message (helper/build/).
 *
 * Sending: all or nothing (a SEQPACKET message is atomic; a short stream write is -EIO),
 * MSG_NOSIGNAL (a gone peer is -EPIPE, never SIGPIPE), EINTR retried.
 * Receiving: every fd arrives close-on-exec (MSG_CMSG_CLOEXEC, set by the kernel as it
 * installs the fd: no window in which a fork+exec elsewhere could inherit it). The control
 * buffer holds max_fds; a sender that passes more makes the kernel set MSG_CTRUNC and close
 * what did not fit, and since CMSG_SPACE rounds up, one fd more than max_fds may arrive
 * without it: that one is closed and the message counts as truncated. A truncated message or
 * control data is -EMSGSIZE, a cmsg other than SCM_RIGHTS -EBADMSG; on any error every fd
 * that did arrive is closed, so a hostile peer can make us neither leak nor keep one.
 * libc only: alcove-init links it statically.
 */

#include <stddef.h>
#include <sys/types.h>

#define FDPASS_MAX_FDS 64

/* Sends buf[0..len) as one message with fds[0..n_fds) (n_fds <= FDPASS_MAX_FDS, else
 * -EINVAL). flags are extra send flags (MSG_DONTWAIT). 0 or -errno. */
int fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds, int flags);

/* Receives one message into buf[0..size) and its fds into fds[0..max_fds) (max_fds <=
 * FDPASS_MAX_FDS). Returns the message's length with *ret_n_fds fds the caller owns; 0 at
 * EOF (the peer closed; no fd); -errno with no fd (-EMSGSIZE, -EBADMSG as above; -EAGAIN
 * with MSG_DONTWAIT). */
ssize_t fdpass_recv(int sock, void *buf, size_t size, int *fds, size_t max_fds,
		    size_t *ret_n_fds, int flags);

/* Closes fds[0..n) that are >= 0 and sets them to -1. */
void fdpass_close(int *fds, size_t n);
