/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_check.h"

#include <stdio.h>
#include <string.h>

void sshd_check_run(const char *path, SshdCheck *ret)
{
	*ret = (SshdCheck){.path = path ? path : SSHD_CONFIG_DEFAULT};
	ret->r = sshd_config_sftp(ret->path, &ret->s, &ret->err);
}

bool sshd_check_refusal(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0)
		snprintf(buf, size,
			 "%s: contained logins through sshd are refused (alcove cannot tell "
			 "whether it serves sftp in-process)",
			 c->err.msg);
	else if (c->s.n_global > 0)
		snprintf(buf, size,
			 "%s: %s: sshd serves sftp in-process, outside the alcove: contained "
			 "logins through sshd are refused; use %s",
			 c->s.global.where, c->s.global.text, sshd_sftp_advice(&c->s.global));
	else if (c->match_checked && c->match.n_match > 0)
		snprintf(buf, size,
			 "%s: %s: sshd serves sftp in-process, outside the alcove, from a Match "
			 "block that selects this user%s%s%s: contained logins through sshd are "
			 "refused; use %s",
			 c->match.match.where, c->match.match.text,
			 c->match.match.unknown[0] ? " (assumed for what alcovectl cannot know: " : "",
			 c->match.match.unknown, c->match.match.unknown[0] ? ")" : "",
			 sshd_sftp_advice(&c->match.match));
	else
		return false;
	return true;
}

bool sshd_check_warning(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0 || c->s.n_match == 0 || (c->match_checked && c->match.n_match > 0))
		return false;
	if (c->match_checked)
		snprintf(buf, size,
			 "%s: %s: sshd serves sftp in-process, outside the alcove, from a Match "
			 "block that selects none of this user's logins: they are not refused",
			 c->s.match.where, c->s.match.text);
	else
		snprintf(buf, size,
			 "%s: %s: sshd serves sftp in-process, outside the alcove, to the "
			 "connections this Match block selects: contained logins it selects are "
			 "refused (alcovectl explain USER tells); use %s",
			 c->s.match.where, c->s.match.text, sshd_sftp_advice(&c->s.match));
	return true;
}

void sshd_check_keys_run(SshdCheck *c, const LoginInfo *li)
{
	if (c->r < 0)
		return;
	if (c->s.n_match > 0) {
		SshdConn conn = {.user = li->user,
				 .host = li->rhost, /* --rhost: Host and Address */
				 .groups = (const char *const *)li->group_names,
				 .n_groups = li->n_group_names};

		c->match_checked = true;
		c->r = sshd_config_sftp_conn(c->path, &conn, &c->match, &c->err);
		if (c->r < 0)
			return;
	}
	c->keys_checked = true;
	c->keys_r = keys_check(&c->s, li, &c->keys, &c->keys_err);
}

bool sshd_check_keys(const SshdCheck *c, char *buf, size_t size)
{
	if (!c->keys_checked)
		return false;
	if (c->keys_r < 0)
		snprintf(buf, size,
			 "%s: logins through sshd are refused (alcove cannot tell whether a "
			 "key forces internal-sftp)",
			 c->keys_err.msg);
	else if (c->keys.verdict == AUTHKEYS_SFTP)
		snprintf(buf, size,
			 "%s:%u forces internal-sftp, which sshd serves in-process, outside the "
			 "alcove: logins through sshd are refused; use command=\"%s\"",
			 c->keys.path, c->keys.line, SSHD_SFTP_SERVER);
	else if (c->keys.verdict == AUTHKEYS_TOO_LARGE)
		snprintf(buf, size,
			 "%s is larger than %d KiB: logins through sshd are refused",
			 c->keys.path, AUTHKEYS_FILE_MAX / 1024);
	else
		return false;
	return true;
}
