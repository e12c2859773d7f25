/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "profile_print.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"

void origin_format(const Origin *o, char *buf, size_t size)
{
	if (!o->section)
		snprintf(buf, size, "?");
	else if (o->line <= 0)
		snprintf(buf, size, "%s", o->section);
	else
		snprintf(buf, size, "%s:%d", o->section, o->line);
}

void profile_print_text(FILE *f, const Profile *p)
{
	char value[1024], origin[96], name[48];

	for (int k = 0; k < _PKEY_MAX; k++) {
		if (k == PKEY_LIMITS)
			continue;
		profile_format_value(p, (ProfileKey)k, value, sizeof(value));
		origin_format(&p->origin[k], origin, sizeof(origin));
		fprintf(f, "  %-22s %-40s %s\n", profile_key_name((ProfileKey)k), value, origin);
	}
	if (p->limits.set == 0) {
		origin_format(&p->origin[PKEY_LIMITS], origin, sizeof(origin));
		fprintf(f, "  %-22s %-40s %s\n", "limits", "(none)", origin);
	}
	for (int l = 0; l < _LIMIT_MAX; l++) {
		if (!(p->limits.set & (1u << l)))
			continue;
		policy_format_limit((LimitKind)l, p->limits.value[l], value, sizeof(value));
		origin_format(&p->limit_origin[l], origin, sizeof(origin));
		snprintf(name, sizeof(name), "limits.%s", limit_name((LimitKind)l));
		fprintf(f, "  %-22s %-40s %s\n", name, value, origin);
	}
}

static void origin_json(FILE *f, const Origin *o)
{
	fputs("{\"section\": ", f);
	json_string(f, o->section);
	fprintf(f, ", \"line\": %d}", o->line);
}

static void strv_json(FILE *f, char *const *v, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_string(f, v[i]);
	}
	fputc(']', f);
}

static void limits_json(FILE *f, const Profile *p)
{
	char value[64];
	int first = 1;

	fputc('{', f);
	for (int l = 0; l < _LIMIT_MAX; l++) {
		if (!(p->limits.set & (1u << l)))
			continue;
		json_key(f, limit_name((LimitKind)l), &first);
		policy_format_limit((LimitKind)l, p->limits.value[l], value, sizeof(value));
		fputs("{\"value\": ", f);
		json_string(f, value);
		/* the number as systemd gets it; infinity has none in JSON */
		if (p->limits.value[l] == LIMIT_INFINITY || limit_is_percent(p->limits.value[l]))
			fputs(", \"number\": null", f); /* a share of RAM: bytes at build time */
		else
			fprintf(f, ", \"number\": %" PRIu64, p->limits.value[l]);
		fputs(", \"origin\": ", f);
		origin_json(f, &p->limit_origin[l]);
		fputc('}', f);
	}
	fputc('}', f);
}

static void mounts_json(FILE *f, const Profile *p)
{
	fputc('[', f);
	for (size_t i = 0; i < p->n_mounts; i++) {
		fputs(i ? ", {\"source\": " : "{\"source\": ", f);
		json_string(f, p->mounts[i].source);
		fputs(", \"target\": ", f);
		json_string(f, p->mounts[i].target);
		fprintf(f, ", \"writable\": %s}", p->mounts[i].writable ? "true" : "false");
	}
	fputc(']', f);
}

static void value_json(FILE *f, const Profile *p, ProfileKey k)
{
	char value[256];

	switch (k) {
	case PKEY_IMAGE:
		strv_json(f, p->image, p->n_image);
		break;
	case PKEY_GROUPS_PASSTHROUGH:
		strv_json(f, p->groups_passthrough, p->n_groups_passthrough);
		break;
	case PKEY_PERSIST:
		fputs(p->persist ? "true" : "false", f);
		break;
	case PKEY_SETUID:
		fputs(p->setuid ? "true" : "false", f);
		break;
	case PKEY_TUN:
		fputs(p->tun ? "true" : "false", f);
		break;
	case PKEY_IDLE_TIMEOUT:
		fprintf(f, "%u", p->idle_timeout);
		break;
	case PKEY_TMP_INODES:
		fprintf(f, "%" PRIu64, p->tmp_inodes);
		break;
	case PKEY_MAX_SESSIONS:
		fprintf(f, "%u", p->max_sessions);
		break;
	case PKEY_LIMITS:
		limits_json(f, p);
		break;
	case PKEY_MOUNTS:
		mounts_json(f, p);
		break;
	case PKEY_LAYER_QUOTA: /* bytes, null for none */
	case PKEY_LAYER_INODES:
		if (k == PKEY_LAYER_QUOTA ? p->layer_quota : p->layer_inodes)
			fprintf(f, "%llu",
				(unsigned long long)(k == PKEY_LAYER_QUOTA ? p->layer_quota
									   : p->layer_inodes));
		else
			fputs("null", f);
		break;
	default: /* home, hostname and the choice keys: their text */
		profile_format_value(p, k, value, sizeof(value));
		json_string(f, value);
		break;
	}
}

void profile_print_json(FILE *f, const Profile *p)
{
	int first = 1;

	fputs("{\"name\": ", f);
	json_string(f, p->name);
	fputs(", \"inherit\": ", f);
	json_string(f, p->inherit);
	fprintf(f, ", \"line\": %d, \"keys\": {", p->line);
	for (int k = 0; k < _PKEY_MAX; k++) {
		json_key(f, profile_key_name((ProfileKey)k), &first);
		fputs("{\"value\": ", f);
		value_json(f, p, (ProfileKey)k);
		fputs(", \"origin\": ", f);
		origin_json(f, &p->origin[k]);
		fputc('}', f);
	}
	fputs("}}", f);
}
