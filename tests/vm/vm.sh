# Layer 4 of TESTING.md: a whole Debian 12 VM under TCG, where cgroup2 has its controllers and
# MemoryMax/TasksMax are enforced. Source after tests/lib/common.sh and tests/lib/nspawn.sh:
#   vm_boot              # disk from the cached VM rootfs with alcove installed; boots it;
#                        # sets VM_PID, VM_PORT (VM_IMAGE=bookworm before: an image for alcoves;
#                        # VM_LIB_DISK=prjquota before: /var/lib/alcove on an ext4 disk of its
#                        # own with project quotas, /dev/vdb mounted with prjquota; and an
#                        # empty xfs as /dev/vdc, for the test to mount with prjquota)
#   vm_ssh USER CMD...   # ssh to the guest through the forwarded loopback port
#   vm_stop              # also registered with on_exit
VM_PACKAGES=$NSPAWN_PACKAGES,linux-image-amd64,initramfs-tools,udev,kmod,systemd-resolved
VM_PORT=${VM_PORT:-2251} # engineer E's port range 2250-2259; loopback only
VM_DIR= VM_PID=
VM_IMAGE=none # "bookworm": the container rootfs goes to /var/lib/alcove/images/bookworm too
VM_LIB_DISK=none # "prjquota": /var/lib/alcove is a second disk, ext4 with project quotas

vm_need_tools() {
	local t
	for t in qemu-system-x86_64 qemu-img mkfs.ext4 mkfs.xfs ssh ssh-keygen; do
		command -v "$t" >/dev/null || fail "$t is missing: run tests/install-deps.sh"
	done
}

