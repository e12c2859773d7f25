#!/bin/sh
# Installs every build and test dependency on a fresh Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential pkg-config ca-certificates \
	libpam0g-dev libconfig-dev libsystemd-dev libcmocka-dev \
	clang libclang-rt-14-dev \
	openssh-server openssh-client pamtester tmux sudo login util-linux procps iproute2 \
	passwd python3 libcap2-bin xauth \
	mmdebstrap systemd-container debhelper devscripts lintian fakeroot dpkg-dev mandoc \
	gnuplot-nox qemu-system-x86 qemu-utils e2fsprogs btrfs-progs
