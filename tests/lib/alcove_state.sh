# An alcove's state file read by the tests (bash; pam.sh and leftovers.sh source it).
#
#   alcove_state_pid STATE   prints the init pid STATE names when that init still runs (its
#                            start time matches: a recycled pid does not count); else fails

alcove_state_pid() { # state
	local pid start
	pid=$(sed -n 's/^pid=//p' "$1" 2>/dev/null)
	start=$(sed -n 's/^starttime=//p' "$1" 2>/dev/null)
	[ -n "$pid" ] && [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$start" ] &&
		echo "$pid"
}
