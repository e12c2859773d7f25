# A journal of the test's own, to assert what pam_alcove and alcove-helper log (bash; source
# after common.sh). There is no journald on the test machines, and the host's /run/systemd
# must not be touched, so the test first re-runs itself in a private mount namespace and
# mounts a tmpfs on /run/systemd there; everything it starts (sshd, su, login, the helper)
# logs to tests/lib/journal_listener.py through the native journal socket, with the
# structured fields.
#
#   in_private_mount_ns "$@"      first thing in the script, before creating anything (it
#                                 also waits until no other copy of the test runs)
#   journal_start                 sets JOURNAL (the decoded log, one line per entry; what a
#                                 stream (a program's stderr, as alcove-init's) carries is
#                                 "stream uid=UID pid=PID id=IDENT msg=LINE", UID and PID
#                                 from SO_PEERCRED as journald takes them)
#   journal_wait TEXT [tenths]    waits until a line containing TEXT arrived; prints it

# Also serialises copies of one test: every worktree on a shared machine has the same tests,
# with the same user names and ports, and two copies running at once would delete each
# other's users. flock -o: the lock stays with flock itself, not with what the test starts.
in_private_mount_ns() {
	if [ "${ALCOVE_TEST_PRIVATE_NS:-}" != 1 ]; then
		mkdir -p /run/alcove-tests
		before_reexec
		exec flock -o -w 1200 "/run/alcove-tests/lock.$TESTNAME" \
			env ALCOVE_TEST_PRIVATE_NS=1 unshare --mount --propagation private bash "$0" "$@"
	fi
}

journal_start() {
	[ "${ALCOVE_TEST_PRIVATE_NS:-}" = 1 ] || setup_fail "journal_start needs in_private_mount_ns"
	mount -t tmpfs -o mode=0755,size=16m alcove-test-journal /run/systemd ||
		setup_fail "tmpfs on /run/systemd"
	mkdir -p /run/systemd/journal || setup_fail "mkdir /run/systemd/journal"
	JOURNAL=$(mktemp /run/alcove-tests/journal.XXXXXX) || setup_fail "the journal's file"
	on_exit "rm -f $JOURNAL"
	python3 "$ALCOVE_SRC/tests/lib/journal_listener.py" /run/systemd/journal/socket "$JOURNAL" \
		</dev/null >/dev/null 2>&1 &
	local pid=$!
	on_exit "kill $pid"
	wait_until 50 grep -q '^# listening' "$JOURNAL" || setup_fail "journal listener did not start"
}

journal_wait() { # text [tenths]
	local text=$1 n=${2:-50}
	while ((n-- > 0)); do
		if grep -F -- "$text" "$JOURNAL"; then return 0; fi
		sleep 0.1
	done
	return 1
}

journal_clear() { : >"$JOURNAL"; }
