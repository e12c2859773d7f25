# A private OpenSSH sshd on 127.0.0.1 for login tests (bash; source after common.sh).
#
# OpenSSH 9.2 names its PAM service after its program name, so sshd runs through a symlink
# SSHD_DIR/sshd-alcovetest-PORT -> /usr/sbin/sshd and uses /etc/pam.d/sshd-alcovetest-PORT,
# which this file writes and removes; the system's /etc/pam.d/sshd is never touched.
#
#   sshd_start PORT PAM_SESSION_LINES [SSHD_CONFIG_LINES]
#       writes the PAM service (Debian's sshd stack, then PAM_SESSION_LINES), a host key, a
#       client key, sshd_config (pubkey only, UsePAM, sftp-server), starts sshd -D; sets
#       SSHD_DIR SSHD_PORT SSHD_SERVICE SSHD_KEY SSHD_LOG
#   sshd_authorize USER            lets USER log in with SSHD_KEY
#   ssh_to USER [ssh options...] [-- command...]   runs ssh against the test sshd
#   ssh_bg USER [ssh options...] [-- command...]   the same in the background: SSH_BG_PID
#   scp_opts                       options for scp and sftp (printed, one per line)
#   sshd_pam_write SERVICE LINES   writes /etc/pam.d/SERVICE with Debian's sshd stack + LINES

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

# Debian's /etc/pam.d/sshd (openssh-server 9.2) as shipped, so the other modules of a real
# login run around pam_alcove; LINES go where pam-auth-update would put it (after
# common-session's modules), before the rest of sshd's session stack.
sshd_pam_write() { # service lines
	local f=/etc/pam.d/$1
	on_exit "rm -f $f"
	cat >"$f" <<PAM
# written by alcove's tests ($TESTNAME); removed when the test ends
@include common-auth
account    required     pam_nologin.so
@include common-account
session [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close
session    required     pam_loginuid.so
session    optional     pam_keyinit.so force revoke
@include common-session
$2
session    optional     pam_motd.so  motd=/run/motd.dynamic
session    optional     pam_motd.so noupdate
session    optional     pam_mail.so standard noenv
session    required     pam_limits.so
session    required     pam_env.so
session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale
session [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so open
@include common-password
PAM
}

sshd_start() { # port pam_session_lines [sshd_config lines]
	SSHD_PORT=$1
	SSHD_SERVICE=sshd-alcovetest-$SSHD_PORT
	# Not under /tmp: the lobby replaces /tmp, and sshd reads keys after the session opened.
	SSHD_DIR=$(mktemp -d /run/alcove-tests/sshd-$SSHD_PORT.XXXXXX)
	chmod 755 "$SSHD_DIR"
	on_exit "rm -rf $SSHD_DIR"
	mkdir -p /run/sshd "$SSHD_DIR/keys"
	ln -s "$SSHD_BIN" "$SSHD_DIR/$SSHD_SERVICE"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" || fail "ssh-keygen host"
	SSHD_KEY=$SSHD_DIR/client_key
	ssh-keygen -q -t ed25519 -N '' -C alcove-test -f "$SSHD_KEY" || fail "ssh-keygen client"
	SSHD_LOG=$SSHD_DIR/sshd.log
	cat >"$SSHD_DIR/sshd_config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/host_key
PidFile $SSHD_DIR/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $SSHD_DIR/keys/%u
PermitRootLogin prohibit-password
AllowAgentForwarding yes
X11Forwarding ${SSHD_X11_FORWARDING:-no}
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
# internal-sftp would run inside sshd, on the host's view (DESIGN §9): use the program.
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups ${SSHD_MAX_STARTUPS:-200:30:400}
MaxSessions 64
LogLevel VERBOSE
${3:-}
CONF
	sshd_pam_write "$SSHD_SERVICE" "$2"
	"$SSHD_DIR/$SSHD_SERVICE" -t -f "$SSHD_DIR/sshd_config" || fail "sshd -t"
	"$SSHD_DIR/$SSHD_SERVICE" -D -f "$SSHD_DIR/sshd_config" -E "$SSHD_LOG" </dev/null &
	local pid=$!
	on_exit "kill $pid; wait $pid"
	wait_until 100 grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_LOG" ||
		fail "sshd did not start: $(cat "$SSHD_LOG")"
}

sshd_authorize() { # user
	install -m 0644 "$SSHD_KEY.pub" "$SSHD_DIR/keys/$1" || fail "authorize $1"
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
