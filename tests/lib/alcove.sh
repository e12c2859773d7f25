# Helpers for tests that build real alcoves through alcovectl (bash; source after common.sh).
#
#   conf=$(make_config '...')            a policy (cgroup = "none": no systemd on this host)
#   alcove_user NAME                     make_user + stop/reset of its alcoves at exit
#   in_alcove CONF USER 'shell code'     runs /bin/sh -c CODE in USER's alcove, like a login
#
# alcovectl finds the build's helper through ALCOVE_HELPER, and the build's alcove-unpack (an
# image pull's layers) through ALCOVE_UNPACK; the helper runs alcove-init from its own
# directory (build/).
ALCOVECTL=$BUILD/alcovectl
export ALCOVE_HELPER=${ALCOVE_HELPER:-$BUILD/alcove-helper}
export ALCOVE_UNPACK=${ALCOVE_UNPACK:-$BUILD/alcove-unpack}
for _p in alcovectl alcove-helper alcove-init; do
	[ -x "$BUILD/$_p" ] || setup_fail "$BUILD/$_p missing: run make first"
done

actl() { "$ALCOVECTL" "$@"; }

alcove_user() { # name [useradd options]
	make_user "$@"
	on_exit "$ALCOVECTL stop $1; $ALCOVECTL reset --yes $1"
}

in_alcove() { # conf user code...
	local conf=$1 user=$2
	shift 2
	"$ALCOVECTL" --config "$conf" enter "$user" -- /bin/sh -c "$*"
}

# The host pid of USER's (share = user) alcove's init, from its state file; empty if none.
alcove_pid() { # user
	local uid
	uid=$(id -u "$1") || return 1
	sed -n 's/^pid=//p' "/run/alcove/$uid/state" 2>/dev/null
}

# The uid_map / gid_map text the helper must have written, from /etc/subuid and /etc/subgid
# (user mode, no passed-through groups), normalised to "ns host count" lines.
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
