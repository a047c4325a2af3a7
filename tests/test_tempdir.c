/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/* test_tempdir.c - where temporary files go: candidates, probe, cache,
 * settings, explain. Every test runs in its own process, so the cache and
 * the environment start fresh each time. */
#include "support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#  include <windows.h>
/* An absolute directory that need not exist, to set and compare. */
#  define TOP "C:\\"
#else
#  include <fcntl.h>
#  include <limits.h>
#  include <signal.h>
#  include <sys/mount.h>
#  include <sys/resource.h>
#  include <sys/wait.h>
#  define TOP "/"
#endif

static void clear_env(void)
{
	tft_setenv("TMPDIR", NULL);
	tft_setenv("TEMP", NULL);
	tft_setenv("TMP", NULL);
}

Test(tempdir, tmpdir_variable_comes_first)
{
	char *dir = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", dir);
	tft_setenv("TEMP", "/tmp");
	cr_assert_str_eq(tempfile_gettempdir(), dir);
	tft_remove_tree(dir);
	free(dir);
}

Test(tempdir, empty_variables_are_skipped_in_order_tmpdir_temp_tmp)
{
	char *temp = tft_scratch(), *tmp = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", "");
	tft_setenv("TEMP", temp);
	tft_setenv("TMP", tmp);
	cr_assert_str_eq(tempfile_gettempdir(), temp);
	tft_setenv("TEMP", "");
	cr_assert_eq(tempfile_settempdir(NULL), 0);
	cr_assert_str_eq(tempfile_gettempdir(), tmp);
	tft_remove_tree(temp);
	tft_remove_tree(tmp);
	free(temp);
	free(tmp);
}

Test(tempdir, missing_directory_and_regular_file_candidates_are_passed_over)
{
	char *scratch = tft_scratch(), *good = tft_scratch();
	char *missing = tft_join(scratch, "missing");
	char *file = tft_join(scratch, "file");
	tft_write_file(file, "x");
	clear_env();
	tft_setenv("TMPDIR", missing);
	tft_setenv("TEMP", file);
	tft_setenv("TMP", good);
	cr_assert_str_eq(tempfile_gettempdir(), good);
	tft_remove_tree(scratch);
	tft_remove_tree(good);
	free(missing);
	free(file);
	free(scratch);
	free(good);
}

/* What explain says of TMPDIR: its errno and the step the probe stopped at. */
struct verdict {
	int error;
	enum tempfile_probe_step step;
	bool has_path;
};

static int take_tmpdir(const struct tempfile_candidate *c, void *arg)
{
	if (strcmp(c->source, "TMPDIR") != 0)
		return 0;
	struct verdict *v = arg;
	*v = (struct verdict){ c->error, c->step, c->path != NULL };
	return 1; /* TMPDIR is all we want: stop there */
}

/* explain's verdict on TMPDIR set to tmpdir (NULL: unset). */
static struct verdict tmpdir_verdict(const char *tmpdir)
{
	struct verdict v = { -1, TEMPFILE_PROBE_PASSED, false };
	tft_setenv("TMPDIR", tmpdir);
	(void)tempfile_gettempdir_explain(take_tmpdir, &v);
	return v;
}

static const char *shown(const char *tmpdir)
{
	return tmpdir ? tmpdir : "unset";
}

#define ASSERT_VERDICT(tmpdir, expected_error, expected_step)                              \
	do {                                                                               \
		struct verdict v_ = tmpdir_verdict(tmpdir);                                \
		cr_assert(v_.error == (expected_error) && v_.step == (expected_step),      \
			"TMPDIR %s: error %d step %d, expected %d at %d", shown(tmpdir),           \
			v_.error, (int)v_.step, (expected_error), (int)(expected_step));  \
	} while (0)

/* A new scratch directory with a file in it, in the clean environment:
 * *missing and *file are the paths of a missing entry and of that file. */
static char *scratch_with_missing_and_file(char **missing, char **file)
{
	char *scratch = tft_scratch();
	*missing = tft_join(scratch, "missing");
	*file = tft_join(scratch, "file");
	tft_write_file(*file, "x");
	clear_env();
	return scratch;
}

Test(tempdir, explain_says_at_which_step_each_candidate_stopped)
{
	char *missing, *file;
	char *scratch = scratch_with_missing_and_file(&missing, &file);
	ASSERT_VERDICT(NULL, ENOENT, TEMPFILE_PROBE_NO_PATH);
	ASSERT_VERDICT("", ENOENT, TEMPFILE_PROBE_NO_PATH);
	cr_assert(!tmpdir_verdict("").has_path, "an empty variable has no path");
	ASSERT_VERDICT(missing, ENOENT, TEMPFILE_PROBE_DIRECTORY);
	ASSERT_VERDICT(file, ENOTDIR, TEMPFILE_PROBE_DIRECTORY);
	ASSERT_VERDICT(scratch, 0, TEMPFILE_PROBE_PASSED);
	cr_assert(tmpdir_verdict(scratch).has_path);
	cr_assert_eq(tft_count_entries(scratch), 1, "the probes left nothing");
	tft_remove_tree(scratch);
	free(missing);
	free(file);
	free(scratch);
}

