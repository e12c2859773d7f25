#!/bin/bash
# layer_quota (issue 15): the persistent layer of each user is a btrfs subvolume with a qgroup
# limit, on a loop-mounted btrfs that both users' /var/lib/alcove/<user> live on. A user at the
# quota gets EDQUOT inside, the other writes on, the first one's files stay intact, the quota
# follows the user across alcoves and goes with `alcovectl reset`. Where the filesystem cannot
# enforce it: refused with the fix in the message, or (fallback "warn") a logged warning.
# ext4/xfs project quotas need CONFIG_QFMT_V2, which only the VM's kernel has (tests/vm).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/alcove.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
journal_start
IMG=$(test_image bookworm) # root mode's

alcove_user alcqa1
alcove_user alcqa2
alcove_user alcqa3

# --- no silent no-ops: check-config and explain name every key that will not take effect ---
noop=$(make_config '
defaults = { mode = "user"; image = "/"; cgroup = "none"; limits = { TasksMax = 100; }; };
profiles = { p = { persist = false; idle_timeout = 5; };
             tmpq = { persist = false; layer_quota = "8M"; tmp_size = "16M"; };
             sess = { share = "session"; cgroup = "systemd"; limits = { MemoryMax = "1G"; }; }; };
rules = ( { user = "root"; action = "skip"; }, { user = "alcqa1"; profile = "p"; },
          { user = "alcqa2"; profile = "tmpq"; } );')
out=$(actl check-config "$noop" 2>&1) || fail "check-config of a valid file with no-op keys"
assert_contains "$out" "$noop:2: warning: defaults: limits.TasksMax is not enforced: cgroup = \"none\"" \
	"check-config: limits with cgroup = none are named, with file:line"
assert_contains "$out" "$noop: warning: defaults (builtin): limits.MemoryMax is not enforced: cgroup = \"none\"" \
	"check-config: a builtin limit that will not take effect is named as builtin, not at line 0"
assert_contains "$out" "warning: p: idle_timeout is not used: on_last_logout is not \"idle\"" \
	"check-config: an idle_timeout without on_last_logout = idle is named"
out=$(actl check-config --json "$noop" 2>/dev/null) || fail "check-config --json of a valid file with no-op keys"
assert_contains "$(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["ok"]); print("\n".join(j["warnings"]))' <<<"$out")" \
	"$noop:2: warning: defaults: limits.TasksMax is not enforced: cgroup = \"none\"" \
	"check-config --json: the same warnings, in its object"
out=$(actl --config "$noop" explain alcqa1)
assert_contains "$out" "warning   limits.TasksMax is not enforced" "explain warns as well"
assert_contains "$(actl check-config "$noop" 2>&1)" \
	"$noop:4: warning: tmpq: layer_quota limits no disk: persist = false keeps no layer; the throw-away upper is a tmpfs in memory, sized by the smaller of layer_quota and tmp_size (16M)" \
	"check-config: a layer_quota with persist = false says what it bounds instead"
assert_contains "$(actl check-config "$noop" 2>&1)" \
	"$noop:5: warning: sess: limits MemoryMax, TasksMax bound each session, not the user: share = \"session\"" \
	"check-config: limits with share = session are said to multiply per session"
assert_contains "$(actl --config "$noop" explain alcqa2)" "warning   layer_quota limits no disk" \
	"explain: the layer_quota of a profile without a layer"


# One btrfs for both users, quotas on; each user's /var/lib/alcove/<user> is a directory of it.
img=/var/lib/alcove-tests/alcqa.btrfs
mnt=/run/alcove-tests/alcqa-btrfs
mkdir -p /var/lib/alcove-tests "$mnt"
rm -f "$img"
truncate -s 512M "$img" || fail "truncate $img"
on_exit "rm -f $img; rmdir $mnt"
mkfs.btrfs -q "$img" >/dev/null || fail "mkfs.btrfs"
mount -o loop "$img" "$mnt" || fail "mount the btrfs"
on_exit "umount -l $mnt"
btrfs quota enable "$mnt" || fail "btrfs quota enable"
for u in alcqa1 alcqa2; do
	install -d -m 0700 "$mnt/$u" "/var/lib/alcove/$u" || fail "mkdir $u"
	mount --bind "$mnt/$u" "/var/lib/alcove/$u" || fail "bind /var/lib/alcove/$u"
	# registered after alcove_user's reset: runs before it (cleanups run in reverse)
	on_exit "$ALCOVECTL stop $u; umount -l /var/lib/alcove/$u; rmdir /var/lib/alcove/$u"
done

conf=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; tmp_size = "8M";
             layer_quota = "20M"; layer_quota_fallback = "refuse"; };
