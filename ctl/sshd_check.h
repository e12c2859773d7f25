/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * check-config's and explain's view of internal-sftp in sshd's configuration: what
 * pam_alcove does at a contained login through that sshd (pam_module/session.c,
 * common/sshd_config.h), as one line of text each. No output of its own.
 */

#include <stdbool.h>
#include <stddef.h>

#include "sshd_config.h"

typedef struct SshdCheck {
	const char *path; /* --sshd-config FILE, or SSHD_CONFIG_DEFAULT */
	int r;		  /* < 0: it could not be read, err says why */
	char err[512];
	SshdSftp s;
} SshdCheck;

void sshd_check_run(const char *path, SshdCheck *ret);

/* Why contained logins through that sshd are refused (it cannot be read, or it serves sftp
 * in-process for every connection), into buf; false when they are not. */
bool sshd_check_refusal(const SshdCheck *c, char *buf, size_t size);

/* The warning for an internal-sftp inside a Match block, into buf; false when there is none. */
bool sshd_check_warning(const SshdCheck *c, char *buf, size_t size);

/* The warning for keys read from the home (SshdSftp.keys_in_home), into buf; false when the
 * keys are outside it or the configuration could not be read. */
bool sshd_check_keys(const SshdCheck *c, char *buf, size_t size);