#ifndef _WIN32 /* fork and setuid; /tmp, links and ".." are POSIX's */
Test(tempdir, unwritable_directory_is_passed_over_for_an_unprivileged_user)
{
	char *readonly = tft_scratch(), *writable = tft_scratch();
	cr_assert_eq(chmod(writable, 0777), 0);
	clear_env();
	tft_setenv("TMPDIR", readonly); /* 0755, owned by root */
	tft_setenv("TEMP", writable);
	pid_t pid = fork();
	if (pid == 0) { /* no Criterion assertion in a forked child */
		if (!tft_become_nobody())
			_exit(2);
		const char *dir = tempfile_gettempdir();
		_exit(dir && strcmp(dir, writable) == 0 ? 0 : 1);
	}
	cr_assert(pid > 0, "fork: %s", strerror(errno));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the unwritable TMPDIR was taken");
	cr_assert_eq(tft_count_entries(readonly), 0);
	cr_assert_eq(tft_count_entries(writable), 0);
	tft_remove_tree(readonly);
	tft_remove_tree(writable);
	free(readonly);
	free(writable);
}

Test(tempdir, falls_back_to_tmp_when_no_variable_is_set)
{
	clear_env();
	cr_assert_str_eq(tempfile_gettempdir(), "/tmp");
}

Test(tempdir, relative_tmpdir_is_made_absolute_without_resolving_links)
{
	char *scratch = tft_scratch();
	char *real = tft_join(scratch, "real");
	char *link = tft_join(scratch, "link");
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink("real", link), 0);
	cr_assert_eq(chdir(scratch), 0);
	clear_env();
	tft_setenv("TMPDIR", "./link/./");
	cr_assert_str_eq(tempfile_gettempdir(), link);
	tft_remove_tree(scratch);
	free(real);
	free(link);
	free(scratch);
}

Test(tempdir, dot_dot_is_kept_rather_than_collapsed_lexically)
{
	char *scratch = tft_scratch();
	char *sub = tft_join(scratch, "sub");
	cr_assert_eq(tft_mkdir(sub), 0);
	char *expected = tft_join(scratch, "sub/..");
	clear_env();
	tft_setenv("TMPDIR", expected);
	cr_assert_str_eq(tempfile_gettempdir(), expected);
	tft_remove_tree(scratch);
	free(sub);
	free(expected);
	free(scratch);
}
#endif

Test(tempdir, result_is_cached_until_settempdir_null)
{
	char *first = tft_scratch(), *second = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", first);
	const char *a = tempfile_gettempdir();
	tft_setenv("TMPDIR", second);
	const char *b = tempfile_gettempdir();
	cr_assert_eq(a, b, "same string every call");
	cr_assert_str_eq(b, first, "later TMPDIR changes are ignored");
	cr_assert_eq(tempfile_settempdir(NULL), 0);
	const char *c = tempfile_gettempdir();
	cr_assert_str_eq(c, second);
	cr_assert_str_eq(a, first, "an old result stays valid");
	tft_remove_tree(first);
	tft_remove_tree(second);
	free(first);
	free(second);
}

Test(tempdir, settempdir_overrides_without_probing_and_is_made_absolute)
{
	clear_env();
	cr_assert_eq(chdir(TOP), 0);
	cr_assert_eq(tempfile_settempdir("does/not/exist"), 0);
#ifdef _WIN32
	cr_assert_str_eq(tempfile_gettempdir(), TOP "does\\not\\exist");
#else
	cr_assert_str_eq(tempfile_gettempdir(), "/does/not/exist");
#endif
}