profiles = { free = { layer_quota = "infinity"; }; big = { layer_quota = "100M"; };
             inodes = { layer_inodes = 1000; };
             lenient = { layer_inodes = 1000; layer_quota_fallback = "warn"; }; };
rules = ( { user = "alcqa1"; profile = "defaults"; }, { user = "alcqa2"; profile = "big"; },
          { user = "alcqa3"; profile = "defaults"; } );')

# --- check-config probes the filesystem of /var/lib/alcove with each profile's own quota
# (each case in a mount namespace of its own, gone with it) ---
probe() { # config mount-arguments...
	ALCOVECTL=$ALCOVECTL CONF=$1 unshare -m --propagation private sh -c \
		'mount "$@" /var/lib/alcove && "$ALCOVECTL" check-config "$CONF"' sh "${@:2}" 2>&1
}
none="cannot be enforced on /var/lib/alcove (none): put /var/lib/alcove on btrfs, ext4 or xfs to enforce layer_quota"
out=$(probe "$conf" -t tmpfs tmpfs)
assert_contains "$out" "$conf:3: warning: defaults: layer_quota 20M $none; logins are refused (layer_quota_fallback = \"refuse\")" \
	"check-config: a quota the filesystem cannot enforce is named per profile, with its line and the outcome"
assert_contains "$out" "$conf:6: warning: lenient: layer_quota 20M and layer_inodes 1000 $none; logins go on without a layer quota (layer_quota_fallback = \"warn\")" \
	"... a profile with fallback \"warn\" too"
assert_eq 4 "$(grep -c 'cannot be enforced' <<<"$out")" \
	"... one line for each of defaults, big, inodes and lenient, none for free (infinity)"
out=$(probe "$conf" --bind "$mnt")
assert_contains "$out" "$conf: OK" "check-config on btrfs with quotas on"
assert_contains "$out" "$conf:5: warning: inodes: layer_inodes 1000 cannot be enforced on /var/lib/alcove (btrfs qgroup): btrfs qgroups count bytes, not inodes: drop layer_inodes; logins are refused (layer_quota_fallback = \"refuse\")" \
	"check-config on btrfs: a profile's layer_inodes is named (qgroups count no inodes)"
assert_contains "$out" "$conf:6: warning: lenient: layer_inodes 1000 cannot be enforced on /var/lib/alcove (btrfs qgroup): btrfs qgroups count bytes, not inodes: drop layer_inodes; logins go on without a layer quota" \
	"... with what its logins get"
assert_eq 2 "$(grep -c 'cannot be enforced' <<<"$out")" "... and no line for the profiles btrfs can limit"
# the builtin 10G (a file that sets no layer_quota): one note, none where it is enforced
assert_contains "$(probe "$noop" -t tmpfs tmpfs)" "$noop: note: the builtin layer_quota 10G is not enforced on /var/lib/alcove (none): put /var/lib/alcove on btrfs, ext4 or xfs to enforce layer_quota; logins go on without it (layer_quota = \"infinity\" in defaults silences this)" \
	"check-config: the builtin quota a filesystem cannot enforce is a note"
assert_not_contains "$(probe "$noop" --bind "$mnt")" "note: the builtin" "... and none on btrfs with quotas on"
# /var/lib/alcove not made yet: the filesystem of /var/lib, where the first build makes it;
# one that cannot be opened is said so, not taken for a filesystem without quotas
probe_lib() { # config command-run-first
	ALCOVECTL=$ALCOVECTL CONF=$1 unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /var/lib && eval "$1" && "$ALCOVECTL" check-config "$CONF"' sh "$2" 2>&1
}
assert_contains "$(probe_lib "$conf" true)" "$conf:3: warning: defaults: layer_quota 20M cannot be enforced on /var/lib (none)" \
	"check-config, no /var/lib/alcove yet: probes /var/lib, where the first build makes it"
