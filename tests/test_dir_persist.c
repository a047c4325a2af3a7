/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_dir_persist.c - tempfile_dir_persist (src/directory.c,
 * platform/posix_dirpersist.c, win32_dirpersist.c): a directory published
 * under its final name. On POSIX and Windows; exchange, fallbacks forced
 * through the seam, readers in another process, links, mounts and fork on
 * POSIX only.
 *
 * Every test runs in a scratch directory of its own, made the current
 * directory too: a persist replaces the directory at its path, so a
 * relative path gone wrong must land in the scratch, never in the tree the
 * tests were started from.
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
#else
#  include <sched.h>
#  include <signal.h>
#  include <sys/mount.h>
#  include <sys/wait.h>
#endif

static char *scratch;

static void setup(void)
{
	scratch = tft_scratch();
	cr_assert_eq(chdir(scratch), 0);
}

static void teardown(void)
{
	tf_test_dir_persist_hook(NULL);
#ifndef _WIN32
	tf_test_dir_rename_fallback(0);
#endif
	tft_remove_tree(scratch);
	free(scratch);
}

TestSuite(dir_persist, .init = setup, .fini = teardown);

static struct tempfile_dir *make(unsigned flags)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = scratch, .flags = flags });
	cr_assert_not_null(d, "tempfile_dir: %s", strerror(errno));
	return d;
}

/* The contents of a small file, NEW; NULL if it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* top/name holds text. */
static void assert_file(const char *top, const char *name, const char *text)
{
	char *path = tft_join(top, name);
	char *got = slurp(path);
	cr_assert_not_null(got, "%s: %s", path, strerror(errno));
	cr_assert_str_eq(got, text, "%s", path);
	free(got);
	free(path);
}

/* A tree made with tempfile_dir: "version" = text, and sub/inner. */
static struct tempfile_dir *make_tree(unsigned flags, const char *text)
{
	struct tempfile_dir *d = make(flags);
	char *version = tft_join(tempfile_dir_path(d), "version");
	char *sub = tft_join(tempfile_dir_path(d), "sub");
	tft_write_file(version, text);
	cr_assert_eq(tft_mkdir(sub), 0);
	char *inner = tft_join(sub, "inner");
	tft_write_file(inner, text);
	free(inner);
	free(sub);
	free(version);
	return d;
}

/* An existing directory at path holding "version" = text. */
static void make_old(const char *path, const char *text)
{
	cr_assert_eq(tft_mkdir(path), 0);
	char *version = tft_join(path, "version");
	tft_write_file(version, text);
	free(version);
}

/* The persist to path fails with error and leaves d: its path, its tree. */
static void assert_refused(struct tempfile_dir *d, const char *path, unsigned flags, int error)
{
	char *former = strdup(tempfile_dir_path(d));
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(d, path, flags), -1, "%s", path);
	cr_assert_eq(errno, error, "%s: %s", path, strerror(errno));
	cr_assert_str_eq(tempfile_dir_path(d), former);
	assert_file(former, "version", "new");
	free(former);
}

/* A directory not persisted is still the handle's to remove. */
static void assert_cleanup_removes(struct tempfile_dir *d)
{
	char *path = strdup(tempfile_dir_path(d));
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_not(tft_exists(path));
	free(path);
}

Test(dir_persist, absent_path_is_a_rename_and_the_handle_keeps_the_new_path)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *former = strdup(tempfile_dir_path(d));
	char *final = tft_join(scratch, "final");
	cr_assert_eq(tempfile_dir_persist(d, final, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(former));
	assert_file(final, "version", "new");
	cr_assert_str_eq(tempfile_dir_path(d), final);
	/* Cleanup only frees now. */
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	assert_file(final, "version", "new");
	cr_assert_eq(tft_count_entries(scratch), 1);
	free(final);
	free(former);
}

