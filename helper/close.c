/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * close: the login's session ended; its hold on the alcove is released. What happens then is
 * alcove-init's business (on_last_logout). An alcove that is gone already is not an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control_client.h"
#include "enter_client.h"
#include "helper.h"
#include "nsswrap.h"
#include "policy.h"

/* The name must be one of the user's alcoves: "<uid>" or "<uid>-<hex>". */
static bool name_belongs(const char *name, uid_t uid)
{
	char prefix[16];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%u", (unsigned)uid);

	return alcove_name_is_valid(name) && strncmp(name, prefix, n) == 0 &&
	       (name[n] == '\0' || name[n] == '-');
}

/* Only the uid is needed here: getpwnam_r alone, not login_lookup(), whose group list makes
 * NSS load and ask every group source (libnss_systemd: ~0.2 ms in a fresh process). */
static int user_uid(const char *user, uid_t *ret)
{
	NssPasswd p = {0};
	int r;

	if (policy_name_is_hostile(user))
		return -EINVAL;
	r = nss_getpwnam(user, &p);
	if (r < 0)
		return r;
	*ret = p.pw.pw_uid;
	nss_passwd_done(&p);
	return 0;
}

int verb_close(const HelperEnv *env, const KvMessage *req, Answer *ans)
{
	const char *user = kv_get(req, "user"), *name = kv_get(req, "name"),
		   *session = kv_get(req, "session");
	char path[128];
	uid_t uid;
	int r;

	ans->fields.user = user;
	ans->fields.stage = "close";
	if (!user || !name || !session)
		return answer_error(ans, EINVAL, "close needs user, name and session");
	r = user_uid(user, &uid);
	if (r < 0)
		return answer_error(ans, r, "Cannot look up user '%s': %m", user);
	if (!name_belongs(name, uid))
		return answer_error(ans, EINVAL, "Alcove '%s' is not one of %s's", name, user);
	r = control_admin_path(name, path, sizeof(path));
	if (r == 0)
		r = control_release(path, session);
	/* gone (no socket, nobody listening) or the hold ended with its process: nothing to do */
	if (r < 0 && r != -ENOENT && r != -ECONNREFUSED && r != -ECONNRESET)
		return answer_error(ans, r, "Cannot release session %s of alcove %s: %m", session,
				    name);
	kv_add(&ans->kv, "status", "ok");
	return 0;
}