assert_contains "$(probe_lib "$conf" 'touch /var/lib/alcove')" \
	"$conf:3: warning: defaults: layer quota not checked: Failed to open /var/lib/alcove: Not a directory" \
	"check-config, /var/lib/alcove a file: the open's failure is named"
# explain probes the user's own directory: alcqa1's is a bind of the btrfs (/var/lib/alcove is not)
assert_not_contains "$(actl --config "$conf" explain alcqa1)" "cannot be enforced" \
	"explain: a quota the user's btrfs enforces draws no warning"

# --- the quota bites: EDQUOT at 20M, the user's earlier file intact ---
on_exit "rm -f /run/alcove-tests/alcqa.sum"
in_alcove "$conf" alcqa1 'head -c 100000 /dev/urandom > /var/tmp/keep && sha256sum /var/tmp/keep' \
	>/run/alcove-tests/alcqa.sum || fail "write a file into the layer"
[ "$(stat -c %i "/var/lib/alcove/alcqa1/layer")" = 256 ] || fail "layer/ is not a btrfs subvolume"
pass "the layer is a subvolume of its own"
out=$(in_alcove "$conf" alcqa1 'dd if=/dev/zero of=/var/tmp/fill bs=1M count=40 2>&1; sync' 2>&1)
assert_contains "$out" "Disk quota exceeded" "a user at the quota gets EDQUOT inside"
# (the helper's close of this session, alcovectl enter's end, logs to stderr and the journal)
assert_contains "$out" "alcove-helper: alcqa1's layer is at its quota: " \
	"the session that hit the quota is logged at its close, not only at the next build"
assert_contains "$out" "of layer_quota 20M used" "with the limit"
size=$(in_alcove "$conf" alcqa1 'stat -c %s /var/tmp/fill')
[ "$size" -le $((20 * 1024 * 1024)) ] || fail "wrote $size bytes past a 20M quota"
pass "no more than the quota was written ($size bytes)"
assert_eq "$(cut -d' ' -f1 /run/alcove-tests/alcqa.sum)" \
	"$(in_alcove "$conf" alcqa1 'sha256sum /var/tmp/keep' | cut -d' ' -f1)" \
	"the user's file is intact at the quota"
in_alcove "$conf" alcqa1 'rm /var/tmp/fill && echo again > /var/tmp/small' ||
	fail "after freeing space, writes work again"
pass "freeing space makes room again"

# --- show, while an alcove runs: its tmpfs against tmp_size, its layer against the quota ---
"$ALCOVECTL" --config "$conf" enter alcqa1 -- sleep 30 </dev/null >/dev/null 2>&1 &
sleeper=$!
on_exit "kill $sleeper"
wait_until 100 sh -c "\"$ALCOVECTL\" --config $conf show alcqa1 | grep -q '(running)'" ||
	fail "alcqa1's alcove did not come up for show"
usage=$(actl --config "$conf" show alcqa1)
assert_contains "$usage" "tmpfs:      /tmp " "show prints the alcove's /tmp usage"
assert_contains "$usage" "/dev/shm " "and /dev/shm's"
assert_contains "$usage" "of 8M (" "against tmp_size"
out=$(actl --config "$conf" --json show alcqa1)
assert_contains "$out" '"tmpfs": {"/tmp": {"bytes": ' "show --json has the tmpfs usage"
assert_contains "$out" '"layer": {"counter": "btrfs qgroup", ' "show --json has the layer"
# list: the layer against the quota; cgroup = "none" has no memory or tasks to show
line=$(actl list | awk '$1 == "alcqa1"')
[[ $line =~ \ [0-9.]+[BKM]/20M\ +-\ +-\ +-\ +[0-9.]+[BKM]/8M\  ]] ||
	fail "list: no LAYER used/20M, MEM -, TASKS -, INODES -, TMPFS used/8M in '$line'"
