#!/bin/bash
# Routes around the walls that need no escape (issue 12, route 8), each closed and shown here
# against real alcoves built by alcovectl (image "/", cgroup "none"):
#   - a profile mount source below a directory the user owns, swapped for a symlink to /etc,
#     is refused with the component named; a source under root's directories still works;
#   - reset and gc --force remove a layer holding a directory chain 5000 deep (deeper than
#     reset's old fd-per-level walk went);
#   - gc --force does not take a process that merely calls itself alcove-init (a copy of dash
#     of that name, PID 1 of the user's own unshare) for an alcove, nor kill it.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

U1=alchd1
alcove_user $U1
UID1=$(id -u $U1)
LIB=/var/lib/alcove/$U1
on_exit "rm -rf $LIB /run/alcove/$UID1"
WORK=$(mktemp -d /var/tmp/alchd.XXXXXX)
chmod 0755 "$WORK"
on_exit "rm -rf $WORK"
SRC=/srv/alchd-src
rm -rf "$SRC"
mkdir -p -m 0755 "$SRC/plain" "$SRC/$U1/proj"
chown $U1: "$SRC/$U1" "$SRC/$U1/proj"
echo shared-data >"$SRC/plain/file"
echo own-data >"$SRC/$U1/proj/file"
on_exit "rm -rf $SRC"

ctl() { actl --config "$conf" "$@"; }
# gc's report without the line saying scopes were not checked (no systemd here); fails if
# alcovectl does
gc() {
	local o
	o=$(ctl gc "$@" $U1 2>&1) || { echo "$o"; return 1; }
	grep -v '^scopes not checked' <<<"$o" || true
}

# --- (c) profile mount sources: reached through root's directories only -------------------
mounts_conf() { # source
	make_config "defaults = { mode = \"user\"; image = \"/\"; persist = false;
	cgroup = \"none\"; on_last_logout = \"stop\";
	mounts = ( { source = \"$SRC/plain\"; target = \"/mnt/plain\"; },
		   { source = \"$1\"; target = \"/mnt/proj\"; } ); };
rules = ( { user = \"$U1\"; profile = \"defaults\"; } );"
}
conf=$(mounts_conf "$SRC/$U1")
out=$(ctl enter $U1 -- cat /mnt/plain/file /mnt/proj/proj/file 2>&1)
assert_eq "shared-data
own-data" "$out" "sources under root's directories (one the user's own) are mounted"
# an admin's source below the user's directory: the user swaps it for a symlink to /etc
runuser -u $U1 -- sh -c "mv $SRC/$U1/proj $SRC/$U1/proj.old && ln -s /etc $SRC/$U1/proj" ||
	fail "the user could not replace proj"
conf=$(mounts_conf "$SRC/$U1/proj")
out=$(ctl enter $U1 -- cat /mnt/proj/hostname 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a source reached through the user's directory was mounted: $out"
assert_contains "$out" "mount source '$SRC/$U1/proj' of profile defaults: '$SRC/$U1' is a symlink, or a directory above the source not owned by root or writable by others" \
	"a source below a directory the user owns is refused, the directory named"
assert_not_contains "$out" "$(cat /etc/hostname)" "nothing of /etc was shown"
# a symlink as the source itself, in root's directory: refused as well
ln -s /etc "$SRC/link"
conf=$(mounts_conf "$SRC/link")
out=$(ctl enter $U1 -- true 2>&1)
assert_contains "$out" "mount source '$SRC/link' of profile defaults: '$SRC/link' is a symlink" \
	"a symlink as the source is refused"

# --- (e) reset and gc of a layer deeper than any fd limit ----------------------------------
conf=$(make_config "defaults = { mode = \"user\"; image = \"/\"; persist = true;
	cgroup = \"none\"; on_last_logout = \"stop\"; };
rules = ( { user = \"$U1\"; profile = \"defaults\"; } );")
deep_chain() { # dir: 5000 nested directories below it
	python3 -c 'import os, sys
os.chdir(sys.argv[1])
for i in range(5000):
    os.mkdir("d"); os.chdir("d")
open("bottom", "w").write("x")' "$1"
}
out=$(ctl enter $U1 -- python3 -c 'import os
os.makedirs("/var/tmp/alchd-deep", exist_ok=True)
os.chdir("/var/tmp/alchd-deep")
for i in range(5000):
    os.mkdir("d"); os.chdir("d")
print("made")' 2>&1)
assert_eq made "$out" "the tenant made a 5000-deep chain in its layer"
[ -d "$LIB/layer/upper/var/tmp/alchd-deep/d/d/d" ] || fail "the chain is not in the upper"
out=$(ctl reset --yes $U1 2>&1)
rc=$?
assert_eq "0" "$rc" "reset of a 5000-deep layer succeeds (output: $out)"
[ ! -e "$LIB" ] || fail "reset left $LIB behind"
pass "reset removed the whole layer"
# a half-built layer (no work dir) holding the same: gc --force removes it
mkdir -p -m 0700 "$LIB/layer/upper"
deep_chain "$LIB/layer/upper" || fail "could not make the chain on the host"
out=$(gc --force) || fail "gc --force: $out"
assert_eq "removed $LIB: layer/work missing, layer/upper holds the user's files" \
	"$(grep /var/lib <<<"$out")" "gc --force removes a 5000-deep half-built layer"
[ ! -e "$LIB" ] || fail "gc left $LIB behind"

# --- (f) gc knows an alcove-init by its executable, not by its name -----------------------
conf=$(make_config "defaults = { cgroup = \"none\"; };")
mkdir -m 0755 "$WORK/fake"
cp /bin/dash "$WORK/fake/alcove-init"
runuser -u $U1 -- unshare -Upf --mount-proc "$WORK/fake/alcove-init" -c 'sleep 600; :' \
	"--user=$U1" </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
fake_pid() {
	local p
	for p in $(pgrep -x alcove-init); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$WORK/fake/alcove-init" ] &&
			grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && echo "$p"
	done
	return 0
}
wait_until 50 eval '[ -n "$(fake_pid)" ]' || fail "the fake alcove-init did not start"
fake=$(fake_pid)
assert_eq "alcove-init" "$(cat /proc/"$fake"/comm)" "the fake calls itself alcove-init"
on_exit "kill -9 $fake"
out=$(gc) || fail "gc: $out"
assert_not_contains "$out" "pid $fake" "gc does not report the fake as an untracked alcove-init"
out=$(gc --force) || fail "gc --force: $out"
assert_not_contains "$out" "pid $fake" "gc --force does not take the fake for an alcove"
[ -d "/proc/$fake" ] && [ "$(cat /proc/"$fake"/comm)" = alcove-init ] ||
	fail "gc --force killed the user's process named alcove-init"
pass "the user's process named alcove-init still runs"