Test(tempdir, settempdir_rejects_an_empty_string)
{
	errno = 0;
	cr_assert_eq(tempfile_settempdir(""), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(tempdir, probe_leaves_nothing_behind)
{
	char *dir = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", dir);
	cr_assert_str_eq(tempfile_gettempdir(), dir);
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* descriptors counted in /proc, rlimits */
Test(tempdir, probe_leaves_no_descriptor_open)
{
	char *dir = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", dir);
	int before = tft_count_fds();
	cr_assert_not_null(tempfile_gettempdir());
	cr_assert_eq(tft_count_fds(), before);
	tft_remove_tree(dir);
	free(dir);
}

Test(tempdir, no_usable_directory_gives_null_and_enoent)
{
	/* valgrind applies RLIMIT_NOFILE itself, after open(2) has created the
	 * file: the probes would leave their files behind (.ci/valgrind.sh). */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		cr_skip_test("RLIMIT_NOFILE is emulated under valgrind");
	clear_env();
	/* No descriptor can be opened at all, so every probe fails. */
	struct rlimit saved, none = { 0, 0 };
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	none.rlim_max = saved.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	errno = 0;
	const char *dir = tempfile_gettempdir();
	int error = errno;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	cr_assert_null(dir);
	cr_assert_eq(error, ENOENT);
	cr_assert_not_null(tempfile_gettempdir(), "a failure is not cached");
}
#endif

#define THREADS 8
static const char *seen[THREADS];

static void *ask(void *arg)
{
	seen[(size_t)arg] = tempfile_gettempdir();
	return NULL;
}

Test(tempdir, many_threads_asking_at_once_get_one_computed_string)
{
	clear_env();
	pthread_t threads[THREADS];
	for (size_t i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, ask, (void *)i), 0);
	for (size_t i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_join(threads[i], NULL), 0);
	for (size_t i = 0; i < THREADS; i++) {
		cr_assert_not_null(seen[i]);
		cr_assert_eq(seen[i], seen[0], "thread %zu got another string", i);
	}
}

Test(tempdir, prefix_defaults_to_tmp_and_can_be_set_and_reset)
{
	cr_assert_str_eq(tempfile_gettempprefix(), "tmp");
	const char *before = tempfile_gettempprefix();
	cr_assert_eq(tempfile_settempprefix("app-"), 0);
	cr_assert_str_eq(tempfile_gettempprefix(), "app-");
	cr_assert_str_eq(before, "tmp");
	cr_assert_eq(tempfile_settempprefix(NULL), 0);
	cr_assert_str_eq(tempfile_gettempprefix(), "tmp");
}

Test(tempdir, prefix_with_a_slash_is_rejected)
{
	errno = 0;
	cr_assert_eq(tempfile_settempprefix("../evil"), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_str_eq(tempfile_gettempprefix(), "tmp");
}

Test(tempdir, new_prefix_is_used_by_creators)
{
	char *dir = tft_scratch();
	cr_assert_eq(tempfile_settempprefix("pre."), 0);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert(fd >= 0);
	const char *base = strrchr(path, TFT_SEP) + 1;
	cr_assert_eq(strncmp(base, "pre.", 4), 0, "%s", path);
	close(fd);
	free(path);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* POSIX's list (Windows: explain_walks_the_variables_...), python3, fork */
struct explained {
	int count;
	const char *sources[16];
	char *paths[16];
	int errors[16];
	int chosen[16];
};

static int record(const struct tempfile_candidate *c, void *arg)
{
	struct explained *e = arg;
	cr_assert(e->count < 16);
	e->sources[e->count] = c->source;
	e->paths[e->count] = c->path ? strdup(c->path) : NULL;
	e->errors[e->count] = c->error;
	e->chosen[e->count] = c->chosen;
	e->count++;
	return 0;
}

Test(tempdir, explain_reports_every_candidate_with_its_reason)
{
	char *missing, *file;
	char *scratch = scratch_with_missing_and_file(&missing, &file);
	tft_setenv("TMPDIR", missing);
	tft_setenv("TEMP", file);
	cr_assert_eq(chdir(scratch), 0);
	struct explained e = { 0 };
	cr_assert_eq(tempfile_gettempdir_explain(record, &e), 0);
	cr_assert_eq(e.count, 7, "TMPDIR TEMP TMP /tmp /var/tmp /usr/tmp cwd");
	cr_assert_str_eq(e.sources[0], "TMPDIR");
	cr_assert_str_eq(e.paths[0], missing);
	cr_assert_eq(e.errors[0], ENOENT);
	cr_assert_str_eq(e.sources[1], "TEMP");
	cr_assert_eq(e.errors[1], ENOTDIR);
	cr_assert_str_eq(e.sources[2], "TMP");
	cr_assert_null(e.paths[2], "unset variable has no path");
	cr_assert_str_eq(e.paths[3], "/tmp");
	cr_assert_eq(e.errors[3], 0);
	cr_assert_eq(e.chosen[3], 1);
	cr_assert_str_eq(e.sources[6], "cwd");
	cr_assert_str_eq(e.paths[6], scratch);
	int chosen = 0;
	for (int i = 0; i < e.count; i++)
		chosen += e.chosen[i];
	cr_assert_eq(chosen, 1, "exactly one candidate is chosen");
	cr_assert_eq(tft_count_entries(scratch), 1, "the probes left nothing");
	for (int i = 0; i < e.count; i++)
		free(e.paths[i]);
	tft_remove_tree(scratch);
	free(missing);
	free(file);
	free(scratch);
}

/* /proc is a directory in which no file can be made, and Linux says
 * ENOENT for it: explain must tell that from a missing directory. */
Test(tempdir, explain_tells_an_existing_directory_that_refuses_files_from_a_missing_one)
{
	struct stat st;
	if (stat("/proc/self", &st) != 0)
		cr_skip_test("no /proc here");
	int fd = open("/proc/tempfile-test", O_RDWR | O_CREAT | O_EXCL, 0600);
	int kernel_says = errno;
	cr_assert_eq(fd, -1, "a file was created in /proc");
	clear_env();
	ASSERT_VERDICT("/proc", kernel_says, TEMPFILE_PROBE_CREATE);
	ASSERT_VERDICT("/proc/no-such-directory", ENOENT, TEMPFILE_PROBE_DIRECTORY);
}

Test(tempdir, explain_reports_links_by_what_they_lead_to)
{
	char *scratch = tft_scratch();
	char *to_dir = tft_join(scratch, "to-dir"), *dangling = tft_join(scratch, "dangling");
	char *loop = tft_join(scratch, "loop"), *through_file = tft_join(scratch, "file/sub");
	char *dir = tft_join(scratch, "dir"), *file = tft_join(scratch, "file");
	cr_assert_eq(tft_mkdir(dir), 0);
	tft_write_file(file, "x");
	cr_assert_eq(symlink("dir", to_dir), 0);
	cr_assert_eq(symlink("nowhere", dangling), 0);
	cr_assert_eq(symlink("loop", loop), 0);
	clear_env();
	ASSERT_VERDICT(to_dir, 0, TEMPFILE_PROBE_PASSED);
	ASSERT_VERDICT(dangling, ENOENT, TEMPFILE_PROBE_DIRECTORY);
	ASSERT_VERDICT(loop, ELOOP, TEMPFILE_PROBE_DIRECTORY);
	ASSERT_VERDICT(through_file, ENOTDIR, TEMPFILE_PROBE_DIRECTORY);
	cr_assert_eq(tft_count_entries(dir), 0, "the probe left nothing");
	tft_remove_tree(scratch);
	free(to_dir);
	free(dangling);
	free(loop);
	free(through_file);
	free(dir);
	free(file);
	free(scratch);
}

static int take_cwd(const struct tempfile_candidate *c, void *arg)
{
	if (strcmp(c->source, "cwd") == 0)
		*(struct verdict *)arg = (struct verdict){ c->error, c->step, c->path != NULL };
	return 0;
}

/* No current directory (removed): nothing to probe for "cwd" nor for a
 * relative TMPDIR, with getcwd's own error. */
Test(tempdir, explain_reports_a_removed_current_directory_with_getcwds_error)
{
	char *scratch = tft_scratch();
	char *gone = tft_join(scratch, "gone");
	cr_assert_eq(tft_mkdir(gone), 0);
	cr_assert_eq(chdir(gone), 0);
	cr_assert_eq(rmdir(gone), 0);
	errno = 0;
	char buf[64];
	cr_assert_null(getcwd(buf, sizeof buf));
	int getcwd_says = errno;
	clear_env();
	ASSERT_VERDICT("relative", getcwd_says, TEMPFILE_PROBE_NO_PATH);
	cr_assert(!tmpdir_verdict("relative").has_path);
	tft_setenv("TMPDIR", NULL);
	struct verdict v = { -1, TEMPFILE_PROBE_PASSED, true };
	(void)tempfile_gettempdir_explain(take_cwd, &v);
	cr_assert(v.error == getcwd_says && v.step == TEMPFILE_PROBE_NO_PATH && !v.has_path,
		"cwd: error %d step %d", v.error, (int)v.step);
	cr_assert_eq(chdir("/"), 0);
	tft_remove_tree(scratch);
	free(gone);
	free(scratch);
}

/* A name too long for the directory itself, and a directory whose own
 * name fits but whose files' names would not: told apart. */
Test(tempdir, explain_tells_a_name_too_long_from_a_directory_whose_files_cannot_be_named)
{
	char *scratch = tft_scratch();
	clear_env();
	char *longer = tft_format("%s/%0*d", scratch, PATH_MAX, 0);
	ASSERT_VERDICT(longer, ENAMETOOLONG, TEMPFILE_PROBE_DIRECTORY);
	/* Grow a real directory to PATH_MAX - 8 bytes: "dir/." fits, "dir/"
	 * and a name of 8 does not. */
	char *deep = tft_format("%s", scratch);
	while (strlen(deep) < PATH_MAX - 8) {
		size_t room = PATH_MAX - 8 - strlen(deep) - 1;
		char *next = tft_format("%s/%0*d", deep, (int)(room > 200 ? 200 : room), 7);
		free(deep);
		deep = next;
		cr_assert_eq(tft_mkdir(deep), 0, "mkdir of %zu bytes: %s", strlen(deep), strerror(errno));
	}
	ASSERT_VERDICT(deep, ENAMETOOLONG, TEMPFILE_PROBE_CREATE);
	free(deep);
	free(longer);
	tft_remove_tree(scratch);
	free(scratch);
}

/* In a forked child: become nobody if as_nobody, then TMPDIR's verdict
 * must be error at step. Skips the test if the child cannot set itself up
 * (77). */
static void assert_verdict_in_child(bool as_nobody, const char *tmpdir, int error,
	enum tempfile_probe_step step, void (*setup)(void))
{
	pid_t pid = fork();
	if (pid == 0) { /* no Criterion assertion in a forked child */
		if (setup)
			setup();
		if (as_nobody && !tft_become_nobody())
			_exit(77);
		struct verdict v = tmpdir_verdict(tmpdir);
		_exit(v.error == error && v.step == step ? 0 : 1);
	}
	cr_assert(pid > 0, "fork: %s", strerror(errno));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("the child could not set itself up (nobody, or a mount)");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"TMPDIR %s: not error %d at step %d (child status %d)", tmpdir, error, (int)step, status);
}

/* What nobody meets: a directory it cannot write (the directory is there,
 * creating fails) and one it cannot reach (a parent it may not search). */
Test(tempdir, explain_tells_an_unwritable_directory_from_an_unreachable_one)
{
	char *scratch = tft_scratch();
	char *locked = tft_join(scratch, "locked"), *inner = tft_join(scratch, "locked/inner");
	cr_assert_eq(tft_mkdir(locked), 0);
	cr_assert_eq(tft_mkdir(inner), 0);
	cr_assert_eq(chmod(scratch, 0755), 0);
	cr_assert_eq(chmod(inner, 0777), 0);
	clear_env();
	cr_assert_eq(chmod(locked, 0711), 0); /* nobody may pass, not write */
	assert_verdict_in_child(true, locked, EACCES, TEMPFILE_PROBE_CREATE, NULL);
	assert_verdict_in_child(true, inner, 0, TEMPFILE_PROBE_PASSED, NULL);
	cr_assert_eq(chmod(locked, 0700), 0); /* nor pass */
	assert_verdict_in_child(true, inner, EACCES, TEMPFILE_PROBE_DIRECTORY, NULL);
	tft_remove_tree(scratch);
	free(inner);
	free(locked);
	free(scratch);
}

static char *tmpfs_mount; /* where the child mounts its tmpfs */

/* In the child: a tmpfs at tmpfs_mount in a private mount namespace, or
 * exit 77 (the test is skipped). */
static void mount_private_tmpfs(unsigned long flags, const char *options)
{
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		mount("tempfile-test", tmpfs_mount, "tmpfs", flags, options) != 0)
		_exit(77);
}

static void mount_read_only(void)
{
	mount_private_tmpfs(MS_RDONLY, NULL);
}

/* A one-page tmpfs, filled: a new file can be made, not written. */
static void mount_full(void)
{
	mount_private_tmpfs(0, "size=4k");
	char *filler = tft_format("%s/filler", tmpfs_mount);
	int fd = open(filler, O_WRONLY | O_CREAT | O_EXCL, 0600);
	static const char page[4096];
	ssize_t written = 0;
	while (fd >= 0 && written >= 0)
		written = write(fd, page, sizeof page);
	if (fd < 0 || errno != ENOSPC)
		_exit(77);
}

/* TMPDIR on a tmpfs that mount() sets up in the child: error at step. */
static void assert_verdict_on_tmpfs(void (*mount)(void), int error, enum tempfile_probe_step step)
{
	char *scratch = tft_scratch();
	tmpfs_mount = tft_join(scratch, "mnt");
	cr_assert_eq(tft_mkdir(tmpfs_mount), 0);
	clear_env();
	assert_verdict_in_child(false, tmpfs_mount, error, step, mount);
	tft_remove_tree(scratch);
	free(tmpfs_mount);
	free(scratch);
}

Test(tempdir, explain_says_read_only_for_a_read_only_mount)
{
	assert_verdict_on_tmpfs(mount_read_only, EROFS, TEMPFILE_PROBE_CREATE);
}

Test(tempdir, explain_says_full_when_a_new_file_cannot_be_written)
{
	assert_verdict_on_tmpfs(mount_full, ENOSPC, TEMPFILE_PROBE_WRITE);
}

Test(tempdir, relative_candidates_and_python_agree)
{
	/* Python's gettempdir for the same environment: the reference. */
	char *scratch = tft_scratch();
	char *sub = tft_join(scratch, "sub");
	cr_assert_eq(tft_mkdir(sub), 0);
	cr_assert_eq(chdir(scratch), 0);
	clear_env();
	tft_setenv("TMPDIR", "");
	tft_setenv("TEMP", "nope");
	tft_setenv("TMP", "sub");
	FILE *p = popen("python3 -c 'import tempfile; print(tempfile.gettempdir())' 2>/dev/null", "r");
	if (!p)
		cr_skip_test("python3 not available");
	char line[4096] = "";
	char *got = fgets(line, sizeof line, p);
	int status = pclose(p);
	if (!got || status != 0)
		cr_skip_test("python3 not available");
	line[strcspn(line, "\n")] = '\0';
	cr_assert_str_eq(tempfile_gettempdir(), line);
	tft_remove_tree(scratch);
	free(sub);
	free(scratch);
}

/* ---- fork while another thread holds the settings --------------------------- */

#define FORKS 200
/* Far longer than a child needs on any machine: only a deadlock reaches it. */
#define CHILD_DEADLINE_SECONDS 30

static atomic_bool stop_changing;

/* Forget the directory and search again, over and over: the search runs
 * under the settings lock, so a fork from another thread often lands while
 * the lock is held. */
static void *keep_searching(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_changing)) {
		(void)tempfile_settempdir(NULL);
		(void)tempfile_gettempdir();
		(void)tempfile_settempprefix("pre");
		(void)tempfile_settempprefix(NULL);
		/* A fair chance for the forking thread's prepare handler to take
		 * the lock: mutexes are not fair, and under valgrind (one thread
		 * runs at a time) it starved for minutes. */
		sched_yield();
	}
	return NULL;
}