pass "list shows the layer against its quota, '-' for memory and tasks without a scope and for inodes on btrfs, the fullest tmpfs against tmp_size"
out=$(actl --json list | python3 -c '
import json, sys
a = [a for a in json.load(sys.stdin)["alcoves"] if a["user"] == "alcqa1"][0]
print(a["layer"]["counter"], a["layer"]["bytes_limit"], a["layer"]["bytes"] > 0, a["layer"]["inodes"],
      a["usage"]["memory_current"], a["limits"]["pids_max"], a["tmpfs"]["/tmp"]["size"])')
assert_eq "btrfs qgroup 20971520 True None None None 8388608" "$out" \
	"list --json: layer bytes against 20M (no inodes on btrfs), null memory and tasks, /tmp's size"
actl stop alcqa1

# --- another user on the same filesystem, under a quota of its own, writes on ---
in_alcove "$conf" alcqa2 'dd if=/dev/zero of=/var/tmp/big bs=1M count=30 status=none && echo done' \
	| grep -qx done || fail "alcqa2 (quota 100M) could not write 30M on the same filesystem"
pass "a second user with its own quota on the same filesystem writes normally"
line=$(journal_wait "alcqa1's layer is at its quota: ") || fail "the quota hit is not in the journal"
assert_contains "$line" "of layer_quota 20M used" "the journal records the quota hit, with the limit"

# --- a layer_quota changed while the alcove runs bites at the next login into it (the join
# sets the quota again, helper/build/quota_reapply.c), with no new alcove ---
# keep_alcove CONF USER: a session of USER's alcove that runs for a minute; sets pid (init's)
keep_alcove() {
	"$ALCOVECTL" --config "$1" enter "$2" -- sleep 60 </dev/null >/dev/null 2>&1 &
	on_exit "kill $!"
	wait_until 100 sh -c "\"$ALCOVECTL\" --config $1 show $2 | grep -q '(running)'" ||
		fail "$2's alcove did not come up"
	pid=$(alcove_pid "$2")
}
keep_alcove "$conf" alcqa2
conf_40=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; tmp_size = "8M";
             layer_quota = "20M"; layer_quota_fallback = "refuse"; };
