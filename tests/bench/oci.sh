#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The OCI part of `make bench` (issue 16, BENCHMARKS.md "OCI images"); run by run.sh, or alone:
#   tests/bench/oci.sh [OUT_DIR]
#
# A ~100 MB image of 5 gzip layers of random (incompressible) files on a busybox root, built
# here (tests/lib/oci-layout.py, no network), then, alternating, BENCH_OCI_REPS times each:
#   pull     `alcovectl image pull oci:LAYOUT NAME` (skopeo copy + verify + unpack into the store)
#            against `skopeo copy` + `umoci unpack` of the same layout
#   unpack   the unpack alone: alcove's (tests/oci-unpack, the code pull runs) against
#            `umoci unpack` reading the same layout
# wall time and peak RSS (GNU time's %M: the largest single process of the command's tree,
# skopeo's or ours). Then BENCH_OCI_LOGINS pairs of first logins through a real sshd
# (tests/bench/measure.py ab): the image as image = "NAME" against the very same tree unpacked
# by umoci as a directory image. Numbers only: nothing passes or fails on a time.
# User alcojb, port 2411, image name alcojb-img; all removed at exit, with the layers added.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/sshd.sh"

REPS=${BENCH_OCI_REPS:-3}
LOGINS=${BENCH_OCI_LOGINS:-20}
OUT=${1:-$BUILD/bench/oci-$(date +%Y%m%d-%H%M%S)}
U=alcojb NAME=alcojb-img PORT=2411
PY=/usr/bin/python3
OCI=/var/lib/alcove/oci
CTL=$BUILD/alcovectl
export ALCOVE_HELPER=$BUILD/alcove-helper ALCOVE_UNPACK=$BUILD/alcove-unpack
for t in /usr/bin/skopeo /usr/bin/umoci /usr/bin/time /bin/busybox "$CTL" "$BUILD/tests/oci-unpack"; do
	[ -x "$t" ] || fail "$t is missing (tests/install-deps.sh; make all $BUILD/tests/oci-unpack)"
done
mkdir -p "$OUT" || fail "mkdir $OUT"
echo "# OCI bench: results in $OUT"
# On the root filesystem (the store's, and idmappable for the directory image), not a tmpfs.
W=$(mktemp -d /var/tmp/alcove-bench-oci.XXXXXX)
on_exit "rm -rf $W"
ls "$OCI/layers" >"$W/layers-before" 2>/dev/null
drop_layers() { # the layers this bench added to the store (those there before stay)
	"$CTL" image rm "$NAME" >/dev/null 2>&1
	for l in $(ls "$OCI/layers" 2>/dev/null | grep -vxF -f "$W/layers-before"); do
		rm -rf "${OCI:?}/layers/$l"
	done
}
on_exit drop_layers

# --- the image: busybox root + 20 MB, then 4 layers of 20 MB in files of 4 MB down to 10 KB ---
T0=$(date +%s)
R=$W/root
mkdir -p "$R/bin" "$R/etc" "$R/proc" "$R/dev" "$R/tmp" "$R/home" "$R/run" "$R/sys" "$R/var/tmp" \
	"$R/root" "$R/data1"
cp /bin/busybox "$R/bin/busybox"
for c in sh cat ls true sleep; do ln -s busybox "$R/bin/$c"; done
echo 'root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$R/etc/passwd"
echo 'root:x:0:
nogroup:x:65534:' >"$R/etc/group"
for i in $(seq 20); do head -c 1048576 /dev/urandom >"$R/data1/f$i"; done
mk() { "$PY" "$ALCOVE_SRC/tests/lib/oci-layout.py" "$@" || fail "oci-layout.py $*"; }
mk tar "$W/l1.tar" tree "$R"
mk tar "$W/l2.tar" random data2 5 4194304
mk tar "$W/l3.tar" random data3 20 1048576
mk tar "$W/l4.tar" random data4 200 104857
mk tar "$W/l5.tar" random data5 2000 10485
mk layout "$W/L" "$W"/l[1-5].tar
rm -f "$W"/l[1-5].tar
size=$(du -sm "$W/L" | cut -f1)
echo "# image: 5 layers, ${size} MB of blobs, built in $(($(date +%s) - T0)) s"