/* In the child (no Criterion assertion there): a deadlock ends in SIGALRM. */
static _Noreturn void create_in_child(void)
{
	sigset_t alarm_only;
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	(void)signal(SIGALRM, SIG_DFL);
	(void)pthread_sigmask(SIG_UNBLOCK, &alarm_only, NULL);
	alarm(CHILD_DEADLINE_SECONDS);
	if (!tempfile_gettempdir())
		_exit(1);
	char *path;
	int fd = tempfile_mkstemp(NULL, &path);
	if (fd < 0)
		_exit(2);
	int removed = unlink(path);
	close(fd);
	_exit(removed == 0 ? 0 : 3);
}

Test(tempdir, child_forked_while_another_thread_searches_or_sets_can_create)
{
	char *dir = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", dir);
	pthread_t changer;
	cr_assert_eq(pthread_create(&changer, NULL, keep_searching, NULL), 0);
	int done = 0, status = 0, fork_error = 0;
	while (done < FORKS) {
		pid_t pid = fork();
		if (pid == 0)
			create_in_child();
		if (pid < 0) {
			fork_error = errno;
			break;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			break;
		done++;
	}
	atomic_store(&stop_changing, true);
	cr_assert_eq(pthread_join(changer, NULL), 0);
	cr_assert_eq(fork_error, 0, "fork: %s", strerror(fork_error));
	cr_assert_eq(done, FORKS, "child %d of %d: %s %d", done + 1, FORKS,
		WIFSIGNALED(status) ? "killed by signal" : "exit status",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}
#endif

/* ---- what the settings keep ------------------------------------------------- */

/* tempfile.h: a replaced directory or prefix stays valid while it is one of
 * the 8 different ones replaced most recently. */
#define REPLACED_KEPT 8

Test(tempdir, setting_the_current_directory_again_returns_the_same_string)
{
	cr_assert_eq(tempfile_settempdir(TOP "same"), 0);
	const char *first = tempfile_gettempdir();
	size_t held = tf_test_settings_strings();
	cr_assert_eq(tempfile_settempdir(TOP "same"), 0);
	cr_assert_eq(tempfile_gettempdir(), first);
	cr_assert_eq(tf_test_settings_strings(), held);
}

Test(tempdir, setting_the_current_prefix_again_returns_the_same_string)
{
	cr_assert_eq(tempfile_settempprefix("same"), 0);
	const char *first = tempfile_gettempprefix();
	size_t held = tf_test_settings_strings();
	cr_assert_eq(tempfile_settempprefix("same"), 0);
	cr_assert_eq(tempfile_gettempprefix(), first);
	cr_assert_eq(tf_test_settings_strings(), held);
}

Test(tempdir, a_million_sets_between_two_directories_hold_two_strings)
{
	for (unsigned i = 0; i < 1000000; i++)
		cr_assert_eq(tempfile_settempdir(i % 2 ? TOP "one" : TOP "two"), 0);
	cr_assert_eq(tf_test_settings_strings(), 2);
	cr_assert_str_eq(tempfile_gettempdir(), TOP "one");
}

Test(tempdir, a_million_sets_between_two_prefixes_hold_two_strings)
{
	for (unsigned i = 0; i < 1000000; i++)
		cr_assert_eq(tempfile_settempprefix(i % 2 ? "one" : "two"), 0);
	cr_assert_eq(tf_test_settings_strings(), 2);
	cr_assert_str_eq(tempfile_gettempprefix(), "one");
}

Test(tempdir, a_hundred_thousand_different_directories_hold_at_most_nine_strings)
{
	char dir[32];
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(dir, sizeof dir, TOP "dir%u", i);
		cr_assert_eq(tempfile_settempdir(dir), 0);
	}
	cr_assert_leq(tf_test_settings_strings(), 1 + REPLACED_KEPT);
	cr_assert_str_eq(tempfile_gettempdir(), TOP "dir99999");
}

Test(tempdir, a_hundred_thousand_different_prefixes_hold_at_most_nine_strings)
{
	char prefix[32];
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(prefix, sizeof prefix, "pre%u.", i);
		cr_assert_eq(tempfile_settempprefix(prefix), 0);
	}
	cr_assert_leq(tf_test_settings_strings(), 1 + REPLACED_KEPT);
	cr_assert_str_eq(tempfile_gettempprefix(), "pre99999.");
}