profiles = { big = { layer_quota = "40M"; }; };
rules = ( { user = "alcqa2"; profile = "big"; } );')
out=$(in_alcove "$conf_40" alcqa2 'dd if=/dev/zero of=/var/tmp/more bs=1M count=30 2>&1; sync' 2>&1)
assert_contains "$out" "Disk quota exceeded" "a quota lowered while the alcove runs: EDQUOT at the next login"
assert_eq "$pid" "$(alcove_pid alcqa2)" "the login joined the running alcove"
size=$(in_alcove "$conf_40" alcqa2 'stat -c %s /var/tmp/more')
[ "$size" -le $((10 * 1024 * 1024)) ] || fail "wrote $size bytes next to 30M under a new 40M quota"
pass "the new 40M limit bites, not the 100M the alcove was built with ($size bytes written)"
assert_contains "$(actl --config "$conf_40" show alcqa2)" "of 40M" "show reads the new quota"
# a quota that cannot be set on the running alcove's layer refuses the join, as it refuses a
# build (before, the join went on: a layer left without its limit was handed to the user);
# layer_quota_fallback = "warn" lets it go on with a warning
conf_inodes() { # fallback
	make_config "
defaults = { mode = \"user\"; image = \"/\"; persist = true; cgroup = \"none\"; layer_quota = \"20M\";
             layer_inodes = 1000; layer_quota_fallback = \"$1\"; };
rules = ( { user = \"alcqa2\"; profile = \"defaults\"; } );"
}
out=$(in_alcove "$(conf_inodes refuse)" alcqa2 'echo in' 2>&1) &&
	fail "a join whose quota cannot be set went in: $out"
assert_contains "$out" "Refusing alcqa2's login into their running alcove: its layer cannot be limited to 20M (profile defaults)" \
	"a quota the join cannot set refuses it, naming the user and the limit"
assert_contains "$out" "count bytes, not inodes" "with the reason"
assert_eq "$pid" "$(alcove_pid alcqa2)" "... and the running alcove goes on"
out=$(in_alcove "$(conf_inodes warn)" alcqa2 'echo in' 2>&1) ||
	fail "a join was refused for its quota with layer_quota_fallback = warn: $out"
assert_contains "$out" "alcqa2's running alcove is NOT limited to 20M (profile defaults, layer_quota_fallback = \"warn\")" \
	"fallback \"warn\": the join goes on, and the warning names the user and the limit"
actl stop alcqa2 || fail "stop alcqa2"

# --- a limit lowered below what the layer holds (30M and more): the next login still goes in,
# writes meet EDQUOT, deleting frees room, and a raised limit applies at the next build (on the
# layer's own fd btrfs refused every change of its limit with EDQUOT once over it: the lift
# for the mount, so the login was refused, and every later raise)
conf_10=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; layer_quota = "10M";
             layer_quota_fallback = "refuse"; };
rules = ( { user = "alcqa2"; profile = "defaults"; } );')
out=$(in_alcove "$conf_10" alcqa2 'echo IN-OVER; dd if=/dev/zero of=/var/tmp/over bs=1M count=2 2>&1' 2>&1)
assert_contains "$out" "IN-OVER" "a layer over a lowered limit: the login goes in"
assert_contains "$out" "Disk quota exceeded" "... and a write meets EDQUOT"
in_alcove "$conf_10" alcqa2 'rm -f /var/tmp/big /var/tmp/more /var/tmp/over; sync' ||
	fail "deleting in a layer over its limit"
actl stop alcqa2 || fail "stop alcqa2"
out=$(in_alcove "$conf" alcqa2 'dd if=/dev/zero of=/var/tmp/again bs=1M count=20 status=none && echo done; rm -f /var/tmp/again' 2>&1)
assert_eq "done" "$out" "after deleting, under the raised limit (100M) the user writes 20M again"
actl stop alcqa2 || fail "stop alcqa2"

# --- the quota follows the user into the next alcove ---
# (a chain deeper than reset's open directories (32), made first, so that reset meets it while
# the layer is at its quota: there btrfs refused the renames of its walk with EDQUOT, and the
# tenant's layer could not be reset)
actl stop alcqa1 || fail "stop alcqa1"
out=$(in_alcove "$conf" alcqa1 'find /var/tmp -mindepth 1 -maxdepth 1 -user "$(id -u)" -exec rm -rf {} + &&
	mkdir -p /var/tmp/deep/'"$(printf 'd/%.0s' $(seq 40))"' &&
	dd if=/dev/zero of=/var/tmp/fill bs=1M count=40 2>&1')
assert_contains "$out" "Disk quota exceeded" "the quota holds in the next alcove"
actl stop alcqa1 || fail "stop alcqa1"
out=$(in_alcove "$conf" alcqa1 true 2>&1)
assert_contains "$out" "alcqa1's layer is at its quota: " "the next build logs the quota hit"
assert_contains "$out" "of layer_quota 20M used" "with the limit"
usage=$(actl --config "$conf" show alcqa1)
assert_contains "$usage" "layer:" "show prints the layer's usage"
assert_contains "$usage" "of 20M" "show prints the quota"

# --- reset removes the subvolume (and with it what the qgroup counted); the next login has
# a fresh, limited layer ---
out=$(actl --config "$conf" reset --yes alcqa1 2>&1) ||
	fail "reset of a layer at its quota, behind a chain 40 deep: $out"
[ ! -e /var/lib/alcove/alcqa1/layer ] || fail "reset left the layer"
pass "reset removed the subvolume"
out=$(in_alcove "$conf" alcqa1 'dd if=/dev/zero of=/var/tmp/fill bs=1M count=10 status=none && echo ok')
assert_eq "ok" "$out" "after reset the user has the whole quota again"
# A reset that fails (here at a mount point in the layer) leaves the layer its limit: the limit
# is lifted for the delete (renames at the quota meet EDQUOT), and a failed delete left it
# lifted until the user's next build, while an overlay that outlived its alcove could write on
actl stop alcqa1
mkdir "/var/lib/alcove/alcqa1/layer/upper/alcqa-mnt" &&
	mount -t tmpfs -o size=1M alcqa "/var/lib/alcove/alcqa1/layer/upper/alcqa-mnt" ||
	fail "a mount point in alcqa1's layer"
on_exit "umount /var/lib/alcove/alcqa1/layer/upper/alcqa-mnt 2>/dev/null"
assert_fails_with 1 "/var/lib/alcove/alcqa1: 'alcqa-mnt' is a mount point; unmount it first" \
	"a reset that meets a mount point in the layer fails, naming it" \
	actl --config "$conf" reset --yes alcqa1
assert_eq 20971520 "$(btrfs qgroup show -rf --raw /var/lib/alcove/alcqa1/layer | awk '$1 ~ /^0\// {print $4}')" \
	"... and the layer keeps its 20M limit"
umount "/var/lib/alcove/alcqa1/layer/upper/alcqa-mnt" || fail "umount alcqa1's mount point"
actl reset --yes alcqa1 >/dev/null || fail "reset alcqa1 once its mount point is gone"
in_alcove "$conf" alcqa1 true || fail "a fresh layer for alcqa1"

# --- a build that fails once the quota was set leaves the limit in place: the limit is lifted
# for the overlay's mount, and a build that failed after the lift (its mounts stage, or its
# child) left the layer without one until the next build that succeeded ---
actl stop alcqa1 || fail "stop alcqa1"
layer_limit() { # max referenced bytes of alcqa1's layer qgroup ("none" when lifted)
	btrfs qgroup show -rf --raw /var/lib/alcove/alcqa1/layer | awk '$1 ~ /^0\// {print $4}'
}
assert_eq 20971520 "$(layer_limit)" "the layer's qgroup is limited to 20M between alcoves"
conf_nosrc=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; layer_quota = "20M";
             mounts = ( { source = "/nonexistent/alcqa"; target = "/mnt/alcqa"; } ); };
rules = ( { user = "alcqa1"; profile = "defaults"; } );')
out=$(in_alcove "$conf_nosrc" alcqa1 true 2>&1) && fail "a build with a missing mount source went in"
assert_contains "$out" "(stage mounts)" "a missing mount source fails the build at its mounts stage"
assert_eq 20971520 "$(layer_limit)" "... and the layer keeps its 20M limit"
# the alcove's first process fails after GO: /tmp's mount point in the upper is a file it
# cannot move aside (immutable)
upper=/var/lib/alcove/alcqa1/layer/upper
touch "$upper/tmp" && chattr +i "$upper/tmp" || fail "an immutable file at the upper's /tmp"
on_exit "chattr -i $upper/tmp; rm -f $upper/tmp"
out=$(in_alcove "$conf" alcqa1 true 2>&1) && fail "a build whose first process failed went in"
assert_contains "$out" "mount on '/tmp': Operation not permitted (step mounts) (stage first process)" \
	"the first process fails at /tmp's mount point"
assert_eq 20971520 "$(layer_limit)" "... and the layer keeps its 20M limit"
chattr -i "$upper/tmp" && rm -f "$upper/tmp" || fail "remove the immutable file"

# --- layer_quota = "infinity" removes the limit an earlier build set on the subvolume ---
conf_free=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; layer_quota = "infinity"; };
rules = ( { user = "alcqa1"; profile = "defaults"; } );')
actl stop alcqa1
out=$(in_alcove "$conf_free" alcqa1 'dd if=/dev/zero of=/var/tmp/fill bs=1M count=30 status=none && echo ok' 2>&1)
assert_eq "ok" "$out" "layer_quota = infinity lifts the 20M quota of an existing layer"
actl stop alcqa1

# --- show names why a layer is not limited, instead of leaving the quota out ---
out=$(actl --config "$conf_free" show alcqa1 2>/dev/null)
assert_contains "$out" "used, not limited: no layer_quota in profile defaults (btrfs qgroup)" \
	"show: a layer whose profile has no layer_quota says so, with its usage"
assert_contains "$(actl --config "$conf_free" --json show alcqa1 2>/dev/null)" \
	'"limited": false, "not_limited_reason": "no layer_quota in profile defaults"}' "show --json too"
actl reset --yes alcqa1 || fail "reset alcqa1"
in_alcove "$conf_free" alcqa1 true || fail "a layer made while the profile has no quota"
actl stop alcqa1
out=$(actl --config "$conf" show alcqa1 2>/dev/null)
assert_contains "$out" "not limited: the layer was made before its quota existed (not a subvolume of its own); \`alcovectl reset alcqa1\` remakes it" \
	"show: a layer made before the quota existed says so, and how to fix it"

# --- share = "session" with persist = true: the session's upper is a tmpfs bounded by tmp_size
# and tmp_inodes (the layer is only its lower), not half the RAM ---
conf_sess=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; share = "session"; cgroup = "none";
             layer_quota = "infinity"; tmp_size = "8M"; tmp_inodes = 64; };
