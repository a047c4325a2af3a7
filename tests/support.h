/*
 * support.h - helpers shared by the Criterion tests. Each test runs in its
 * own process, so process-wide settings (umask, TMPDIR, rlimits, uid) may be
 * changed freely inside a test.
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

/* A fresh empty directory for this test (under $TF_TEST_ROOT, else /tmp),
 * removed by tft_cleanup_scratch. NEW string; fails the test on error. */
char *tft_scratch(void);
/* rm -rf the scratch directory (restoring permissions first). */
void tft_remove_tree(const char *path);
/* Number of entries in dir, "." and ".." excluded; -1 if it cannot be read. */
long tft_count_entries(const char *dir);
/* True if something (a link included, not followed) is at path. */
bool tft_exists(const char *path);
/* Number of open descriptors of this process. */
int tft_count_fds(void);
/* True if every one of the n characters of s is in alphabet. */
bool tft_all_in(const char *s, size_t n, const char *alphabet);
/* Path joined: NEW "a/b". */
char *tft_join(const char *a, const char *b);
/* Write a small file with the given contents (fails the test on error). */
void tft_write_file(const char *path, const char *contents);
/* Become an unprivileged user (nobody) so that permissions bite; the
 * scratch directories made before stay owned by root. Skips the test if
 * that is impossible. */
void tft_drop_privileges(void);
/* The same without Criterion, for forked children: true on success. */
bool tft_become_nobody(void);
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
