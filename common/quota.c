/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent layer's quota (quota.h), set by the helper and read by alcovectl show. Root
 * code on root-owned directories: the layer's
 * parent is the root 0700 /var/lib/alcove/<user>, so nobody else can touch what is made here
 * before it is chowned to the alcove's ns root.
 */
#include "quota.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

QuotaFs quota_fs_of(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return QUOTA_FS_NONE;
	switch ((unsigned long)sf.f_type) {
	case BTRFS_SUPER_MAGIC:
		return QUOTA_FS_BTRFS;
	case EXT4_SUPER_MAGIC: /* ext2/3/4 share the magic; only ext4 has project quotas */
	case XFS_SUPER_MAGIC:
		return QUOTA_FS_PROJECT;
	default:
		return QUOTA_FS_NONE;
	}
}

const char *quota_fs_name(QuotaFs fs)
{
	return fs == QUOTA_FS_BTRFS ? "btrfs qgroup" : fs == QUOTA_FS_PROJECT ? "project quota" : "none";
}

bool quota_is_subvolume(int fd)
{
	struct stat st;

	return quota_fs_of(fd) == QUOTA_FS_BTRFS && fstat(fd, &st) == 0 &&
	       st.st_ino == BTRFS_FIRST_FREE_OBJECTID;
}

int quota_make_layer_dir(int parentfd, const char *name)
{
	struct btrfs_ioctl_vol_args args = {.fd = 0};
	_cleanup_close_ int fd = -1;

	if (quota_fs_of(parentfd) != QUOTA_FS_BTRFS)
		return mkdirat(parentfd, name, 0700) < 0 ? negative_errno() : 0;
	if (strlen(name) >= sizeof(args.name))
		return -ENAMETOOLONG;
	strcpy(args.name, name);
	/* A subvolume is made root 0755; the caller chowns it before it has its final name
	 * (helper/build/layer_quota.c), and nobody but root can reach it meanwhile (the parent
	 * is root's 0700). */
	if (ioctl(parentfd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		return negative_errno();
	/* by fd, never following a link, though no one else can have made one there */
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return fchmod(fd, 0700) < 0 ? negative_errno() : 0;
}

/* ---- btrfs ---- */

/* The layer must be the root of a subvolume (inode 256), or its qgroup would be the whole
 * parent subvolume's. */
static int btrfs_subvol_id(int fd, uint64_t *ret)
{
	struct btrfs_ioctl_ino_lookup_args args = {.treeid = 0,
						   .objectid = BTRFS_FIRST_FREE_OBJECTID};
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_ino != BTRFS_FIRST_FREE_OBJECTID)
		return -EEXIST;
	if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) < 0)
		return negative_errno();
	*ret = args.treeid;
	return 0;
}

static int btrfs_apply(int fd, const LayerQuota *q)
{
	struct btrfs_ioctl_qgroup_limit_args args = {0};
	_cleanup_close_ int parent = -1;
	uint64_t id;
	int r;

	if (q->inodes)
		return -EOPNOTSUPP; /* qgroups count bytes only */
	r = btrfs_subvol_id(fd, &id);
	if (r < 0)
		return r;
	args.qgroupid = id; /* level 0: the subvolume's own qgroup, named by its id */
	args.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
	args.lim.max_rfer = q->bytes ? q->bytes : (uint64_t)-1;
	/* Issued on the directory above the subvolume (root's, the user's directory): the ioctl
	 * joins a transaction of its fd's own subvolume, which a qgroup over its limit refuses
	 * (EDQUOT), so on the layer's own fd a layer over its quota (a limit lowered below its
	 * use, a reflink, which the limit does not stop) could never have its limit changed
	 * again: not raised, not lifted for the mount. */
	parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return negative_errno();
	/* ENOTCONN: quotas are disabled on this filesystem */
	return ioctl(parent, BTRFS_IOC_QGROUP_LIMIT, &args) < 0 ? negative_errno() : 0;
}