rules = ( { user = "alcqa2"; profile = "defaults"; } );')
actl stop alcqa2
out=$(in_alcove "$conf_sess" alcqa2 'dd if=/dev/zero of=/var/tmp/sess bs=1M count=20 2>&1')
assert_contains "$out" "No space left on device" "share = session: the upper stops at tmp_size"
out=$(in_alcove "$conf_sess" alcqa2 'i=0; while [ $i -lt 200 ]; do : > /var/tmp/f$i || exit 1; i=$((i+1)); done 2>&1')
assert_contains "$out" "No space left on device" "share = session: the upper stops at tmp_inodes"

# Four first logins at once, each a session alcove of its own (they take the layer lock
# shared), on a layer that does not exist yet: one makes the subvolume, and each finds it
# whole, none root's (before, the others saw it between the creation and the chown: refused)
conf_race=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; share = "session"; cgroup = "none";
             layer_quota = "20M"; };
rules = ( { user = "alcqa2"; profile = "defaults"; } );')
actl reset --yes alcqa2 >/dev/null || fail "reset alcqa2"
pids=()
for i in 1 2 3 4; do
	in_alcove "$conf_race" alcqa2 'echo in' >"$mnt/race.$i" 2>&1 &
	pids+=($!)
done
ok=0
for i in 1 2 3 4; do
	wait "${pids[$i - 1]}" && [ "$(cat "$mnt/race.$i")" = in ] && ok=$((ok + 1))