# The guest's disk: a copy of the cached VM rootfs with alcove installed (make install
# DESTDIR=), the test tools, root's authorized key, a static address for QEMU's user network,
# turned into an ext4 image without a loop device (mkfs.ext4 -d).
_vm_make_disk() {
	local root=$1 stage=$VM_DIR/stage
	cp -a "$root/." "$stage/" || fail "copy of the VM rootfs"
	rm -f "$stage/.complete"
	if [ ! -e "$ALCOVE_SRC/config/alcove.conf" ]; then
		mkdir -p "$stage/etc/alcove" && : >"$stage/etc/alcove/alcove.conf"
	fi
	make -s -C "$ALCOVE_SRC" install DESTDIR="$stage" >"$VM_DIR/install.log" 2>&1 ||
		fail "make install DESTDIR=$stage: $(tail -5 "$VM_DIR/install.log")"
	mkdir -p "$stage/usr/local/libexec/alcove-tests"
	for t in "$BUILD"/tests/*; do
		[ -x "$t" ] && install -m 0755 "$t" "$stage/usr/local/libexec/alcove-tests/"
	done
	if [ "$VM_IMAGE" = bookworm ]; then
		# An image of its own (root mode refuses the system's "/" as the lower layer).
		mkdir -p "$stage/var/lib/alcove/images/bookworm"
		cp -a "$(nspawn_rootfs)/." "$stage/var/lib/alcove/images/bookworm/" || fail "copy of the image"
		rm -f "$stage/var/lib/alcove/images/bookworm/.complete"
	fi
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$stage/etc/fstab"
	if [ "$VM_LIB_DISK" = prjquota ]; then _vm_make_lib_disk "$stage"; fi
	echo alcove-vm >"$stage/etc/hostname"
	# QEMU's user network: the guest is 10.0.2.15, the gateway 10.0.2.2; no DHCP wait.
	mkdir -p "$stage/etc/systemd/network"
	printf '[Match]\nName=en* eth*\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\n' \
		>"$stage/etc/systemd/network/20-qemu.network"
	ln -sf /lib/systemd/system/systemd-networkd.service \
		"$stage/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	install -d -m 0700 "$stage/root/.ssh"
	install -m 0600 "$VM_DIR/key.pub" "$stage/root/.ssh/authorized_keys"
	# The Debian default refuses root passwords only; keys are fine. sshd may not wait on DNS.
	echo "UseDNS no" >"$stage/etc/ssh/sshd_config.d/alcove-vm.conf"
	cp "$stage/boot/vmlinuz-"* "$VM_DIR/vmlinuz" && cp "$stage/boot/initrd.img-"* "$VM_DIR/initrd" ||
		fail "no kernel in the VM rootfs"
	mkfs.ext4 -q -F -d "$stage" "$VM_DIR/disk.img" 3G || fail "mkfs.ext4 -d"
	rm -rf --one-file-system "$stage"
}

# /var/lib/alcove (with the image, if any) on an ext4 of its own with the features project and
# quota, mounted with prjquota: where layer_quota is a project quota. mke2fs -d does not count
# what it copies in the quota files; e2fsck -fy does (exit 1: it corrected something).
_vm_make_lib_disk() {
	local stage=$1 rc=0
	mkdir -p "$stage/var/lib/alcove"
	mkfs.ext4 -q -F -I 256 -O quota,project -d "$stage/var/lib/alcove" "$VM_DIR/lib.img" 1G ||
		fail "mkfs.ext4 -O quota,project"
	e2fsck -fy "$VM_DIR/lib.img" >"$VM_DIR/e2fsck.log" 2>&1 || rc=$?
	[ $rc -le 1 ] || fail "e2fsck of the quota disk: $(tail -3 "$VM_DIR/e2fsck.log")"
	rm -rf --one-file-system "$stage/var/lib/alcove" && mkdir "$stage/var/lib/alcove"
	echo "/dev/vdb /var/lib/alcove ext4 rw,prjquota 0 0" >>"$stage/etc/fstab"
	# xfs turns quotas on at mount time only (no fstab line: the test mounts it). 300 MB is
	# mkfs.xfs's smallest; the file is sparse.
	truncate -s 300M "$VM_DIR/xfs.img" && mkfs.xfs -q -f "$VM_DIR/xfs.img" || fail "mkfs.xfs"
}

vm_boot() {
	local root
	vm_need_tools
	root=$(alcove_rootfs "$VM_PACKAGES") || exit 1
	mkdir -p "$NSPAWN_WORK"
	VM_DIR=$(mktemp -d "$NSPAWN_WORK/vm.XXXXXX")
	on_exit vm_stop
	mkdir "$VM_DIR/stage"
	ssh-keygen -q -t ed25519 -N '' -f "$VM_DIR/key" || fail "ssh-keygen"
	_vm_make_disk "$root"
	local disks=()
	[ "$VM_LIB_DISK" = prjquota ] &&
		disks=(-drive "file=$VM_DIR/lib.img,if=virtio,format=raw,cache=unsafe"
			-drive "file=$VM_DIR/xfs.img,if=virtio,format=raw,cache=unsafe")
	# KVM is not usable here (TESTING.md): TCG, two threads.
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 2048 -smp 2 \
		-kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initrd" \
		-append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1" \
		-drive "file=$VM_DIR/disk.img,if=virtio,format=raw,cache=unsafe" \
		"${disks[@]}" \
		-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$VM_PORT-:22" \
		-display none -serial "file:$VM_DIR/console.log" -monitor none \
		-pidfile "$VM_DIR/qemu.pid" </dev/null >"$VM_DIR/qemu.log" 2>&1 &
	VM_PID=$!
	local t0=$SECONDS
	wait_until 3000 vm_ssh root true || fail "VM did not come up in 300 s: $(tail -5 "$VM_DIR/console.log")"
	pass "VM booted to sshd in $((SECONDS - t0)) s"
}

vm_ssh() {
	local user=$1
	shift
	ssh -i "$VM_DIR/key" -p "$VM_PORT" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 \
		"$user@127.0.0.1" "$@"
}

vm_stop() {
	local i
	if [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; then
		kill -TERM "$VM_PID"
		for ((i = 0; i < 50; i++)); do
			kill -0 "$VM_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$VM_PID" 2>/dev/null
		wait "$VM_PID" 2>/dev/null
	fi
	VM_PID=
	[ -n "$VM_DIR" ] && rm -rf --one-file-system "$VM_DIR"
	VM_DIR=
}