/* A directory at path is replaced, the old tree removed, nothing else left. */
static void replace_existing_with(unsigned flags)
{
	char *final = tft_join(scratch, "final");
	make_old(final, "old");
	struct tempfile_dir *d = make_tree(0, "new");
	char *former = strdup(tempfile_dir_path(d));
	cr_assert_eq(tempfile_dir_persist(d, final, flags), 0, "%s", strerror(errno));
	assert_file(final, "version", "new");
	cr_assert_not(tft_exists(former), "the old tree is removed");
	cr_assert_eq(tft_count_entries(scratch), 1, "nothing but the new tree is left");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	assert_file(final, "version", "new");
	free(former);
	free(final);
}

Test(dir_persist, existing_directory_is_replaced_and_the_old_tree_removed)
{
	replace_existing_with(0);
}

Test(dir_persist, sync_publishes_over_an_existing_directory)
{
	replace_existing_with(TEMPFILE_SYNC);
}

Test(dir_persist, noreplace_gives_eexist_for_a_directory_or_a_file_and_leaves_both)
{
	char *dir = tft_join(scratch, "dir"), *file = tft_join(scratch, "file");
	make_old(dir, "old");
	tft_write_file(file, "file");
	struct tempfile_dir *d = make_tree(0, "new");
	assert_refused(d, dir, TEMPFILE_NOREPLACE, EEXIST);
	assert_refused(d, file, TEMPFILE_NOREPLACE, EEXIST);
	assert_file(dir, "version", "old");
	assert_file(scratch, "file", "file");
	assert_cleanup_removes(d);
	free(dir);
	free(file);
}

Test(dir_persist, noreplace_to_a_free_name_publishes)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *final = tft_join(scratch, "final");
	cr_assert_eq(tempfile_dir_persist(d, final, TEMPFILE_NOREPLACE | TEMPFILE_SYNC), 0,
		"%s", strerror(errno));
	assert_file(final, "version", "new");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert(tft_exists(final));
	free(final);
}

Test(dir_persist, a_file_at_path_is_enotdir_and_both_stay)
{
	char *file = tft_join(scratch, "file");
	tft_write_file(file, "file");
	struct tempfile_dir *d = make_tree(0, "new");
	assert_refused(d, file, 0, ENOTDIR);
	assert_file(scratch, "file", "file");
	assert_cleanup_removes(d);
	free(file);
}

Test(dir_persist, persisting_again_moves_it_and_to_its_own_path_is_a_no_op)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *first = tft_join(scratch, "first"), *second = tft_join(scratch, "second");
	cr_assert_eq(tempfile_dir_persist(d, first, 0), 0);
	cr_assert_eq(tempfile_dir_persist(d, first, 0), 0, "its own path: %s", strerror(errno));
	assert_file(first, "version", "new");
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(d, first, TEMPFILE_NOREPLACE), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(tempfile_dir_persist(d, second, 0), 0);
	cr_assert_not(tft_exists(first));
	assert_file(second, "version", "new");
	cr_assert_str_eq(tempfile_dir_path(d), second);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert(tft_exists(second));
	free(first);
	free(second);
}

Test(dir_persist, bad_arguments_are_einval_and_leave_every_directory)
{
	/* Directories that "." and ".." below would otherwise name, so
	 * that only the check stands between them and a replacement. */
	char *x = tft_join(scratch, "x"), *xy = tft_join(scratch, "x/y");
	char *cwd = tft_join(scratch, "cwd");
	make_old(x, "x");
	make_old(xy, "y");
	make_old(cwd, "cwd");
	cr_assert_eq(chdir(cwd), 0);
	struct tempfile_dir *d = make_tree(0, "new");
	char *final = tft_join(scratch, "final");
	char *inside = tft_join(tempfile_dir_path(d), "sub");
	char *dot = tft_format("%s%c.", x, TFT_SEP);
	char *dotdot = tft_format("%s%c..", xy, TFT_SEP);
	char *dot_slash = tft_format("%s%c.%c", x, TFT_SEP, TFT_SEP);
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(NULL, final, 0), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(d, NULL, 0), -1);
	cr_assert_eq(errno, EINVAL);
	const unsigned bad_flags[] = { TEMPFILE_KEEP, TEMPFILE_AT_EXIT, TEMPFILE_TEXT,
		TEMPFILE_IGNORE_CLEANUP_ERRORS, 0x1000 };
	for (size_t i = 0; i < sizeof bad_flags / sizeof *bad_flags; i++)
		assert_refused(d, final, bad_flags[i], EINVAL);
	/* A final "." or "..", the directory's own subdirectory, a directory
	 * above it, the empty path. */
	const char *bad_paths[] = { ".", "..", dot, dotdot, dot_slash, inside, scratch, "" };
	for (size_t i = 0; i < sizeof bad_paths / sizeof *bad_paths; i++)
		assert_refused(d, bad_paths[i], 0, EINVAL);
	cr_assert_not(tft_exists(final));
	assert_file(x, "version", "x");
	assert_file(xy, "version", "y");
	assert_file(cwd, "version", "cwd");
	assert_cleanup_removes(d);
	cr_assert_eq(tft_count_entries(scratch), 2, "x and cwd");
	free(final);
	free(inside);
	free(dot);
	free(dotdot);
	free(dot_slash);
	free(x);
	free(xy);
	free(cwd);
}

