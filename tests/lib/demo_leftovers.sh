# shellcheck shell=bash
# What `make demo` may leave behind (bash; no other dependency: tests/integration/56-*.sh runs
# it inside a container). Prints one line per thing left, nothing when the demo left nothing.
# Everything the demo makes is named for alcove-demo (users, subuid lines, PAM file, temp dir,
# homes, state, layer, sshd's and init's command lines), so the check holds on a machine where
# other tests run at the same time.
#
#   demo_leftovers [UID]   UID: the one the demo's user had (its banner says it). Its alcove's
#                          run directory, /run/user/UID, processes and systemd units are then
#                          looked for too, unless another user has that uid by now (useradd
#                          gives a freed uid again; a test running beside may hold it).
demo_leftovers() {
	getent passwd alcove-demo alcove-demo2
	grep -H '^alcove-demo' /etc/subuid /etc/subgid
	# (not a zombie that the host's PID 1 has yet to reap: a session whose parent ended first)
	ps -e -o stat=,ppid=,pid=,args= | grep -v '^Z[^ ]* *1 ' | grep 'alcove-dem[o]'
	grep -h 'alcove-demo' /proc/self/mountinfo /proc/1/mountinfo
	grep -l '^user=alcove-demo$' /run/alcove/*/state
	# (the demo's directory and its lock, /run/alcove-demo.lock; homes and mail spools)
	ls -d /var/lib/alcove/alcove-demo* /etc/pam.d/alcove-demo* /run/alcove-demo /run/alcove-demo.* \
		/home/alcove-demo* /var/mail/alcove-demo*
	[ -n "${1:-}" ] || return 0
	getent passwd "$1" >/dev/null && return 0
	ls -d "/run/alcove/$1" "/run/alcove/$1-"* "/run/user/$1"
	ps -o stat=,pid=,args= -u "$1" | grep -v '^Z'
	# active, failed or with a job pending: a user manager or runtime dir from a logind session,
	# the alcove's scope, the slice that held it
	[ -d /run/systemd/system ] && systemctl list-units --plain --no-legend "user@$1.service" \
		"user-runtime-dir@$1.service" "user-$1.slice" 'alcove-alcove?x2ddemo*' # (alcove\x2ddemo)
} 2>/dev/null
