#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make bench`: what a login costs with alcove, and how it scales (issue 8, BENCHMARKS.md).
#
# Every figure is the difference between a subject and a baseline measured in the same loop,
# alternating, on the same sshd (tests/bench/measure.py). Nothing here passes or fails on a
# time: the bench fails only when a login did not happen the way it is supposed to (not
# contained, not torn down, ...). Results go to $BENCH_OUT (default build/bench/run-DATE), and,
# when the whole run completed, to tests/bench/results/ and the results section of
# BENCHMARKS.md (tests/bench/report.py).
#
# Knobs (environment):
#   BENCH_REPS=150         A/B pairs of each login measure with 1 alcove alive (and of the
#                          A/A control: alchsel not selected on both sides)
#   BENCH_REPS_SCALE=80    A/B pairs of each login measure at the larger N, and in nspawn
#   BENCH_SCALE="1 100 500"   numbers of alcoves alive (users alch0001.. are created for them)
#   BENCH_REPS_FAST=300    pairs of the fast measures (pamtester; teardown: half)
#   BENCH_NSPAWN=1         0: skip the systemd-scope measure in the nspawn container
#   BENCH_PUBLISH=1        0: do not copy the results into tests/bench/results, BENCHMARKS.md
#   BENCH_OCI=1            0: skip OCI image pull/unpack and first logins (tests/bench/oci.sh,
#                          its own knobs BENCH_OCI_REPS, BENCH_OCI_LOGINS; summary in OUT/oci)
#
# Test users: alchsel (selected, or not), alchbase (never selected), alch0001..alch0500;
# port 2280. All of them, the sshd, the alcoves and the cgroup are removed at exit.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

BENCH_REPS=${BENCH_REPS:-150}
BENCH_REPS_SCALE=${BENCH_REPS_SCALE:-80}
BENCH_REPS_FAST=${BENCH_REPS_FAST:-300}
BENCH_SCALE=${BENCH_SCALE:-1 100 500}
BENCH_NSPAWN=${BENCH_NSPAWN:-1}
BENCH_PUBLISH=${BENCH_PUBLISH:-1}
BENCH_PORT=2280
SEL=alchsel BASE=alchbase
BENCH_DIR=$ALCOVE_SRC/tests/bench
MEASURE="python3 $BENCH_DIR/measure.py"
# The sleeper that keeps an alcove alive under on_last_logout = "keep" once the session that
# started it has ended (own session, stdio closed, so nothing waits for it).
KEEPER="/bin/sh -c 'setsid -f sleep 1d </dev/null >/dev/null 2>&1'"
T_START=$(date +%s)

[ "$(id -u)" = 0 ] || fail "make bench needs root"
for t in pamtester gnuplot newusers ssh sshd python3 setsid; do
	command -v "$t" >/dev/null || fail "$t is missing: run tests/install-deps.sh (make deps)"
done
for p in alcove-helper alcove-init alcove-enter alcovectl pam_alcove.so tests/lobby-probe; do
	[ -e "$BUILD/$p" ] || fail "$BUILD/$p is missing: make bench builds it (make all)"
done

OUT=${BENCH_OUT:-$BUILD/bench/run-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/raw" || fail "mkdir $OUT"
echo "# results in $OUT"
phase() { # name
	echo "$1 $(($(date +%s) - T_START))" >>"$OUT/phases"
	echo "# [$(($(date +%s) - T_START)) s] $1"
}
phase setup

CTL=("$BUILD/alcovectl")
export ALCOVE_HELPER=$BUILD/alcove-helper ALCOVE_UNPACK=$BUILD/alcove-unpack

# --- the machine, for the report ---
COMMIT=$(git -C "$ALCOVE_SRC" describe --always --dirty 2>/dev/null || echo unknown)
python3 - "$OUT/machine.json" "$COMMIT" <<'EOF'
import json, os, platform, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
ssh = os.popen("ssh -V 2>&1").read().strip()
json.dump({"nproc": os.cpu_count(), "kernel": platform.release(), "cpu": cpu,
           "mem_mib": mem // 1024, "loadavg_start": open("/proc/loadavg").read().split()[:3],
           "ssh": ssh, "os": platform.freedesktop_os_release().get("PRETTY_NAME", "?"),
           "commit": sys.argv[2]},
          open(sys.argv[1], "w"))
EOF

# --- the cgroup (v2) whose tree holds the sshd and what it starts: CPU time, settling ---
CG=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)/alcove-bench-$$
mkdir "$CG" || fail "mkdir $CG"
on_exit "rmdir $CG"