Test(dir_persist, missing_parent_is_enoent_and_the_handle_still_removes)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *missing = tft_format("%s%cmissing%cfinal", scratch, TFT_SEP, TFT_SEP);
	assert_refused(d, missing, 0, ENOENT);
	assert_cleanup_removes(d);
	free(missing);
}

Test(dir_persist, trailing_separator_and_relative_path_are_accepted)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *with_slash = tft_format("final%c", TFT_SEP);
	cr_assert_eq(tempfile_dir_persist(d, with_slash, 0), 0, "%s", strerror(errno));
	char *final = tft_join(scratch, "final");
	cr_assert_str_eq(tempfile_dir_path(d), final);
	assert_file(final, "version", "new");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(final);
	free(with_slash);
}

#ifndef _WIN32
/* ---- POSIX: links, fallbacks, readers, exit, mounts, file systems ---------------- */

Test(dir_persist, a_symbolic_link_at_path_is_enotdir_and_left_with_its_target)
{
	char *target = tft_join(scratch, "target"), *link = tft_join(scratch, "link");
	char *dangling = tft_join(scratch, "dangling");
	make_old(target, "old");
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(symlink("nowhere", dangling), 0);
	struct tempfile_dir *d = make_tree(0, "new");
	const char *links[] = { link, dangling };
	for (size_t i = 0; i < 2; i++) {
		assert_refused(d, links[i], 0, ENOTDIR);
		struct stat st;
		cr_assert_eq(lstat(links[i], &st), 0);
		cr_assert(S_ISLNK(st.st_mode));
	}
	assert_file(target, "version", "old");
	assert_cleanup_removes(d);
	free(target);
	free(link);
	free(dangling);
}

/* The same directory by another path (a linked parent) is no replacement:
 * nothing is swapped, nothing removed. */
Test(dir_persist, its_own_directory_by_another_path_is_left_whole)
{
	struct tempfile_dir *d = make_tree(0, "new");
	char *alias = tft_join(scratch, "alias");
	cr_assert_eq(symlink(scratch, alias), 0);
	const char *name = strrchr(tempfile_dir_path(d), '/') + 1;
	char *same = tft_join(alias, name);
	for (int fallback = 0; fallback <= 2; fallback++) {
		tf_test_dir_rename_fallback(fallback);
		cr_assert_eq(tempfile_dir_persist(d, same, 0), 0, "%s", strerror(errno));
		assert_file(same, "version", "new");
		assert_file(same, "sub/inner", "new");
	}
	cr_assert_str_eq(tempfile_dir_path(d), same);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	assert_file(same, "version", "new");
	free(same);
	free(alias);
}

/* Another directory put in the old tree's place before its removal. */
static void swap_the_old_tree(const char *old_at)
{
	char *moved = tft_format("%s.moved", old_at);
	cr_assert_eq(rename(old_at, moved), 0);
	make_old(old_at, "stranger");
	free(moved);
}

