# The text of a private sshd's files, shared by tests/lib/sshd.sh and demo/demo.sh (bash; no
# other dependency: the demo sources it on a machine without the test tools).
#
#   sshd_pam_text WHO LINES        Debian's /etc/pam.d/sshd with LINES as its session part
#   sshd_config_text PORT DIR [LINES]  sshd_config: 127.0.0.1:PORT, keys and pid in DIR,
#                                  pubkey only (DIR/keys/USER, or SSHD_KEYS_FILE), UsePAM,
#                                  then LINES

# Debian's /etc/pam.d/sshd (openssh-server 9.2) as shipped, so the other modules of a real
# login run around pam_alcove; LINES go where pam-auth-update would put it (after
# common-session's modules), before the rest of sshd's session stack.
sshd_pam_text() { # who lines
	cat <<PAM
# written by $1; removed when it ends
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

# OpenSSH 9.2 has no PAMServiceName: it names its PAM service after its program name, so the
# caller runs sshd through a symlink named after a PAM file of its own.
sshd_config_text() { # port dir [lines]
	cat <<CONF
Port $1
ListenAddress 127.0.0.1
HostKey $2/host_key
PidFile $2/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile ${SSHD_KEYS_FILE:-$2/keys/%u}
PermitRootLogin prohibit-password
AllowAgentForwarding yes
X11Forwarding ${SSHD_X11_FORWARDING:-no}
PrintMotd no
PrintLastLog no
AcceptEnv LANG LC_*
# internal-sftp would run inside sshd, on the host's view: pam_alcove refuses it (DESIGN §9).
Subsystem sftp ${SSHD_SFTP:-/usr/lib/openssh/sftp-server}
LogLevel VERBOSE
${3:-}
CONF
}
