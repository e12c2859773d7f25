# Helpers for the PAM login tests (bash; source after common.sh).
#
#   pam_user NAME [useradd options]   make_user + stop and reset of its alcove at exit
#   expected_user_uid_map USER        the uid_map user mode must show, "ns host count" lines
#   normalise_map                     filter: /proc/*/uid_map text -> "ns host count" lines
#   alcove_gone USER                  true when USER has no alcove process, live state or mount
#   alcove_leftovers USER             what alcove_gone found, for the failure message
#   pam_service_with NAME LINES       in the test's private mount ns (journal.sh's
#                                     in_private_mount_ns), /etc/pam.d/NAME becomes a copy of
#                                     the system's file plus LINES; the host never sees it

. "$(dirname "${BASH_SOURCE[0]}")/alcove_state.sh"

pam_user() { # name [useradd options]
	make_user "$@"
	if [ -x "$BUILD/alcovectl" ]; then
		on_exit "ALCOVE_HELPER=$BUILD/alcove-helper $BUILD/alcovectl stop $1; \
			ALCOVE_HELPER=$BUILD/alcove-helper $BUILD/alcovectl reset --yes $1"
	fi
}

expected_user_uid_map() { # user
	local u s
	u=$(id -u "$1")
	s=$(awk -F: -v n="$1" '$1 == n && $3 >= 65536 {print $2; exit}' /etc/subuid)
	if [ "$u" -lt 65536 ]; then
		printf '0 %s %s\n%s %s 1\n%s %s %s\n' "$s" "$u" "$u" "$u" $((u + 1)) $((s + u + 1)) \
			$((65535 - u))
	else
		printf '0 %s 65536\n%s %s 1\n' "$s" "$u" "$u"
	fi
}

normalise_map() { awk '{print $1, $2, $3}'; }

# Processes of USER's alcove run as host U, its init as ids of U's subordinate range; its mounts
# live in its own mount ns, so on the host (ours and PID 1's view) an overlay or a mount of
# the user's /var/lib/alcove directory would be a leak; the state file says it runs.
alcove_leftovers() { # user
	local u uid
	u=$(id -u "$1")
	# (by uid U, and init by its --user=: subordinate ranges of deleted users are reused by
	# other tests' users on a shared machine, so a uid of the range proves nothing)
	ps -e -o uid=,pid=,args= | awk -v u="$u" -v n="--user=$1" \
		'$1 == u || ($3 ~ /alcove-init$/ && index($0, n " ") + index($0 " ", n " ")) \
		{print "process:", $0}'
	# A state file whose init is gone is what the next open (or gc) clears: the state of a
	# *running* alcove is the leftover.
	for uid in "$u" "$u"-*; do
		local st=/run/alcove/$uid/state pid
		pid=$(alcove_state_pid "$st") && echo "state of a running alcove: $st (pid $pid)"
	done
	grep -hE " overlay | /var/lib/alcove/$1[/ ]" /proc/self/mountinfo /proc/1/mountinfo |
		sed 's/^/mount: /'
	return 0
}

alcove_gone() { [ -z "$(alcove_leftovers "$1")" ]; }

pam_service_with() { # name lines
	[ "${ALCOVE_TEST_PRIVATE_NS:-}" = 1 ] || setup_fail "pam_service_with needs in_private_mount_ns"
	local f
	f=$(mktemp /run/alcove-tests/pam.$1.XXXXXX) || setup_fail "pam_service_with $1: mktemp"
	on_exit "rm -f $f"
	{
		cat "/etc/pam.d/$1"
		printf '# added by alcove test %s\n%s\n' "$TESTNAME" "$2"
	} >"$f" && chmod 644 "$f" || setup_fail "pam_service_with $1: writing $f"
	mount --bind "$f" "/etc/pam.d/$1" || setup_fail "bind $f on /etc/pam.d/$1"
}

# True when a process of USER's alcove has exactly ARGS as its command line.
alcove_has() { # user args
	local uid
	uid=$(id -u "$1")
	ps -u "$uid" -o args= | grep -qxF -- "$2"
}
