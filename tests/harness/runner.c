/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * runner.c - the builtin test runner behind tests/harness/criterion/
 * criterion.h: runs every registered test in its own process (fork on
 * POSIX; on Windows, which cannot fork, this program again with
 * --tfc-run suite::name), suite and test init/fini around it, a time limit
 * on each, and reports like Criterion does. Exit status 0 only when no
 * test failed, crashed or hung.
 *
 * Options: --jobs N / -jN (accepted, tests run one at a time), --filter
 * PATTERN (Criterion's: a glob on suite/name), --list. Environment:
 * TFC_TIMEOUT (seconds per test, default 300), TFC_SKIP (a space-separated
 * list of suite::name to leave out).
 */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include "criterion/criterion.h"
#include "criterion/redirect.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <time.h>

#ifdef _WIN32
#  include <io.h>
#  include <process.h>
#  include <windows.h>
#else
#  include <pthread.h>
#  include <signal.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

/* The status of a test that called cr_skip_test (as Automake's). */
#define TFC_SKIPPED 77

static struct tfc_test *tests, **tests_tail = &tests;
static struct tfc_suite *suites;
static int expect_failures;
static const char *filter;
static bool list_only;
static const char *run_one; /* --tfc-run: this process is that test's */
static const char *program;

/* A failed assertion in the test's own thread goes back to run_here, so
 * that .fini still runs, as in Criterion; in any other thread it ends the
 * process. */
static jmp_buf test_aborted;
static bool jump_ready;
#ifdef _WIN32
static DWORD test_thread;
#  define on_test_thread() (GetCurrentThreadId() == test_thread)
#else
static pthread_t test_thread;
#  define on_test_thread() pthread_equal(pthread_self(), test_thread)
#endif

/* Registration keeps the order of the source (constructors run in it). */
void tfc_register(struct tfc_test *t)
{
	t->next = NULL;
	*tests_tail = t;
	tests_tail = &t->next;
}

void tfc_register_suite(struct tfc_suite *s)
{
	s->next = suites;
	suites = s;
}

/* Where the runner reports: stderr, or its copy once the test's stderr
 * is redirected. */
static FILE *report_stream;
#define report (report_stream ? report_stream : stderr)

static void vreport(const char *file, int line, const char *what, const char *fmt, va_list ap)
	TFC_PRINTF(4, 0);
static void vreport(const char *file, int line, const char *what, const char *fmt, va_list ap)
{
	fprintf(report, "[----] %s:%d: Assertion failed: %s\n[----]   ", file, line, what);
	vfprintf(report, fmt, ap);
	fputc('\n', report);
}

void tfc_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(file, line, what, fmt, ap);
	va_end(ap);
	if (jump_ready && on_test_thread())
		longjmp(test_aborted, 1);
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
	fprintf(report, "[----] skipped: ");
	vfprintf(report, fmt, ap);
	fputc('\n', report);
	va_end(ap);
	if (jump_ready && on_test_thread())
		longjmp(test_aborted, 2);
	fflush(NULL);
	_exit(TFC_SKIPPED);
}

void tfc_log(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(report, "[%s] ", level);
	vfprintf(report, fmt, ap);
	fputc('\n', report);
	va_end(ap);
}

static FILE *captured; /* the test's stderr, redirected */
static long compared; /* how much of it tfc_stderr_is has looked at */

void cr_redirect_stderr(void)
{
	fflush(stderr);
	captured = tmpfile();
	int copy = dup(2);
	if (!captured || copy < 0 || !(report_stream = fdopen(copy, "w")) ||
		dup2(fileno(captured), 2) < 0)
		tfc_fail(__FILE__, __LINE__, "cr_redirect_stderr", "cannot redirect stderr");
}

