#!/bin/sh
# Installs every build and test dependency on a fresh Debian 12 (run as root). When all of them
# are installed already it says so and returns at once (`make demo` runs it every time).
set -eu
PACKAGES="build-essential pkg-config ca-certificates
	libpam0g-dev libconfig-dev libsystemd-dev libcmocka-dev
	libarchive-dev libssl-dev libjansson-dev skopeo busybox-static docker-registry umoci time
	clang libclang-rt-14-dev
	openssh-server openssh-client pamtester tmux sudo login util-linux procps iproute2
	passwd python3 libcap2-bin xauth
	mmdebstrap systemd-container debhelper devscripts lintian fakeroot dpkg-dev mandoc
	gnuplot-nox qemu-system-x86 qemu-utils e2fsprogs btrfs-progs xfsprogs"
# shellcheck disable=SC2086 # the list is split on purpose, here and below
installed=$(dpkg-query -W -f '${db:Status-Abbrev}\n' $PACKAGES 2>/dev/null | grep -c '^ii' || true)
# shellcheck disable=SC2086
if [ "$installed" -eq "$(echo $PACKAGES | wc -w)" ]; then
	echo "install-deps: all $installed packages are installed"
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
