/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * The builtin test runner's <criterion/criterion.h>: the subset of
 * Criterion's API the tests use (Test, TestSuite with .init/.fini/.timeout/
 * .disabled/.description, cr_assert*, cr_expect*, cr_skip_test, cr_log_*,
 * criterion_* for a main() of one's own), so the same tests/test_*.c build
 * against Criterion or against tests/harness/runner.c. It is used where
 * Criterion is missing or cannot run: under ThreadSanitizer (BoxFort's arena
 * collides with TSan's memory layout, Snaipe/Criterion#274), for mingw (no
 * Criterion build), and on machines without libcriterion. Each test runs in
 * its own process: forked on POSIX, the program run again on Windows.
 */
#ifndef TFC_CRITERION_H
#define TFC_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__MINGW32__)
#  define TFC_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#  define TFC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

struct tfc_options {
	int first; /* named in each initializer: an empty option list stays valid C */
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
	const char *description;
	int signal;
	int exit_code;
};

struct tfc_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct tfc_options options;
	struct tfc_test *next;
};

struct tfc_suite {
	const char *name;
	struct tfc_options options;
	struct tfc_suite *next;
};

/* For a test program with its own main(), as Criterion documents it. */
struct criterion_test_set;
struct criterion_test_set *criterion_initialize(void);
int criterion_handle_args(int argc, char *argv[], bool handle_unknown);
int criterion_run_all_tests(struct criterion_test_set *set); /* 1: all passed */
void criterion_finalize(struct criterion_test_set *set);

void tfc_register(struct tfc_test *t);
void tfc_register_suite(struct tfc_suite *s);
_Noreturn void tfc_fail(const char *file, int line, const char *what, const char *fmt, ...)
	TFC_PRINTF(4, 5);
void tfc_expect_failed(const char *file, int line, const char *what, const char *fmt, ...)
	TFC_PRINTF(4, 5);
_Noreturn void tfc_skip(const char *fmt, ...) TFC_PRINTF(1, 2);
void tfc_log(const char *level, const char *fmt, ...) TFC_PRINTF(2, 3);

#define Test(suite, name, ...)                                                        \
	static void suite##_##name##_impl(void);                                      \
	static struct tfc_test suite##_##name##_test = { #suite, #name,               \
		suite##_##name##_impl, { .first = 0, __VA_ARGS__ }, NULL };          \
	__attribute__((constructor)) static void suite##_##name##_register(void)      \
	{                                                                             \
		tfc_register(&suite##_##name##_test);                                 \
	}                                                                             \
	static void suite##_##name##_impl(void)

/* Ends in a declaration, as Criterion's: the caller's ';' closes it. */
#define TestSuite(suite, ...)                                                         \
	static struct tfc_suite suite##_suite;                                        \
	__attribute__((constructor)) static void suite##_suite_register(void)         \
	{                                                                             \
		tfc_register_suite(&suite##_suite);                                   \
	}                                                                             \
	static struct tfc_suite suite##_suite = { #suite, { .first = 0, __VA_ARGS__ }, NULL }

/* The message arguments are optional: "" glues to a format, or stands alone. */
#define cr_assert(cond, ...)                                                           \
	do {                                                                           \
		if (!(cond))                                                           \
			tfc_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);           \
	} while (0)
#define cr_expect(cond, ...)                                                           \
	do {                                                                           \
		if (!(cond))                                                           \
			tfc_expect_failed(__FILE__, __LINE__, #cond, "" __VA_ARGS__);  \
	} while (0)
#define cr_assert_fail(...) tfc_fail(__FILE__, __LINE__, "cr_assert_fail", "" __VA_ARGS__)
#define cr_expect_fail(...) tfc_expect_failed(__FILE__, __LINE__, "cr_expect_fail", "" __VA_ARGS__)
#define cr_skip_test(...) tfc_skip("" __VA_ARGS__)
#define cr_log_info(...) tfc_log("info", __VA_ARGS__)
#define cr_log_warn(...) tfc_log("warn", __VA_ARGS__)
#define cr_log_error(...) tfc_log("error", __VA_ARGS__)

#define cr_assert_not(c, ...) cr_assert(!(c), __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) cr_assert(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) cr_assert(strcmp((a), (b)) != 0, __VA_ARGS__)
#define cr_assert_str_empty(a, ...) cr_assert((a)[0] == '\0', __VA_ARGS__)
#define cr_assert_str_not_empty(a, ...) cr_assert((a)[0] != '\0', __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) cr_assert(memcmp((a), (b), (n)) == 0, __VA_ARGS__)
#define cr_assert_arr_neq(a, b, n, ...) cr_assert(memcmp((a), (b), (n)) != 0, __VA_ARGS__)

#define cr_expect_not(c, ...) cr_expect(!(c), __VA_ARGS__)
#define cr_expect_eq(a, b, ...) cr_expect((a) == (b), __VA_ARGS__)
#define cr_expect_neq(a, b, ...) cr_expect((a) != (b), __VA_ARGS__)
#define cr_expect_lt(a, b, ...) cr_expect((a) < (b), __VA_ARGS__)
#define cr_expect_leq(a, b, ...) cr_expect((a) <= (b), __VA_ARGS__)
#define cr_expect_gt(a, b, ...) cr_expect((a) > (b), __VA_ARGS__)
#define cr_expect_geq(a, b, ...) cr_expect((a) >= (b), __VA_ARGS__)
#define cr_expect_null(p, ...) cr_expect((p) == NULL, __VA_ARGS__)
#define cr_expect_not_null(p, ...) cr_expect((p) != NULL, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) cr_expect(strcmp((a), (b)) == 0, __VA_ARGS__)
#define cr_expect_str_neq(a, b, ...) cr_expect(strcmp((a), (b)) != 0, __VA_ARGS__)
#define cr_expect_str_empty(a, ...) cr_expect((a)[0] == '\0', __VA_ARGS__)
#define cr_expect_str_not_empty(a, ...) cr_expect((a)[0] != '\0', __VA_ARGS__)

#endif