Test(tempdir, a_replaced_directory_stays_valid_through_8_more_changes_and_is_reused)
{
	cr_assert_eq(tempfile_settempdir(TOP "kept0"), 0);
	const char *first = tempfile_gettempdir();
	char dir[32];
	for (int i = 1; i <= REPLACED_KEPT; i++) {
		snprintf(dir, sizeof dir, TOP "kept%d", i);
		cr_assert_eq(tempfile_settempdir(dir), 0);
		cr_assert_str_eq(first, TOP "kept0", "after %d changes", i);
	}
	cr_assert_eq(tempfile_settempdir(TOP "kept0"), 0);
	cr_assert_eq(tempfile_gettempdir(), first, "set again, the kept string comes back");
	cr_assert_eq(tf_test_settings_strings(), 1 + REPLACED_KEPT);
}

Test(tempdir, the_built_in_prefix_stays_valid_however_many_changes_follow)
{
	const char *built_in = tempfile_gettempprefix();
	char prefix[32];
	for (int i = 0; i < 100; i++) {
		snprintf(prefix, sizeof prefix, "other%d", i);
		cr_assert_eq(tempfile_settempprefix(prefix), 0);
		cr_assert_eq(tempfile_settempprefix(NULL), 0);
	}
	cr_assert_str_eq(built_in, "tmp");
	cr_assert_eq(tempfile_gettempprefix(), built_in);
}