/* One item of the quota tree: (0, type, qgroupid). */
static int btrfs_qgroup_item(int fd, uint32_t type, uint64_t id, void *ret, size_t len)
{
	struct btrfs_ioctl_search_args args = {0};
	struct btrfs_ioctl_search_header hdr;

	args.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
	args.key.min_type = args.key.max_type = type;
	args.key.min_offset = args.key.max_offset = id;
	args.key.max_transid = (uint64_t)-1;
	args.key.nr_items = 1;
	if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args) < 0)
		return negative_errno();
	if (args.key.nr_items < 1)
		return -ENOENT;
	memcpy(&hdr, args.buf, sizeof(hdr));
	if (hdr.len < len)
		return -EBADMSG;
	memcpy(ret, args.buf + sizeof(hdr), len);
	return 0;
}

static int btrfs_read(int fd, QuotaUsage *u)
{
	struct btrfs_qgroup_info_item info;
	struct btrfs_qgroup_limit_item lim;
	uint64_t id;
	int r;

	r = btrfs_subvol_id(fd, &id);
	if (r < 0)
		return r;
	r = btrfs_qgroup_item(fd, BTRFS_QGROUP_INFO_KEY, id, &info, sizeof(info));
	if (r < 0)
		return r == -ENOENT ? -ENOTCONN : r;
	u->bytes = le64toh(info.rfer);
	if (btrfs_qgroup_item(fd, BTRFS_QGROUP_LIMIT_KEY, id, &lim, sizeof(lim)) == 0 &&
	    (le64toh(lim.flags) & BTRFS_QGROUP_LIMIT_MAX_RFER) && le64toh(lim.max_rfer) != (uint64_t)-1)
		u->bytes_limit = le64toh(lim.max_rfer);
	return 0;
}

/* ---- ext4 / xfs project quota ---- */

static int sys_quotactl_fd(int fd, unsigned cmd, int id, void *addr)
{
	return (int)syscall(SYS_quotactl_fd, fd, cmd, id, addr);
}

/* Whether the filesystem of fd enforces project quota limits, not merely counts usage: ext4
 * with the quota feature turns accounting on at every mount but enforcement only with the
 * mount option prjquota, and Q_GETINFO and Q_SETQUOTA succeed either way (a limit set there is
 * stored and never applied). Only the quota state's PDQ_ENFD flag tells; Q_XGETQSTATV reports
 * it on ext4 (generic quota code) and xfs alike. -ESRCH when counted but not enforced. */
static int project_enforced(int fd)
{
	struct fs_quota_statv st = {.qs_version = FS_QSTATV_VERSION1};
	struct if_dqinfo info;

	/* ESRCH: no project accounting at all; ENOSYS: no CONFIG_QUOTA */
	if (sys_quotactl_fd(fd, QCMD(Q_GETINFO, PRJQUOTA), 0, &info) < 0)
		return negative_errno();
	if (sys_quotactl_fd(fd, QCMD(Q_XGETQSTATV, PRJQUOTA), 0, &st) < 0)
		return negative_errno();
	return st.qs_flags & FS_QUOTA_PDQ_ENFD ? 0 : -ESRCH;
}

/* The layer directory joins project projid (new files below inherit it). A layer that has
 * entries but no project id yet was made before the quota: its files would not count. */
static int project_tag(int fd, uint32_t projid)
{
	struct fsxattr fa;
	struct stat st;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return negative_errno();
	if (fa.fsx_projid == projid && (fa.fsx_xflags & FS_XFLAG_PROJINHERIT))
		return 0;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_nlink > 2) /* subdirectories (upper/, work/) exist already */
		return -EEXIST;
	fa.fsx_projid = projid;
	fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0 ? negative_errno() : 0;
}

static int project_apply(int fd, uint32_t projid, const LayerQuota *q)
{
	struct if_dqblk dq = {0};
	int r;

	r = project_enforced(fd);
	if (r < 0)
		return r;
	r = project_tag(fd, projid);
	if (r < 0)
		return r;
	dq.dqb_bhardlimit = dq.dqb_bsoftlimit = (q->bytes + QIF_DQBLKSIZE - 1) / QIF_DQBLKSIZE;
	dq.dqb_ihardlimit = dq.dqb_isoftlimit = q->inodes;
	dq.dqb_valid = QIF_LIMITS;
	return sys_quotactl_fd(fd, QCMD(Q_SETQUOTA, PRJQUOTA), (int)projid, &dq) < 0 ? negative_errno()
										     : 0;
}

