# Layer 3 of TESTING.md: a real systemd PID 1 in a systemd-nspawn container. Source after
# common.sh:
#   . "$ALCOVE_SRC/tests/lib/nspawn.sh"
#   nspawn_boot                 # fresh copy of the cached bookworm rootfs, alcove installed,
#                               # booted; sets NSPAWN_DIR, NSPAWN_PID (nspawn), NSPAWN_LEADER
#     set before nspawn_boot:   NSPAWN_INSTALL=none (boot without alcove: the test installs
#                               the .debs); NSPAWN_ROOTFS_ARGS=(PACKAGES MMDEBSTRAP-OPTION...)
#   ct_run CMD...               # runs CMD inside, as a transient service (systemd-run --pipe),
#                               # so it lives in the container's own cgroup tree
#   ct_ssh USER CMD...          # ssh USER@127.0.0.1 in the container's network namespace
#   nspawn_stop                 # also registered with on_exit
#
# The rootfs is built once per machine (mmdebstrap, ~100 s) into /var/cache/alcove-tests and
# kept; its name carries a hash of the package list, so changing the list rebuilds it. The
# build is serialised with flock so parallel test runs never build it twice or see half of it.

NSPAWN_CACHE=${NSPAWN_CACHE:-/var/cache/alcove-tests}
NSPAWN_WORK=${NSPAWN_WORK:-/var/tmp/alcove-tests} # ext4 here: the alcove idmaps its image
# What the container needs: systemd and logind (libpam-systemd), D-Bus, sshd, and alcove's
# runtime libraries (libconfig9, libpam0g, libsystemd0 come with systemd; alcovectl's image
# verbs need libarchive13, libjansson4 and libssl3).
NSPAWN_PACKAGES=systemd,systemd-sysv,dbus,libpam-systemd,openssh-server,iproute2,procps,libconfig9,libpam0g,libpam-modules,passwd,login,util-linux,psmisc,libarchive13,libjansson4,libssl3

NSPAWN_DIR= NSPAWN_PID= NSPAWN_LEADER= NSPAWN_CG=
NSPAWN_INSTALL=make # make: `make install DESTDIR=` into the copy; none: nothing
NSPAWN_ROOTFS_ARGS=()

nspawn_need_tools() {
	local t
	for t in mmdebstrap systemd-nspawn nsenter ssh ssh-keygen flock; do
		command -v "$t" >/dev/null || setup_fail "$t is missing: run tests/install-deps.sh"
	done
}

# alcove_rootfs PACKAGES [MMDEBSTRAP-OPTION...]: prints the path of the cached bookworm rootfs
# with these packages (comma-separated), building it first if needed. Also used by tests/vm/
# for the VM's disk.
alcove_rootfs() {
	local pkgs=$1 key root tmp sources
	shift
	key=$(echo "bookworm $pkgs $*" | sha256sum | cut -c1-12)
	root=$NSPAWN_CACHE/bookworm-$key
	mkdir -p "$NSPAWN_CACHE" || setup_fail "mkdir $NSPAWN_CACHE"
	(
		flock 9
		[ -e "$root/.complete" ] && exit 0
		echo "# building the rootfs $root (once per machine, 15 s to 2 min)" >&2
		tmp=$root.tmp.$$
		rm -rf "$tmp"
		# The host's own apt sources, so the rootfs gets the packages the host has.
		sources=/etc/apt/sources.list.d/debian.sources
		[ -e "$sources" ] || sources=/etc/apt/sources.list
		mmdebstrap --quiet --mode=root --variant=minbase --include="$pkgs" "$@" \
			bookworm "$tmp" "$sources" >&2 || { rm -rf "$tmp"; exit 1; }
		touch "$tmp/.complete"
		rm -rf "$root"
		mv "$tmp" "$root"
	) 9>"$NSPAWN_CACHE/lock" || setup_fail "mmdebstrap of $root failed"
	echo "$root"
}
nspawn_rootfs() { alcove_rootfs "$NSPAWN_PACKAGES"; }

