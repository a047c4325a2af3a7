/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_directory.c - TemporaryDirectory (src/directory.c): tempfile_dir,
 * tempfile_dir_path, tempfile_dir_cleanup. On POSIX and Windows; modes,
 * umask and symbolic links on POSIX only.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#  include <direct.h>
#  include <io.h>
#endif

static char *scratch;

static void setup(void)
{
	scratch = tft_scratch();
}

static void teardown(void)
{
#ifndef _WIN32 /* the walk hook is a seam of the POSIX removal */
	tf_test_rmtree_hook(NULL, NULL);
#endif
	tft_remove_tree(scratch);
	free(scratch);
}

TestSuite(directory, .init = setup, .fini = teardown);


static struct tempfile_dir *make(unsigned flags)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = scratch, .flags = flags });
	cr_assert_not_null(d, "tempfile_dir: %s", strerror(errno));
	return d;
}

#ifdef _WIN32
/* No mode bits: read-only files instead, which removal must also take. */
static void populate(const char *top)
{
	char *a = tft_join(top, "a"), *b = tft_join(a, "b"), *f = tft_join(b, "f");
	char *g = tft_join(top, "g");
	cr_assert_eq(_mkdir(a), 0);
	cr_assert_eq(_mkdir(b), 0);
	tft_write_file(f, "f");
	tft_write_file(g, "g");
	cr_assert_eq(_chmod(f, _S_IREAD), 0);
	cr_assert_eq(_chmod(g, _S_IREAD), 0);
	free(a);
	free(b);
	free(f);
	free(g);
}
#else
static void populate(const char *top)
{
	char *a = tft_join(top, "a"), *b = tft_join(top, "a/b"), *f = tft_join(top, "a/b/f");
	char *g = tft_join(top, "g");
	cr_assert_eq(mkdir(a, 0700), 0);
	cr_assert_eq(mkdir(b, 0500), 0);
	cr_assert_eq(chmod(b, 0700), 0);
	tft_write_file(f, "f");
	tft_write_file(g, "g");
	cr_assert_eq(chmod(b, 0500), 0);
	free(a);
	free(b);
	free(f);
	free(g);
}
#endif

#ifndef _WIN32
Test(directory, is_created_0700_whatever_the_umask)
{
	static const mode_t umasks[] = { 0, 022, 077, 0777 };
	for (size_t i = 0; i < sizeof umasks / sizeof *umasks; i++) {
		umask(umasks[i]);
		struct tempfile_dir *d = make(0);
		struct stat st;
		cr_assert_eq(lstat(tempfile_dir_path(d), &st), 0);
		cr_assert(S_ISDIR(st.st_mode));
		cr_assert_eq(st.st_mode & 07777, 0700 & ~umasks[i], "umask %o gave %o",
			(unsigned)umasks[i], (unsigned)(st.st_mode & 07777));
		cr_assert_eq(tempfile_dir_cleanup(d), 0);
	}
}

Test(directory, mode_option_is_used_before_umask)
{
	umask(0);
	struct tempfile_dir *d =
		tempfile_dir(&(struct tempfile_opts){ .dir = scratch, .mode = 0750 });
	cr_assert_not_null(d);
	struct stat st;
	cr_assert_eq(lstat(tempfile_dir_path(d), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0750);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
}

Test(directory, path_is_absolute_with_prefix_and_suffix)
{
	cr_assert_eq(chdir(scratch), 0);
	struct tempfile_dir *d =
		tempfile_dir(&(struct tempfile_opts){ .dir = ".", .prefix = "pre-", .suffix = ".d" });
	cr_assert_not_null(d, "%s", strerror(errno));
	const char *path = tempfile_dir_path(d);
	cr_assert_eq(path[0], '/');
	size_t len = strlen(scratch);
	cr_assert_eq(strncmp(path, scratch, len), 0, "%s is in %s", path, scratch);
	const char *name = path + len + 1;
	cr_assert_eq(strncmp(name, "pre-", 4), 0);
	cr_assert_eq(strlen(name), 4 + TF_NAME_LEN + 2);
	cr_assert_str_eq(name + 4 + TF_NAME_LEN, ".d");
	cr_assert(tft_all_in(name + 4, TF_NAME_LEN, TF_NAME_ALPHABET));
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(tft_count_entries(scratch), 0);
}
#endif

Test(directory, default_prefix_is_tmp)
{
	struct tempfile_dir *d = make(0);
	const char *slash = strrchr(tempfile_dir_path(d), TFT_SEP);
	cr_assert_eq(strncmp(slash + 1, "tmp", 3), 0);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
}

Test(directory, cleanup_removes_a_populated_tree)
{
	struct tempfile_dir *d = make(0);
	char *path = strdup(tempfile_dir_path(d));
	populate(path);
	cr_assert_eq(tempfile_dir_cleanup(d), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(path));
	free(path);
}

#ifndef _WIN32
static void count_walks(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)name;
	if (event == TF_RMTREE_WALK_START)
		++*(int *)arg;
}

Test(directory, empty_directory_cleanup_is_one_rmdir_without_a_walk)
{
	int walks = 0;
	tf_test_rmtree_hook(count_walks, &walks);
	struct tempfile_dir *d = make(0);
	char *path = strdup(tempfile_dir_path(d));
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_not(tft_exists(path));
	cr_assert_eq(walks, 0);
	d = make(0);
	populate(tempfile_dir_path(d));
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(walks, 1, "a populated one is walked");
	free(path);
}
#endif

