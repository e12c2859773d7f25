/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decision for a login, by every name its uid has that NSS can tell us of cheaply: the
 * name asked and the uid's first name (getpwuid). Not pure: one NSS lookup by uid, and a
 * second login lookup when the names differ.
 */
#include "login.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "nsswrap.h"

static void refuse(Decision *d, const char *fmt, ...) _printf_(2, 3);
static void refuse(Decision *d, const char *fmt, ...)
{
	va_list ap;

	*d = (Decision){.kind = DECISION_REFUSE};
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

static bool same_outcome(const Decision *a, const Decision *b)
{
	return a->kind == b->kind && (a->kind != DECISION_CONTAIN || a->profile == b->profile);
}

static const char *outcome(const Decision *d)
{
	return d->kind == DECISION_CONTAIN ? "contained"
	       : d->kind == DECISION_SKIP  ? "skipped"
					   : "refused";
}

void login_decide(const Policy *p, const LoginInfo *li, Decision *ret)
{
	_cleanup_(login_info_freep) LoginInfo *first = NULL;
	NssPasswd pw = {0};
	Decision other;
	int r;

	policy_decide(p, &li->login, ret);
	if (ret->kind == DECISION_REFUSE)
		return; /* refused as asked: no other name can let it in */
	r = nss_getpwuid(li->uid, &pw);
	if (r == -ENOENT)
		return; /* the name's uid has no entry by uid: no other name to ask about */
	if (r < 0) {
		refuse(ret, "failed to look up the account of uid %u: %s", (unsigned)li->uid,
		       strerror(-r));
		return;
	}
	r = strcmp(pw.pw.pw_name, li->user) == 0
		? 1
		: login_from_passwd(&pw.pw, li->service, li->tty, li->rhost, &first);
	nss_passwd_done(&pw);
	if (r > 0)
		return;
	if (r < 0) {
		refuse(ret, "failed to look up the first account of uid %u, which %s shares: %s",
		       (unsigned)li->uid, li->user, strerror(-r));
		return;
	}
	policy_decide(p, &first->login, &other);
	if (same_outcome(ret, &other))
		return;
	refuse(ret,
	       "user %s shares uid %u with %s, and the policy treats the two names differently "
	       "(%s %s, %s %s); give both names the same rules",
	       li->user, (unsigned)li->uid, first->user, li->user, outcome(ret), first->user,
	       outcome(&other));
}