Test(dir_persist, the_old_tree_is_removed_only_while_it_is_the_one_replaced)
{
	tf_test_dir_persist_hook(swap_the_old_tree);
	char *final = tft_join(scratch, "final");
	make_old(final, "old");
	struct tempfile_dir *d = make_tree(0, "new");
	char *former = strdup(tempfile_dir_path(d));
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(d, final, 0), -1);
	cr_assert_eq(errno, ESTALE, "%s", strerror(errno));
	tf_test_dir_persist_hook(NULL);
	assert_file(final, "version", "new");
	assert_file(former, "version", "stranger");
	char *moved = tft_format("%s.moved", former);
	assert_file(moved, "version", "old");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(moved);
	free(former);
	free(final);
}

/* The old tree holds a read-only directory and links out of it: removed
 * as tempfile_rmtree removes, the links' targets untouched, nothing left
 * aside. */
static void hostile_tree_case(int fallback)
{
	tf_test_dir_rename_fallback(fallback);
	char *outside = tft_join(scratch, "outside"), *keep = tft_join(scratch, "outside/keep");
	cr_assert_eq(mkdir(outside, 0700), 0);
	tft_write_file(keep, "keep");
	cr_assert_eq(chmod(keep, 0600), 0);
	char *final = tft_join(scratch, "final");
	make_old(final, "old");
	char *ro = tft_join(final, "ro"), *ro_file = tft_join(final, "ro/f");
	char *link_dir = tft_join(final, "link-dir"), *link_file = tft_join(final, "ro/link-file");
	cr_assert_eq(mkdir(ro, 0700), 0);
	tft_write_file(ro_file, "f");
	cr_assert_eq(symlink(outside, link_dir), 0);
	cr_assert_eq(symlink(keep, link_file), 0);
	cr_assert_eq(chmod(ro, 0500), 0);
	struct tempfile_dir *d = make_tree(0, "new");
	cr_assert_eq(tempfile_dir_persist(d, final, 0), 0, "%s", strerror(errno));
	assert_file(final, "version", "new");
	cr_assert_not(tft_exists(ro));
	assert_file(outside, "keep", "keep");
	struct stat st;
	cr_assert_eq(stat(keep, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "a link's target keeps its mode");
	cr_assert_eq(tft_count_entries(scratch), 2, "final and outside, no old tree aside");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(outside);
	free(keep);
	free(final);
	free(ro);
	free(ro_file);
	free(link_dir);
	free(link_file);
}

Test(dir_persist, old_tree_with_read_only_dirs_and_links_out_is_removed_safely)
{
	hostile_tree_case(0);
}

Test(dir_persist, without_rename_exchange_the_old_tree_goes_aside_and_is_removed)
{
	hostile_tree_case(1);
}

Test(dir_persist, without_renameat2_the_old_tree_goes_aside_and_is_removed)
{
	hostile_tree_case(2);
}

Test(dir_persist, without_renameat2_an_absent_path_is_a_rename_and_noreplace_holds)
{
	tf_test_dir_rename_fallback(2);
	struct tempfile_dir *d = make_tree(0, "new");
	char *final = tft_join(scratch, "final"), *other = tft_join(scratch, "other");
	make_old(other, "old");
	errno = 0;
	cr_assert_eq(tempfile_dir_persist(d, other, TEMPFILE_NOREPLACE), -1);
	cr_assert_eq(errno, EEXIST);
	assert_file(other, "version", "old");
	cr_assert_eq(tempfile_dir_persist(d, final, TEMPFILE_NOREPLACE), 0, "%s", strerror(errno));
	assert_file(final, "version", "new");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(final);
	free(other);
}

/* A reader in another process opens path/version in a loop while the
 * parent publishes `rounds` new trees over it; it reports how many opens
 * found nothing and how many found a partial file. */
struct reader_report {
	long reads, missing, partial;
};

static struct reader_report readers_during_replacements(int rounds)
{
	char *final = tft_join(scratch, "final");
	char *version = tft_join(final, "version");
	make_old(final, "v0000\n");
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pipefd[0]);
		struct reader_report r = { 0, 0, 0 };
		char buf[16];
		for (;;) {
			int fd = open(version, O_RDONLY | O_CLOEXEC);
			r.reads++;
			if (fd < 0) {
				r.missing++;
				continue;
			}
			ssize_t n = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (n != 6 || buf[0] != 'v' || buf[5] != '\n') {
				r.partial++;
				continue;
			}
			if (memcmp(buf, "vdone", 5) == 0)
				break;
		}
		(void)!write(pipefd[1], &r, sizeof r);
		_exit(0);
	}
	close(pipefd[1]);
	for (int i = 1; i <= rounds; i++) {
		char text[16];
		snprintf(text, sizeof text, i == rounds ? "vdone\n" : "v%04d\n", i);
		struct tempfile_dir *d = make_tree(0, text);
		cr_assert_eq(tempfile_dir_persist(d, final, 0), 0, "round %d: %s", i, strerror(errno));
		cr_assert_eq(tempfile_dir_cleanup(d), 0);
	}
	struct reader_report r = { 0, 0, 0 };
	cr_assert_eq(read(pipefd[0], &r, sizeof r), (ssize_t)sizeof r);
	close(pipefd[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(tft_count_entries(scratch), 1, "no old tree left");
	free(version);
	free(final);
	return r;
}

Test(dir_persist, readers_see_the_old_tree_or_the_new_never_nothing)
{
	struct reader_report r = readers_during_replacements(300);
	cr_assert_gt(r.reads, 0);
	cr_assert_eq(r.partial, 0);
	cr_assert_eq(r.missing, 0, "%ld of %ld opens found nothing", r.missing, r.reads);
}

/* The fallback's documented limit: path may be missing for an instant,
 * but a reader never finds a partial tree. */
Test(dir_persist, without_exchange_readers_may_find_nothing_never_a_partial_tree)
{
	tf_test_dir_rename_fallback(1);
	struct reader_report r = readers_during_replacements(300);
	cr_assert_gt(r.reads, 0);
	cr_assert_eq(r.partial, 0);
	cr_log_info("fallback: %ld of %ld opens found nothing", r.missing, r.reads);
}

Test(dir_persist, at_exit_directory_persisted_by_a_child_survives_its_exit)
{
	char *final = tft_join(scratch, "final");
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tempfile_dir *d = tempfile_dir(
			&(struct tempfile_opts){ .dir = scratch, .flags = TEMPFILE_AT_EXIT });
		if (!d)
			_exit(2);
		char *version = tft_join(tempfile_dir_path(d), "version");
		tft_write_file(version, "new");
		if (tempfile_dir_persist(d, final, 0) != 0)
			_exit(3);
		exit(0); /* runs the exit registry */
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	assert_file(final, "version", "new");
	cr_assert_eq(tft_count_entries(scratch), 1);
	free(final);
}

Test(dir_persist, at_exit_registration_goes_with_the_persist)
{
	struct tempfile_dir *d = make_tree(TEMPFILE_AT_EXIT, "new");
	char *final = tft_join(scratch, "final");
	size_t registered = tf_test_registry_entries();
	cr_assert_eq(tempfile_dir_persist(d, final, 0), 0);
	cr_assert_eq(tf_test_registry_entries(), registered - 1, "taken out of the registry");
	cr_assert_eq(tempfile_cleanup_now(), 0);
	assert_file(final, "version", "new");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	assert_file(final, "version", "new");
	free(final);
}

Test(dir_persist, a_failed_persist_keeps_the_at_exit_registration)
{
	struct tempfile_dir *d = make_tree(TEMPFILE_AT_EXIT, "new");
	char *former = strdup(tempfile_dir_path(d));
	char *file = tft_join(scratch, "file");
	tft_write_file(file, "file");
	cr_assert_eq(tempfile_dir_persist(d, file, 0), -1);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_not(tft_exists(former), "still registered: removed at exit");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(former);
	free(file);
}

/* /dev/shm is tmpfs here, the scratch directory another file system. */
Test(dir_persist, another_file_system_is_exdev_and_the_directory_stays)
{
	struct stat shm, here;
	if (stat("/dev/shm", &shm) != 0 || stat(scratch, &here) != 0 || shm.st_dev == here.st_dev)
		cr_skip_test("/dev/shm is missing or on the scratch directory's file system");
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = "/dev/shm" });
	if (!d)
		cr_skip_test("cannot make a directory in /dev/shm: %s", strerror(errno));
	char *former = strdup(tempfile_dir_path(d));
	char *final = tft_join(scratch, "final");
	char *existing = tft_join(scratch, "existing");
	make_old(existing, "old");
	for (int fallback = 0; fallback <= 2; fallback++) {
		tf_test_dir_rename_fallback(fallback);
		const char *targets[] = { final, existing };
		for (size_t i = 0; i < 2; i++) {
			errno = 0;
			cr_assert_eq(tempfile_dir_persist(d, targets[i], 0), -1);
			cr_assert_eq(errno, EXDEV, "fallback %d, %s: %s", fallback, targets[i],
				strerror(errno));
		}
	}
	cr_assert_not(tft_exists(final));
	assert_file(existing, "version", "old");
	cr_assert_eq(tft_count_entries(scratch), 1);
	cr_assert_str_eq(tempfile_dir_path(d), former);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_not(tft_exists(former));
	free(former);
	free(final);
	free(existing);
}

