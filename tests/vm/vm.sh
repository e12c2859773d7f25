# Layer 4 of TESTING.md: a whole Debian 12 VM under TCG, where cgroup2 has its controllers and
# MemoryMax/TasksMax are enforced. Source after tests/lib/common.sh and tests/lib/nspawn.sh:
#   vm_boot              # disk from the cached VM rootfs with alcove installed; boots it (or
#                        # restores the booted snapshot); sets VM_PID, VM_PORT
#   vm_ssh USER CMD...   # ssh to the guest through the forwarded loopback port
#   vm_stop              # also registered with on_exit
VM_PACKAGES=$NSPAWN_PACKAGES,linux-image-amd64,initramfs-tools,udev,kmod,systemd-resolved
VM_PORT=${VM_PORT:-2251} # engineer E's port range 2250-2259; loopback only
VM_DIR= VM_PID=

vm_need_tools() {
	local t
	for t in qemu-system-x86_64 qemu-img mkfs.ext4 ssh ssh-keygen; do
		command -v "$t" >/dev/null || fail "$t is missing: run tests/install-deps.sh"
	done
}
