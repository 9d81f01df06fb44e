/*
 * check.h - the tiny test harness of the host tests.
 *
 * TEST(name) { ... } defines a test; CHECK(cond, fmt, ...) records a
 * failure without stopping the test.  main() runs the tests and prints one
 * line per test, "PASS name" or "FAIL name: first failure", which
 * host/tests/run.sh counts.
 */
#ifndef SPM_CHECK_H
#define SPM_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char check_msg[512];
static int check_failed;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (!check_failed) {                                 \
				int n_ =                                     \
				    snprintf(check_msg, sizeof(check_msg),   \
					     "%s:%d: ", __FILE__, __LINE__); \
				snprintf(check_msg + n_,                     \
					 sizeof(check_msg) - (size_t)n_,     \
					 __VA_ARGS__);                       \
			}                                                    \
			check_failed++;                                      \
		}                                                            \
	} while (0)

typedef void (*test_fn)(void);
struct test_case {
	const char *name;
	test_fn fn;
};

static int run_tests(const struct test_case *t, size_t n, const char *only)
{
	int failed = 0, passed = 0;
	for (size_t i = 0; i < n; i++) {
		if (only && strcmp(only, t[i].name))
			continue;
		check_failed = 0;
		check_msg[0] = 0;
		t[i].fn();
		if (check_failed) {
			printf("FAIL %s: %s\n", t[i].name, check_msg);
			failed++;
		} else {
			printf("PASS %s\n", t[i].name);
			passed++;
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

#define TESTS_MAIN(...)                                             \
	int main(int argc, char **argv)                             \
	{                                                           \
		static const struct test_case t_[] = {__VA_ARGS__}; \
		return run_tests(t_, sizeof(t_) / sizeof(t_[0]),    \
				 argc > 1 ? argv[1] : NULL);        \
	}
#define T(fn)           \
	{               \
#fn, fn \
	}

#endif
