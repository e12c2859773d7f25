/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The new mount API (open_tree, mount_setattr, move_mount, fsopen/fsconfig/fsmount) called
 * through syscall(): the kernel interface is what we rely on, not whether this libc wraps it.
 * Each returns an fd or 0 on success and -errno on failure.
 */

#include <stdint.h>
#include <sys/mount.h>

int mnt_open_tree(int dfd, const char *path, unsigned flags);
int mnt_setattr(int dfd, const char *path, unsigned flags, uint64_t attr_set, uint64_t attr_clr,
		int userns_fd);
int mnt_move(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned flags);
int mnt_fsopen(const char *fstype);
int mnt_fsconfig_string(int fsfd, const char *key, const char *value);
int mnt_fsconfig_flag(int fsfd, const char *key);
/* FSCONFIG_CMD_CREATE then fsmount(FSMOUNT_CLOEXEC, attrs): a detached mount fd. */
int mnt_fsmount(int fsfd, uint64_t attrs);

/* Attaches the detached mount mntfd onto the object that target_fd (O_PATH) refers to. */
int mnt_attach(int mntfd, int target_fd);
/* Convenience: fsopen(fstype) + string options "k=v,k2,..." (no escaping) + fsmount. */
int mnt_new_fs(const char *fstype, const char *options, uint64_t attrs);
