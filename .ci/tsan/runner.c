/*
 * runner.c - main() for the minimal Criterion stand-in (see
 * criterion/criterion.h): runs every registered test in its own process,
 * suite and test init/fini around it, and reports like Criterion does.
 * Exit status 0 only when no test failed or crashed.
 */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include "criterion/criterion.h"

#include <stdarg.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define TFC_SKIPPED 77

static struct tfc_test *tests;
static struct tfc_suite *suites;
static int expect_failures;

void tfc_register(struct tfc_test *t)
{
	t->next = tests;
	tests = t;
}

void tfc_register_suite(struct tfc_suite *s)
{
	s->next = suites;
	suites = s;
}

static void vreport(const char *file, int line, const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "[----] %s:%d: Assertion failed: %s\n[----]   ", file, line, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tfc_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(file, line, what, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(1);
}

void tfc_expect_failed(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(file, line, what, fmt, ap);
	va_end(ap);
	expect_failures++;
}

void tfc_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[SKIP] ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(NULL);
	_exit(TFC_SKIPPED);
}

void tfc_log(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "[%s] ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const struct tfc_suite *suite_of(const struct tfc_test *t)
{
	for (const struct tfc_suite *s = suites; s; s = s->next)
		if (strcmp(s->name, t->suite) == 0)
			return s;
	return NULL;
}

static void run_in_child(const struct tfc_test *t)
{
	const struct tfc_suite *s = suite_of(t);
	if (s && s->options.init)
		s->options.init();
	if (t->options.init)
		t->options.init();
	t->fn();
	if (t->options.fini)
		t->options.fini();
	if (s && s->options.fini)
		s->options.fini();
	fflush(NULL);
	_exit(expect_failures ? 1 : t->options.exit_code);
}

/* TFC_SKIP: a space-separated list of suite::name to leave out. */
static bool skipped_by_environment(const struct tfc_test *t)
{
	const char *list = getenv("TFC_SKIP");
	if (!list)
		return false;
	char name[512];
	snprintf(name, sizeof name, "%s::%s", t->suite, t->name);
	size_t len = strlen(name);
	for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

/* Runs every test; the number that failed. */
static int run_all(void)
{
	int passed = 0, failed = 0, skipped = 0;
	for (const struct tfc_test *t = tests; t; t = t->next) {
		const struct tfc_suite *s = suite_of(t);
		if (t->options.disabled || (s && s->options.disabled))
			continue;
		if (skipped_by_environment(t)) {
			skipped++;
			fprintf(stderr, "[SKIP] %s::%s (TFC_SKIP)\n", t->suite, t->name);
			continue;
		}
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			/* A hang fails the test instead of the whole run. */
			const char *limit = getenv("TFC_TIMEOUT");
			unsigned seconds = limit ? (unsigned)atoi(limit) : 300;
			if (t->options.timeout > 0)
				seconds = (unsigned)t->options.timeout + 1;
			alarm(seconds);
			run_in_child(t);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0)
			;
		bool ok;
		if (t->options.signal)
			ok = WIFSIGNALED(status) && WTERMSIG(status) == t->options.signal;
		else
			ok = WIFEXITED(status) && WEXITSTATUS(status) == t->options.exit_code;
		if (WIFEXITED(status) && WEXITSTATUS(status) == TFC_SKIPPED) {
			skipped++;
			fprintf(stderr, "[SKIP] %s::%s\n", t->suite, t->name);
		} else if (ok) {
			passed++;
			fprintf(stderr, "[PASS] %s::%s\n", t->suite, t->name);
		} else {
			failed++;
			if (WIFSIGNALED(status))
				fprintf(stderr, "[FAIL] %s::%s: killed by %s\n", t->suite, t->name,
					strsignal(WTERMSIG(status)));
			else
				fprintf(stderr, "[FAIL] %s::%s: exit status %d\n", t->suite, t->name,
					WEXITSTATUS(status));
		}
	}
	fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n",
		passed + failed + skipped, passed, failed, skipped);
	return failed;
}

/* Criterion's API for programs with their own main(). */
struct criterion_test_set {
	int unused;
};
static struct criterion_test_set the_set;

struct criterion_test_set *criterion_initialize(void)
{
	return &the_set;
}

int criterion_handle_args(int argc, char *argv[], bool handle_unknown)
{
	(void)argc;
	(void)argv;
	(void)handle_unknown;
	return 1;
}

int criterion_run_all_tests(struct criterion_test_set *set)
{
	(void)set;
	return run_all() == 0;
}

void criterion_finalize(struct criterion_test_set *set)
{
	(void)set;
}

/* Weak: a test program with its own main() (Criterion allows it) wins. */
__attribute__((weak)) int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_all() ? 1 : 0;
}
