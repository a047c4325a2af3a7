/*
 * runner.h - a minimal portable test runner for the Windows tests
 * (Criterion is not available for mingw). Tests run one after another in
 * one process; a failed check prints file:line and ends that test only.
 *
 *     TFW_TEST(mkstemp_returns_an_absolute_path) { ... TFW_CHECK(x == 1); }
 *     int main(void) { return tfw_run_all(); }   // after the TFW_TEST list
 */
#ifndef TF_WIN_RUNNER_H
#define TF_WIN_RUNNER_H

#include <stdio.h>
#include <string.h>

struct tfw_test {
	const char *name;
	void (*fn)(void);
};

/* Set by a failed check; read by the runner after each test. */
static int tfw_failed;
static int tfw_skipped;

#define TFW_CHECK(cond, ...)                                                  \
	do {                                                                  \
		if (!(cond)) {                                                \
			printf("    %s:%d: check failed: %s\n      ", __FILE__, \
				__LINE__, #cond);                             \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
			tfw_failed = 1;                                       \
			return;                                               \
		}                                                             \
	} while (0)

#define TFW_SKIP(why)                                        \
	do {                                                 \
		printf("    skipped: %s\n", why);            \
		tfw_skipped = 1;                             \
		return;                                      \
	} while (0)

#define TFW_TEST(name) static void name(void)
#define TFW_ENTRY(name) { #name, name }

/* Run every test in the table; 0 if all passed. */
static int tfw_run(const struct tfw_test *tests, size_t count)
{
	size_t passed = 0, failed = 0, skipped = 0;
	for (size_t i = 0; i < count; i++) {
		tfw_failed = tfw_skipped = 0;
		printf("[RUN ] %s\n", tests[i].name);
		fflush(stdout);
		tests[i].fn();
		const char *verdict = tfw_failed ? "FAIL" : tfw_skipped ? "SKIP" : "PASS";
		printf("[%s] %s\n", verdict, tests[i].name);
		fflush(stdout);
		failed += tfw_failed != 0;
		skipped += !tfw_failed && tfw_skipped;
		passed += !tfw_failed && !tfw_skipped;
	}
	printf("[====] Tested: %zu | Passing: %zu | Failing: %zu | Skipped: %zu\n", count, passed,
		failed, skipped);
	return failed ? 1 : 0;
}

#endif
