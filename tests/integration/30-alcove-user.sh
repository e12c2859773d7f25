#!/bin/bash
# A user-mode alcove with image = "/" (the host's root, ext4 here, read-only and idmapped),
# entered with alcovectl as a login would: PID 1, ids and maps, hostname, home, what is masked,
# what an unprivileged user inside cannot do, setuid, exit status.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

alcove_user alcc1
alcove_user alcc2
echo "alcc2's secret" >/home/alcc2/secret && chmod 0644 /home/alcc2/secret ||
	setup_fail "alcc2's secret"

# A layer above "/" holding a setuid-root copy of id: the image's setuid bits must not work.
# On a tmpfs of its own: overlayfs refuses a lower layer that lies inside another ("/").
layer=/var/lib/alcove-tests/alcc-suid
setup "mkdir $layer" mkdir -p "$layer"
setup "mount the test layer" mount -t tmpfs -o mode=0755 alcc-suid "$layer"
on_exit "umount $layer; rmdir $layer"
setup "the test layer's setuid id" install -D -m 4755 /usr/bin/id "$layer/usr/local/bin/suid-id"
# mount(2) and umount2(2) themselves: mount(8) refuses a non-root uid before any syscall
# ("must be superuser"), so it would pass even for a user who held CAP_SYS_ADMIN.
cat >"$layer/usr/local/bin/try-mount" <<'PY'
#!/usr/bin/python3
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
op, path = sys.argv[1], sys.argv[2].encode()
r = libc.mount(b"none", path, b"tmpfs", 0, None) if op == "mount" else libc.umount2(path, 0)
if r != 0:
    sys.exit(f"{op} {sys.argv[2]}: {os.strerror(ctypes.get_errno())}")
PY
setup "the test layer's try-mount" chmod 0755 "$layer/usr/local/bin/try-mount"

