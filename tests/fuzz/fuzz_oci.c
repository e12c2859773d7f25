/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the OCI store's pure parsers (common/oci.h): a layer tar's entry paths
 * and whiteout names come from whoever wrote the image, and the image record is what the helper
 * reads at every build. Oracles: a path that normalises is relative, has no "..", "." or empty
 * component (or is "."), and normalises to itself; a whiteout's target stays in the entry's
 * directory; a record that parses formats and parses back to the same image.
 *
 * tests/unit/test_fuzz_corpus.c replays tests/fuzz/corpus/oci/ through this in check-unit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"

#include "fuzz.h"

#ifndef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT LLVMFuzzerTestOneInput
#endif

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size);

static void check_normal(const char *rel)
{
	const char *c = rel;

	fuzz_check(rel[0] != '/' && rel[0] != '\0');
	if (strcmp(rel, ".") == 0)
		return;
	while (*c) {
		size_t n = strcspn(c, "/");

		fuzz_check(n > 0);
		fuzz_check(!(n == 1 && c[0] == '.'));
		fuzz_check(!(n == 2 && c[0] == '.' && c[1] == '.'));
		c += n;
		if (*c == '/')
			fuzz_check(*++c != '\0');
	}
}

static void check_path(const char *s)
{
	static char rel[4096], again[4096], target[4096];
	const char *why;

	if (oci_entry_path(s, rel, sizeof(rel), &why) < 0) {
		fuzz_check(why != NULL);
		return;
	}
	check_normal(rel);
	fuzz_check(oci_entry_path(rel, again, sizeof(again), &why) == 0);
	fuzz_check(strcmp(rel, again) == 0);
	switch (oci_whiteout(rel, target, sizeof(target))) {
	case OCI_WH_FILE:
	case OCI_WH_OPAQUE:
		check_normal(target);
		/* the target is in the whiteout's directory (or is it) */
		fuzz_check(strrchr(rel, '/') == NULL || strncmp(target, rel, (size_t)(strrchr(rel, '/') - rel)) == 0);
		break;
	case OCI_WH_NONE:
	case OCI_WH_BAD:
		break;
	}
}

static void check_record(const char *s, size_t size)
{
	static OciImage img, back;
	static char buf[OCI_RECORD_MAX * 2];
	int n;

	if (oci_image_parse(s, size, &img) < 0)
		return;
	fuzz_check(img.n_layers >= 1 && img.n_layers <= OCI_MAX_LAYERS);
	n = oci_image_format(&img, buf, sizeof(buf));
	fuzz_check(n > 0);
	fuzz_check(oci_image_parse(buf, (size_t)n, &back) == 0);
	fuzz_check(memcmp(&img, &back, sizeof(img)) == 0);
}

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (strlen(s) == size && size < 4096)
		check_path(s);
	check_record(s, size);
	free(s);
	return 0;
}
