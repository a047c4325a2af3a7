/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * support.h - helpers shared by the tests (Criterion's API: Criterion or
 * tests/harness). Each test runs in its own process, so process-wide
 * settings (umask, TMPDIR, rlimits, uid) may be changed freely inside a
 * test. Everything here builds on POSIX and on Windows, unless marked.
 */
#ifndef TF_TEST_SUPPORT_H
#define TF_TEST_SUPPORT_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "internal.h"
#include "tempfile.h"

#if defined(__MINGW32__)
#  define TFT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#  define TFT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#endif

/* The directory separator the library writes in the paths it returns. */
/* errno once stdio refused a read on a stream without read access: EBADF
 * (POSIX), as glibc sets it, whose fread also takes a large request
 * straight from the descriptor; musl's stdio refuses the read itself
 * (ferror, nothing read) and sets no errno. */
#if defined(__linux__) && !defined(__GLIBC__)
#  define TFT_STDIO_READ_REFUSAL_ERRNO 0
#else
#  define TFT_STDIO_READ_REFUSAL_ERRNO EBADF
#endif

#ifdef _WIN32
#  define TFT_SEP '\\'
#else
#  define TFT_SEP '/'
#endif

/* printf into a NEW string (asprintf, which mingw lacks); fails the test
 * on error. */
char *tft_format(const char *fmt, ...) TFT_PRINTF(1, 2);
#ifdef _WIN32
/* A UTF-8 string as a NEW UTF-16 one; NULL if it is not UTF-8. */
wchar_t *tft_wide(const char *s);
#endif
/* A fresh empty directory for this test (under $TF_TEST_ROOT, else /tmp;
 * on Windows the user's temporary directory), made without the library,
 * removed by tft_cleanup_scratch. NEW string; fails the test on error. */
char *tft_scratch(void);
/* Make tft_scratch use tmpfs (/dev/shm) where TF_TEST_ROOT is not set and
 * /dev/shm is a writable directory: for test programs that build big trees
 * over and over, which a disk where every rmdir waits for a discard (this
 * project's /tmp) makes minutes long. POSIX. */
void tft_prefer_tmpfs(void);
/* The test's own scratch directory in a suite declared with
 *     TestSuite(name, .init = tft_scratch_setup, .fini = tft_scratch_teardown);
 * made before each test and removed after it, whether it passed or not. */
extern char *tft_dir;
void tft_scratch_setup(void);
void tft_scratch_teardown(void);
/* rm -rf the scratch directory (restoring permissions first). */
void tft_remove_tree(const char *path);
/* setenv(name, value, 1), or unsetenv(name) when value is NULL; on
 * Windows both the C library's copy and the process's. Fails the test on
 * error. */
void tft_setenv(const char *name, const char *value);
/* mkdir(path, 0700) (Windows' mkdir takes no mode): 0, or -1 and errno. */
int tft_mkdir(const char *path);
#ifdef _WIN32
/* True if path is a directory (GetFileAttributesW). */
bool tft_is_dir(const char *path);
/* True if s ends with tail, compared as Windows compares names (no case). */
bool tft_ends_with(const char *s, const char *tail);
#endif
/* Number of entries in dir, "." and ".." excluded; -1 if it cannot be read. */
long tft_count_entries(const char *dir);
/* True if something (a link included, not followed) is at path. */
bool tft_exists(const char *path);
#ifndef _WIN32
/* Number of open descriptors of this process (POSIX: /proc). */
int tft_count_fds(void);
#endif
/* True if every one of the n characters of s is in alphabet. */
bool tft_all_in(const char *s, size_t n, const char *alphabet);
/* Path joined: NEW "a/b" ("a\\b" on Windows). */
char *tft_join(const char *a, const char *b);
/* Write a small file with the given contents (fails the test on error). */
void tft_write_file(const char *path, const char *contents);
/* Become an unprivileged user (nobody) so that permissions bite; the
 * scratch directories made before stay owned by root. Skips the test if
 * that is impossible (always on Windows). */
void tft_drop_privileges(void);
#ifndef _WIN32
/* The same without Criterion, for forked children: true on success. */
bool tft_become_nobody(void);
#endif
/* True when built with AddressSanitizer/ThreadSanitizer. */
bool tft_under_sanitizer(void);
/* expr fails with EINVAL: it gives failed (-1 or NULL) and sets errno. */
#define TFT_ASSERT_EINVAL(expr, failed)                                    \
	do {                                                               \
		errno = 0;                                                 \
		cr_assert((expr) == (failed), "%s did not fail", #expr);   \
		cr_assert_eq(errno, EINVAL, "%s: errno %d", #expr, errno); \
	} while (0)

#endif
