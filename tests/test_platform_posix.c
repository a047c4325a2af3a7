/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_platform_posix.c - the POSIX platform layer (src/platform/posix.c):
 * the getrandom fallback forced through the test seam, name tests, path
 * syntax and the candidate list. (The fork epoch word is not tested here:
 * Criterion's sandbox crashes when a test forks.)
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file of n known bytes (0, 1, 2, ...) in dir: NEW path. */
static char *known_bytes_file(const char *dir, size_t n)
{
	char *path = tft_join(dir, "urandom");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)(i * 7 + 3);
		cr_assert_eq(write(fd, &b, 1), 1);
	}
	cr_assert_eq(close(fd), 0);
	return path;
}

static void check_known_bytes(const unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(buf[i], (unsigned char)(i * 7 + 3), "byte %zu", i);
}

/* The fallback is taken for each errno that means "getrandom is not
 * usable here", and reads the urandom file in full. */
static void falls_back_on(int err)
{
	char *dir = tft_scratch();
	char *file = known_bytes_file(dir, 100);
	unsigned char buf[100];
	tf_test_os_random(err, file);
	int fds = tft_count_fds();
	cr_assert_eq(tf_os_random(buf, sizeof buf), 0, "%s", strerror(errno));
	check_known_bytes(buf, sizeof buf);
	cr_assert_eq(tft_count_fds(), fds, "the fallback leaked a descriptor");
	tf_test_os_random(0, NULL);
	tft_remove_tree(dir);
	free(file);
	free(dir);
}

Test(platform_posix, random_falls_back_to_urandom_when_getrandom_is_missing)
{
	falls_back_on(ENOSYS);
}

Test(platform_posix, random_falls_back_to_urandom_when_seccomp_refuses_getrandom)
{
	falls_back_on(EPERM);
}

Test(platform_posix, random_falls_back_to_urandom_when_the_pool_is_not_ready)
{
	falls_back_on(EAGAIN);
}

Test(platform_posix, random_reports_other_getrandom_errors_without_falling_back)
{
	char *dir = tft_scratch();
	char *file = known_bytes_file(dir, 16);
	unsigned char buf[16];
	tf_test_os_random(EFAULT, file);
	cr_assert_eq(tf_os_random(buf, sizeof buf), -EFAULT);
	tf_test_os_random(0, NULL);
	tft_remove_tree(dir);
	free(file);
	free(dir);
}

Test(platform_posix, random_fallback_reports_a_short_urandom_as_eio_and_closes_it)
{
	char *dir = tft_scratch();
	char *file = known_bytes_file(dir, 10);
	unsigned char buf[64];
	tf_test_os_random(ENOSYS, file);
	int fds = tft_count_fds();
	cr_assert_eq(tf_os_random(buf, sizeof buf), -EIO);
	cr_assert_eq(tft_count_fds(), fds);
	tf_test_os_random(0, NULL);
	tft_remove_tree(dir);
	free(file);
	free(dir);
}

Test(platform_posix, random_fallback_reports_a_missing_urandom)
{
	char *dir = tft_scratch();
	char *missing = tft_join(dir, "no-such-device");
	unsigned char buf[8];
	tf_test_os_random(ENOSYS, missing);
	cr_assert_eq(tf_os_random(buf, sizeof buf), -ENOENT);
	tf_test_os_random(0, NULL);
	tft_remove_tree(dir);
	free(missing);
	free(dir);
}

Test(platform_posix, names_come_from_the_real_urandom_when_getrandom_is_missing)
{
	char *dir = tft_scratch();
	tf_test_os_random(ENOSYS, NULL); /* /dev/urandom itself */
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	const char *base = strrchr(path, '/') + 1;
	cr_assert(tft_all_in(base + 3, TF_NAME_LEN, TF_NAME_ALPHABET), "%s", base);
	close(fd);
	unlink(path);
	tf_test_os_random(0, NULL);
	tft_remove_tree(dir);
	free(path);
	free(dir);
}

Test(platform_posix, name_free_treats_a_dangling_symlink_as_taken)
{
	char *dir = tft_scratch();
	char *link = tft_join(dir, "dangling");
	char *free_name = tft_join(dir, "free");
	cr_assert_eq(symlink("/nonexistent/target", link), 0);
	cr_assert_eq(tf_os_name_free(link), -EEXIST);
	cr_assert_eq(tf_os_name_free(free_name), 0);
	tft_remove_tree(dir);
	free(link);
	free(free_name);
	free(dir);
}

Test(platform_posix, create_file_is_exclusive_and_does_not_follow_a_dangling_symlink)
{
	char *dir = tft_scratch();
	char *link = tft_join(dir, "dangling");
	char *target = tft_join(dir, "target");
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(tf_os_create_file(link, TF_FILE_OPEN_FLAGS, 0, 0600), -EEXIST);
	cr_assert_eq(access(target, F_OK), -1, "the link was followed");
	tft_remove_tree(dir);
	free(link);
	free(target);
	free(dir);
}

