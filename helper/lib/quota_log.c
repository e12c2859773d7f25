/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "quota_log.h"

#include <stdint.h>

#include "log.h"
#include "policy.h"
#include "quota.h"

void quota_log_hit(const char *user, uid_t uid, int layerfd)
{
	QuotaUsage u;
	char used[32], lim[32];

	if (quota_read(layerfd, (uint32_t)uid, &u) < 0)
		return;
	if (u.bytes_limit && u.bytes + (1u << 20) >= u.bytes_limit) {
		policy_format_limit(LIMIT_MEMORY_MAX, u.bytes, used, sizeof(used));
		policy_format_limit(LIMIT_MEMORY_MAX, u.bytes_limit, lim, sizeof(lim));
		log_warning("%s's layer is at its quota: %s of layer_quota %s used", user, used,
			    lim);
	}
	if (u.counts_inodes && u.inodes_limit && u.inodes >= u.inodes_limit)
		log_warning("%s's layer is at its quota: %llu of layer_inodes %llu", user,
			    (unsigned long long)u.inodes, (unsigned long long)u.inodes_limit);
}
