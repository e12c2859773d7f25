# shellcheck shell=bash
# layer_quota as an ext4 and an xfs project quota, through ssh logins in the VM (sourced by
# 20-limits-login.sh, so one boot serves both; the host's kernel has no CONFIG_QFMT_V2, so only
# the VM can test it). /var/lib/alcove is the guest's /dev/vdb: ext4 with the features project
# and quota, mounted with prjquota (vm.sh, VM_LIB_DISK=prjquota). alcvq1 has layer_quota =
# "20M", alcvq2 the builtin 10G, alcvq3 layer_inodes = 200; each refuses the login if the quota
# cannot be set. A user at the quota gets EDQUOT, keeps their files, logs in again (the helper
# lifts the limit while overlayfs remakes work/), makes room by deleting; the other user writes
# on; alcovectl show prints the project quota; reset releases it. alcvq5 has the 20M on an xfs
# mounted with prjquota (/dev/vdc).

assert_contains "$(vm_ssh root findmnt -no FSTYPE,OPTIONS /var/lib/alcove)" "prjquota" \
	"the guest's /var/lib/alcove is mounted with prjquota"

# --- EDQUOT at 20M; the user's earlier file intact ---
out=$(vm_ssh alcvq1 'head -c 100000 /dev/urandom >/var/tmp/keep && sha256sum </var/tmp/keep &&
	dd if=/dev/zero of=/var/tmp/fill bs=1M count=40 2>&1; sync; stat -c %s /var/tmp/fill') ||
	fail "alcvq1's first login: $out"
keep=$(sed -n 1p <<<"$out")
assert_contains "$out" "Disk quota exceeded" "a user at the 20M project quota gets EDQUOT inside"
size=$(tail -1 <<<"$out")
[ "$size" -le $((20 * 1024 * 1024)) ] 2>/dev/null || fail "wrote '$size' bytes past a 20M quota"
pass "no more than the quota was written ($size bytes)"
out=$(vm_ssh root 'uid=$(id -u alcvq1); echo $uid; lsattr -pd /var/lib/alcove/alcvq1/layer
	lsattr -pd /var/lib/alcove/alcvq1/layer/upper')
uid=$(sed -n 1p <<<"$out")
grep -qE "^ *$uid +[-a-zA-Z]*P[-a-zA-Z]* " <<<"$(sed -n 2p <<<"$out")" || fail "layer/ is not project $uid with P: $out"
grep -qE "^ *$uid " <<<"$(sed -n 3p <<<"$out")" || fail "layer/upper is not in project $uid: $out"
pass "layer/ carries project id $uid (the uid) with inherit, upper/ inherited it"

# --- at the quota, a new alcove still mounts the layer; deleting makes room ---
vm_ssh root alcovectl stop alcvq1 >/dev/null 2>&1
out=$(vm_ssh alcvq1 'sha256sum </var/tmp/keep; dd if=/dev/zero of=/var/tmp/more bs=1M count=1;
	rm /var/tmp/fill && dd if=/dev/zero of=/var/tmp/again bs=1M count=15 status=none &&
	echo written' 2>&1) || fail "login of a user at the quota: $out"
assert_eq "$keep" "$(sed -n 1p <<<"$out")" "a user at the quota logs in again, files intact"
assert_contains "$out" "Disk quota exceeded" "the quota is set again before the login runs"
assert_eq written "$(tail -1 <<<"$out")" "after deleting, 15M more are written"

# --- another user on the same filesystem writes on; show reports the project quota ---
out=$(vm_ssh alcvq2 'dd if=/dev/zero of=/var/tmp/big bs=1M count=30 status=none && echo done')
assert_eq "done" "$out" "a second user (builtin 10G quota) writes 30M on the same filesystem"
out=$(vm_ssh root 'alcovectl show alcvq1; alcovectl show alcvq2' 2>/dev/null) # no alcove running: said on stderr
echo "$out" | grep '^layer:' | sed 's/^/#   /'
grep -qE '^layer: +[0-9.]+M of 20M, [0-9]+ inodes \(project quota\)$' <<<"$out" ||
	fail "alcovectl show alcvq1: no layer usage against 20M: $out"
pass "alcovectl show: the layer's usage of 20M and its inodes (project quota)"
assert_contains "$out" "of 10G, " "alcovectl show: the builtin 10G is a project quota too"

# --- reset removes the layer and what the project counted; the next login has all 20M ---
vm_ssh root alcovectl reset --yes alcvq1 >/dev/null || fail "alcovectl reset of a layer with a project quota"
out=$(vm_ssh alcvq1 'test -e /var/tmp/keep && echo kept;
	dd if=/dev/zero of=/var/tmp/fill bs=1M count=19 status=none && echo ok')
assert_eq ok "$out" "after reset the layer is empty and the user has the whole quota again"

# --- layer_inodes = 200: EDQUOT creating a file beyond it (bash's : > is no fork) ---
out=$(vm_ssh alcvq3 'mkdir /var/tmp/n && for i in $(seq 300); do : >/var/tmp/n/$i || break; done
	echo "made $i"' 2>&1)
assert_contains "$out" "Disk quota exceeded" "layer_inodes = 200: EDQUOT for one file too many"
made=$(sed -n 's/^made //p' <<<"$out")
[ "$made" -gt 150 ] && [ "$made" -le 200 ] 2>/dev/null || fail "inode quota hit at file '$made': $out"
pass "the inode quota was hit at file $made of 300 (the layer's own directories count too)"
# (logged when that session closes, sshd's PAM close after the client is gone: waited for)
# (journalctl -g exits 0 without a match: the loop waits for a line, 20 s at most)
out=$(vm_ssh root "for i in \$(seq 100); do l=\$(journalctl -q --no-pager -g \"alcvq3's layer is at its quota\");
	[ -n \"\$l\" ] && break; sleep 0.2; done; echo \"\$l\" | tail -1")
[ -n "$out" ] || out="no such line; $(vm_ssh root 'alcovectl show alcvq3 | grep layer:')"
assert_contains "$out" "of layer_inodes 200" "the journal records the inode quota hit with the user and the limit"

# --- ext4 with the features but mounted without prjquota counts usage and enforces no limit:
# a layer there is refused (fallback "refuse"), not let through without its quota ---
vm_ssh root 'truncate -s 64M /var/tmp/noprj.img && mkfs.ext4 -q -I 256 -O quota,project /var/tmp/noprj.img &&
	mkdir /run/noprj && mount -o loop /var/tmp/noprj.img /run/noprj &&
	install -d -m 0700 /run/noprj/alcvq4 /var/lib/alcove/alcvq4 &&
	mount --bind /run/noprj/alcvq4 /var/lib/alcove/alcvq4' || fail "an ext4 without prjquota in the VM"
out=$(vm_ssh alcvq4 'echo in' 2>&1) && fail "a layer_quota that the mount does not enforce was let through: $out"
out=$(vm_ssh root "journalctl -q --no-pager -g 'layer_quota 20M' | tail -1")
assert_contains "$out" "turn project quotas on" "refused with the way to turn project quotas on"

# --- xfs (/dev/vdc, mounted with prjquota): the same project quota through xfs's own quota
# code; alcvq5's layer directory is a bind of a directory there, as alcvq4's above ---
vm_ssh root 'mkdir /run/xfs && mount -o prjquota /dev/vdc /run/xfs &&
	install -d -m 0700 /run/xfs/alcvq5 /var/lib/alcove/alcvq5 &&
	mount --bind /run/xfs/alcvq5 /var/lib/alcove/alcvq5' || fail "an xfs with prjquota in the VM"
out=$(vm_ssh alcvq5 'head -c 100000 /dev/urandom >/var/tmp/keep && sha256sum </var/tmp/keep &&
	dd if=/dev/zero of=/var/tmp/fill bs=1M count=40 2>&1; sync; stat -c %s /var/tmp/fill') ||
	fail "alcvq5's login on xfs: $out"
# xfs reports a project quota as a full directory tree: ENOSPC, where ext4 says EDQUOT
# (fs/xfs/xfs_trans_dquot.c: a project dquot's reservation fails with -ENOSPC)
assert_contains "$out" "No space left on device" "xfs: a user at the 20M project quota gets ENOSPC inside"
size=$(tail -1 <<<"$out")
[ "$size" -le $((20 * 1024 * 1024)) ] 2>/dev/null || fail "xfs: wrote '$size' bytes past a 20M quota"
pass "xfs: no more than the quota was written ($size bytes)"
keep=$(sed -n 1p <<<"$out")
assert_eq "$keep" "$(vm_ssh alcvq5 'sha256sum </var/tmp/keep')" "xfs: the user's file is intact at the quota"
out=$(vm_ssh root 'alcovectl show alcvq5' 2>/dev/null)
grep -qE '^layer: +[0-9.]+M of 20M, [0-9]+ inodes \(project quota\)$' <<<"$out" ||
	fail "alcovectl show alcvq5: no xfs layer usage against 20M: $out"
pass "xfs: alcovectl show reads the project quota"