Test(platform_posix, created_files_are_close_on_exec)
{
	char *dir = tft_scratch();
	char *path = tft_join(dir, "f");
	int fd = tf_os_create_file(path, TF_FILE_OPEN_FLAGS, TEMPFILE_TEXT, 0600);
	cr_assert_geq(fd, 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert_eq(tf_os_close(fd), 0);
	cr_assert_eq(tf_os_unlink(path), 0);
	tft_remove_tree(dir);
	free(path);
	free(dir);
}

Test(platform_posix, candidates_are_tmp_var_tmp_usr_tmp_in_order)
{
	static const char *const expected[] = { "/tmp", "/var/tmp", "/usr/tmp" };
	cr_assert_eq(tf_os_candidate_count(), 3);
	for (size_t i = 0; i < 3; i++) {
		char *c;
		cr_assert_eq(tf_os_candidate(i, &c), 0);
		cr_assert_str_eq(c, expected[i]);
		free(c);
	}
	char *past = (char *)"not cleared";
	cr_assert_eq(tf_os_candidate(3, &past), -EINVAL);
	cr_assert_null(past);
}

Test(platform_posix, path_syntax_is_slash_only)
{
	cr_assert_eq(tf_os_separator(), '/');
	cr_assert(tf_os_is_separator('/'));
	cr_assert_not(tf_os_is_separator('\\'));
	cr_assert(tf_os_bad_in_name("a/b"));
	cr_assert_not(tf_os_bad_in_name("a\\b:c"), "backslash and colon are ordinary on POSIX");
	cr_assert_not(tf_os_bad_in_name(NULL));
	cr_assert(tf_os_is_absolute("/x"));
	cr_assert_not(tf_os_is_absolute("C:\\x"));
}

Test(platform_posix, absolute_joins_cwd_drops_dots_and_slashes_keeps_dotdot)
{
	char *dir = tft_scratch();
	cr_assert_eq(chdir(dir), 0);
	char *a, *root, *empty;
	cr_assert_eq(tf_absolute("./x//y/./../z/", &a), 0);
	char *expected = NULL;
	cr_assert(asprintf(&expected, "%s/x/y/../z", dir) > 0);
	cr_assert_str_eq(a, expected);
	cr_assert_eq(tf_absolute("//", &root), 0);
	cr_assert_str_eq(root, "/");
	cr_assert_eq(tf_absolute("", &empty), -EINVAL);
	cr_assert_null(empty);
	cr_assert_eq(chdir("/"), 0);
	tft_remove_tree(dir);
	free(a);
	free(root);
	free(expected);
	free(dir);
}

Test(platform_posix, getenv_copies_the_value_and_reports_unset_as_null)
{
	cr_assert_eq(setenv("TF_PLATFORM_TEST", "/some/where", 1), 0);
	char *v = NULL;
	cr_assert_eq(tf_os_getenv("TF_PLATFORM_TEST", &v), 0);
	cr_assert_str_eq(v, "/some/where");
	free(v);
	cr_assert_eq(unsetenv("TF_PLATFORM_TEST"), 0);
	v = (char *)"not touched";
	cr_assert_eq(tf_os_getenv("TF_PLATFORM_TEST", &v), 0);
	cr_assert_null(v);
}

/* tf_os_rename in both NOREPLACE variants: renameat2, and link + unlink. */
static void rename_noreplace_checks(bool disable_renameat2)
{
	char *dir = tft_scratch();
	char *a = tft_join(dir, "a"), *b = tft_join(dir, "b"), *c = tft_join(dir, "c");
	tft_write_file(a, "A");
	tft_write_file(b, "B");
	tf_test_disable_renameat2(disable_renameat2);
	cr_assert_eq(tf_os_rename(a, b, TEMPFILE_NOREPLACE), -EEXIST);
	cr_assert_eq(access(a, F_OK), 0, "the source moved anyway");
	cr_assert_eq(tf_os_rename(a, c, TEMPFILE_NOREPLACE), 0, "%s", strerror(errno));
	cr_assert_eq(access(a, F_OK), -1, "the source is still there");
	cr_assert_eq(access(c, F_OK), 0);
	tf_test_disable_renameat2(false);
	cr_assert_eq(tft_count_entries(dir), 2);
	tft_remove_tree(dir);
	free(a);
	free(b);
	free(c);
	free(dir);
}

Test(platform_posix, rename_noreplace_refuses_an_existing_target_with_renameat2)
{
	rename_noreplace_checks(false);
}

Test(platform_posix, rename_noreplace_refuses_an_existing_target_without_renameat2)
{
	rename_noreplace_checks(true);
}

Test(platform_posix, rename_replaces_by_default_and_reports_a_missing_source)
{
	char *dir = tft_scratch();
	char *a = tft_join(dir, "a"), *b = tft_join(dir, "b");
	tft_write_file(a, "A");
	tft_write_file(b, "B");
	cr_assert_eq(tf_os_rename(a, b, 0), 0, "%s", strerror(errno));
	cr_assert_eq(access(a, F_OK), -1);
	cr_assert_eq(tf_os_rename(a, b, 0), -ENOENT);
	tft_remove_tree(dir);
	free(a);
	free(b);
	free(dir);
}

Test(platform_posix, fsync_path_and_parent_succeed_and_do_not_follow_a_final_link)
{
	char *dir = tft_scratch();
	char *f = tft_join(dir, "f"), *link = tft_join(dir, "link");
	tft_write_file(f, "data");
	cr_assert_eq(tf_os_fsync_path(f), 0, "%s", strerror(errno));
	cr_assert_eq(tf_os_fsync_parent(f), 0, "%s", strerror(errno));
	cr_assert_eq(symlink(f, link), 0);
	cr_assert_eq(tf_os_fsync_path(link), -ELOOP);
	int fds = tft_count_fds();
	cr_assert_eq(tf_os_fsync_path(link), -ELOOP);
	cr_assert_eq(tft_count_fds(), fds);
	tft_remove_tree(dir);
	free(f);
	free(link);
	free(dir);
}