bool tfc_stderr_is(const char *expected)
{
	if (!captured)
		tfc_fail(__FILE__, __LINE__, "cr_assert_stderr_eq_str", "stderr is not redirected");
	fflush(stderr);
	fseek(captured, 0, SEEK_END);
	long end = ftell(captured);
	size_t n = (size_t)(end - compared);
	char *got = malloc(n + 1);
	if (!got)
		tfc_fail(__FILE__, __LINE__, "cr_assert_stderr_eq_str", "out of memory");
	fseek(captured, compared, SEEK_SET);
	got[fread(got, 1, n, captured)] = '\0';
	compared = end;
	bool same = strcmp(got, expected) == 0;
	if (!same)
		fprintf(report, "[----] stderr was:\n%s\n[----] expected:\n%s\n", got, expected);
	free(got);
	return same;
}

static const struct tfc_suite *suite_of(const struct tfc_test *t)
{
	for (const struct tfc_suite *s = suites; s; s = s->next)
		if (strcmp(s->name, t->suite) == 0)
			return s;
	return NULL;
}

/* In the test's own process: never returns. Exit status 1: failed; 77:
 * skipped. */
static _Noreturn void run_here(const struct tfc_test *t)
{
	const struct tfc_suite *const volatile s = suite_of(t);
#ifdef _WIN32
	test_thread = GetCurrentThreadId();
#else
	test_thread = pthread_self();
#endif
	int how = setjmp(test_aborted); /* 0; 1: failed; 2: skipped */
	if (how == 0) {
		jump_ready = true;
		if (s && s->options.init)
			s->options.init();
		if (t->options.init)
			t->options.init();
		t->fn();
	}
	/* A failure in fini itself ends the process there. */
	jump_ready = false;
	if (t->options.fini)
		t->options.fini();
	if (s && s->options.fini)
		s->options.fini();
	fflush(NULL);
	_exit(how == 1 || expect_failures ? 1 : how == 2 ? TFC_SKIPPED : t->options.exit_code);
}

/* A glob with * and ?, as Criterion's --filter. */
static bool glob_match(const char *p, const char *s)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*')
		return glob_match(p + 1, s) || (*s && glob_match(p, s + 1));
	return *s && (*p == '?' || *p == *s) && glob_match(p + 1, s + 1);
}

static bool selected(const struct tfc_test *t)
{
	if (!filter)
		return true;
	char name[512];
	snprintf(name, sizeof name, "%s/%s", t->suite, t->name);
	return glob_match(filter, name);
}

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

static unsigned time_limit(const struct tfc_test *t)
{
	const char *limit = getenv("TFC_TIMEOUT");
	unsigned seconds = limit && atoi(limit) > 0 ? (unsigned)atoi(limit) : 300;
	if (t->options.timeout > 0)
		seconds = (unsigned)t->options.timeout + 1;
	return seconds;
}

enum verdict { PASSED, FAILED, SKIPPED };

#ifdef _WIN32
/* The test in a new run of this program; a hang is ended by the parent. */
static enum verdict run_isolated(const struct tfc_test *t, char *why, size_t size)
{
	char name[512], quoted[MAX_PATH + 3];
	snprintf(name, sizeof name, "%s::%s", t->suite, t->name);
	/* _spawnv joins the arguments with spaces: the path may have some. */
	snprintf(quoted, sizeof quoted, "\"%s\"", program);
	const char *args[] = { quoted, "--tfc-run", name, NULL };
	fflush(NULL);
	intptr_t child = _spawnv(_P_NOWAIT, program, args);
	if (child == -1) {
		snprintf(why, size, "cannot start %s", program);
		return FAILED;
	}
	HANDLE h = (HANDLE)child;
	DWORD code = 1;
	if (WaitForSingleObject(h, time_limit(t) * 1000U) == WAIT_TIMEOUT) {
		TerminateProcess(h, 124);
		WaitForSingleObject(h, INFINITE);
		CloseHandle(h);
		snprintf(why, size, "timed out after %u s", time_limit(t));
		return FAILED;
	}
	GetExitCodeProcess(h, &code);
	CloseHandle(h);
	if (code == TFC_SKIPPED)
		return SKIPPED;
	if (code == (DWORD)t->options.exit_code)
		return PASSED;
	if (code >= 0xC0000000UL)
		snprintf(why, size, "crashed: exception 0x%08lx", (unsigned long)code);
	else
		snprintf(why, size, "exit status %lu", (unsigned long)code);
	return FAILED;
}
#else
/* The test in a forked child; a hang is ended by the parent (the test's
 * own signals stay the test's). */