# The cgroup directories (cgroup2, and cgroup v1 name=systemd on a hybrid host) the container
# is started in: nspawn --keep-unit creates payload/ and supervisor/ in its own cgroup, so it
# gets a directory of its own and never shares them with another test's container.
_nspawn_cgroup_roots() {
	awk '$0 ~ / - cgroup2 / {print $5}
	     $0 ~ / - cgroup / && $0 ~ /name=systemd/ {print $5}' /proc/self/mountinfo
}

# Container PID 1 as the host sees it: the child of nspawn whose innermost pid is 1.
_nspawn_find_leader() {
	local p
	for p in $(pgrep -P "$NSPAWN_PID"); do
		if awk '/^NSpid:/ {exit !($NF == 1)}' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# nspawn_boot: a fresh copy of the rootfs with alcove installed (make install DESTDIR=), and
# the test tools in /usr/local/libexec/alcove-tests; booted and waited for.
nspawn_boot() {
	local root cg
	nspawn_need_tools
	if [ ${#NSPAWN_ROOTFS_ARGS[@]} -gt 0 ]; then
		root=$(alcove_rootfs "${NSPAWN_ROOTFS_ARGS[@]}") || exit 1
	else
		root=$(nspawn_rootfs) || exit 1
	fi
	mkdir -p "$NSPAWN_WORK" && NSPAWN_DIR=$(mktemp -d "$NSPAWN_WORK/ct.XXXXXX") ||
		setup_fail "the container's directory in $NSPAWN_WORK"
	on_exit nspawn_stop
	cp -a "$root/." "$NSPAWN_DIR/" || setup_fail "copy of the rootfs to $NSPAWN_DIR"
	chmod 0755 "$NSPAWN_DIR"
	rm -f "$NSPAWN_DIR/.complete"
	if [ "$NSPAWN_INSTALL" = make ]; then
		# Until config/alcove.conf exists, install leaves /etc/alcove/alcove.conf to the test.
		if [ ! -e "$ALCOVE_SRC/config/alcove.conf" ]; then
			mkdir -p "$NSPAWN_DIR/etc/alcove" && : >"$NSPAWN_DIR/etc/alcove/alcove.conf"
		fi
		make -s -C "$ALCOVE_SRC" install DESTDIR="$NSPAWN_DIR" >"$NSPAWN_DIR.install.log" 2>&1 ||
			setup_fail "make install DESTDIR=$NSPAWN_DIR: $(tail -5 "$NSPAWN_DIR.install.log")"
	fi
	mkdir -p "$NSPAWN_DIR/usr/local/libexec/alcove-tests" ||
		setup_fail "mkdir $NSPAWN_DIR/usr/local/libexec/alcove-tests"
	for t in "$BUILD"/tests/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue # (not fault/, the crash-point programs)
		install -m 0755 "$t" "$NSPAWN_DIR/usr/local/libexec/alcove-tests/" ||
			setup_fail "install $t into the container"
	done

	NSPAWN_CG=alcove-tests-$$-$RANDOM
	for cg in $(_nspawn_cgroup_roots); do
		mkdir "$cg/$NSPAWN_CG" || setup_fail "mkdir $cg/$NSPAWN_CG"
	done
	(
		for cg in $(_nspawn_cgroup_roots); do
			echo "$BASHPID" >"$cg/$NSPAWN_CG/cgroup.procs" || exit 1
		done
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn --quiet -D "$NSPAWN_DIR" \
			--boot --register=no --keep-unit --private-network --console=read-only
	) >"$NSPAWN_DIR.console.log" 2>&1 </dev/null &
	NSPAWN_PID=$!
	wait_until 100 _nspawn_find_leader || setup_fail "container did not start: $(tail -5 "$NSPAWN_DIR.console.log")"
	NSPAWN_LEADER=$(_nspawn_find_leader)
	# "degraded" still is a booted system; which unit failed is printed for the log.
	local state
	wait_until 300 test -S "/proc/$NSPAWN_LEADER/root/run/systemd/private" ||
		setup_fail "container's systemd did not come up: $(tail -5 "$NSPAWN_DIR.console.log")"
	state=$(timeout 60 nsenter -t "$NSPAWN_LEADER" -a systemctl is-system-running --wait 2>&1)
	case "$state" in
	running) ;;
	degraded) echo "# container degraded: $(ct_run systemctl --failed --no-legend --plain | tr '\n' ' ')" ;;
	*) setup_fail "container did not boot: '$state'; $(tail -5 "$NSPAWN_DIR.console.log")" ;;
	esac
	pass "container booted (nspawn pid $NSPAWN_PID, PID 1 = host pid $NSPAWN_LEADER)"
}

