# A private tmux server for terminal tests (bash; source after common.sh): the panes are the
# terminals a user or an admin types on.
#
#   tmux_start DIR                      the server's socket in DIR; killed at exit
#   tm ARGS...                          tmux on that server
#   screen_of PANE                      what the pane shows
#   wait_screen PANE REGEX [TENTHS]     waits for a line matching the extended regex; prints it
#   type_line PANE TEXT                 types TEXT and Enter

tmux_start() { # dir
	TMUX_SOCK=$1/tmux.sock
	on_exit "tmux -S $TMUX_SOCK kill-server"
}
tm() { tmux -S "$TMUX_SOCK" "$@"; }
screen_of() { tm capture-pane -p -J -t "$1"; }
wait_screen() { # pane regex [tenths]
	local n=${3:-100} line
	while ((n-- > 0)); do
		line=$(screen_of "$1" | grep -E -- "$2" | tail -1)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.1
	done
	echo "--- pane $1:" >&2
	screen_of "$1" >&2
	return 1
}
type_line() { tm send-keys -t "$1" -l -- "$2" && tm send-keys -t "$1" Enter; }