static enum verdict run_isolated(const struct tfc_test *t, char *why, size_t size)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, size, "fork: %s", strerror(errno));
		return FAILED;
	}
	if (pid == 0)
		run_here(t);
	struct timespec start, now, pause = { 0, 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &start);
	int status = 0;
	bool timed_out = false;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR) {
			snprintf(why, size, "waitpid: %s", strerror(errno));
			return FAILED;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!timed_out && now.tv_sec - start.tv_sec >= (time_t)time_limit(t)) {
			kill(pid, SIGKILL);
			timed_out = true;
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 50000000) /* quick tests end quickly */
			pause.tv_nsec *= 2;
	}
	if (timed_out) {
		snprintf(why, size, "timed out after %u s", time_limit(t));
		return FAILED;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == TFC_SKIPPED)
		return SKIPPED;
	if (t->options.signal ? WIFSIGNALED(status) && WTERMSIG(status) == t->options.signal
			      : WIFEXITED(status) && WEXITSTATUS(status) == t->options.exit_code)
		return PASSED;
	if (WIFSIGNALED(status))
		snprintf(why, size, "killed by %s", strsignal(WTERMSIG(status)));
	else
		snprintf(why, size, "exit status %d", WEXITSTATUS(status));
	return FAILED;
}
#endif

/* Runs every selected test; the number that failed. */
static int run_all(void)
{
	if (run_one) {
		for (const struct tfc_test *t = tests; t; t = t->next) {
			char name[512];
			snprintf(name, sizeof name, "%s::%s", t->suite, t->name);
			if (strcmp(name, run_one) == 0)
				run_here(t);
		}
		fprintf(stderr, "no test %s\n", run_one);
		return 1;
	}
	int passed = 0, failed = 0, skipped = 0;
	for (const struct tfc_test *t = tests; t; t = t->next) {
		const struct tfc_suite *s = suite_of(t);
		if (t->options.disabled || (s && s->options.disabled) || !selected(t))
			continue;
		if (list_only) {
			printf("%s::%s\n", t->suite, t->name);
			continue;
		}
		if (skipped_by_environment(t)) {
			skipped++;
			fprintf(stderr, "[SKIP] %s::%s (TFC_SKIP)\n", t->suite, t->name);
			continue;
		}
		char why[256] = "";
		switch (run_isolated(t, why, sizeof why)) {
		case PASSED:
			passed++;
			fprintf(stderr, "[PASS] %s::%s\n", t->suite, t->name);
			break;
		case SKIPPED:
			skipped++;
			fprintf(stderr, "[SKIP] %s::%s\n", t->suite, t->name);
			break;
		case FAILED:
			failed++;
			fprintf(stderr, "[FAIL] %s::%s: %s\n", t->suite, t->name, why);
			break;
		}
	}
	if (!list_only)
		fprintf(stderr,
			"[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n",
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

/* 1: go on and run the tests; 0: do not (bad usage, printed). */
int criterion_handle_args(int argc, char *argv[], bool handle_unknown)
{
	program = argv[0];
#ifdef _WIN32
	static char self[MAX_PATH];
	if (GetModuleFileNameA(NULL, self, sizeof self) > 0)
		program = self;
#endif
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0)
			i++;
		else if (strncmp(a, "--jobs=", 7) == 0 || (strncmp(a, "-j", 2) == 0 && a[2]))
			continue;
		else if (strcmp(a, "--filter") == 0 && i + 1 < argc)
			filter = argv[++i];
		else if (strncmp(a, "--filter=", 9) == 0)
			filter = a + 9;
		else if (strcmp(a, "--list") == 0)
			list_only = true;
		else if (strcmp(a, "--tfc-run") == 0 && i + 1 < argc)
			run_one = argv[++i];
		else if (handle_unknown) {
			fprintf(stderr, "%s: unknown option %s\n"
				"usage: %s [--filter suite/name-glob] [--list] [--jobs N]\n",
				argv[0], a, argv[0]);
			return 0;
		}
	}
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