done
assert_eq "4" "$ok" "four first session logins at once on a new btrfs layer: all in ($(cat "$mnt"/race.* | sort -u | tr '\n' ' '))"
assert_eq "$(awk -F: '$1 == "alcqa2" {print $2; exit}' /etc/subuid)" "$(btrfs subvolume show /var/lib/alcove/alcqa2/layer >/dev/null && stat -c %u /var/lib/alcove/alcqa2/layer)" \
	"... on one layer subvolume, ns root's (S, the first subordinate uid)"
assert_eq "" "$(ls -a /var/lib/alcove/alcqa2 | grep -F ..alcove-new)" "... and no temporary subvolume is left"
# A helper killed between making the subvolume and handing it to ns root (crash point
# "layer-subvol" of the fault helper, through a wrapper: the helper gets a clean environment)
# leaves nothing that is taken for the layer: the next build makes it and gets in. (Made in
# place, the layer stayed root's and every later build of the user was refused.)
actl stop alcqa2 >/dev/null 2>&1
actl reset --yes alcqa2 >/dev/null || fail "reset alcqa2"
W=$(mktemp -d /run/alcove-tests/alcqa-fault.XXXXXX) && chmod 0755 "$W" || fail "mktemp"
on_exit "rm -rf $W"
printf '#!/bin/sh\nALCOVE_FAULT=layer-subvol exec %s "$@"\n' "$BUILD/tests/fault/alcove-helper-fault" >"$W/helper"
chmod 0755 "$W/helper"
ALCOVE_HELPER=$W/helper in_alcove "$conf_race" alcqa2 'echo in' >/dev/null 2>&1 &&
	fail "the fault helper was not killed at layer-subvol"
[ -e /var/lib/alcove/alcqa2/layer ] && fail "the killed helper left a layer: $(stat -c '%U %a' /var/lib/alcove/alcqa2/layer)"
assert_eq in "$(in_alcove "$conf_race" alcqa2 'echo in' 2>&1)" \
	"a build after a helper killed while making the layer's subvolume gets in"

# --- filesystems that cannot enforce it ---
out=$(in_alcove "$conf" alcqa3 true 2>&1) && fail "layer_quota on a filesystem without quotas was let through"
assert_contains "$out" "layer_quota 20M" "refused, naming the quota"
assert_contains "$out" "turn project quotas on" "the refusal says how to enable project quotas"
conf2=$(make_config '
defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; layer_quota = "20M";
             layer_quota_fallback = "warn"; };
profiles = { inodes = { layer_inodes = 1000; layer_quota_fallback = "refuse"; }; };
rules = ( { user = "alcqa3"; profile = "defaults"; }, { user = "alcqa1"; profile = "inodes"; } );')
actl stop alcqa3
project="(project quota): turn project quotas on: "
assert_contains "$(actl --config "$conf2" explain alcqa3)" \
	"warning   layer_quota 20M cannot be enforced on /var/lib/alcove/alcqa3 $project" \
	"explain: a quota the user's filesystem cannot enforce, naming the user's directory"