Test(directory, keep_leaves_the_tree_in_place)
{
	struct tempfile_dir *d = make(TEMPFILE_KEEP);
	char *path = strdup(tempfile_dir_path(d));
	populate(path);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert(tft_exists(path));
	cr_assert_eq(tft_count_entries(path), 2);
	free(path);
}

Test(directory, cleanup_of_a_directory_already_removed_is_0)
{
	struct tempfile_dir *d = make(0);
	cr_assert_eq(rmdir(tempfile_dir_path(d)), 0);
	errno = 0;
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
}

#ifndef _WIN32
Test(directory, cleanup_reports_errors_unless_ignored)
{
	/* A directory swapped for a symbolic link is refused (ENOTDIR): the
	 * target stays. With IGNORE_CLEANUP_ERRORS the same gives 0. */
	char *target = tft_join(scratch, "target");
	cr_assert_eq(mkdir(target, 0700), 0);
	for (int ignore = 0; ignore < 2; ignore++) {
		struct tempfile_dir *d = make(ignore ? TEMPFILE_IGNORE_CLEANUP_ERRORS : 0);
		const char *path = tempfile_dir_path(d);
		cr_assert_eq(rmdir(path), 0);
		cr_assert_eq(symlink(target, path), 0);
		char *link = strdup(path);
		int rc = tempfile_dir_cleanup(d);
		if (ignore) {
			cr_assert_eq(rc, 0);
		} else {
			cr_assert_eq(rc, -1);
			cr_assert_eq(errno, ENOTDIR);
		}
		cr_assert(tft_exists(target));
		cr_assert_eq(unlink(link), 0);
		free(link);
	}
	free(target);
}
#endif

Test(directory, bad_options_give_einval_and_create_nothing)
{
	const struct tempfile_opts bad[] = {
		{ .dir = scratch, .flags = TEMPFILE_NOREPLACE },
		{ .dir = scratch, .flags = TEMPFILE_SYNC },
		{ .dir = scratch, .flags = TEMPFILE_TEXT },
		{ .dir = scratch, .flags = 0x1000 },
		{ .dir = scratch, .mode = 010000 },
		{ .dir = scratch, .prefix = "a/b" },
		{ .dir = scratch, .suffix = "/x" },
		{ .dir = "" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		errno = 0;
		cr_assert_null(tempfile_dir(&bad[i]), "case %zu", i);
		cr_assert_eq(errno, EINVAL, "case %zu: %s", i, strerror(errno));
	}
	cr_assert_eq(tft_count_entries(scratch), 0);
}

Test(directory, missing_parent_directory_is_enoent)
{
	char *missing = tft_join(scratch, "missing");
	errno = 0;
	cr_assert_null(tempfile_dir(&(struct tempfile_opts){ .dir = missing }));
	cr_assert_eq(errno, ENOENT);
	free(missing);
}

Test(directory, null_handle_is_einval)
{
	errno = 0;
	cr_assert_null(tempfile_dir_path(NULL));
	cr_assert_eq(errno, EINVAL);
	/* A destructor takes NULL like free(): nothing to do, 0. */
	errno = 0;
	cr_assert_eq(tempfile_dir_cleanup(NULL), 0);
	cr_assert_eq(errno, 0);
}

Test(directory, at_exit_registers_and_cleanup_takes_it_out_again)
{
	struct tempfile_dir *d = tempfile_dir(
		&(struct tempfile_opts){ .dir = scratch, .flags = TEMPFILE_AT_EXIT });
	cr_assert_not_null(d, "%s", strerror(errno));
	char *path = strdup(tempfile_dir_path(d));
	populate(path);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_not(tft_exists(path));
	/* Cleaned up, so no longer registered: a directory made again at the
	 * same path survives tempfile_cleanup_now. */
#ifdef _WIN32
	cr_assert_eq(_mkdir(path), 0);
#else
	cr_assert_eq(mkdir(path, 0700), 0);
#endif
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert(tft_exists(path));
	free(path);
}

Test(directory, at_exit_tree_is_removed_by_cleanup_now)
{
	struct tempfile_dir *d = tempfile_dir(
		&(struct tempfile_opts){ .dir = scratch, .flags = TEMPFILE_AT_EXIT });
	cr_assert_not_null(d, "%s", strerror(errno));
	char *path = strdup(tempfile_dir_path(d));
	populate(path);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_not(tft_exists(path));
	cr_assert_eq(tempfile_dir_cleanup(d), 0, "a directory already removed is not an error");
	free(path);
}

Test(directory, default_directory_is_gettempdir)
{
	cr_assert_eq(tempfile_settempdir(scratch), 0);
	struct tempfile_dir *d = tempfile_dir(NULL);
	cr_assert_not_null(d, "%s", strerror(errno));
	cr_assert_eq(tft_count_entries(scratch), 1);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(tft_count_entries(scratch), 0);
}

/* ---- NULL: the destructor like free() ---------------------------------------------- */

Test(directory, cleanup_of_null_does_nothing_and_returns_zero_like_free)
{
	errno = 0;
	cr_assert_eq(tempfile_dir_cleanup(NULL), 0);
	cr_assert_eq(errno, 0);
	cr_assert_null(tempfile_dir_path(NULL));
	cr_assert_eq(errno, EINVAL);
}