Test(tempdir, a_replaced_prefix_stays_valid_through_8_more_changes_and_is_reused)
{
	cr_assert_eq(tempfile_settempprefix("kept0"), 0);
	const char *first = tempfile_gettempprefix();
	char prefix[32];
	for (int i = 1; i <= REPLACED_KEPT; i++) {
		snprintf(prefix, sizeof prefix, "kept%d", i);
		cr_assert_eq(tempfile_settempprefix(prefix), 0);
		cr_assert_str_eq(first, "kept0", "after %d changes", i);
	}
	cr_assert_eq(tempfile_settempprefix("kept0"), 0);
	cr_assert_eq(tempfile_gettempprefix(), first, "set again, the kept string comes back");
	cr_assert_eq(tf_test_settings_strings(), 1 + REPLACED_KEPT);
}

Test(tempdir, searching_again_and_finding_the_same_directory_reuses_its_string)
{
	char *dir = tft_scratch();
	clear_env();
	tft_setenv("TMPDIR", dir);
	const char *first = tempfile_gettempdir();
	cr_assert_str_eq(first, dir);
	for (int i = 0; i < 1000; i++) {
		cr_assert_eq(tempfile_settempdir(NULL), 0);
		cr_assert_eq(tempfile_gettempdir(), first);
	}
	cr_assert_eq(tf_test_settings_strings(), 1);
	tft_remove_tree(dir);
	free(dir);
}

