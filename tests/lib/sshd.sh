# A private OpenSSH sshd on 127.0.0.1 for login tests (bash; source after common.sh).
#
# OpenSSH 9.2 names its PAM service after its program name, so sshd runs through a symlink
# SSHD_DIR/sshd-alcovetest-PORT -> /usr/sbin/sshd and uses /etc/pam.d/sshd-alcovetest-PORT,
# which this file writes and removes; the system's /etc/pam.d/sshd is never touched.
#
#   sshd_start PORT PAM_SESSION_LINES [SSHD_CONFIG_LINES]
#       writes the PAM service (Debian's sshd stack, then PAM_SESSION_LINES), a host key, a
#       client key, sshd_config (pubkey only, UsePAM, sftp-server), starts sshd -D; sets
#       SSHD_DIR SSHD_PORT SSHD_SERVICE SSHD_KEY SSHD_LOG. With SSHD_SERVICE_NAME=sshd the
#       service is "sshd" itself, its file bound over the system's (in_private_mount_ns).
#       pam_alcove.so in PAM_SESSION_LINES gets sshd_config=SSHD_DIR/sshd_config first: the
#       module reads the configuration of the sshd it serves (internal-sftp), not the host's
#   sshd_authorize USER            lets USER log in with SSHD_KEY
#   ssh_to USER [ssh options...] [-- command...]   runs ssh against the test sshd
#   ssh_bg USER [ssh options...] [-- command...]   the same in the background: SSH_BG_PID
#   scp_opts                       options for scp and sftp (printed, one per line)
#   sshd_pam_write SERVICE LINES   writes /etc/pam.d/SERVICE with Debian's sshd stack + LINES

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

. "$(dirname "${BASH_SOURCE[0]}")/sshd_conf.sh"

sshd_pam_write() { # service lines
	local f=/etc/pam.d/$1
	on_exit "rm -f $f"
	sshd_pam_text "alcove's tests ($TESTNAME)" "$2" >"$f" || setup_fail "writing $f"
}

# A service the system has (SSHD_SERVICE_NAME=sshd, to test a policy's service = "sshd"): in
# the test's private mount namespace only, the file is replaced by a bind mount.
sshd_pam_bind() { # service lines
	[ "${ALCOVE_TEST_PRIVATE_NS:-}" = 1 ] || setup_fail "sshd_pam_bind $1 needs in_private_mount_ns"
	local f
	f=$(mktemp "/run/alcove-tests/pam.$1.XXXXXX") || setup_fail "sshd_pam_bind $1: mktemp"
	on_exit "rm -f $f"
	sshd_pam_text "alcove's tests ($TESTNAME), bound on /etc/pam.d/$1" "$2" >"$f" &&
		chmod 644 "$f" || setup_fail "sshd_pam_bind $1: writing $f"
	mount --bind "$f" "/etc/pam.d/$1" || setup_fail "bind $f on /etc/pam.d/$1"
	on_exit "umount /etc/pam.d/$1"
}

sshd_start() { # port pam_session_lines [sshd_config lines]
	SSHD_PORT=$1
	SSHD_SERVICE=${SSHD_SERVICE_NAME:-sshd-alcovetest-$SSHD_PORT}
	# Not under /tmp: the lobby replaces /tmp, and sshd reads keys after the session opened.
	SSHD_DIR=$(mktemp -d /run/alcove-tests/sshd-$SSHD_PORT.XXXXXX) || setup_fail "sshd: mktemp -d"
	on_exit "rm -rf $SSHD_DIR"
	chmod 755 "$SSHD_DIR" && mkdir -p /run/sshd "$SSHD_DIR/keys" &&
		ln -s "$SSHD_BIN" "$SSHD_DIR/$SSHD_SERVICE" || setup_fail "sshd: the files in $SSHD_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" || setup_fail "ssh-keygen host"
	SSHD_KEY=$SSHD_DIR/client_key
	ssh-keygen -q -t ed25519 -N '' -C alcove-test -f "$SSHD_KEY" || setup_fail "ssh-keygen client"
	SSHD_LOG=$SSHD_DIR/sshd.log
	sshd_config_text "$SSHD_PORT" "$SSHD_DIR" "MaxStartups ${SSHD_MAX_STARTUPS:-200:30:400}
MaxSessions 64
${3:-}" >"$SSHD_DIR/sshd_config" || setup_fail "writing $SSHD_DIR/sshd_config"
	local pam_lines=${2//pam_alcove.so/pam_alcove.so sshd_config=$SSHD_DIR/sshd_config}
	if [ -n "${SSHD_SERVICE_NAME:-}" ]; then
		sshd_pam_bind "$SSHD_SERVICE" "$pam_lines"
	else
		sshd_pam_write "$SSHD_SERVICE" "$pam_lines"
	fi
	"$SSHD_DIR/$SSHD_SERVICE" -t -f "$SSHD_DIR/sshd_config" || setup_fail "sshd -t: the test's sshd_config is refused"
	"$SSHD_DIR/$SSHD_SERVICE" -D -f "$SSHD_DIR/sshd_config" -E "$SSHD_LOG" </dev/null &
	local pid=$!
	on_exit "kill $pid; wait $pid"
	wait_until 100 grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_LOG" ||
		setup_fail "sshd on port $SSHD_PORT did not start: $(cat "$SSHD_LOG")"
}

sshd_authorize() { # user
	install -m 0644 "$SSHD_KEY.pub" "$SSHD_DIR/keys/$1" || setup_fail "authorize $1"
}

_ssh_common_opts() {
	printf '%s\n' -F /dev/null -i "$SSHD_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=20
}

ssh_to() { # user [ssh options...] [-- command...]
	local user=$1 opts=() extra=()
	shift
	mapfile -t opts < <(_ssh_common_opts)
	while (($#)) && [ "$1" != -- ]; do
		extra+=("$1")
		shift
	done
	(($#)) && shift
	ssh "${opts[@]}" "${extra[@]}" -p "$SSHD_PORT" -l "$user" 127.0.0.1 "$@"
}

# ssh_to in the background; SSH_BG_PID is the ssh client's pid (kill it to end the session).
ssh_bg() { # user [ssh options...] [-- command...]
	local user=$1 opts=() extra=()
	shift
	mapfile -t opts < <(_ssh_common_opts)
	while (($#)) && [ "$1" != -- ]; do
		extra+=("$1")
		shift
	done
	(($#)) && shift
	ssh "${opts[@]}" "${extra[@]}" -p "$SSHD_PORT" -l "$user" 127.0.0.1 "$@" </dev/null &
	SSH_BG_PID=$!
}

# Options for scp and sftp (-P/-p differ from ssh's), one per line for mapfile.
scp_opts() { _ssh_common_opts; printf '%s\n' -P "$SSHD_PORT"; }