/* A mount inside the old tree: the new tree is published, -1 EBUSY, and
 * what remains of the old one is at the directory's former name, the
 * mount not entered. With IGNORE_CLEANUP_ERRORS the same returns 0. */
static void old_tree_with_a_mount(unsigned flags, int fallback)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("no private mount namespace: %s", strerror(errno));
	tf_test_dir_rename_fallback(fallback);
	char *outside = tft_join(scratch, "outside"), *keep = tft_join(scratch, "outside/keep");
	cr_assert_eq(mkdir(outside, 0700), 0);
	tft_write_file(keep, "keep");
	char *final = tft_join(scratch, "final"), *mnt = tft_join(scratch, "final/mnt");
	make_old(final, "old");
	cr_assert_eq(mkdir(mnt, 0700), 0);
	if (mount(outside, mnt, NULL, MS_BIND, NULL) != 0)
		cr_skip_test("cannot bind-mount: %s", strerror(errno));
	struct tempfile_dir *d = make_tree(flags, "new");
	char *former = strdup(tempfile_dir_path(d));
	errno = 0;
	int rc = tempfile_dir_persist(d, final, 0);
	int error = errno;
	assert_file(final, "version", "new");
	cr_assert_str_eq(tempfile_dir_path(d), final, "published, and the handle says so");
	assert_file(outside, "keep", "keep");
	char *left_mnt = tft_join(former, "mnt"), *left_version = tft_join(former, "version");
	cr_assert(tft_exists(left_mnt), "the old tree's remains are at the former name");
	cr_assert_not(tft_exists(left_version), "all the rest is removed");
	if (flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) {
		cr_assert_eq(rc, 0);
	} else {
		cr_assert_eq(rc, -1);
		cr_assert_eq(error, EBUSY, "%s", strerror(error));
	}
	cr_assert_eq(umount(left_mnt), 0);
	cr_assert_eq(tempfile_rmtree(former, 0), 0);
	cr_assert_eq(tft_count_entries(scratch), 2, "final and outside");
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	assert_file(final, "version", "new");
	free(left_mnt);
	free(left_version);
	free(former);
	free(outside);
	free(keep);
	free(final);
	free(mnt);
}

Test(dir_persist, a_mount_in_the_old_tree_is_ebusy_after_the_publication)
{
	old_tree_with_a_mount(0, 0);
}

Test(dir_persist, a_mount_in_the_old_tree_moved_aside_ends_at_the_former_name)
{
	old_tree_with_a_mount(0, 1);
}

Test(dir_persist, a_mount_in_the_old_tree_is_ignored_with_ignore_cleanup_errors)
{
	old_tree_with_a_mount(TEMPFILE_IGNORE_CLEANUP_ERRORS, 0);
}

Test(dir_persist, a_mount_in_the_old_tree_moved_aside_is_ignored_and_at_the_former_name)
{
	old_tree_with_a_mount(TEMPFILE_IGNORE_CLEANUP_ERRORS, 1);
}
#endif
