# SPDX-License-Identifier: GPL-2.0-or-later
# Part of tests/bench/run.sh (sourced): the first login with the systemd scope, in a
# systemd-nspawn container booted by tests/lib/nspawn.sh (systemd 252 as PID 1, logind,
# D-Bus). The container's own sshd with pam_alcove enabled the packaged way
# (pam-auth-update), alcove installed from this build; A = alchsel selected (its alcove gets
# the scope alcove-alchsel.scope), B = alchsel with the policy not selecting it, same sshd.
bench_nspawn_scope() {
	local ct stop_ct out cgroot
	nspawn_boot
	# ON selects alchsel, OFF does not; measure.py puts one or the other in place per login
	local live=$NSPAWN_DIR/etc/alcove/alcove.conf on=$NSPAWN_DIR.policy-on.log off=$NSPAWN_DIR.policy-off.log
	for v in on off; do
		cat >"$NSPAWN_DIR.policy-$v.log" <<CONF
# alcove benchmark (tests/bench/nspawn_scope.sh)
defaults = { image = "/"; cgroup = "systemd"; on_last_logout = "keep"; persist = true; };
rules = ( { user = "$SEL"; $([ $v = on ] && echo 'profile = "defaults"' || echo 'action = "skip"'); } );
default_action = "skip";
CONF
	done
	cp "$on" "$live"
	ct_run env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove || fail "pam-auth-update in the container"
	grep -q pam_alcove "$NSPAWN_DIR/etc/pam.d/common-session" || fail "pam_alcove not enabled"
	ct_user $SEL
	ct_user $BASE

	ct="nsenter -t $NSPAWN_LEADER"
	ssh_ct() { # user
		echo "$ct -n ssh -i $NSPAWN_DIR.key -o BatchMode=yes -o StrictHostKeyChecking=no" \
			"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20" \
			"-o KexAlgorithms=curve25519-sha256 -o Ciphers=aes128-gcm@openssh.com $1@127.0.0.1 true"
	}
	stop_ct="$ct -a systemd-run --quiet --wait --pipe --collect --property=Type=exec -- alcovectl stop $SEL"

	# the scope is checked while the login runs: under keep the alcove, and its scope, end
	# with the login's last process
	ct_ssh $SEL 'cat /proc/1/comm; sleep 3' >"$NSPAWN_DIR.sel.log" 2>&1 &
	local sshpid=$!
	wait_until 50 ct_run systemctl is-active --quiet "alcove-$SEL.scope" ||
		fail "no active alcove-$SEL.scope during $SEL's login"
	pass "the alcove has its scope"
	wait $sshpid || fail "ssh $SEL in the container: $(cat "$NSPAWN_DIR.sel.log")"
	assert_contains "$(cat "$NSPAWN_DIR.sel.log")" "alcove-init" "$SEL's login runs in its alcove (container)"
	out=$(ct_ssh $BASE 'cat /proc/1/comm') || fail "ssh $BASE in the container: $out"
	assert_not_contains "$out" "alcove-init" "$BASE's login runs on the container's host side"
	ct_run alcovectl stop $SEL || fail "alcovectl stop $SEL in the container"

	# The whole container's cgroup tree: its sshd, logind, D-Bus and systemd's work for the
	# scope all count in the CPU time.
	cgroot=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)/$NSPAWN_CG
	$MEASURE ab --out "$OUT/raw/login.tsv" --measure "login_first_scope@1" \
		--reps "$BENCH_REPS_SCALE" --cgroup "$cgroot" --a "$(ssh_ct $SEL)" --b "$(ssh_ct $SEL)" \
		--policy "$live" --policy-a "$on" --policy-b "$off" --reset-a "$stop_ct" || exit 1
	cp "$on" "$live"
	assert_eq inactive "$(ct_run systemctl is-active "alcove-$SEL.scope")" "no scope left after stop"

	# the helper's stages, scope included, as the container's alcovectl reports them
	$MEASURE stages --out "$OUT/raw/stages.tsv" --reps 20 --user $SEL --keeper "$KEEPER" \
		--label scope- --prefix "$ct -a systemd-run --quiet --wait --pipe --collect \
		--property=Type=exec --setenv=ALCOVE_DEBUG=1 --" -- alcovectl || exit 1
	nspawn_stop
}
