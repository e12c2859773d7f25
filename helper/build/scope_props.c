/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "scope_props.h"

const char *scope_limit_property(LimitKind k)
{
	/* The names systemd's D-Bus API takes in StartTransientUnit's a(sv), all of type t. */
	static const char *const names[_LIMIT_MAX] = {
	    [LIMIT_MEMORY_MAX] = "MemoryMax",	      [LIMIT_MEMORY_HIGH] = "MemoryHigh",
	    [LIMIT_TASKS_MAX] = "TasksMax",	      [LIMIT_CPU_WEIGHT] = "CPUWeight",
	    [LIMIT_CPU_QUOTA] = "CPUQuotaPerSecUSec", [LIMIT_IO_WEIGHT] = "IOWeight",
	};

	if ((unsigned)k >= _LIMIT_MAX)
		return NULL;
	return names[k];
}

uint64_t scope_limit_value(uint64_t value, uint64_t ram)
{
	uint64_t ppm;

	if (!limit_is_percent(value))
		return value;
	ppm = value & ~LIMIT_PERCENT_FLAG;
	/* ram / 1e6 * ppm, in two steps so that neither overflows nor loses more than a byte */
	return ram / 1000000 * ppm + ram % 1000000 * ppm / 1000000;
}

/* Copies one space-separated mountinfo field starting at p, decoding \NNN octal escapes.
 * Returns the position after the field, or NULL if it does not fit. */
static const char *field_decode(const char *p, char *out, size_t size)
{
	size_t n = 0;

	while (*p && *p != ' ' && *p != '\n') {
		char c = *p;

		if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			c = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 4;
		} else {
			p++;
		}
		if (n + 1 >= size)
			return NULL;
		out[n++] = c;
	}
	out[n] = '\0';
	return p;
}

static const char *field_skip(const char *p)
{
	while (*p && *p != ' ' && *p != '\n')
		p++;
	while (*p == ' ')
		p++;
	return p;
}

/* One line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER". */
static int line_cgroup2_mount(const char *line, char *ret, size_t size)
{
	char root[2], mnt[4096];
	const char *p = line, *sep;

	for (int i = 0; i < 3; i++)
		p = field_skip(p);
	if (!field_decode(p, root, sizeof(root)) || strcmp(root, "/") != 0)
		return -ENOENT;
	p = field_skip(p);
	if (!field_decode(p, mnt, sizeof(mnt)))
		return -ENAMETOOLONG;

	sep = strstr(p, " - ");
	if (!sep || (strchr(p, '\n') && sep > strchr(p, '\n')))
		return -ENOENT;
	if (strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return -ENOENT;
	if (strlen(mnt) >= size)
		return -ENAMETOOLONG;
	strcpy(ret, mnt);
	return 0;
}

int scope_cgroup2_mount(const char *mountinfo, char *ret, size_t size)
{
	for (const char *line = mountinfo; line && *line;) {
		const char *nl = strchr(line, '\n');
		int r = line_cgroup2_mount(line, ret, size);

		if (r != -ENOENT)
			return r;
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static bool path_has_dotdot(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

int scope_cgroup_join(const char *mount, const char *cgroup, char *ret, size_t size)
{
	size_t ml, cl;

	if (!mount || mount[0] != '/' || !cgroup || cgroup[0] != '/' || path_has_dotdot(cgroup))
		return -EINVAL;
	ml = strlen(mount);
	while (ml > 1 && mount[ml - 1] == '/')
		ml--;
	if (ml == 1) /* cgroup2 mounted on "/": the path is the cgroup itself */
		ml = 0;
	cl = strlen(cgroup);
	if (ml + cl >= size)
		return -ENAMETOOLONG;
	memcpy(ret, mount, ml);
	memcpy(ret + ml, cgroup, cl + 1);
	return 0;
}
