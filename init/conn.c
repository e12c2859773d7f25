/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Client connections: accepting with a SO_PEERCRED check, and one request at a time
 * dispatched through a table (type, the socket it is served on, handler).
 *
 * Authority comes from the socket a connection arrived on, never from its peer credentials:
 * every host uid the alcove does not map (host root, but also the ids of the user's own
 * subordinate range that the alcove leaves out) reads as the overflow uid, with pid 0 from
 * outside our PID namespace, and the kernel checks a socket file's permission with the
 * connecting process's fs uid while SO_PEERCRED reports its effective uid. The admin socket
 * (fd 5) is a root 0600 file in a root 0711 directory: only host root reaches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <dirent.h>
#include <unistd.h>

#include "init.h"

int conn_reply(Conn *c, const ProtoMessage *m)
{
	/* Answers are small and the client waits for them; a client whose buffer is full is
	 * not reading, and is dropped rather than waited for. */
	return proto_send_message(c->fd, m, NULL, 0, MSG_DONTWAIT);
}

int conn_reply_error(Conn *c, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conn_reply(c, &(ProtoMessage){.type = PROTO_ERROR, .error = {err, msg}});
}

/* A connection's socket, closed: the admin socket's is host root's; a control one may hold a
 * client's fds, queued (even one refused at once: a client may send before init accepts) */
static void conn_fd_close(Init *init, int fd, bool admin)
{
	if (admin)
		(void)close(fd);
	else
		control_close(init, fd); /* never init's close of a client's fd */
}

void conn_close(Init *init, Conn *c, bool hangup)
{
	if (c->watch.dead)
		return;
	if (c->session) {
		/* The client (alcove-enter: sshd's child) went away while its session runs:
		 * like a terminal hangup. */
		if (hangup)
			session_hangup(c->session);
		c->session->conn = NULL;
		c->session = NULL;
	}
	watch_del(init, c->fd);
	conn_fd_close(init, c->fd, c->admin);
	c->fd = -1;
	c->watch.dead = true;
	if (c->admin)
		init->n_admin_conns--;
	else
		init->n_conns--;
}

void conns_sweep(Init *init)
{
	for (Conn **p = &init->conns; *p;) {
		Conn *c = *p;

		if (c->watch.dead) {
			*p = c->next;
			free(c);
		} else
			p = &c->next;
	}
}

/* On the control socket: the login user, or an unmapped host uid (root's alcovectl enter;
 * whoever else the 0600 mode lets in may only ENTER too, as the login user). Other ids of the
 * alcove (ns uid 5 = host S+5) are kept out. */
static bool peer_allowed(const Init *init, uid_t uid)
{
	return uid == init->args.uid || uid == init->overflow_uid;
}

/* accept() failed with EMFILE or ENFILE: the connection stays queued and the listener stays
 * readable, so init would spin on it (level-triggered epoll). The spare fd makes room to take
 * the connection off the queue and close it: that client is refused, the others wait. */
static void accept_refuse_one(Init *init, int listen_fd)
{
	int fd;

	if (init->spare_fd < 0)
		return;
	(void)close(init->spare_fd);
	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		conn_fd_close(init, fd, listen_fd == init->admin_fd);
	init->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (init->spare_fd < 0)
		init_log("Failed to open /dev/null again as the spare fd: %m; connections at "
			 "EMFILE wait in the queue");
}

static void accept_failed(Init *init, int listen_fd, const char *what)
{
	int err = errno;

	if (err == EAGAIN || err == ECONNABORTED || err == EINTR)
		return;
	if (!init->accept_failed)
		init_log("Failed to accept on the %s socket: %s%s", what, strerror(err),
			 err == EMFILE || err == ENFILE
			     ? "; refusing connections until descriptors are free"
			     : "");
	init->accept_failed = true;
	if (err == EMFILE || err == ENFILE)
		accept_refuse_one(init, listen_fd);
}

