/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A verb's failure as the one-line answer the caller reads (docs/INTERNALS.md "Helper
 * protocol"), logged once. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "error.h"
#include "verb.h"

int answer_error(Answer *a, int err, const char *fmt, ...)
{
	AlcError e;
	char *msg = e.msg;
	va_list ap;

	va_start(ap, fmt);
	err = -alc_verror(&e, err > 0 ? -err : err, a->fields.stage, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	kv_builder_init(&a->kv);
	kv_add(&a->kv, "status", "error");
	kv_addf(&a->kv, "errno", "%d", err);
	kv_add(&a->kv, "message", msg);
	/* a stage on what the user controls, or an error any tenant can cause from inside */
	if (a->tenant || alc_errno_tenant_can_cause(err))
		kv_add(&a->kv, "tenant", "1");
	/* the decision, not a failure: the caller must not let the login through on it */
	if (a->refusal)
		kv_add(&a->kv, "refusal", "1");
	log_full(LOG_ERR, err, &a->fields, "%s", msg);
	return -err;
}