assert_contains "$(actl --config "$conf2" explain alcqa3)" \
	"; logins go on without a layer quota (layer_quota_fallback = \"warn\")" "... and the outcome"
out=$(in_alcove "$conf2" alcqa3 'echo in' 2>&1)
assert_contains "$out" "in" "fallback \"warn\": the login goes on"
assert_contains "$out" "NOT limited to 20M" "fallback \"warn\": the warning names the quota"
line=$(journal_wait "alcqa3's layer is NOT limited to 20M (layer_quota_fallback = \"warn\")") ||
	fail "the warn fallback is not in the journal"
assert_contains "$line" "turn project quotas on" "the journal has the warning, with the fix"
assert_contains "$(actl --config "$conf2" show alcqa3 2>/dev/null)" \
	"layer:      not limited: the filesystem cannot enforce a quota (" \
	"show: a layer on a filesystem without quotas says so"
actl stop alcqa1
assert_contains "$(actl --config "$conf2" explain alcqa1)" \
	"warning   layer_inodes 1000 cannot be enforced on /var/lib/alcove/alcqa1 (btrfs qgroup): btrfs qgroups count bytes, not inodes: drop layer_inodes; logins are refused (layer_quota_fallback = \"refuse\")" \
	"explain: layer_inodes on the user's btrfs, with the outcome"
out=$(in_alcove "$conf2" alcqa1 true 2>&1) && fail "layer_inodes on btrfs was let through"
assert_contains "$out" "count bytes, not inodes" "btrfs: layer_inodes is refused with the reason"

# --- persist = false: the throw-away layer is a tmpfs, sized by layer_quota ---
conf3=$(make_config '
defaults = { mode = "user"; image = "/"; persist = false; cgroup = "none"; layer_quota = "8M"; };
rules = ( { user = "alcqa3"; profile = "defaults"; } );')
actl stop alcqa3
actl reset --yes alcqa3 >/dev/null || fail "reset alcqa3"
out=$(in_alcove "$conf3" alcqa3 'dd if=/dev/zero of=/var/tmp/fill bs=1M count=20 2>&1')
assert_contains "$out" "No space left on device" "persist = false: the tmpfs layer stops at layer_quota"
# Such an alcove keeps no layer: a login into it once the profile says persist = true (and a
# quota that refuses) joins it (the join was refused: "failed to open .../layer to limit it")
keep_alcove "$conf3" alcqa3
out=$(in_alcove "$conf" alcqa3 'echo JOINED' 2>&1)
assert_contains "$out" "JOINED" "a login into a running alcove built with persist = false, now persist = true, goes in"
assert_eq "$pid" "$(alcove_pid alcqa3)" "... joining that alcove"
actl stop alcqa3

# --- root mode at the quota: ns root gave / (the layer's upper) to another id of its range and
# filled the layer; the next build gives the upper back to ns root (layer_repair.c), which
# btrfs refused to root with EDQUOT at the qgroup's limit: every login refused until a reset
actl reset --yes alcqa2 >/dev/null || fail "reset alcqa2"
conf_root=$(make_config "
defaults = { mode = \"root\"; image = \"$IMG\"; persist = true; cgroup = \"none\";
             layer_quota = \"20M\"; layer_quota_fallback = \"refuse\"; };
rules = ( { user = \"alcqa2\"; profile = \"defaults\"; } );")
out=$(in_alcove "$conf_root" alcqa2 'chown 1:1 / && dd if=/dev/zero of=/fill bs=1M count=40 2>&1; sync' 2>&1)
assert_contains "$out" "Disk quota exceeded" "root mode: / given to uid 1, the layer filled to its quota"
actl stop alcqa2
out=$(in_alcove "$conf_root" alcqa2 'echo IN; stat -c %u /' 2>&1)
assert_contains "$out" "IN" "... the next login goes in"
assert_contains "$out" "$(printf 'IN\n0')" "... its / given back to ns root"
assert_eq "20971520" "$(btrfs qgroup show -rf --raw /var/lib/alcove/alcqa2/layer | awk '$1 ~ /^0\// {print $4}')" \
	"... and the layer keeps its 20M limit"
actl stop alcqa2