/* Whether a connection just accepted may be served; a line saying why not. */
static bool conn_admissible(Init *init, int fd, bool admin, struct ucred *cred)
{
	unsigned n = admin ? init->n_admin_conns : init->n_conns;
	socklen_t len = sizeof(*cred);
	struct rlimit rl;

	/* the lowest free fd: at the reserve, the descriptors left are the admin socket's */
	if (!admin &&
	    (getrlimit(RLIMIT_NOFILE, &rl) < 0 || (rlim_t)fd + INIT_FD_RESERVE >= rl.rlim_cur)) {
		init_log_tenant(
		    init, INIT_LOG_REFUSED,
		    "refusing a connection on the control socket: %u connections open, fd %d "
		    "near RLIMIT_NOFILE",
		    n, fd);
		return false;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0) {
		init_log("Failed to read the peer's credentials (SO_PEERCRED): %m");
		return false;
	}
	if (!admin && !peer_allowed(init, cred->uid)) {
		init_log_tenant(init, INIT_LOG_REFUSED,
				"refusing a connection from uid %u (pid %d): not the login user",
				cred->uid, cred->pid);
		return false;
	}
	if (n >= (admin ? INIT_MAX_ADMIN_CONNS : INIT_MAX_CONNS)) {
		init_log_tenant(init, admin ? INIT_LOG_ROOT : INIT_LOG_REFUSED,
				"refusing a connection on the %s socket from uid %u (pid %d): %u "
				"connections open",
				admin ? "admin" : "control", cred->uid, cred->pid, n);
		return false;
	}
	return true;
}

static int conn_add(Init *init, int fd, bool admin, const struct ucred *cred)
{
	Conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	*c = (Conn){.watch.kind = WATCH_CONN,
		    .fd = fd,
		    .admin = admin,
		    .peer_uid = cred->uid,
		    .peer_pid = cred->pid};
	r = watch_add(init, fd, &c->watch, EPOLLIN);
	if (r < 0) {
		errno = -r;
		init_log("Failed to watch a connection (epoll_ctl): %m");
		free(c);
		return r;
	}
	c->next = init->conns;
	init->conns = c;
	if (admin)
		init->n_admin_conns++;
	else
		init->n_conns++;
	return 0;
}

void conn_accept(Init *init, bool admin)
{
	int listen_fd = admin ? init->admin_fd : init->listen_fd;
	struct ucred cred;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		accept_failed(init, listen_fd, admin ? "admin" : "control");
		return;
	}
	init->accept_failed = false;
	if (!conn_admissible(init, fd, admin, &cred) || conn_add(init, fd, admin, &cred) < 0)
		conn_fd_close(init, fd, admin);
}

/* Each handler returns < 0 to drop the connection. */
static int handle_enter(Init *init, Conn *c, const ProtoMessage *m)
{
	int r;

	if (c->session)
		return -EPROTO;
	if (init->life.stopping) {
		(void)conn_reply_error(c, ESHUTDOWN, "the alcove is stopping");
		return -ESHUTDOWN;
	}
	r = session_start(init, c);
	if (r == -EEXIST) /* only session.c's login cgroup names say that */
		(void)conn_reply_error(c, -r, "start '%s': every login cgroup name tried is taken",
				       m->enter.path);
	else if (r < 0)
		(void)conn_reply_error(c, -r, "start '%s'", m->enter.path);
	if (r < 0)
		return r;
	return 0;
}

static int handle_signal(Init *init, Conn *c, const ProtoMessage *m)
{
	if (!c->session)
		return -EPROTO;
	session_signal(c->session, m->signo);
	return 0;
}

static int handle_hold(Init *init, Conn *c, const ProtoMessage *m)
{
	int r;

	if (init->life.stopping)
		return conn_reply_error(c, ESHUTDOWN, "the alcove is stopping");
	r = hold_add(init, m->session, init->pkt->fds[0]);
	if (r < 0)
		return conn_reply_error(c, -r, "hold '%s'", m->session);
	init->pkt->fds[0] = -1; /* the hold owns it now */
	return conn_reply(c, &(ProtoMessage){.type = PROTO_OK});
}

static int handle_release(Init *init, Conn *c, const ProtoMessage *m)
{
	int r = hold_release(init, m->session);

	if (r < 0)
		return conn_reply_error(c, -r, "release hold '%s'", m->session);
	return conn_reply(c, &(ProtoMessage){.type = PROTO_OK});
}

static int handle_stop(Init *init, Conn *c, const ProtoMessage *m)
{
	init_log("stop requested by uid %u (pid %d)", c->peer_uid, c->peer_pid);
	lifecycle_request_stop(&init->life, now_usec());
	return conn_reply(c, &(ProtoMessage){.type = PROTO_OK});
}