/* More values than the settings keep, so that strings are freed while the
 * creators read the defaults. */
#define CHURN_VALUES (REPLACED_KEPT + 4)
#define CREATORS 4

struct churn {
	char *dirs[CHURN_VALUES];
	char prefixes[CHURN_VALUES][4];
	atomic_bool stop;
	atomic_int failures;
	char first_failure[256]; /* written by the first failure only */
};

static void churn_failed(struct churn *c, const char *what, const char *path)
{
	int error = errno;
	if (atomic_fetch_add(&c->failures, 1) == 0)
		snprintf(c->first_failure, sizeof c->first_failure, "%s %s: %s", what,
			path ? path : "", strerror(error));
}

static void *change_the_defaults(void *arg)
{
	struct churn *c = arg;
	for (unsigned i = 0; !atomic_load(&c->stop); i++) {
		size_t k = i % CHURN_VALUES;
		if (tempfile_settempdir(c->dirs[k]) != 0 || tempfile_settempprefix(c->prefixes[k]) != 0)
			churn_failed(c, "set", c->dirs[k]);
		if (k == 0 && tempfile_settempdir(NULL) != 0) /* the next creator searches */
			churn_failed(c, "forget", NULL);
		sched_yield(); /* the creators get the lock too (see keep_searching) */
	}
	return NULL;
}

/* path is dirs[i]/prefixes[j] + 8 characters, for some i and j. */
static bool made_with_some_default(const struct churn *c, const char *path)
{
	const char *base = strrchr(path, TFT_SEP);
	bool dir_ok = false, prefix_ok = false;
	for (size_t i = 0; base && i < CHURN_VALUES; i++) {
		size_t dir_len = strlen(c->dirs[i]), prefix_len = strlen(c->prefixes[i]);
		dir_ok |= (size_t)(base - path) == dir_len && strncmp(path, c->dirs[i], dir_len) == 0;
		prefix_ok |= strlen(base + 1) == prefix_len + 8 &&
			     strncmp(base + 1, c->prefixes[i], prefix_len) == 0;
	}
	return dir_ok && prefix_ok;
}

static void *create_with_the_defaults(void *arg)
{
	struct churn *c = arg;
	int creations = tft_under_sanitizer() ? 200 : 1000;
	for (int i = 0; i < creations; i++) {
		char *path = NULL;
		int fd = tempfile_mkstemp(NULL, &path);
		if (fd < 0)
			churn_failed(c, "mkstemp", NULL);
		else if (!made_with_some_default(c, path))
			churn_failed(c, "mkstemp made a name of no default", path);
		else if (unlink(path) != 0)
			churn_failed(c, "unlink", path);
		if (fd >= 0)
			close(fd);
		free(path);
		int anonymous = tempfile_temporary_fd(NULL);
		if (anonymous < 0)
			churn_failed(c, "temporary_fd", NULL);
		else
			close(anonymous);
	}
	return NULL;
}