conf=$(make_config "
defaults = { mode = \"user\"; image = ( \"$layer\", \"/\" ); persist = true; cgroup = \"none\";
             hostname = \"%u-box\"; on_last_logout = \"keep\"; };
rules = ( { user = \"alcc1\"; profile = \"defaults\"; } );")

uid=$(id -u alcc1)
mounts_before=$(host_alcove_mounts)

# The first enter, which starts the alcove, from a process with an oom_score_adj and a nice
# value: init (the helper's child) must not pass either to the tenant's processes. (A negative
# one, the harmful direction, needs CAP_SYS_RESOURCE, which the test machines' root lacks: the
# helper resets both directions by the same write.)
choom -n 300 -p $$ >/dev/null || setup_fail "choom -n 300 on the test's shell"
renice -n 7 -p $$ >/dev/null || setup_fail "renice 7 on the test's shell"
# --- PID 1 and the process list ---
# (ps alone, so that the pipeline's other processes are not in its list; a process left
# behind keeps the alcove, on_last_logout = keep, for the state, list and stop below)
out=$(in_alcove "$conf" alcc1 'cat /proc/1/comm; ps -e -o comm= >/tmp/ps; sort -u /tmp/ps | tr "\n" " "
	setsid sleep 600 </dev/null >/dev/null 2>&1 &') || fail "enter: $out"
assert_eq "alcove-init" "$(echo "$out" | head -1)" "PID 1 is alcove-init"
assert_eq "alcove-init ps sh " "$(echo "$out" | tail -1)" "ps -e shows only the alcove's processes"
pid=$(alcove_pid alcc1)
[ -n "$pid" ] && kill -0 "$pid" || fail "no running init recorded in /run/alcove/$uid/state"
assert_eq "alcove-init" "$(cat /proc/$pid/comm)" "the state names the host pid of init"
assert_eq "0 0" "$(cat /proc/$pid/oom_score_adj) $(ps -o nice= -p $pid | tr -d ' ')" \
	"init has oom_score_adj 0 and nice 0, not its starter's 300 and 7"
choom -n 0 -p $$ >/dev/null && renice -n 0 -p $$ >/dev/null || fail "resetting the test's shell"

# --- identity ---
assert_eq "$uid alcc1 $(id -g alcc1)" "$(in_alcove "$conf" alcc1 'echo $(id -u) $(id -un) $(id -g)')" \
	"id inside is the user's own (user mode)"
assert_eq "$(expected_user_uid_map alcc1)" \
	"$(in_alcove "$conf" alcc1 'cat /proc/self/uid_map' | normalise_map)" \
	"uid_map: ns 0 = subordinate S, ns U = host U, the rest S+n"
assert_contains "$(in_alcove "$conf" alcc1 'cat /proc/self/gid_map' | normalise_map)" "5 5 1" \
	"gid_map passes tty (5) through"
assert_eq "0000000000000000" "$(in_alcove "$conf" alcc1 "awk '/^CapEff/ {print \$2}' /proc/self/status")" \
	"no effective capabilities"
assert_eq "1" "$(in_alcove "$conf" alcc1 "awk '/^NoNewPrivs/ {print \$2}' /proc/self/status")" \
	"no_new_privs"
assert_eq "alcc1-box" "$(in_alcove "$conf" alcc1 hostname)" "hostname from the policy pattern"
assert_eq "root alcc1 nobody /etc/passwd ro /etc/group ro" \
	"$(in_alcove "$conf" alcc1 "cut -d: -f1 /etc/passwd; grep -o ' /etc/\(passwd\|group\) r[ow]' /proc/self/mountinfo" | xargs)" \
	"/etc/passwd holds root, the user and nobody only; it and /etc/group are read-only mounts"

# --- files: image owned by root, home the user's and writable ---
assert_eq "root:root" "$(in_alcove "$conf" alcc1 'stat -c %U:%G /usr/bin/env')" \
	"image files show owner root inside"
assert_eq "/home/alcc1 alcc1" "$(in_alcove "$conf" alcc1 'cd && pwd && stat -c %U .' | tr '\n' ' ' | sed 's/ $//')" \
	"home is the user's"
in_alcove "$conf" alcc1 'echo from-inside > ~/made-inside' || fail "home not writable"
assert_eq "from-inside alcc1" "$(cat /home/alcc1/made-inside) $(stat -c %U /home/alcc1/made-inside)" \
	"a file written in the home lands in the host home, owned by the user"
assert_eq "alcc1" "$(in_alcove "$conf" alcc1 'ls /home')" "/home shows only the user's home"

# --- masked and unreadable ---
# (each message is the command's own, printed inside: an enter that failed prints alcovectl's,
# and the enters above proved this one works)
in_alcc1() { in_alcove "$conf" alcc1 "$@"; }
assert_fails_with 1 "cat: /home/alcc2/secret: No such file or directory" \
	"another user's home is absent" in_alcc1 'cat /home/alcc2/secret'
for f in /etc/shadow /etc/gshadow /etc/ssh/ssh_host_ed25519_key; do
	assert_fails_with 1 "cat: $f: Permission denied" "unreadable inside: $f" in_alcc1 "cat $f"
done
for d in /root /var/lib/alcove; do
	assert_fails_with 2 "ls: cannot open directory '$d': Permission denied" \
		"unreadable inside: $d" in_alcc1 "ls $d"
done
assert_eq "end" "$(in_alcc1 'ls -A /run; echo end')" "/run is the alcove's own, empty"

# --- what an unprivileged user cannot do ---
assert_fails_with 1 "mount /mnt: Operation not permitted" "mount(2) of a tmpfs: EPERM" \
	in_alcc1 '/usr/local/bin/try-mount mount /mnt'
assert_fails_with 1 "umount /home: Operation not permitted" "umount2(2) of /home: EPERM" \
	in_alcc1 '/usr/local/bin/try-mount umount /home'
assert_fails_with 1 "umount /home/alcc1: Operation not permitted" \
	"umount2(2) of the home volume: EPERM" in_alcc1 '/usr/local/bin/try-mount umount /home/alcc1'
for f in hostname domainname; do
	assert_fails_with 2 "cannot create /proc/sys/kernel/$f: Permission denied" \
		"write /proc/sys/kernel/$f" in_alcc1 "echo x > /proc/sys/kernel/$f"
done
assert_fails_with 1 "touch: cannot touch '/usr/alcc-test': Permission denied" \
	"write the image's /usr" in_alcc1 'touch /usr/alcc-test'

# --- setuid: the bit is there, and gives nothing ---
assert_eq "-rwsr-xr-x" "$(in_alcove "$conf" alcc1 'stat -c %A /usr/local/bin/suid-id')" \
	"the setuid binary is visible with its bit"
assert_eq "$uid $uid" "$(in_alcove "$conf" alcc1 '/usr/local/bin/suid-id -u; /usr/local/bin/suid-id -ru' | tr '\n' ' ' | sed 's/ $//')" \
	"a setuid-root binary gives no privilege"

# --- exit status ---
# Started with fds 0 and 1 closed, alcovectl hands the session /dev/null for them (it gave it
# its own signalfd and control socket, which took those numbers first)
# (the shell's own fds, read from a subshell: a redirection of the reader's would change them)
out=$(actl --config "$conf" enter alcc1 -- sh -c 'x=$(readlink /proc/$$/fd/0 /proc/$$/fd/1)
	echo "$x" >&2' 2>&1 <&- >&-)
assert_eq "/dev/null
/dev/null" "$out" "alcovectl enter with fds 0 and 1 closed: the session's are /dev/null"
actl --config "$conf" enter alcc1 -- sh -c 'exit 7'
assert_eq 7 $? "alcovectl enter exits with the session's status"

# --- list ---
out=$(actl list)
assert_contains "$out" "alcc1" "list shows the alcove"
assert_contains "$(actl list --json)" "\"name\": \"$uid\", \"mode\": \"user\"" "list --json"

# --- stop: nothing left ---
actl stop alcc1 || fail "stop"
wait_until 50 sh -c "! kill -0 $pid" || fail "init $pid still there after stop"
pass "stop: init is gone"
[ -e "/run/alcove/$uid" ] && fail "/run/alcove/$uid left behind"
pass "stop: no state left"
assert_eq "$mounts_before" "$(host_alcove_mounts)" "no alcove mount on the host"
