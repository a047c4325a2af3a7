/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_rmtree.c - safe recursive removal (src/rmtree.c): tempfile_rmtree,
 * tf_rmtree_path, tf_rmtree_contents.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char *scratch;

static void setup(void)
{
	scratch = tft_scratch();
#ifdef TF_RMTREE_POOLED
	tf_test_rmtree_pool(2, 0); /* test_rmtree_pool.c: every removal through the pool */
#else
	tf_test_rmtree_pool(1, SIZE_MAX); /* the sequential walk, whatever the CPUs */
#endif
}

static void teardown(void)
{
	tf_test_rmtree_hook(NULL, NULL);
	tf_test_os_no_statx(false);
	tft_remove_tree(scratch);
	free(scratch);
}

TestSuite(rmtree, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */


static char *in_scratch(const char *name)
{
	return tft_join(scratch, name);
}

static char *make_dir(const char *name)
{
	char *p = in_scratch(name);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
	return p;
}

static void make_dirs_under(const char *top, const char *rel)
{
	char *p = tft_join(top, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void write_under(const char *top, const char *rel, const char *contents)
{
	char *p = tft_join(top, rel);
	tft_write_file(p, contents);
	free(p);
}

/* A populated tree: files, nested directories, an empty one. */
static char *make_populated(const char *name)
{
	char *top = make_dir(name);
	make_dirs_under(top, "a");
	make_dirs_under(top, "a/b");
	make_dirs_under(top, "a/b/c");
	make_dirs_under(top, "empty");
	write_under(top, "f1", "one");
	write_under(top, "a/f2", "two");
	write_under(top, "a/b/c/f3", "three");
	return top;
}

/* valgrind's preload is there: it keeps descriptors of its own under the
 * limit, refuses a new hard limit (.ci/valgrind.sh) and runs the program
 * on stacks it watches. */
static bool under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");
	return preload && strstr(preload, "vgpreload");
}

/* Every entry make_populated made under top is still there. */
static void assert_populated_intact(const char *top)
{
	static const char *const entries[] = { "f1", "a/f2", "a/b/c/f3", "empty" };
	for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
		char *p = tft_join(top, entries[i]);
		cr_assert(tft_exists(p), "%s was removed", p);
		free(p);
	}
	cr_assert_eq(tft_count_entries(top), 3, "%s lost entries", top);
}

/* A chain of `depth` directories called `name` under dirfd, each holding a
 * file `file` if not NULL; built with mkdirat/openat, never with paths. */
static void make_chain(int dirfd, size_t depth, const char *name, const char *file)
{
	int fd = dup(dirfd);
	cr_assert_geq(fd, 0);
	/* Plain checks in the loop: --full-stats reports every assertion. */
	for (size_t i = 0; i < depth; i++) {
		if (mkdirat(fd, name, 0755) != 0)
			cr_assert_fail("mkdirat at level %zu: %s", i, strerror(errno));
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			cr_assert_fail("openat at level %zu: %s", i, strerror(errno));
		close(fd);
		fd = next;
		if (file) {
			int f = openat(fd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (f < 0)
				cr_assert_fail("creating %s at level %zu: %s", file, i, strerror(errno));
			close(f);
		}
	}
	close(fd);
}

static int dummies[4096];
static size_t dummy_count;

/* Fill the descriptor table under a lowered RLIMIT_NOFILE so that exactly
 * free_fds descriptors can still be opened. */
static void leave_free_descriptors(int free_fds)
{
	if (under_valgrind())
		cr_skip_test("RLIMIT_NOFILE cannot be lowered under valgrind");
	int highest = dup(0);
	cr_assert_geq(highest, 0);
	close(highest);
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = (rlim_t)highest + 64;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int fd;
	dummy_count = 0;
	while (dummy_count < sizeof dummies / sizeof *dummies &&
		(fd = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0)
		dummies[dummy_count++] = fd;
	cr_assert_eq(errno, EMFILE);
	cr_assert_geq(dummy_count, (size_t)free_fds);
	for (int i = 0; i < free_fds; i++)
		close(dummies[--dummy_count]);
}

/* Room again, to look at what was left. */
static void release_descriptors(void)
{
	while (dummy_count > 0)
		close(dummies[--dummy_count]);
}

static int open_dir_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	return fd;
}

/* Scratch owned by nobody, then become nobody: permissions bite. */
static void become_nobody(void)
{
	if (geteuid() == 0)
		cr_assert_eq(chown(scratch, NOBODY, NOBODY), 0);
	tft_drop_privileges();
}

static void count_walks(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)name;
	if (event == TF_RMTREE_WALK_START)
		++*(int *)arg;
}

/* ---- basic behaviour ------------------------------------------------------- */

Test(rmtree, removes_populated_tree)
{
	char *top = make_populated("top");
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	cr_assert_eq(tft_count_entries(scratch), 0);
	free(top);
}

Test(rmtree, empty_directory_is_one_rmdir_without_a_walk)
{
	int walks = 0;
	tf_test_rmtree_hook(count_walks, &walks);
	char *top = make_dir("empty");
	cr_assert_eq(tempfile_rmtree(top, 0), 0);
	cr_assert_not(tft_exists(top));
	cr_assert_eq(walks, 0, "an empty directory must not be walked");
	free(top);
	top = make_populated("full");
	cr_assert_eq(tempfile_rmtree(top, 0), 0);
	cr_assert_eq(walks, 1, "a populated directory is walked once");
	free(top);
}

Test(rmtree, missing_path_is_enoent_and_ignored_with_flag)
{
	char *p = in_scratch("nothing");
	errno = 0;
	cr_assert_eq(tempfile_rmtree(p, 0), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(tempfile_rmtree(p, TEMPFILE_IGNORE_CLEANUP_ERRORS), 0);
	free(p);
}

Test(rmtree, rejects_null_path_and_unknown_flags_with_einval)
{
	char *top = make_populated("top");
	cr_assert_eq(tempfile_rmtree(NULL, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_rmtree(top, TEMPFILE_KEEP), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert(tft_exists(top), "nothing removed on EINVAL");
	free(top);
}

Test(rmtree, refuses_dot_and_dotdot_as_last_component)
{
	char *top = make_populated("top");
	char *dot = tft_join(top, ".");
	char *dotdot = tft_join(top, "a/..");
	cr_assert_eq(tempfile_rmtree(dot, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_rmtree(dotdot, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tft_count_entries(top), 3, "nothing removed");
	free(dot);
	free(dotdot);
	free(top);
}

Test(rmtree, accepts_trailing_slashes_and_relative_paths)
{
	char *top = make_populated("top");
	char *slashed = NULL;
	cr_assert(asprintf(&slashed, "%s///", top) > 0);
	cr_assert_eq(tempfile_rmtree(slashed, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
	top = make_populated("rel");
	cr_assert_eq(chdir(scratch), 0);
	cr_assert_eq(tempfile_rmtree("rel", 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
	free(slashed);
}

Test(rmtree, preserves_errno_in_internal_calls_and_sets_it_in_public_one)
{
	char *top = make_populated("top");
	errno = EMLINK;
	cr_assert_eq(tf_rmtree_path(top, 0, NULL), 0);
	cr_assert_eq(errno, EMLINK, "success keeps errno");
	errno = EMLINK;
	cr_assert_eq(tf_rmtree_path(top, 0, NULL), -ENOENT);
	cr_assert_eq(errno, EMLINK, "failure keeps errno too");
	free(top);
}

/* ---- links ----------------------------------------------------------------- */

Test(rmtree, refuses_top_level_symlink_with_enotdir)
{
	char *outside = make_populated("outside");
	char *link = in_scratch("link");
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(tempfile_rmtree(link, 0), -1);
	cr_assert_eq(errno, ENOTDIR);
	char *slashed = NULL;
	cr_assert(asprintf(&slashed, "%s/", link) > 0);
	cr_assert_eq(tempfile_rmtree(slashed, 0), -1);
	cr_assert_eq(errno, ENOTDIR);
	struct tf_file_id id = { 0 };
	cr_assert_eq(tf_os_file_id(-1, outside, &id), 0);
	cr_assert_eq(tf_rmtree_path(link, 0, &id), -ENOTDIR, "also with expect");
	cr_assert(tft_exists(link));
	cr_assert_eq(tft_count_entries(outside), 3, "target untouched");
	free(slashed);
	free(link);
	free(outside);
}

Test(rmtree, does_not_follow_symlink_to_directory_outside)
{
	char *outside = make_populated("outside");
	char *top = make_populated("top");
	char *link = tft_join(top, "a/b/link");
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(tempfile_rmtree(top, 0), 0);
	cr_assert_not(tft_exists(top));
	cr_assert_eq(tft_count_entries(outside), 3);
	char *f3 = tft_join(outside, "a/b/c/f3");
	cr_assert(tft_exists(f3));
	free(f3);
	free(link);
	free(top);
	free(outside);
}

Test(rmtree, does_not_follow_symlink_to_file_outside)
{
	char *file = in_scratch("precious");
	tft_write_file(file, "keep me");
	cr_assert_eq(chmod(file, 0400), 0);
	char *top = make_populated("top");
	char *link = tft_join(top, "link");
	cr_assert_eq(symlink(file, link), 0);
	char *dangling = tft_join(top, "dangling");
	cr_assert_eq(symlink("/nonexistent/x", dangling), 0);
	cr_assert_eq(tempfile_rmtree(top, 0), 0);
	cr_assert_not(tft_exists(top));
	struct stat st;
	cr_assert_eq(stat(file, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0400, "target mode untouched");
	cr_assert_eq(st.st_size, 7);
	free(dangling);
	free(link);
	free(top);
	free(file);
}

/* ---- kinds of entries -------------------------------------------------------- */

Test(rmtree, removes_fifos_sockets_and_unreadable_files_without_opening_them)
{
	become_nobody();
	char *top = make_dir("top");
	char *fifo = tft_join(top, "fifo");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	char *secret = tft_join(top, "secret");
	tft_write_file(secret, "x");
	cr_assert_eq(chmod(secret, 0), 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(s, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	cr_assert_eq(chdir(top), 0);
	strcpy(addr.sun_path, "sock");
	cr_assert_eq(bind(s, (struct sockaddr *)&addr, sizeof addr), 0, "%s", strerror(errno));
	cr_assert_eq(chdir("/"), 0);
	/* Opening the FIFO for reading would block forever. */
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	close(s);
	free(secret);
	free(fifo);
	free(top);
}

Test(rmtree, removes_device_nodes_inside)
{
	char *top = make_dir("top");
	char *null_node = tft_join(top, "null");
	if (mknod(null_node, S_IFCHR | 0600, makedev(1, 3)) != 0)
		cr_skip_test("mknod: %s", strerror(errno));
	cr_assert_eq(tempfile_rmtree(top, 0), 0);
	cr_assert_not(tft_exists(top));
	free(null_node);
	free(top);
}

/* ---- permissions -------------------------------------------------------------- */

static void read_only_dirs(mode_t mode, bool no_fchmodat2)
{
	tf_test_rmtree_no_fchmodat2(no_fchmodat2);
	become_nobody();
	char *top = make_populated("top");
	char *a = tft_join(top, "a"), *b = tft_join(top, "a/b"), *c = tft_join(top, "a/b/c");
	/* Bottom-up, or the deeper ones could not be reached. */
	cr_assert_eq(chmod(c, mode), 0);
	cr_assert_eq(chmod(b, mode), 0);
	cr_assert_eq(chmod(a, mode), 0);
	cr_assert_eq(chmod(top, mode), 0);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "mode %o: %s", (unsigned)mode, strerror(errno));
	cr_assert_not(tft_exists(top));
	free(a);
	free(b);
	free(c);
	free(top);
}

Test(rmtree, empties_read_only_directories_mode_0500)
{
	read_only_dirs(0500, false);
}

Test(rmtree, empties_directories_mode_0000)
{
	read_only_dirs(0000, false);
}

Test(rmtree, empties_directories_mode_0000_through_proc_without_fchmodat2)
{
	read_only_dirs(0000, true);
}

Test(rmtree, empties_directories_of_every_user_mode)
{
	become_nobody();
	for (mode_t mode = 0; mode <= 0700; mode += 0100) {
		char *top = make_populated("top");
		char *a = tft_join(top, "a"), *b = tft_join(top, "a/b"), *c = tft_join(top, "a/b/c");
		char *f = tft_join(top, "a/f2");
		cr_assert_eq(chmod(f, mode), 0);
		cr_assert_eq(chmod(c, mode), 0);
		cr_assert_eq(chmod(b, mode), 0);
		cr_assert_eq(chmod(a, mode), 0);
		cr_assert_eq(tempfile_rmtree(top, 0), 0, "mode %o: %s", (unsigned)mode,
			strerror(errno));
		cr_assert_not(tft_exists(top));
		free(a);
		free(b);
		free(c);
		free(f);
		free(top);
	}
}

Test(rmtree, does_not_chmod_symlink_targets)
{
	become_nobody();
	char *outside = make_dir("outside");
	cr_assert_eq(chmod(outside, 0500), 0);
	char *top = make_dir("top");
	char *link = tft_join(top, "link");
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_eq(chmod(top, 0000), 0);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	struct stat st;
	cr_assert_eq(stat(outside, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0500);
	free(link);
	free(top);
	free(outside);
}

/* tempfile_rmtree(path, flags) run as nobody in a child, so that this
 * process stays root and can clean up. 0, or the errno it failed with;
 * 254 if it succeeded but changed errno. */
static int rmtree_as_nobody(const char *path, unsigned flags)
{
	pid_t pid = fork();
	/* No assertion in the child: it would report to Criterion. */
	if (pid == 0) {
		gid_t gid = NOBODY;
		if (setgroups(1, &gid) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
			setresuid(NOBODY, NOBODY, NOBODY) != 0)
			_exit(255);
		errno = 0;
		int rc = tempfile_rmtree(path, flags);
		_exit(rc == 0 ? (errno == 0 ? 0 : 254) : errno);
	}
	cr_assert_gt(pid, 0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 255)
		cr_skip_test("cannot become nobody");
	return WEXITSTATUS(status);
}

/* Give the scratch tree to nobody, except `stubborn` and the file `f` in
 * it, which stay root's: nobody cannot remove f (EACCES, and chmod is
 * EPERM) but can remove everything else. */
static void give_to_nobody_except(const char *stubborn, const char *f)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to build a tree with a root-owned part");
	char *cmd = NULL;
	cr_assert(asprintf(&cmd, "chown -R %d:%d '%s' && chown 0:0 '%s' '%s'", NOBODY, NOBODY,
			  scratch, stubborn, f) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

static char *tree_with_stubborn_part(char **stubborn_file)
{
	char *top = make_populated("top");
	make_dirs_under(top, "root");
	write_under(top, "root/f", "x");
	char *stubborn = tft_join(top, "root");
	*stubborn_file = tft_join(top, "root/f");
	give_to_nobody_except(stubborn, *stubborn_file);
	free(stubborn);
	return top;
}

Test(rmtree, reports_first_error_after_removing_all_it_can)
{
	char *stubborn;
	char *top = tree_with_stubborn_part(&stubborn);
	int err = rmtree_as_nobody(top, 0);
	cr_assert_eq(err, EACCES, "got %s", strerror(err));
	cr_assert(tft_exists(stubborn));
	cr_assert_eq(tft_count_entries(top), 1, "all but the stubborn part is gone");
	free(stubborn);
	free(top);
}

Test(rmtree, ignore_cleanup_errors_removes_what_it_can_and_returns_0)
{
	char *stubborn;
	char *top = tree_with_stubborn_part(&stubborn);
	cr_assert_eq(rmtree_as_nobody(top, TEMPFILE_IGNORE_CLEANUP_ERRORS), 0,
		"returns 0 and leaves errno alone");
	cr_assert(tft_exists(stubborn));
	cr_assert_eq(tft_count_entries(top), 1);
	free(stubborn);
	free(top);
}

Test(rmtree, stubborn_entry_deep_below_the_descriptor_window_terminates_with_error)
{
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	make_chain(fd, 40, "d", "file");
	close(fd);
	char *deep = NULL;
	cr_assert(asprintf(&deep, "%s/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d", top) > 0);
	char *stubborn = tft_join(deep, "root");
	cr_assert_eq(mkdir(stubborn, 0755), 0);
	char *f = tft_join(stubborn, "f");
	tft_write_file(f, "x");
	give_to_nobody_except(stubborn, f);
	int err = rmtree_as_nobody(top, 0);
	cr_assert_eq(err, EACCES, "got %s", strerror(err));
	cr_assert(tft_exists(f));
	char *below = tft_join(deep, "d/file");
	cr_assert_not(tft_exists(below), "what lies beside the stubborn part is removed");
	free(below);
	free(f);
	free(stubborn);
	free(deep);
	free(top);
}

/* ---- depth, names, descriptors ---------------------------------------------------- */

Test(rmtree, removes_a_tree_10000_levels_deep)
{
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	make_chain(fd, 10000, "d", NULL);
	close(fd);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

Test(rmtree, removes_deep_tree_of_names_near_name_max)
{
	char name[NAME_MAX + 1], file[NAME_MAX + 1];
	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	memset(file, 'f', NAME_MAX);
	file[NAME_MAX] = '\0';
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	/* Far beyond PATH_MAX: 300 * 256 bytes. */
	make_chain(fd, 300, name, file);
	close(fd);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

Test(rmtree, deep_and_wide_tree_is_fully_removed_across_reopened_levels)
{
	/* Every level has siblings before and after the deep child, so the
	 * levels closed to bound descriptors must resume correctly. */
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	for (int level = 0; level < 60; level++) {
		for (int i = 0; i < 40; i++) {
			char n[32];
			snprintf(n, sizeof n, "file%02d", i);
			int f = openat(fd, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			cr_assert_geq(f, 0);
			close(f);
			snprintf(n, sizeof n, "dir%02d", i);
			cr_assert_eq(mkdirat(fd, n, 0755), 0);
		}
		int next = openat(fd, "dir20", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cr_assert_geq(next, 0);
		close(fd);
		fd = next;
	}
	close(fd);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

Test(rmtree, a_reopened_level_that_lost_its_position_is_emptied_by_another_pass)
{
	tf_test_rmtree_lose_position(true);
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	for (int level = 0; level < 40; level++) {
		for (int i = 0; i < 10; i++) {
			char n[32];
			snprintf(n, sizeof n, "file%02d", i);
			int f = openat(fd, n, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			cr_assert_geq(f, 0);
			close(f);
			snprintf(n, sizeof n, "dir%02d", i);
			cr_assert_eq(mkdirat(fd, n, 0755), 0);
			if (i % 3 == 0) {
				int sub = openat(fd, n, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				cr_assert_geq(sub, 0);
				make_chain(sub, 20, "c", NULL);
				close(sub);
			}
		}
		int next = openat(fd, "dir05", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cr_assert_geq(next, 0);
		close(fd);
		fd = next;
	}
	close(fd);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

struct fd_watch {
	int max;
};

static void watch_fds(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)name;
	(void)event;
	struct fd_watch *w = arg;
	int n = tft_count_fds();
	if (n > w->max)
		w->max = n;
}

Test(rmtree, keeps_a_bounded_number_of_descriptors_open)
{
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	make_chain(fd, 2000, "d", "f");
	close(fd);
	int before = tft_count_fds();
	struct fd_watch w = { 0 };
	tf_test_rmtree_hook(watch_fds, &w);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	cr_log_info("%d descriptors open at once", w.max - before);
#ifdef TF_RMTREE_POOLED
	/* Per thread (2): 16 directories and 4 handed over, two each; the parent of the top. */
	cr_assert_leq(w.max - before, 2 * (16 + 4 * 2) + 1, "%d descriptors open at once",
		w.max - before);
#else
	/* 16 directories (the window) and the parent of the top. */
	cr_assert_leq(w.max - before, 17, "%d descriptors open at once", w.max - before);
#endif
	cr_assert_eq(tft_count_fds(), before, "no descriptor leaked");
	free(top);
}

Test(rmtree, removes_10000_levels_with_40_descriptors_allowed)
{
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	make_chain(fd, 10000, "d", NULL);
	close(fd);
	if (under_valgrind())
		cr_skip_test("RLIMIT_NOFILE cannot be lowered under valgrind");
	struct rlimit rl = { .rlim_cur = 40, .rlim_max = 40 };
	int highest = dup(0);
	cr_assert_geq(highest, 0);
	close(highest);
	if (highest > 15)
		rl.rlim_cur = rl.rlim_max = (rlim_t)highest + 25;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

/* The fewest descriptors the header promises to need: 3 where statx gives
 * mount IDs, 4 where they come from /proc/self/fdinfo (a C library without
 * statx, as musl 1.2.3, or a kernel before 5.8). */
static int fewest_free_descriptors(void)
{
	struct tf_os_stat st;
	cr_assert_eq(tf_os_stat_at(AT_FDCWD, ".", &st), 0);
	return st.has_mnt_id ? 3 : 4;
}

/* 300 levels with a file at each, removed with exactly free_fds descriptors
 * free; returns tempfile_rmtree's result and errno. */
static int remove_deep_tree_with(int free_fds, int *err, char **top)
{
	*top = make_dir("top");
	int fd = open_dir_path(*top);
	make_chain(fd, 300, "d", "f");
	close(fd);
	leave_free_descriptors(free_fds);
	errno = 0;
	int rc = tempfile_rmtree(*top, 0);
	*err = errno;
	release_descriptors();
	return rc;
}

/* The parent (O_PATH) and two directories at a time: the walk closes the
 * levels it does not need, the top too, and reopens them on the way up. */
static void removes_all_with(int free_fds)
{
	char *top;
	int err;
	cr_assert_eq(remove_deep_tree_with(free_fds, &err, &top), 0, "%d free: %s", free_fds,
		strerror(err));
	cr_assert_eq(err, 0, "errno changed on success");
	cr_assert_not(tft_exists(top), "%d free: the tree is still there", free_fds);
	free(top);
}

Test(rmtree, removes_300_levels_with_3_descriptors_free)
{
	removes_all_with(fewest_free_descriptors());
}

Test(rmtree, removes_300_levels_with_4_descriptors_free)
{
	removes_all_with(4);
}

Test(rmtree, removes_300_levels_with_5_descriptors_free)
{
	removes_all_with(5);
}

Test(rmtree, removes_300_levels_with_8_descriptors_free)
{
	removes_all_with(8);
}

Test(rmtree, removes_300_levels_with_4_descriptors_free_without_statx)
{
	/* One more for /proc/self/fdinfo, where the mount ID comes from. */
	tf_test_os_no_statx(true);
	removes_all_with(4);
}

Test(rmtree, fails_with_emfile_never_0_with_fewer_than_3_descriptors_free)
{
	for (int free_fds = 0; free_fds < 3; free_fds++) {
		char *top;
		int err;
		cr_assert_eq(remove_deep_tree_with(free_fds, &err, &top), -1,
			"%d free: reported success", free_fds);
		cr_assert_eq(err, EMFILE, "%d free: got %s", free_fds, strerror(err));
		char *d = tft_join(top, "d");
		cr_assert(tft_exists(d), "%d free: the tree is gone", free_fds);
		tft_remove_tree(top);
		free(d);
		free(top);
	}
}

/* ---- stack ------------------------------------------------------------------------ */

/* Below every small stack these tests give the removal: this much
 * PROT_NONE, so that running past the stack's end crashes at once instead
 * of writing over whatever lies below (a frame of 66 KiB would jump over a
 * single guard page when built without -fstack-clash-protection). */
#define GUARD_SIZE (512 * 1024)
#define PAINT 0xa5

/* size usable bytes, painted, above GUARD_SIZE bytes of PROT_NONE.
 * Returns the lowest usable byte; NULL on failure (no assertion: this
 * runs in forked children too). */
static unsigned char *guarded_stack(size_t size)
{
	unsigned char *base = mmap(NULL, GUARD_SIZE + size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED || mprotect(base, GUARD_SIZE, PROT_NONE) != 0)
		return NULL;
	memset(base + GUARD_SIZE, PAINT, size);
	return base + GUARD_SIZE;
}

/* How many bytes below `from` were written since guarded_stack painted. */
static size_t stack_touched_below(const unsigned char *stack, const void *from)
{
	const unsigned char *p = stack;
	while (p < (const unsigned char *)from && *p == PAINT)
		p++;
	return (size_t)((const unsigned char *)from - p);
}

struct stack_run {
	const char *path;
	bool cleanup_now; /* tempfile_cleanup_now() instead of tempfile_rmtree(path) */
	bool in_handler;  /* tf_rmtree_path_signal_safe(path) instead */
	bool measure;     /* fill in used */
	unsigned char *stack;
	int rc, err;
	size_t used; /* bytes of stack the call wrote, from where it was made */
};

static void run_removal(struct stack_run *r)
{
	volatile unsigned char here = 0; /* where the call is made */
	errno = 0;
	if (r->cleanup_now) {
		r->rc = tempfile_cleanup_now();
	} else if (r->in_handler) {
		/* tempfile_rmtree may start threads: a handler has the exit
		 * registry's removal, the sequential walk. */
		int err = tf_rmtree_path_signal_safe(r->path, 0, NULL);
		r->rc = err < 0 ? -1 : 0;
		if (err < 0)
			errno = -err;
	} else {
		r->rc = tempfile_rmtree(r->path, 0);
	}
	r->err = errno;
	if (r->measure)
		r->used = stack_touched_below(r->stack, (const void *)&here);
}

static void *removal_thread(void *arg)
{
	run_removal(arg);
	return NULL;
}

/* The removal run by a thread whose stack is stack_size bytes (the
 * descriptor and TLS glibc keeps at its top included). false if the
 * thread could not be made. */
static bool removal_in_thread(struct stack_run *r, size_t stack_size)
{
	r->stack = guarded_stack(stack_size);
	pthread_attr_t attr;
	pthread_t thread;
	if (!r->stack || pthread_attr_init(&attr) != 0 ||
		pthread_attr_setstack(&attr, r->stack, stack_size) != 0 ||
		pthread_create(&thread, &attr, removal_thread, r) != 0)
		return false;
	return pthread_join(thread, NULL) == 0;
}

static struct stack_run *signalled_run;

static void removal_handler(int sig)
{
	(void)sig;
	run_removal(signalled_run);
}

/* The removal run by a SIGUSR1 handler on a sigaltstack of size bytes. */
static bool removal_in_signal_handler(struct stack_run *r, size_t size)
{
	r->stack = guarded_stack(size);
	if (!r->stack)
		return false;
	stack_t ss = { .ss_sp = r->stack, .ss_size = size };
	struct sigaction sa = { .sa_handler = removal_handler, .sa_flags = SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	signalled_run = r;
	r->in_handler = true;
	return sigaltstack(&ss, NULL) == 0 && sigaction(SIGUSR1, &sa, NULL) == 0 &&
		raise(SIGUSR1) == 0;
}

/* 200 levels, a file at each, under a new directory `name`. */
static char *make_deep_tree(const char *name)
{
	char *top = make_dir(name);
	int fd = open_dir_path(top);
	make_chain(fd, 200, "d", "f");
	close(fd);
	return top;
}

/* Run the removal of top in a forked child (a crash is then this test's
 * failure, not the runner's), on a small stack: a thread's or a signal
 * handler's. */
static void remove_on_small_stack(const char *top, size_t size, bool in_handler)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct stack_run r = { .path = top };
		bool ran = in_handler ? removal_in_signal_handler(&r, size) : removal_in_thread(&r, size);
		_exit(!ran ? 255 : r.rc == 0 && r.err == 0 ? 0 : r.rc != 0 ? r.err : 254);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_not(WIFSIGNALED(status), "the removal on a %zu KiB %s crashed with signal %d (%s)",
		size / 1024, in_handler ? "sigaltstack" : "thread stack", WTERMSIG(status),
		strsignal(WTERMSIG(status)));
	cr_assert(WIFEXITED(status));
	cr_assert_neq(WEXITSTATUS(status), 255, "could not set up the small stack");
	cr_assert_eq(WEXITSTATUS(status), 0, "the removal failed: %s",
		WEXITSTATUS(status) == 254 ? "0 with errno changed" : strerror(WEXITSTATUS(status)));
	cr_assert_not(tft_exists(top));
}

Test(rmtree, removes_a_deep_tree_from_a_thread_with_a_48_kib_stack)
{
	if (tft_under_sanitizer())
		cr_skip_test("sanitizers need more stack (ThreadSanitizer: 900 KiB)");
	char *top = make_deep_tree("top");
	remove_on_small_stack(top, 48 * 1024, false);
	free(top);
}

Test(rmtree, removes_a_deep_tree_from_a_thread_with_the_smallest_stack)
{
	if (tft_under_sanitizer())
		cr_skip_test("sanitizers need more stack than PTHREAD_STACK_MIN");
	char *top = make_deep_tree("top");
	remove_on_small_stack(top, (size_t)PTHREAD_STACK_MIN, false);
	free(top);
}

Test(rmtree, removes_a_deep_tree_from_a_signal_handler_on_a_32_kib_sigaltstack)
{
	char *top = make_deep_tree("top");
	remove_on_small_stack(top, 32 * 1024, true);
	free(top);
}

/* The header's promise: under 8 KiB of stack, measured by painting a
 * stack and seeing how much of it the call wrote, for tempfile_rmtree from
 * a thread and for the exit registry's removal from a signal handler. */
Test(rmtree, the_removal_needs_under_8_kib_of_stack)
{
	if (tft_under_sanitizer())
		cr_skip_test("sanitizers add their own frames and redzones");
	if (under_valgrind())
		cr_skip_test("memcheck forbids reading below the stack pointer");
	char *top = make_deep_tree("top");
	struct stack_run r = { .path = top, .measure = true };
	cr_assert(removal_in_thread(&r, 256 * 1024));
	cr_assert_eq(r.rc, 0, "%s", strerror(r.err));
	cr_assert_not(tft_exists(top));
	cr_log_info("tempfile_rmtree: %zu bytes of stack", r.used);
	cr_assert_lt(r.used, 8 * 1024, "tempfile_rmtree used %zu bytes of stack", r.used);

	struct tempfile_dir *d = tempfile_dir(
		&(struct tempfile_opts){ .dir = scratch, .flags = TEMPFILE_AT_EXIT | TEMPFILE_KEEP });
	cr_assert_not_null(d);
	char *registered = strdup(tempfile_dir_path(d));
	int fd = open_dir_path(registered);
	make_chain(fd, 200, "d", "f");
	close(fd);
	struct stack_run h = { .cleanup_now = true, .measure = true };
	cr_assert(removal_in_signal_handler(&h, 256 * 1024));
	cr_assert_eq(h.rc, 0, "%s", strerror(h.err));
	cr_assert_not(tft_exists(registered));
	cr_log_info("tempfile_cleanup_now in a handler: %zu bytes of stack", h.used);
	cr_assert_lt(h.used, 8 * 1024, "tempfile_cleanup_now used %zu bytes of stack", h.used);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(registered);
	free(top);
}

/* The walk's state is one mapping: where there is no memory for it, the
 * removal fails with ENOMEM and touches nothing. An empty directory needs
 * none (one rmdir). */
Test(rmtree, without_memory_for_the_walk_fails_with_enomem_and_removes_nothing)
{
	if (tft_under_sanitizer())
		cr_skip_test("sanitizers map memory of their own");
	if (under_valgrind())
		cr_skip_test("valgrind manages the address space itself");
	char *top = make_populated("top");
	char *empty = make_dir("empty");
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Room for the stack to grow a little, not for 70 KiB more. */
		unsigned long pages;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%lu", &pages) != 1)
			_exit(3);
		fclose(f);
		struct rlimit rl = { .rlim_cur = pages * (unsigned long)getpagesize() + 32 * 1024,
			.rlim_max = RLIM_INFINITY };
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			_exit(3);
		errno = 0;
		int rc = tempfile_rmtree(top, 0);
		if (rc != -1 || errno != ENOMEM)
			_exit(rc == 0 ? 1 : errno == ENOMEM ? 2 : errno);
		_exit(tempfile_rmtree(empty, 0) == 0 ? 0 : 4);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "the child died of signal %d", WTERMSIG(status));
	cr_assert_neq(WEXITSTATUS(status), 3, "cannot limit the address space");
	cr_assert_neq(WEXITSTATUS(status), 1, "removed without memory for the walk");
	cr_assert_neq(WEXITSTATUS(status), 4, "the empty directory needed memory");
	cr_assert_eq(WEXITSTATUS(status), 0, "failed with %s, not ENOMEM",
		strerror(WEXITSTATUS(status)));
	assert_populated_intact(top);
	cr_assert_not(tft_exists(empty));
	free(empty);
	free(top);
}

/* ---- races ------------------------------------------------------------------------ */

struct swap {
	const char *victim;   /* entry name to swap */
	const char *moved_to; /* where the real directory goes */
	const char *target;   /* what the symbolic link points at */
	int swaps;
};

static void swap_for_symlink(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	struct swap *s = arg;
	if (event != TF_RMTREE_BEFORE_OPEN || strcmp(name, s->victim) != 0 || s->swaps)
		return;
	s->swaps++;
	cr_assert_eq(renameat(dirfd, name, AT_FDCWD, s->moved_to), 0, "%s", strerror(errno));
	cr_assert_eq(symlinkat(s->target, dirfd, name), 0);
}

Test(rmtree, never_enters_a_directory_swapped_for_a_symlink_after_stat)
{
	char *outside = make_populated("outside");
	char *moved = in_scratch("moved");
	char *top = make_populated("top");
	struct swap s = { .victim = "b", .moved_to = moved, .target = outside };
	tf_test_rmtree_hook(swap_for_symlink, &s);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_eq(s.swaps, 1, "the seam ran");
	cr_assert_not(tft_exists(top));
	cr_assert_eq(tft_count_entries(outside), 3, "the link target is untouched");
	char *f3 = tft_join(moved, "c/f3");
	cr_assert(tft_exists(f3), "the directory moved out is not entered");
	free(f3);
	free(top);
	free(moved);
	free(outside);
}

struct move_out {
	int calls, at_call;
	char *from;  /* an ancestor, deep enough that its descriptor is closed */
	char *to;
};

static void move_ancestor_out(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)name;
	struct move_out *m = arg;
	if (event == TF_RMTREE_BEFORE_OPEN && ++m->calls == m->at_call)
		cr_assert_eq(rename(m->from, m->to), 0, "%s", strerror(errno));
}

/* free_fds: descriptors left free (-1: no limit). */
static void closed_ancestor_moved_out(int free_fds)
{
	char *outside = make_populated("outside");
	char *top = make_dir("top");
	int fd = open_dir_path(top);
	make_chain(fd, 40, "d", NULL);
	close(fd);
	char *to = tft_join(outside, "moved");
	struct move_out m = { .at_call = 35, .from = tft_join(top, "d/d"), .to = to };
	tf_test_rmtree_hook(move_ancestor_out, &m);
	if (free_fds >= 0)
		leave_free_descriptors(free_fds);
	errno = 0;
	int rc = tempfile_rmtree(top, 0);
	int err = errno;
	release_descriptors();
#ifdef TF_RMTREE_POOLED
	/* The pool holds its handed-over directories open: it never goes up
	 * through "..", so finds the moved one gone (ENOENT) rather than
	 * elsewhere (ESTALE). What is left is the same. */
	if (rc != 0)
#endif
	{
		cr_assert_eq(rc, -1);
		cr_assert_eq(err, ESTALE, "got %s", strerror(err));
	}
	/* Going up from the moved part leads into outside, which must not be
	 * touched: its own entries and the moved directory itself stay. The
	 * walk starts again from the top for the rest. */
	cr_assert_eq(tft_count_entries(outside), 4);
	cr_assert(tft_exists(to));
	cr_assert_not(tft_exists(top), "the rest of the tree is removed");
	char *f3 = tft_join(outside, "a/b/c/f3");
	cr_assert(tft_exists(f3));
	free(f3);
	free(m.from);
	free(to);
	free(top);
	free(outside);
}

Test(rmtree, does_not_follow_a_closed_ancestor_moved_out_of_the_tree)
{
	closed_ancestor_moved_out(-1);
}

/* The top itself closed for room too: the walk starts again from the top,
 * reopened where it was first opened and checked to be the same. */
Test(rmtree, does_not_follow_a_closed_ancestor_moved_out_with_3_descriptors_free)
{
	closed_ancestor_moved_out(fewest_free_descriptors());
}

static void remove_before_open(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)arg;
	if (event != TF_RMTREE_BEFORE_OPEN || strcmp(name, "b") != 0)
		return;
	/* Through the descriptor's path: the same directory the walk is in. */
	char link[64], path[4096], *cmd = NULL;
	snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	cr_assert_gt(n, 0);
	path[n] = '\0';
	cr_assert(asprintf(&cmd, "rm -rf '%s/b'", path) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

Test(rmtree, ignores_entries_that_vanish_while_it_runs)
{
	char *top = make_populated("top");
	tf_test_rmtree_hook(remove_before_open, NULL);
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_not(tft_exists(top));
	free(top);
}

/* ---- mounts ---------------------------------------------------------------------- */

Test(rmtree, does_not_enter_another_mounted_file_system)
{
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("no private mount namespace: %s", strerror(errno));
	char *top = make_populated("top");
	char *mnt = tft_join(top, "a/mnt");
	cr_assert_eq(mkdir(mnt, 0755), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0)
		cr_skip_test("cannot mount tmpfs: %s", strerror(errno));
	char *inside = tft_join(mnt, "inside");
	tft_write_file(inside, "on another file system");
	cr_assert_eq(tempfile_rmtree(top, 0), -1);
	cr_assert_eq(errno, EBUSY, "got %s", strerror(errno));
	cr_assert(tft_exists(inside), "the mounted file system is not entered");
	char *f3 = tft_join(top, "a/b/c/f3");
	cr_assert_not(tft_exists(f3), "the rest is removed");
	cr_assert_eq(umount(mnt), 0);
	free(f3);
	free(inside);
	free(mnt);
	free(top);
}

/* A private mount namespace for this test process (each test has its own),
 * so that its mounts vanish with it; skips the test where that is refused. */
static void private_mounts(void)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("no private mount namespace: %s", strerror(errno));
}

static void bind_mount(const char *source, const char *target)
{
	if (mount(source, target, NULL, MS_BIND, NULL) != 0)
		cr_skip_test("cannot bind-mount %s: %s", source, strerror(errno));
}

/* A directory outside the tree, holding files, bind-mounted deep inside it
 * and directly under its top: same device, only the mount ID tells. */
static void bind_mounted_directories_are_left_alone(bool no_statx)
{
	private_mounts();
	tf_test_os_no_statx(no_statx);
	char *outside = make_populated("outside");
	char *top = make_populated("top");
	char *deep = tft_join(top, "a/b/c/mnt");
	char *shallow = tft_join(top, "mnt");
	cr_assert_eq(mkdir(deep, 0755), 0);
	cr_assert_eq(mkdir(shallow, 0755), 0);
	bind_mount(outside, deep);
	bind_mount(outside, shallow);
	errno = 0;
	cr_assert_eq(tempfile_rmtree(top, 0), -1);
	cr_assert_eq(errno, EBUSY, "got %s", strerror(errno));
	assert_populated_intact(outside);
	/* All the rest is gone: only the ways to the two mount points stay. */
	cr_assert_eq(tft_count_entries(top), 2, "top keeps a and mnt only");
	char *c = tft_join(top, "a/b/c");
	cr_assert_eq(tft_count_entries(c), 1, "c keeps mnt only");
	char *f2 = tft_join(top, "a/f2");
	cr_assert_not(tft_exists(f2));
	cr_assert_eq(umount(deep), 0);
	cr_assert_eq(umount(shallow), 0);
	free(f2);
	free(c);
	free(shallow);
	free(deep);
	free(top);
	free(outside);
}

Test(rmtree, leaves_bind_mounted_directories_and_reports_ebusy)
{
	bind_mounted_directories_are_left_alone(false);
}

Test(rmtree, leaves_bind_mounted_directories_without_statx_through_proc_fdinfo)
{
	bind_mounted_directories_are_left_alone(true);
}

Test(rmtree, without_descriptors_to_read_fdinfo_does_not_enter_a_bind_mount)
{
	/* Without statx, a bind mount is told by /proc/self/fdinfo, which
	 * takes a descriptor: when none is left, nothing is entered blind. */
	private_mounts();
	tf_test_os_no_statx(true);
	char *outside = make_populated("outside");
	char *top = make_dir("top");
	char *mnt = tft_join(top, "mnt");
	cr_assert_eq(mkdir(mnt, 0755), 0);
	bind_mount(outside, mnt);
	/* The parent, the top, the mount point; not one more for fdinfo. */
	leave_free_descriptors(3);
	errno = 0;
	int rc = tempfile_rmtree(top, 0);
	int err = errno;
	release_descriptors();
	cr_assert_eq(rc, -1);
	cr_assert_eq(err, EMFILE, "got %s", strerror(err));
	assert_populated_intact(outside);
	cr_assert_eq(umount(mnt), 0);
	free(mnt);
	free(top);
	free(outside);
}

Test(rmtree, leaves_a_file_bind_mounted_inside_and_reports_ebusy)
{
	private_mounts();
	char *precious = in_scratch("precious");
	tft_write_file(precious, "keep me");
	char *top = make_populated("top");
	char *target = tft_join(top, "a/b/file");
	tft_write_file(target, "");
	bind_mount(precious, target);
	errno = 0;
	cr_assert_eq(tempfile_rmtree(top, 0), -1);
	cr_assert_eq(errno, EBUSY, "got %s", strerror(errno));
	char buf[16] = "";
	FILE *f = fopen(precious, "r");
	cr_assert_not_null(f, "the bind-mounted file was removed");
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "keep me");
	char *f3 = tft_join(top, "a/b/c/f3");
	cr_assert_not(tft_exists(f3), "the rest is removed");
	cr_assert_eq(tft_count_entries(top), 1, "only the way to the mount point stays");
	cr_assert_eq(umount(target), 0);
	free(f3);
	free(target);
	free(top);
	free(precious);
}

Test(rmtree, a_top_that_is_a_mount_point_is_ebusy_and_untouched)
{
	private_mounts();
	char *outside = make_populated("outside");
	char *top = make_dir("top");
	bind_mount(outside, top);
	for (int no_statx = 0; no_statx < 2; no_statx++) {
		tf_test_os_no_statx(no_statx);
		errno = 0;
		cr_assert_eq(tempfile_rmtree(top, 0), -1);
		cr_assert_eq(errno, EBUSY, "no_statx %d: got %s", no_statx, strerror(errno));
		struct tf_file_id id;
		cr_assert_eq(tf_os_file_id(-1, top, &id), 0);
		cr_assert_eq(tf_rmtree_path(top, 0, &id), -EBUSY, "also with expect");
		assert_populated_intact(outside);
	}
	cr_assert_eq(umount(top), 0);
	/* Another file system mounted there: the same. */
	if (mount("tmpfs", top, "tmpfs", 0, "size=64k") != 0)
		cr_skip_test("cannot mount tmpfs: %s", strerror(errno));
	char *inside = tft_join(top, "inside");
	tft_write_file(inside, "x");
	cr_assert_eq(tempfile_rmtree(top, 0), -1);
	cr_assert_eq(errno, EBUSY, "got %s", strerror(errno));
	cr_assert(tft_exists(inside));
	cr_assert_eq(umount(top), 0);
	free(inside);
	free(top);
	free(outside);
}

Test(rmtree, tells_another_file_system_by_its_device_without_statx_or_proc)
{
	private_mounts();
	tf_test_os_no_statx(true);
	char *top = make_populated("top");
	char *mnt = tft_join(top, "a/mnt");
	cr_assert_eq(mkdir(mnt, 0755), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0)
		cr_skip_test("cannot mount tmpfs: %s", strerror(errno));
	char *inside = tft_join(mnt, "inside");
	tft_write_file(inside, "on another file system");
	/* No /proc: an empty file system over it. */
	if (mount("tmpfs", "/proc", "tmpfs", 0, "size=64k") != 0)
		cr_skip_test("cannot hide /proc: %s", strerror(errno));
	errno = 0;
	int rc = tempfile_rmtree(top, 0);
	int err = errno;
	cr_assert_eq(umount("/proc"), 0);
	cr_assert_eq(rc, -1);
	cr_assert_eq(err, EBUSY, "got %s", strerror(err));
	cr_assert(tft_exists(inside), "the mounted file system is not entered");
	char *f3 = tft_join(top, "a/b/c/f3");
	cr_assert_not(tft_exists(f3), "the rest is removed");
	cr_assert_eq(umount(mnt), 0);
	free(f3);
	free(inside);
	free(mnt);
	free(top);
}

/* An unreadable directory of the user's, bind-mounted into the tree (or as
 * the top): the removal, as that user, must not make it u+rwx to look
 * inside before seeing that it is a mount point. */
Test(rmtree, never_chmods_an_unreadable_directory_bind_mounted_inside)
{
	private_mounts();
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
	char *outside = make_populated("outside");
	char *top = make_populated("top");
	char *mnt = tft_join(top, "a/mnt");
	cr_assert_eq(mkdir(mnt, 0755), 0);
	char *cmd = NULL;
	cr_assert(asprintf(&cmd, "chown -R %d:%d '%s'", NOBODY, NOBODY, scratch) > 0);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	cr_assert_eq(chmod(outside, 0), 0);
	bind_mount(outside, mnt);
	struct stat st;
	for (int no_statx = 0; no_statx < 2; no_statx++) {
		tf_test_os_no_statx(no_statx); /* the child inherits it */
		int err = rmtree_as_nobody(mnt, 0);
		cr_assert_eq(err, EBUSY, "the top, no_statx %d: got %s", no_statx, strerror(err));
		cr_assert_eq(stat(outside, &st), 0);
		cr_assert_eq(st.st_mode & 07777, 0, "the top, no_statx %d: mode %o", no_statx,
			(unsigned)(st.st_mode & 07777));
		err = rmtree_as_nobody(top, 0);
		cr_assert_eq(err, EBUSY, "inside, no_statx %d: got %s", no_statx, strerror(err));
		cr_assert_eq(stat(outside, &st), 0);
		cr_assert_eq(st.st_mode & 07777, 0, "inside, no_statx %d: mode %o", no_statx,
			(unsigned)(st.st_mode & 07777));
	}
	cr_assert_eq(umount(mnt), 0);
	cr_assert_eq(chmod(outside, 0755), 0);
	assert_populated_intact(outside);
	free(mnt);
	free(top);
	free(outside);
}

/* ---- internal entry points -------------------------------------------------------------- */

Test(rmtree, contents_empties_directory_but_keeps_it_and_the_descriptor)
{
	char *top = make_populated("top");
	int fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	errno = EMLINK;
	cr_assert_eq(tf_rmtree_contents(fd, 0), 0);
	cr_assert_eq(errno, EMLINK);
	cr_assert_eq(tft_count_entries(top), 0);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0, "the descriptor stays open");
	cr_assert_eq(tf_rmtree_contents(fd, 0), 0, "an empty directory is fine");
	close(fd);
	free(top);
}

Test(rmtree, contents_of_an_unreadable_directory)
{
	become_nobody();
	char *top = make_populated("top");
	cr_assert_eq(chmod(top, 0), 0);
	int fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(tf_rmtree_contents(fd, 0), 0);
	close(fd);
	cr_assert_eq(tft_count_entries(top), 0);
	free(top);
}

Test(rmtree, path_with_matching_expect_removes_the_tree)
{
	char *top = make_populated("top");
	struct tf_file_id id;
	cr_assert_eq(tf_os_file_id(-1, top, &id), 0);
	cr_assert_eq(tf_rmtree_path(top, 0, &id), 0);
	cr_assert_not(tft_exists(top));
	free(top);
}

Test(rmtree, path_with_other_expect_is_estale_and_removes_nothing)
{
	char *top = make_populated("top");
	char *other = make_dir("other");
	struct tf_file_id id;
	cr_assert_eq(tf_os_file_id(-1, other, &id), 0);
	cr_assert_eq(tf_rmtree_path(top, 0, &id), -ESTALE);
	cr_assert_eq(tft_count_entries(top), 3);
	/* Even an empty directory is not taken by an rmdir shortcut. */
	cr_assert_eq(tf_rmtree_path(other, 0, &(struct tf_file_id){ .dev = id.dev,
						  .ino = id.ino + 1 }),
		-ESTALE);
	cr_assert(tft_exists(other));
	cr_assert_eq(tf_rmtree_path(top, TEMPFILE_IGNORE_CLEANUP_ERRORS, &id), 0,
		"ignored, but still nothing removed");
	cr_assert_eq(tft_count_entries(top), 3);
	free(other);
	free(top);
}