/* Every process in our PID namespace, if /proc is ours; otherwise what we know of. */
static uint32_t count_processes(const Init *init)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	uint32_t n = 0;

	if (!d) {
		for (const Session *s = init->sessions; s; s = s->next)
			n += !s->watch.dead;
		return n + 1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static int handle_status(Init *init, Conn *c, const ProtoMessage *m)
{
	ProtoMessage a = {.type = PROTO_STATUS_REPLY,
			  .status = {.sessions = init_open_sessions(init),
				     .holds = init->n_holds,
				     .processes = count_processes(init),
				     .start_usec = init->start_usec,
				     .activity_usec = init->activity_usec,
				     .flags = init->life.stopping ? PROTO_STATUS_STOPPING : 0}};

	return conn_reply(c, &a);
}

/* Sessions on the control socket; the lifecycle and what is known about it (HOLD, RELEASE,
 * STOP, STATUS) on the admin socket only. */
static const struct {
	bool admin; /* served on the admin socket, never on the control socket */
	int (*handle)(Init *init, Conn *c, const ProtoMessage *m);
} handlers[_PROTO_TYPE_MAX] = {
    [PROTO_ENTER] = {false, handle_enter}, [PROTO_SIGNAL] = {false, handle_signal},
    [PROTO_HOLD] = {true, handle_hold},	   [PROTO_RELEASE] = {true, handle_release},
    [PROTO_STOP] = {true, handle_stop},	   [PROTO_STATUS] = {true, handle_status},
};

static int handle_message(Init *init, Conn *c, const ProtoMessage *m)
{
	if (!handlers[m->type].handle)
		return -EPROTO; /* an answer type sent to us */
	if (c->session && m->type != PROTO_SIGNAL)
		return -EPROTO; /* a session connection carries only SIGNAL */
	if (handlers[m->type].admin != c->admin) {
		(void)conn_reply_error(c, EPERM,
				       c->admin ? "%s is served on the control socket only"
						: "%s is for the alcove helper only",
				       proto_type_name(m->type));
		return 0;
	}
	return handlers[m->type].handle(init, c, m);
}

/* One packet of a control connection (control_io.c): peeked, then taken off the queue by us
 * when it carries no fd, or by the session child (ENTER). Any fd where none belongs ends the
 * connection: -EBADMSG, as a malformed request. */
static int control_recv(int fd, ProtoPacket *pkt, ProtoMessage *m)
{
	int r = control_peek(fd, pkt, m);

	if (r <= 0 || proto_type_fds(m->type) > 0)
		return r; /* its fds stay queued: ENTER's for the session child */
	r = control_consume(fd);
	if (r < 0)
		proto_message_done(m);
	return r < 0 ? r : 1;
}

void conn_event(Init *init, Conn *c)
{
	ProtoMessage m;
	int r;

	/* watched for EPOLLRDHUP only while handed off: the client hung up during its start */
	if (c->handed_off) {
		if (c->session)
			session_hangup(c->session);
		watch_del(init, c->fd); /* until the start resolves: its HUP would repeat */
		return;
	}
	if (c->admin)
		r = proto_recv_message(c->fd, init->pkt, &m, MSG_DONTWAIT);
	else
		r = control_recv(c->fd, init->pkt, &m);
	if (r == -EAGAIN)
		return;
	if (r == 0) {
		conn_close(init, c, true);
		return;
	}
	if (r < 0) {
		init_log_tenant(init, c->admin ? INIT_LOG_ROOT : INIT_LOG_DROPPED,
				"dropping the connection of uid %u (pid %d): %s", c->peer_uid,
				c->peer_pid, r == -EBADMSG ? "malformed request" : strerror(-r));
		conn_close(init, c, true);
		return;
	}
	r = handle_message(init, c, &m);
	proto_message_done(&m);
	proto_packet_close_fds(init->pkt); /* any fd no handler took */
	/* a control packet with fds that no session child took (HOLD, refused above) is still
	 * queued: the connection ends with it */
	if (r >= 0 && !c->admin && !c->handed_off && proto_type_fds(m.type) > 0)
		r = -ECONNABORTED;
	if (r == -EPROTO)
		init_log_tenant(init, c->admin ? INIT_LOG_ROOT : INIT_LOG_DROPPED,
				"dropping the connection of uid %u (pid %d): unexpected %s",
				c->peer_uid, c->peer_pid, proto_type_name(m.type));
	if (r < 0)
		conn_close(init, c, true);
}