# --- pull and unpack, alternating ours and theirs ---
TSV=$OUT/oci.tsv
timed() { # kind rep cmd...: one line "kind rep wall_s maxrss_kb" into TSV
	local kind=$1 rep=$2
	shift 2
	/usr/bin/time -f '%e %M' -o "$W/time" "$@" >"$W/cmd.out" 2>&1 ||
		fail "$kind: $* failed: $(tail -5 "$W/cmd.out")"
	echo "$kind $rep $(cat "$W/time")" >>"$TSV"
}
: >"$TSV"
for rep in $(seq "$REPS"); do
	drop_layers
	timed alcove_pull "$rep" "$CTL" image pull "oci:$W/L:latest" "$NAME"
	rm -rf "$W/U" "$W/bundle"
	timed skopeo_copy "$rep" skopeo copy "oci:$W/L:latest" "oci:$W/U:latest"
	timed umoci_unpack "$rep" umoci unpack --image "$W/U:latest" "$W/bundle"
	rm -rf "$W/store"
	mkdir -m 0700 "$W/store"
	timed alcove_unpack "$rep" "$BUILD/tests/oci-unpack" "$W/L" "$W/store"
	rm -rf "$W/bundle2"
	timed umoci_unpack_only "$rep" umoci unpack --image "$W/L:latest" "$W/bundle2"
done
rm -rf "$W/store" "$W/bundle2" "$W/U"

# --- first logins: image = "NAME" against the same tree as a directory image ---
make_user $U -s /bin/sh
on_exit "$CTL stop $U"
chmod 0755 "$W/bundle/rootfs"
policy() { # image
	echo "defaults = { image = \"$1\"; cgroup = \"none\"; on_last_logout = \"keep\"; persist = false; };
rules = ( { user = \"$U\"; profile = \"defaults\"; } );"
}
CONF_OCI=$(make_config "$(policy "$NAME")")
CONF_DIR=$(make_config "$(policy "$W/bundle/rootfs")")
CONF=$(make_config "$(cat "$CONF_OCI")")
sshd_start $PORT "session required $BUILD/pam_alcove.so config=$CONF helper=$BUILD/alcove-helper"
sshd_authorize $U
mapfile -t SSH_OPTS < <(_ssh_common_opts)
SSH="ssh ${SSH_OPTS[*]} -o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-gcm@openssh.com -p $PORT -l $U 127.0.0.1"
for c in "$CONF_OCI" "$CONF_DIR"; do
	cp "$c" "$CONF"
	out=$($SSH 'cat /proc/1/comm; ls /data5 | wc -l' 2>&1) || fail "ssh $U: $out; $(tail -5 "$SSHD_LOG")"
	assert_eq "alcove-init 2000" "$(echo $out)" "$U's login runs in its alcove on the image ($(basename "$c"))"
	"$CTL" --config "$CONF" stop $U >/dev/null 2>&1
done
"$PY" "$ALCOVE_SRC/tests/bench/measure.py" ab --out "$OUT/login.tsv" --measure login_first_oci \
	--reps "$LOGINS" --policy "$CONF" --policy-a "$CONF_OCI" --policy-b "$CONF_DIR" \
	--a "$SSH true" --b "$SSH true" --reset-a "$CTL --config $CONF stop $U" \
	--reset-b "$CTL --config $CONF stop $U" || fail "measure.py ab"

# --- summary (medians), for BENCHMARKS.md ---
"$PY" - "$TSV" "$OUT/login.tsv" "$size" <<'EOF' | tee "$OUT/summary.md"
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(kind, col):
    return st.median(float(r[col]) for r in rows if r[0] == kind)
def line(what, kinds):
    wall = sum(med(k, 2) for k in kinds)
    rss = max(med(k, 3) for k in kinds) / 1024
    print(f"| {what} | {wall:.2f} | {rss:.0f} |")
print(f"Image: 5 gzip layers, {sys.argv[3]} MB of blobs (random content).\n")
print("| | wall s (median) | peak RSS MiB (median) |\n|---|---|---|")
line("`alcovectl image pull` (skopeo copy + verify + unpack)", ["alcove_pull"])
line("`skopeo copy` + `umoci unpack`", ["skopeo_copy", "umoci_unpack"])
line("  of which `skopeo copy`", ["skopeo_copy"])
line("unpack alone: alcove (tests/oci-unpack)", ["alcove_unpack"])
line("unpack alone: `umoci unpack`", ["umoci_unpack_only"])
login = [l.split("\t") for l in open(sys.argv[2])]
a = [int(r[3]) / 1000 for r in login if r[1] == "a"]
b = [int(r[3]) / 1000 for r in login if r[1] == "b"]
import os
print(f"\nMachine: {os.cpu_count()} CPUs, Linux {os.uname().release}, load average at the end "
      f"{' '.join(open('/proc/loadavg').read().split()[:3])}.")
print(f"\nFirst login (ssh, {len(a)} pairs, ms): OCI image median {st.median(a):.1f} "
      f"(p90 {sorted(a)[int(len(a) * 0.9)]:.1f}), the same tree as a directory image "
      f"median {st.median(b):.1f} (p90 {sorted(b)[int(len(b) * 0.9)]:.1f})")
EOF
