/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcove-init: PID 1 of an alcove. One epoll loop serves the two listening sockets
 * (fd 3: control, the user's, for ENTER; fd 5: admin, host root's, for HOLD, RELEASE,
 * STOP and STATUS), the signalfd (SIGCHLD, SIGTERM), every client
 * connection, every starting session's exec-error pipe and every hold's
 * pidfd; nothing in it blocks on a client. Objects that die during one
 * epoll batch are only marked dead and freed after the batch, so a later
 * event of the same batch never touches freed memory.
 *
 *   main.c      arguments, setup, the loop, lifecycle actions, logging
 *   conn.c      accepting, SO_PEERCRED, request dispatch by socket, answers
 *   session.c   starting (fork + exec-error pipe), signalling, reaping sessions
 *   child.c     the forked child: credentials, tty, cgroup, cwd, exec
 *   hold.c      holds (pidfds of PAM applications)
 *   log_budget.c how many lines the tenant's doings may write (pure)
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "args.h"
#include "lifecycle.h"
#include "log_budget.h"
#include "macro.h"
#include "proto.h"
#include "proto_io.h"

#define INIT_LISTEN_FD 3
#define INIT_LAYER_LOCK_FD 4 /* the persistent layer's flock, when the helper passes one */
#define INIT_ADMIN_FD 5
#define INIT_MAX_CONNS 512	/* on the control socket */
#define INIT_MAX_ADMIN_CONNS 64 /* on the admin socket: the user's connections never count */
#define INIT_MAX_HOLDS 1024
/* fds kept free of the control socket's connections, below RLIMIT_NOFILE: the admin socket's
 * (the helper's HOLD, alcovectl's STATUS), their holds' pidfds, a session start's pipe */
#define INIT_FD_RESERVE (INIT_MAX_ADMIN_CONNS + 64)
/* a child releasing a closed connection's queue ends by then (control_io.c) */
#define INIT_DRAIN_SECONDS 10
#define INIT_CGROUP_ROOT "/sys/fs/cgroup"

typedef enum WatchKind {
	WATCH_LISTEN,
	WATCH_ADMIN_LISTEN,
	WATCH_SIGNAL,
	WATCH_CONN,
	WATCH_START, /* a session's exec-error pipe */
	WATCH_HOLD,
} WatchKind;

/* First member of every object registered with epoll (epoll_event.data.ptr). */
typedef struct Watch {
	WatchKind kind;
	bool dead; /* freed after the current epoll batch */
} Watch;

typedef struct Session Session;

typedef struct Conn {
	Watch watch;
	int fd;
	bool admin; /* accepted on the admin socket: the peer is host root */
	uid_t peer_uid;
	pid_t peer_pid;
	Session *session; /* set by ENTER until the session ends or the client goes */
	bool handed_off;  /* its ENTER is the session child's to receive: watched for a hangup */
	struct Conn *next;
} Conn;

struct Session {
	Watch watch;
	pid_t pid;	/* also its process group and session id */
	int start_fd;	/* read end of the exec-error pipe; -1 once the start is resolved */
	unsigned login; /* cgroup login-<n>/ (0 without --cgroup) */
	Conn *conn;	/* NULL once the client is gone or the answer is final */
	Session *next;
};

/* The tenant-made events whose lines are budgeted (log_budget.h), each kind on its own, so that
 * a flood of one does not hide the first lines of another. */
typedef enum InitLogKind {
	INIT_LOG_REFUSED, /* a connection refused */
	INIT_LOG_DROPPED, /* a connection dropped: a malformed or unexpected request */
	INIT_LOG_SESSION, /* a session that failed to start */
	INIT_LOG_KINDS,
	INIT_LOG_ROOT =
	    INIT_LOG_KINDS, /* the same on the admin socket, host root's: not budgeted */
} InitLogKind;

typedef struct Hold {
	Watch watch;
	int pidfd;
	char id[PROTO_SESSION_MAX + 1];
	struct Hold *next;
} Hold;

typedef struct Init {
	InitArgs args;
	int epfd;
	int listen_fd;
	int admin_fd;
	int signal_fd;
	Watch listen_watch, admin_watch, signal_watch;
	uid_t overflow_uid;
	int spare_fd;	    /* /dev/null, given up to accept and refuse a connection at EMFILE */
	bool accept_failed; /* the last accept() failed: its error is logged once */
	uint64_t start_usec;
	uint64_t activity_usec; /* CLOCK_REALTIME µs: STATUS_REPLY's, set by init_touch() */
	Lifecycle life;
	bool has_children;
	Conn *conns;
	unsigned n_conns, n_admin_conns;
	Session *sessions;
	Hold *holds;
	unsigned n_holds;
	unsigned next_login;
	unsigned *stale_logins; /* login cgroups that were busy when their session ended */
	size_t n_stale_logins;
	bool stale_logins_dropped; /* one was not kept (the cap, or no memory): logged once */
	ProtoPacket *pkt; /* one receive buffer: messages are handled one at a time */
	LogBudget log_budget[INIT_LOG_KINDS];
} Init;

/* main.c */
void init_log(const char *fmt, ...) _printf_(1, 2);
/* init_log() for a line of a kind the tenant can make at will, within that kind's budget
 * (INIT_LOG_ROOT: the same line for host root's admin socket, always written) */
void init_log_tenant(Init *init, InitLogKind kind, const char *fmt, ...) _printf_(3, 4);
/* The count of lines left out in each kind's ended window, one line each; when the next is due */
uint64_t init_log_budget_flush(Init *init, uint64_t now);
uint64_t now_usec(void);
void init_touch(Init *init);
int watch_add(Init *init, int fd, Watch *w, uint32_t events);
int watch_set(Init *init, int fd, Watch *w, uint32_t events);
void watch_del(Init *init, int fd);
unsigned init_in_use(const Init *init);
unsigned init_open_sessions(const Init *init);

/* conn.c */
void conn_accept(Init *init, bool admin);
void conn_event(Init *init, Conn *c);
void conn_close(Init *init, Conn *c, bool hangup);
int conn_reply(Conn *c, const ProtoMessage *m);
int conn_reply_error(Conn *c, int err, const char *fmt, ...) _printf_(3, 4);
void conns_sweep(Init *init);

/* control_io.c */
int control_peek(int fd, ProtoPacket *pkt, ProtoMessage *ret);
int control_consume(int fd);
void control_close(Init *init, int fd);

/* session.c */
int session_start(Init *init, Conn *c);
void session_start_event(Init *init, Session *s);
void session_signal(Session *s, int signo);
void session_hangup(Session *s);
void sessions_reap(Init *init);
void sessions_sweep(Init *init);

/* child.c */
typedef struct LoginExecError {
	int32_t error;
	char message[256];
} LoginExecError;
_noreturn_ void child_run(const Init *init, int conn_fd, int err_fd, unsigned login);

/* hold.c */
int hold_add(Init *init, const char *id, int pidfd);
int hold_release(Init *init, const char *id);
void hold_event(Init *init, Hold *h);
void holds_sweep(Init *init);