nspawn_stop() {
	local cg i
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID"
		for ((i = 0; i < 150; i++)); do
			kill -0 "$NSPAWN_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$NSPAWN_PID" 2>/dev/null
		wait "$NSPAWN_PID" 2>/dev/null
	fi
	NSPAWN_PID=
	if [ -n "$NSPAWN_CG" ]; then
		for cg in $(_nspawn_cgroup_roots); do
			[ -d "$cg/$NSPAWN_CG" ] && find "$cg/$NSPAWN_CG" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		NSPAWN_CG=
	fi
	if [ -n "$NSPAWN_DIR" ]; then
		rm -rf --one-file-system "$NSPAWN_DIR" "$NSPAWN_DIR".*.log "$NSPAWN_DIR".key "$NSPAWN_DIR".key.pub
		NSPAWN_DIR=
	fi
}

# ct_run CMD...: CMD inside the container as a transient service of its systemd, stdio piped,
# exit status passed through. Not a plain nsenter: a process entered from the host stays in
# the host's cgroup, outside the container's tree, where its systemd cannot move it.
ct_run() {
	nsenter -t "$NSPAWN_LEADER" -a systemd-run --quiet --wait --pipe --collect \
		--property=Type=exec -- "$@"
}
ct_sh() { ct_run /bin/sh -c "$1"; }

# ct_fail MESSAGE...: fail with the end of the container's journal (pam_alcove, the helper,
# init) in the log.
ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q 2>&1 | grep -v -e 'run-u[0-9]*.service' | tail -60 |
		sed 's/^/#   /'
	fail "$@"
}

# ct_user NAME: a user inside the container with a home, a subordinate id range and the
# test's ssh key authorised (the key is made once per container, on the host side).
ct_user() {
	local name=$1 key=$NSPAWN_DIR.key
	[ -e "$key" ] || ssh-keygen -q -t ed25519 -N '' -f "$key" || setup_fail "ssh-keygen"
	ct_sh "useradd -m -s /bin/bash $name && install -d -m 0700 -o $name -g $name /home/$name/.ssh" ||
		setup_fail "useradd $name in the container"
	install -m 0600 "$key.pub" "$NSPAWN_DIR/home/$name/.ssh/authorized_keys" ||
		setup_fail "authorized_keys of $name in the container"
	ct_sh "chown $name: /home/$name/.ssh/authorized_keys" || setup_fail "chown authorized_keys"
	local n
	n=$(ct_sh "cat /etc/subuid 2>/dev/null | wc -l")
	ct_sh "echo $name:$((200000 + n * 65536)):65536 >>/etc/subuid; echo $name:$((200000 + n * 65536)):65536 >>/etc/subgid" ||
		setup_fail "subuid for $name"
}

# ct_ssh [SSH-OPTION...] USER CMD...: a key login to the container's own sshd, from the
# host's ssh client in the container's network namespace.
ct_ssh() {
	local opts=()
	while [ "${1:0:1}" = - ]; do
		opts+=("$1")
		shift
	done
	local user=$1
	shift
	nsenter -t "$NSPAWN_LEADER" -n ssh -i "$NSPAWN_DIR.key" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=10 "${opts[@]}" "$user@127.0.0.1" "$@"
}
