#!/bin/sh
# Installs the dependencies on a fresh Debian 12 (run as root). When all of them are installed
# already it says so and returns at once (`make demo` runs it every time).
#   install-deps.sh          every build and test dependency (`make deps`; a test machine)
#   install-deps.sh --demo   only what `make demo` needs: the build, the ssh client and sshd
#                            binaries, and ss (iproute2) for a free port. Nothing the install brings may start or stay
#                            enabled as a service: the demo runs its own sshd and promises to
#                            leave the host's services as they were.
#   install-deps.sh --list [--demo]   prints the list and installs nothing
# Sourced with ALCOVE_DEPS_LIB=1 it only defines its functions (tests/integration/15-*.sh).
set -eu
DEMO_PACKAGES="build-essential pkg-config ca-certificates
	libpam0g-dev libconfig-dev libsystemd-dev libarchive-dev libssl-dev libjansson-dev
	openssh-server openssh-client passwd procps iproute2"
ALL_PACKAGES="$DEMO_PACKAGES libcmocka-dev
	skopeo busybox-static docker-registry umoci time
	clang libclang-rt-14-dev
	pamtester tmux sudo login util-linux cron strace
	python3 libcap2-bin xauth
	mmdebstrap systemd-container debhelper devscripts lintian fakeroot dpkg-dev mandoc
	gnuplot-nox qemu-system-x86 qemu-utils e2fsprogs btrfs-progs xfsprogs"
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}

# Debian's invoke-rc.d and deb-systemd-invoke, which maintainer scripts call to start a
# service, ask policy-rc.d first; its exit status 101 means "action forbidden" (see
# /usr/share/doc/init-system-helpers/README.policy-rc.d). One that is there already (a
# container's, an admin's) is the host's policy and is left alone. Prints the path it wrote.
deny_service_starts() {
	[ -e "$POLICY_RC_D" ] && return 0
	printf '#!/bin/sh\n# alcove install-deps --demo: no service starts during its install\nexit 101\n' \
		>"$POLICY_RC_D"
	chmod 755 "$POLICY_RC_D"
	echo "$POLICY_RC_D"
}

# The init scripts and systemd units that the packages just installed ship: postinst enables
# them (deb-systemd-helper enable, update-rc.d defaults) even when policy-rc.d stops the start.
new_services() { # package...
	for pkg; do
		dpkg-query -L "$pkg" 2>/dev/null
	done | sed -nE -e 's#^(/usr)?/lib/systemd/system/([^/@]+\.(service|socket|timer))$#unit \2#p' \
		-e 's#^/etc/init\.d/([^/]+)$#initd \1#p' | sort -u
}

# Back to "not enabled" for what was newly enabled; deb-systemd-helper records the choice, so
# that an upgrade of the package does not enable it again.
disable_services() { # lines of new_services
	while read -r kind name; do
		case $kind in
		unit) deb-systemd-helper disable "$name" >/dev/null 2>&1 || true ;;
		initd) update-rc.d "$name" disable >/dev/null 2>&1 || true ;;
		esac
		echo "install-deps: $name was installed with the demo's packages; left disabled"
	done
}

installed_packages() {
	dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | sed -n 's/^ii *//p' | sort
}

missing_packages() { # package...
	for pkg; do
		dpkg-query -W -f '${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || echo "$pkg"
	done
}

main() {
	demo=0 list=0
	for arg; do
		case $arg in
		--demo) demo=1 ;;
		--list) list=1 ;;
		*) echo "usage: install-deps.sh [--demo] [--list]" >&2; exit 2 ;;
		esac
	done
	packages=$ALL_PACKAGES
	[ "$demo" = 1 ] && packages=$DEMO_PACKAGES
	# shellcheck disable=SC2086 # the list is split on purpose, here and below
	if [ "$list" = 1 ]; then printf '%s\n' $packages; return 0; fi
	# shellcheck disable=SC2086
	missing=$(missing_packages $packages)
	if [ -z "$missing" ]; then
		# shellcheck disable=SC2086
		echo "install-deps: all $(echo $packages | wc -w) packages are installed"
		return 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	if [ "$demo" = 0 ]; then
		# shellcheck disable=SC2086
		apt-get install -y --no-install-recommends $missing
		return 0
	fi
	before=$(mktemp)
	installed_packages >"$before"
	wrote=$(deny_service_starts)
	# Also when apt-get fails or is interrupted: a later run finds the packages installed and
	# returns at once, so what this one enabled would stay enabled.
	trap 'demo_finish "$before" $wrote' EXIT
	trap 'exit 130' INT TERM
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
}

# Every package new on the host (the dependencies pulled in included): its services disabled.
demo_finish() { # before-list [policy-rc.d written]
	# shellcheck disable=SC2046
	new_services $(installed_packages | comm -13 "$1" -) | disable_services
	rm -f "$@"
}

[ "${ALCOVE_DEPS_LIB:-0}" = 1 ] || main "$@"
