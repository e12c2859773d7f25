#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two build trees compared on the login path (BENCHMARKS.md): a further login of one user, plain
# (`ssh true`) and on a terminal (`ssh -tt true`), against one sshd whose PAM line names
# /run/alcove-ab/cur/{pam_alcove.so,alcove-helper}, a symlink put on one tree or the other
# (untimed) before each login. sshd re-executes itself per connection, so each login loads the
# module (and runs the helper, and through it alcove-enter) of the tree the link names. Same
# user, same sshd, same alcove (started by NEW_BUILD), alternating in pairs: the instance and
# the user, which move a login's figure by several ms here, are the same on both sides. "aa"
# is the noise floor: OLD_BUILD on both sides.
#
#   tests/bench/ab-builds.sh OLD_BUILD NEW_BUILD [REPS [OUT_DIR]]
#   e.g. git worktree add /tmp/old HEAD~3 && make -C /tmp/old all && \
#        tests/bench/ab-builds.sh /tmp/old/build build 150
# Knob: AB_MODES (default "tty plain aa"; also "pam": pamtester open_session + close_session
# through a PAM service naming the link). User alchab, port 2291; removed at exit.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/sshd.sh"

[ $# -ge 2 ] || fail "usage: $0 OLD_BUILD NEW_BUILD [REPS [OUT_DIR]]"
OLD=$(realpath "$1") NEW=$(realpath "$2") REPS=${3:-150}
OUT=${4:-$BUILD/bench/ab-$(date +%Y%m%d-%H%M%S)}
for b in "$OLD" "$NEW"; do
	for p in pam_alcove.so alcove-helper alcove-init alcove-enter alcovectl; do
		[ -f "$b/$p" ] || fail "$b/$p is missing (make all in that tree)"
	done
done
mkdir -p "$OUT" || fail "mkdir $OUT"
LINK=/run/alcove-ab
mkdir "$LINK" || fail "$LINK exists: another run of $0?"
on_exit "rm -rf $LINK"
ln -s "$NEW" "$LINK/cur" || fail "ln $LINK/cur"
export ALCOVE_HELPER=$NEW/alcove-helper ALCOVE_UNPACK=$NEW/alcove-unpack
MEASURE="python3 $ALCOVE_SRC/tests/bench/measure.py"

IMAGE=$(test_image bookworm) || exit 1
CONF=$(make_config "defaults = { image = \"$IMAGE\"; cgroup = \"none\"; on_last_logout = \"keep\"; persist = true; };
rules = ( { user = \"alchab\"; profile = \"defaults\"; } );
default_action = \"skip\";")
CG=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)/alcove-ab-$$
mkdir "$CG" || fail "mkdir $CG"
on_exit "rmdir $CG"
make_user alchab
on_exit "$NEW/alcovectl --config $CONF reset --yes alchab"
sshd_start 2291 "auth optional $LINK/cur/pam_alcove.so
session required $LINK/cur/pam_alcove.so config=$CONF helper=$LINK/cur/alcove-helper"
echo "$(cat "$SSHD_DIR/sshd.pid")" >"$CG/cgroup.procs" || fail "move sshd into $CG"
sshd_authorize alchab
mapfile -t opts < <(_ssh_common_opts)
SSH="ssh ${opts[*]} -o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-gcm@openssh.com -p 2291 -l alchab 127.0.0.1"

# The alcove runs (a sleeper keeps it), and each tree's login lands in it.
out=$($SSH 'setsid -f sleep 1d </dev/null >/dev/null 2>&1; cat /proc/1/comm' 2>&1) || fail "$out"
for b in "$OLD" "$NEW"; do
	ln -sfn "$b" "$LINK/cur"
	out=$($SSH -tt 'cat /proc/1/comm' 2>&1) || fail "$b: $out"
	assert_contains "$out" alcove-init "$b: the login lands in the alcove"
done

# pam: the module alone, pamtester open_session + close_session (as make bench's PAM row)
PAM_SVC=alcove-ab-$$
on_exit "rm -f /etc/pam.d/$PAM_SVC"
printf 'session required pam_permit.so\nsession required %s config=%s helper=%s\n' \
	"$LINK/cur/pam_alcove.so" "$CONF" "$LINK/cur/alcove-helper" >/etc/pam.d/$PAM_SVC ||
	fail "writing /etc/pam.d/$PAM_SVC"

to_new="ln -sfn $NEW $LINK/cur" to_old="ln -sfn $OLD $LINK/cur"
for m in ${AB_MODES:-tty plain aa}; do
	cmd="$SSH true" join=()
	case $m in
	tty) cmd="$SSH -tt true" ;;
	pam) cmd="pamtester $PAM_SVC alchab open_session close_session" join=(--join) ;;
	plain | aa) ;;
	*) fail "AB_MODES: unknown mode '$m' (tty, plain, pam, aa)" ;;
	esac
	a=$to_new
	[ "$m" = aa ] && a=$to_old
	$MEASURE ab --out "$OUT/ab.tsv" --measure "$m" --reps "$REPS" --cgroup "$CG" "${join[@]}" \
		--reset-a "$a" --reset-b "$to_old" --a "$cmd" --b "$cmd" || exit 1
done

PYTHONPATH=$ALCOVE_SRC/tests/bench python3 - "$OUT/ab.tsv" <<'PY'
import sys
import report
for m, reps in sorted(report.load_ab(sys.argv[1]).items()):
    s = report.summarize_ab(reps)
    lo, hi = s["added_ci"]
    a = "old" if m == "aa" else "new"
    line = (f"{m}: n={s['a']['n']} median {a} {s['a']['median']:.1f} ms, old {s['b']['median']:.1f} ms;"
            f" {a} - old {s['added']:+.2f} ms (95 % {lo:+.2f} … {hi:+.2f})")
    if "cpu_added" in s:
        line += f"; CPU {s['cpu_added']:+.2f} ms"
    print(line)
PY
echo "# samples in $OUT/ab.tsv"
