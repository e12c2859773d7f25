/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reads the policy file into memory before libconfig sees it. libconfig's flex scanner calls
 * exit(2) when reading fails ("input in flex scanner failed", e.g. on a directory): inside
 * sshd that would end the session process. So the file is checked to be a regular file of a
 * sane size, read here, and parsed from the string. @include is refused for the same reason
 * (libconfig would open the included file itself) and so that every error names one file.
 */
#include "policy_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

#define POLICY_FILE_MAX (1024 * 1024)

static int read_all(int fd, size_t size, char **ret)
{
	_cleanup_free_ char *buf = malloc(size + 1);
	size_t len = 0;

	if (!buf)
		return -ENOMEM;
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -ESTALE; /* shrank while we read: an editor rewriting it in place */
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EBADMSG; /* a NUL byte would end the text early, silently */
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The line of the first @include directive, or 0. */
static int find_include(const char *text)
{
	int line = 1;

	for (const char *c = text; *c; c++) {
		if (*c == '\n') {
			line++;
			continue;
		}
		if (*c == '@' && strncmp(c, "@include", 8) == 0) {
			const char *s = c;
			while (s > text && (s[-1] == ' ' || s[-1] == '\t'))
				s--;
			if (s == text || s[-1] == '\n')
				return line;
		}
	}
	return 0;
}

int policy_read_file(const char *path, char **ret, PolicyErrors *errs)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char *text = NULL;
	int r, line;

	/* a FIFO must not hang the login: refused as not a regular file */
	fd = open_regular(path, &st);
	if (fd == -EISDIR || fd == -EBADFD) {
		policy_errors_add(errs, path, 0, "not a regular file");
		return -EINVAL;
	}
	if (fd < 0) {
		policy_errors_add(errs, path, 0, "failed to open: %s", strerror(-fd));
		return fd;
	}
	if (st.st_size > POLICY_FILE_MAX) {
		policy_errors_add(errs, path, 0, "larger than %d bytes", POLICY_FILE_MAX);
		return -EFBIG;
	}
	/* Empty, or cut short while read: an editor that truncates the file before writing it
	 * anew (nano, `cat >`) shows a login a policy that contains nobody. Refused, not taken
	 * for "no rule": write the file elsewhere and rename it over. */
	if (st.st_size == 0) {
		policy_errors_add(errs, path, 0,
				  "empty (being rewritten? a policy is replaced "
				  "by renaming a complete file over it)");
		return -EINVAL;
	}
	r = read_all(fd, (size_t)st.st_size, &text);
	if (r < 0) {
		policy_errors_add(errs, path, 0, "failed to read: %s",
				  r == -EBADMSG ? "it contains a NUL byte"
				  : r == -ESTALE
				      ? "it shrank while read (being rewritten? a policy is "
					"replaced by renaming a complete file over it)"
				      : strerror(-r));
		return r == -EBADMSG ? -EINVAL : r;
	}
	line = find_include(text);
	if (line > 0) {
		free(text);
		policy_errors_add(errs, path, line,
				  "@include is not supported (keep the policy "
				  "in one file)");
		return -EINVAL;
	}
	*ret = text;
	return 0;
}
