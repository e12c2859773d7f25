/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_check.h"

#include <stdio.h>

void sshd_check_run(const char *path, SshdCheck *ret)
{
	*ret = (SshdCheck){.path = path ? path : SSHD_CONFIG_DEFAULT};
	ret->r = sshd_config_sftp(ret->path, &ret->s, ret->err, sizeof(ret->err));
}

bool sshd_check_refusal(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0)
		snprintf(buf, size,
			 "%s: contained logins through sshd are refused (alcove cannot tell "
			 "whether it serves sftp in-process)",
			 c->err);
	else if (c->s.n_global > 0)
		snprintf(buf, size,
			 "%s: %s: sshd serves sftp in-process, outside the alcove: contained "
			 "logins through sshd are refused; use %s",
			 c->s.global.where, c->s.global.text, sshd_sftp_advice(&c->s.global));
	else
		return false;
	return true;
}

bool sshd_check_warning(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0 || c->s.n_match == 0)
		return false;
	snprintf(buf, size,
		 "%s: %s: sshd serves sftp in-process, outside the alcove, to the connections "
		 "this Match block selects (contained logins go on, with a warning); use %s",
		 c->s.match.where, c->s.match.text, sshd_sftp_advice(&c->s.match));
	return true;
}

bool sshd_check_keys(const SshdCheck *c, char *buf, size_t size)
{
	const SshdSftpFinding *m = &c->s.keys_match;
	bool dflt = c->s.keys.where[0] == '\0';
	char unless[sizeof(m->where) + sizeof(m->text) + 64] = "";

	if (c->r < 0 || !c->s.keys_in_home)
		return false;
	if (m->where[0])
		snprintf(unless, sizeof(unless), " (unless %s: %s, in a Match block, selects this user)",
			 m->where, m->text);
	snprintf(buf, size,
		 "%s: %s%s: the user's keys are read from the home, which the tenant writes from "
		 "inside: a key with command=\"internal-sftp\" gets sftp served by sshd in-process, "
		 "on the host's view%s; keep contained users' keys out of their reach "
		 "(AuthorizedKeysFile, or a profile home volume other than the passwd home; "
		 "docs/SECURITY.md)",
		 dflt ? c->path : c->s.keys.where, c->s.keys.text, dflt ? " (sshd's default)" : "",
		 unless);
	return true;
}
