/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replays every file of tests/fuzz/corpus/{proto,policy,kv,state,oci}/ through the fuzz harnesses'
 * checks under ASan+UBSan: the seed inputs and every crash `make fuzz` ever found stay
 * regression tests without clang or libFuzzer. Run from the top of the source tree (as
 * `make check-unit` does). A failed oracle aborts; the handler names the input first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_ONE_INPUT fuzz_proto_one
#include "../fuzz/fuzz_proto.c"
#undef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT fuzz_policy_one
#include "../fuzz/fuzz_policy.c"
#undef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT fuzz_kv_one
#include "../fuzz/fuzz_kv.c"
#undef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT fuzz_state_one
#include "../fuzz/fuzz_state.c"
#undef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT fuzz_oci_one
#include "../fuzz/fuzz_oci.c"
#undef FUZZ_ONE_INPUT

#define CORPUS_DIR "tests/fuzz/corpus/"

static char current_input[512];

static void on_abort(int sig)
{
	static const char pre[] = "\nfailed on corpus input: ";

	(void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
	(void)!write(STDERR_FILENO, current_input, strlen(current_input));
	(void)!write(STDERR_FILENO, "\n", 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint8_t *read_input(int dfd, const char *name, size_t *ret_size)
{
	struct stat st;
	uint8_t *buf;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1); /* +1: malloc(0) may be NULL */
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret_size = (size_t)st.st_size;
	return buf;
}

static void replay(const char *corpus, int (*one)(const uint8_t *, size_t))
{
	char dir[256];
	struct dirent *de;
	size_t n = 0, size;
	DIR *d;

	snprintf(dir, sizeof(dir), CORPUS_DIR "%s", corpus);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s (run from the top of the source tree): %m", dir);
	while ((de = readdir(d))) {
		uint8_t *data;

		if (de->d_name[0] == '.')
			continue;
		snprintf(current_input, sizeof(current_input), "%s/%s", dir, de->d_name);
		data = read_input(dirfd(d), de->d_name, &size);
		assert_int_equal(one(data, size), 0);
		free(data);
		n++;
	}
	closedir(d);
	current_input[0] = '\0';
	print_message("replayed %zu inputs of %s\n", n, dir);
	assert_true(n >= 5); /* the seeds are there: an empty directory tests nothing */
}

static void test_proto_corpus(void **state)
{
	replay("proto", fuzz_proto_one);
}

static void test_policy_corpus(void **state)
{
	replay("policy", fuzz_policy_one);
}

static void test_kv_corpus(void **state)
{
	replay("kv", fuzz_kv_one);
}

static void test_state_corpus(void **state)
{
	replay("state", fuzz_state_one);
}

static void test_oci_corpus(void **state)
{
	replay("oci", fuzz_oci_one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proto_corpus),
	    cmocka_unit_test(test_policy_corpus),
	    cmocka_unit_test(test_kv_corpus),
	    cmocka_unit_test(test_state_corpus),
	    cmocka_unit_test(test_oci_corpus),
	};

	signal(SIGABRT, on_abort);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