static int project_read(int fd, uint32_t projid, QuotaUsage *u)
{
	struct if_dqblk dq = {0};
	struct fsxattr fa;

	/* a layer outside the project (made before the quota) is not what projid counts */
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return negative_errno();
	if (fa.fsx_projid != projid || !(fa.fsx_xflags & FS_XFLAG_PROJINHERIT))
		return -EEXIST;
	if (sys_quotactl_fd(fd, QCMD(Q_GETQUOTA, PRJQUOTA), (int)projid, &dq) < 0)
		return negative_errno();
	u->bytes = dq.dqb_curspace;
	u->bytes_limit = dq.dqb_bhardlimit * QIF_DQBLKSIZE;
	u->inodes = dq.dqb_curinodes;
	u->inodes_limit = dq.dqb_ihardlimit;
	u->counts_inodes = true;
	return 0;
}

int quota_probe(int dirfd, const LayerQuota *q)
{
	struct btrfs_qgroup_status_item st;

	switch (quota_fs_of(dirfd)) {
	case QUOTA_FS_BTRFS:
		if (q->inodes)
			return -EOPNOTSUPP;
		/* no status item (no quota tree at all): quotas are disabled */
		if (btrfs_qgroup_item(dirfd, BTRFS_QGROUP_STATUS_KEY, 0, &st, sizeof(st)) < 0)
			return -ENOTCONN;
		return 0;
	case QUOTA_FS_PROJECT:
		return project_enforced(dirfd);
	default:
		return -EOPNOTSUPP;
	}
}

int quota_apply(int layerfd, uint32_t projid, const LayerQuota *q)
{
	switch (quota_fs_of(layerfd)) {
	case QUOTA_FS_BTRFS:
		return btrfs_apply(layerfd, q);
	case QUOTA_FS_PROJECT:
		return project_apply(layerfd, projid, q);
	default:
		return -EOPNOTSUPP;
	}
}

int quota_read(int layerfd, uint32_t projid, QuotaUsage *ret)
{
	QuotaUsage u = {.fs = quota_fs_of(layerfd)};
	int r;

	switch (u.fs) {
	case QUOTA_FS_BTRFS:
		r = btrfs_read(layerfd, &u);
		break;
	case QUOTA_FS_PROJECT:
		r = project_read(layerfd, projid, &u);
		break;
	default:
		r = -EOPNOTSUPP;
	}
	if (r < 0)
		return r;
	*ret = u;
	return 0;
}

const char *quota_hint(QuotaFs fs, int err)
{
	if (err == -EEXIST)
		return "the layer was made before layer_quota was set; 'alcovectl reset USER' "
		       "remakes it (the user's changes are lost)";
	switch (fs) {
	case QUOTA_FS_BTRFS:
		if (err == -EOPNOTSUPP)
			return "btrfs qgroups count bytes, not inodes: drop layer_inodes";
		if (err == -ENOTCONN)
			return "turn btrfs quotas on: btrfs quota enable MOUNTPOINT (of the filesystem "
			       "that holds the layer)";
		break;
	case QUOTA_FS_PROJECT:
		/* EOPNOTSUPP: ext4 without the project feature; ESRCH: not mounted with
		 * prjquota; ENOSYS: a kernel without CONFIG_QUOTA */
		return "turn project quotas on: ext4 'tune2fs -O project,quota' and mount option "
		       "prjquota; xfs mount option prjquota (the kernel needs CONFIG_QUOTA)";
	case QUOTA_FS_NONE:
		return "put /var/lib/alcove on btrfs, ext4 or xfs to enforce layer_quota";
	}
	return "see alcove.conf(5), layer_quota";
}