Test(tempdir, creators_using_the_defaults_are_safe_while_another_thread_changes_them)
{
	static struct churn c;
	char *scratch = tft_scratch();
	for (size_t i = 0; i < CHURN_VALUES; i++) {
		char name[16];
		snprintf(name, sizeof name, "d%zu", i);
		c.dirs[i] = tft_join(scratch, name);
		cr_assert_eq(tft_mkdir(c.dirs[i]), 0);
		snprintf(c.prefixes[i], sizeof c.prefixes[i], "p%c", (char)('a' + i));
	}
	clear_env();
	tft_setenv("TMPDIR", c.dirs[0]);
	cr_assert_eq(tempfile_settempprefix(c.prefixes[0]), 0);
	pthread_t changer, creators[CREATORS];
	cr_assert_eq(pthread_create(&changer, NULL, change_the_defaults, &c), 0);
	for (size_t i = 0; i < CREATORS; i++)
		cr_assert_eq(pthread_create(&creators[i], NULL, create_with_the_defaults, &c), 0);
	for (size_t i = 0; i < CREATORS; i++)
		cr_assert_eq(pthread_join(creators[i], NULL), 0);
	atomic_store(&c.stop, true);
	cr_assert_eq(pthread_join(changer, NULL), 0);
	cr_assert_eq(atomic_load(&c.failures), 0, "%d failures, the first: %s",
		atomic_load(&c.failures), c.first_failure);
	cr_assert_leq(tf_test_settings_strings(), 2 * (1 + REPLACED_KEPT));
	for (size_t i = 0; i < CHURN_VALUES; i++) {
		cr_assert_eq(tft_count_entries(c.dirs[i]), 0, "%s", c.dirs[i]);
		free(c.dirs[i]);
	}
	tft_remove_tree(scratch);
	free(scratch);
}

#ifdef _WIN32
/* ---- what only Windows has: its paths, its list of candidates, '\\' and ':' ---- */

static bool is_absolute_windows_path(const char *p)
{
	return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
		p[2] == '\\' && !strchr(p, '/');
}

Test(tempdir, gettempdir_is_an_absolute_windows_path_where_files_can_be_made)
{
	const char *dir = tempfile_gettempdir();
	cr_assert(dir != NULL, "errno %d", errno);
	cr_assert(is_absolute_windows_path(dir), "%s", dir);
	cr_assert(tft_is_dir(dir), "%s", dir);
}

struct seen {
	char source[12][16];
	char *path[12];
	int error[12];
	size_t n;
};

static int record_seen(const struct tempfile_candidate *c, void *arg)
{
	struct seen *s = arg;
	if (s->n < 12) {
		strncpy(s->source[s->n], c->source, 15);
		s->path[s->n] = c->path ? _strdup(c->path) : NULL;
		s->error[s->n] = c->error;
		s->n++;
	}
	return 0;
}

Test(tempdir, explain_walks_the_variables_then_pythons_windows_list_then_cwd)
{
	tft_setenv("TMPDIR", NULL);
	tft_setenv("SYSTEMROOT", "C:\\windows");
	struct seen s = { .n = 0 };
	cr_assert(tempfile_gettempdir_explain(record_seen, &s) == 0, "errno %d", errno);
	static const char *const sources[] = { "TMPDIR", "TEMP", "TMP", "default", "default",
		"default", "default", "default", "default", "cwd" };
	static const char *const tails[] = { NULL, NULL, NULL, "\\AppData\\Local\\Temp",
		"C:\\windows\\Temp", "c:\\temp", "c:\\tmp", ":\\temp", ":\\tmp", NULL };
	size_t n = s.n;
	bool order = n == 10, paths = true;
	for (size_t i = 0; order && i < n; i++) {
		order = strcmp(s.source[i], sources[i]) == 0;
		if (tails[i] && (!s.path[i] || !tft_ends_with(s.path[i], tails[i])))
			paths = false;
		if (s.path[i] && !is_absolute_windows_path(s.path[i]))
			paths = false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!paths || !order)
			printf("    %s: %s (%d)\n", s.source[i], s.path[i] ? s.path[i] : "-", s.error[i]);
		free(s.path[i]);
	}
	cr_assert(order, "%zu candidates, or out of order", n);
	cr_assert(paths, "candidate paths (printed above)");
	cr_assert(s.error[0] == ENOENT, "unset TMPDIR reported as %d", s.error[0]);
}

Test(tempdir, prefix_and_suffix_may_not_hold_backslash_slash_or_colon)
{
	static const char *const bad[] = { "a\\b", "a/b", "c:x" };
	for (size_t i = 0; i < 3; i++) {
		errno = 0;
		int fd = tempfile_mkstemp(&(struct tempfile_opts){ .prefix = bad[i] }, NULL);
		cr_assert(fd == -1 && errno == EINVAL, "prefix %s: fd %d errno %d", bad[i], fd, errno);
		errno = 0;
		char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .suffix = bad[i] });
		cr_assert(!d && errno == EINVAL, "suffix %s: errno %d", bad[i], errno);
		errno = 0;
		cr_assert(tempfile_settempprefix(bad[i]) == -1 && errno == EINVAL, "settempprefix %s",
			bad[i]);
	}
	cr_assert(strcmp(tempfile_gettempprefix(), "tmp") == 0, "%s", tempfile_gettempprefix());
}
#endif