# --- policy, users, image ---
IMAGE=$(test_image bookworm) || exit 1
# Two versions of the policy: ON selects alchsel, OFF does not. The login measures put one or
# the other in place before each login (measure.py --policy), so A and B are the same user on
# the same sshd and only the policy differs. CONF is the live file; it holds ON otherwise.
bench_policy() { # action-or-profile for alchsel
	echo "# alcove benchmark (tests/bench/run.sh)
defaults = { image = \"$IMAGE\"; cgroup = \"none\"; on_last_logout = \"keep\"; persist = true; };
profiles = { scale = { persist = false; }; };
rules = ( { user = \"alchbas*\"; action = \"skip\"; },
          { user = \"$SEL\"; $1; },
          { user = \"alch[0-9][0-9][0-9][0-9]\"; profile = \"scale\"; } );
default_action = \"skip\";"
}
CONF_ON=$(make_config "$(bench_policy 'profile = "defaults"')")
CONF_OFF=$(make_config "$(bench_policy 'action = "skip"')")
CONF=$(make_config "$(cat "$CONF_ON")")
on_exit "rm -f $CONF.bench-tmp"
policy_on() { cp "$CONF_ON" "$CONF.bench-tmp" && mv "$CONF.bench-tmp" "$CONF"; }
CTL+=(--config "$CONF")
for c in "$CONF_ON" "$CONF_OFF"; do
	"$BUILD/alcovectl" check-config "$c" >/dev/null ||
		fail "bench policy invalid: $("$BUILD/alcovectl" check-config "$c" 2>&1)"
done

make_user $SEL
make_user $BASE
on_exit "${CTL[*]} reset --yes $SEL" # before the cgroup's rmdir: its alcove may be in there
SEL_UID=$(id -u $SEL)

# --- the sshd: Debian's sshd PAM stack plus pam_alcove from the build tree ---
sshd_start $BENCH_PORT "auth optional $BUILD/pam_alcove.so
session required $BUILD/pam_alcove.so config=$CONF helper=$BUILD/alcove-helper"
echo "$(cat "$SSHD_DIR/sshd.pid")" >"$CG/cgroup.procs" || fail "move sshd into $CG"
sshd_authorize $SEL
sshd_authorize $BASE
mapfile -t SSH_OPTS < <(_ssh_common_opts)
# curve25519 and AES-GCM: the cheapest handshake OpenSSH offers, so the fixed cost alcove is
# compared with is as small (and as steady) as it gets; the same for A and B.
SSH="ssh ${SSH_OPTS[*]} -o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-gcm@openssh.com -p $BENCH_PORT"
ssh_cmd() { echo "$SSH -l $1 127.0.0.1 true"; }
# a terminal login: sshd's pty is the host's, alcove-enter relays it to one of the alcove's
ssh_tty_cmd() { echo "$SSH -tt -l $1 127.0.0.1 true"; }

# Sanity: the subject lands in its alcove, the baseline on the host. Numbers of a login that
# was not contained would be meaningless.
out=$($SSH -l $SEL 127.0.0.1 'cat /proc/1/comm; echo $ALCOVE_NAME' 2>&1) ||
	fail "ssh $SEL: $out; sshd's log: $(tail -5 "$SSHD_LOG")"
assert_eq "alcove-init $SEL_UID" "$(echo $out)" "$SEL's login runs in its alcove"
out=$($SSH -l $BASE 127.0.0.1 'cat /proc/1/comm; echo ${ALCOVE_NAME:-none}' 2>&1) ||
	fail "ssh $BASE: $out; sshd's log: $(tail -5 "$SSHD_LOG")"
assert_not_contains "$out" "alcove-init" "$BASE's login runs on the host"
"${CTL[@]}" stop $SEL || fail "alcovectl stop $SEL"

stop_sel="${CTL[*]} stop $SEL"
keep_sel() { "${CTL[@]}" enter $SEL -- /bin/sh -c 'setsid -f sleep 1d </dev/null >/dev/null 2>&1' ||
	fail "keeper in $SEL's alcove"; }
init_pid() { sed -n 's/^pid=//p' /run/alcove/$1/state 2>/dev/null; }

# --- PAM module alone: pamtester open_session + close_session, alcove running ---
phase pam
PAM_MOD=alcove-bench-mod-$$ PAM_NOMOD=alcove-bench-nomod-$$
for s in $PAM_MOD $PAM_NOMOD; do on_exit "rm -f /etc/pam.d/$s"; done
printf 'session required pam_permit.so\nsession required %s config=%s helper=%s\n' \
	"$BUILD/pam_alcove.so" "$CONF" "$BUILD/alcove-helper" >/etc/pam.d/$PAM_MOD
printf 'session required pam_permit.so\n' >/etc/pam.d/$PAM_NOMOD
keep_sel
pid0=$(init_pid $SEL_UID)
out=$(pamtester -v $PAM_MOD $SEL open_session close_session 2>&1) || fail "pamtester: $out"
$MEASURE ab --out "$OUT/raw/pam.tsv" --measure pam_open_close --reps "$BENCH_REPS_FAST" \
	--cgroup "$CG" --join --a "pamtester $PAM_MOD $SEL open_session close_session" \
	--b "pamtester $PAM_NOMOD $SEL open_session close_session" || exit 1
# the module's own cost for a login the policy does not select (policy read + decision)
$MEASURE ab --out "$OUT/raw/pam.tsv" --measure pam_skip --reps "$BENCH_REPS_FAST" \
	--cgroup "$CG" --join --a "pamtester $PAM_MOD $BASE open_session close_session" \
	--b "pamtester $PAM_NOMOD $BASE open_session close_session" || exit 1
[ "$(init_pid $SEL_UID)" = "$pid0" ] || fail "the alcove changed during the pamtester runs"

# --- the helper's own stage timings, and the lobby alone against the real alcove ---
phase stages
"${BUILD}/tests/lobby-probe" "$pid0" /bin/bash "$BUILD/alcove-enter" --bench 500 >"$OUT/raw/lobby_us" ||
	fail "lobby-probe"
"${CTL[@]}" stop $SEL
$MEASURE stages --out "$OUT/raw/stages.tsv" --reps 40 --user $SEL --keeper "$KEEPER" \
	-- "${CTL[@]}" || exit 1

# --- teardown: alcovectl stop until no process and no mount is left ---
phase teardown
$MEASURE teardown --out "$OUT/raw/teardown.tsv" --reps "$((BENCH_REPS_FAST / 2))" \
	--uid "$SEL_UID" --user $SEL --build "${CTL[*]} enter $SEL -- $KEEPER" --cgroup "$CG" \
	--a "${CTL[*]} stop $SEL" --b "${CTL[*]} stop $BASE" || exit 1

# --- scaling: logins with N alcoves alive, memory per alcove ---
phase users
NMAX=0
for n in $BENCH_SCALE; do ((n > NMAX)) && NMAX=$n; done
SCALE_USERS=()
for ((i = 1; i <= NMAX; i++)); do SCALE_USERS+=("$(printf 'alch%04d' $i)"); done
# newusers: one batch (useradd takes ~0.1 s per user); a random password nobody knows.
pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
for u in "${SCALE_USERS[@]}"; do
	userdel -r -f "$u" >/dev/null 2>&1
	echo "$u:$pw::::/home/$u:/bin/bash"
done >"$OUT/newusers"
on_exit "for u in ${SCALE_USERS[*]}; do ${CTL[*]} stop \$u; userdel -r -f \$u; sed -i \"/^\$u:/d\" /etc/subuid /etc/subgid; done"
newusers "$OUT/newusers" || fail "newusers"
rm -f "$OUT/newusers"
for u in "${SCALE_USERS[@]}"; do
	grep -q "^$u:" /etc/subuid || fail "newusers gave $u no subordinate uid range"
done

phase scaling
"${CTL[@]}" stop $SEL
$MEASURE meminfo >"$OUT/raw/meminfo-0.json"
alive=0
for n in $BENCH_SCALE; do
	# keep the alcoves alive: one sleeper each, started through alcovectl enter
	users=$(IFS=,; echo "${SCALE_USERS[*]:alive:n-alive}")
	$MEASURE build --users "$users" --keeper "$KEEPER" -- "${CTL[@]}" >"$OUT/raw/build-$n.json" || exit 1
	alive=$n
	sleep 1
	$MEASURE meminfo >"$OUT/raw/meminfo-$n.json"
	uids=$(for u in "${SCALE_USERS[@]:0:n}"; do id -u $u; done | paste -sd,)
	$MEASURE memory --uids "$uids" >"$OUT/raw/memory-$n.json" || exit 1

	reps=$BENCH_REPS_SCALE
	[ "$n" = "${BENCH_SCALE%% *}" ] && reps=$BENCH_REPS
	# A: alchsel contained; B: alchsel with the policy not selecting it (same user, same sshd)
	toggle=(--policy "$CONF" --policy-a "$CONF_ON" --policy-b "$CONF_OFF")
	# first login: the alcove is built by the login (stopped, untimed, before each)
	$MEASURE ab --out "$OUT/raw/login.tsv" --measure "login_first@$n" --reps "$reps" \
		--cgroup "$CG" "${toggle[@]}" --a "$(ssh_cmd $SEL)" --b "$(ssh_cmd $SEL)" \
		--reset-a "$stop_sel" || exit 1
	policy_on
	# a further login: the alcove runs (a sleeper in it)
	keep_sel
	pid0=$(init_pid $SEL_UID)
	$MEASURE ab --out "$OUT/raw/login.tsv" --measure "login_further@$n" --reps "$reps" \
		--cgroup "$CG" "${toggle[@]}" --a "$(ssh_cmd $SEL)" --b "$(ssh_cmd $SEL)" || exit 1
	policy_on
	if [ "$n" = "${BENCH_SCALE%% *}" ]; then
		$MEASURE ab --out "$OUT/raw/login.tsv" --measure "login_tty@$n" --reps "$reps" \
			--cgroup "$CG" "${toggle[@]}" --a "$(ssh_tty_cmd $SEL)" --b "$(ssh_tty_cmd $SEL)" || exit 1
		policy_on
	fi
	[ "$(init_pid $SEL_UID)" = "$pid0" ] || fail "further logins rebuilt the alcove"
	"${CTL[@]}" stop $SEL
	# the noise floor: the same loop, both sides alchsel not selected
	if [ "$n" = "${BENCH_SCALE%% *}" ]; then
		$MEASURE ab --out "$OUT/raw/login.tsv" --measure "login_aa@$n" --reps "$reps" \
			--cgroup "$CG" --policy "$CONF" --policy-a "$CONF_OFF" --policy-b "$CONF_OFF" \
			--a "$(ssh_cmd $SEL)" --b "$(ssh_cmd $SEL)" || exit 1
		policy_on
	fi
done

# --- first login with the systemd scope, in a systemd-nspawn container (TESTING.md layer 3) ---
if [ "$BENCH_NSPAWN" = 1 ]; then
	phase nspawn
	. "$BENCH_DIR/nspawn_scope.sh"
	bench_nspawn_scope
fi

# --- OCI images: pull + unpack against skopeo + umoci, first login against a directory image ---
if [ "${BENCH_OCI:-1}" = 1 ]; then
	phase oci
	"$BENCH_DIR/oci.sh" "$OUT/oci" || fail "tests/bench/oci.sh"
fi

phase report
python3 - "$OUT/machine.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
json.dump(m, open(sys.argv[1], "w"))
EOF
phase done
python3 "$BENCH_DIR/report.py" "$OUT" || fail "report"
if [ "$BENCH_PUBLISH" = 1 ]; then
	python3 "$BENCH_DIR/report.py" --publish "$OUT" "$BENCH_DIR/results" "$ALCOVE_SRC/BENCHMARKS.md" ||
		fail "publish"
fi
echo "# bench done in $(($(date +%s) - T_START)) s (user removal follows)"
