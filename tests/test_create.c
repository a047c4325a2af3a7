/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/* test_create.c - mkstemp, mkdtemp, mktemp, mktemplate and the retry loop. */
#include "support.h"

/* tempfile_mktemp is deprecated on purpose; these tests exercise it. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#  include <io.h>
#  include <windows.h>
#  include <aclapi.h>
#  include <sddl.h>
/* No links are made on Windows here (the tests that make them are POSIX
 * only): stat is lstat. */
#  define lstat stat
/* A name component's limit, as on NTFS (mingw defines NAME_MAX only under
 * _POSIX_). */
#  ifndef NAME_MAX
#    define NAME_MAX 255
#  endif
#else
#  include <sys/resource.h>
#  include <sys/wait.h>
#endif

/* Python's nameCheck: dir part, prefix, 8 characters of the alphabet, suffix. */
static void check_name(const char *path, const char *dir, const char *prefix, const char *suffix)
{
	size_t dir_len = strlen(dir), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
#ifdef _WIN32
	cr_assert(path[0] && path[1] == ':' && path[2] == '\\' && !strchr(path, '/'),
		"absolute, with backslashes: %s", path);
#else
	cr_assert_eq(path[0], '/', "absolute: %s", path);
#endif
	cr_assert_eq(strncmp(path, dir, dir_len), 0, "%s in %s", path, dir);
	cr_assert_eq(path[dir_len], TFT_SEP);
	const char *base = path + dir_len + 1;
	cr_assert_eq(strlen(base), prefix_len + TF_NAME_LEN + suffix_len, "%s", base);
	cr_assert_eq(strncmp(base, prefix, prefix_len), 0);
	cr_assert(tft_all_in(base + prefix_len, TF_NAME_LEN, TF_NAME_ALPHABET), "%s", base);
	cr_assert_str_eq(base + prefix_len + TF_NAME_LEN, suffix);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	return st.st_mode;
}

Test(create, mkstemp_makes_a_read_write_file_named_dir_prefix_random_suffix)
{
	char *dir = tft_scratch();
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .prefix = "pre-", .suffix = ".json" },
		&path);
	cr_assert(fd >= 0, "%s", strerror(errno));
	check_name(path, dir, "pre-", ".json");
	cr_assert(S_ISREG(mode_of(path)));
#ifndef _WIN32 /* no F_GETFL; writing and reading back: mkstemp_descriptor_is_binary_... */
	cr_assert_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
#endif
	cr_assert_eq(write(fd, "abc", 3), 3);
	close(fd);
	free(path);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, mkstemp_defaults_are_gettempdir_and_tmp_prefix)
{
	char *dir = tft_scratch();
	tft_setenv("TEMP", NULL);
	tft_setenv("TMP", NULL);
	tft_setenv("TMPDIR", dir);
	char *path;
	int fd = tempfile_mkstemp(NULL, &path);
	cr_assert(fd >= 0);
	check_name(path, dir, "tmp", "");
	close(fd);
	free(path);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* descriptor flags and modes are POSIX's */
Test(create, mkstemp_descriptor_is_close_on_exec)
{
	char *dir = tft_scratch();
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert(fd >= 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	tft_remove_tree(dir);
	free(dir);
}

/* Create a file and a directory under the given umask and check modes. */
static void check_modes_under_umask(mode_t mask, mode_t file_mode, mode_t dir_mode)
{
	char *dir = tft_scratch();
	umask(mask);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert(fd >= 0);
	cr_assert_eq(mode_of(path) & 07777, file_mode, "file %o under umask %o",
		mode_of(path) & 07777, mask);
	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	cr_assert_not_null(d);
	cr_assert(S_ISDIR(mode_of(d)));
	cr_assert_eq(mode_of(d) & 07777, dir_mode, "dir %o under umask %o", mode_of(d) & 07777, mask);
	close(fd);
	free(path);
	free(d);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, modes_are_0600_and_0700_under_umask_022)
{
	check_modes_under_umask(022, 0600, 0700);
}

Test(create, modes_are_0600_and_0700_under_umask_0)
{
	check_modes_under_umask(0, 0600, 0700);
}

Test(create, modes_follow_umask_0277_like_python)
{
	check_modes_under_umask(0277, 0400, 0500);
}

Test(create, mode_option_overrides_the_default_before_umask)
{
	char *dir = tft_scratch();
	umask(022);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .mode = 0644 }, &path);
	cr_assert(fd >= 0);
	cr_assert_eq(mode_of(path) & 07777, 0644);
	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .mode = 0750 });
	cr_assert_not_null(d);
	cr_assert_eq(mode_of(d) & 07777, 0750);
	close(fd);
	free(path);
	free(d);
	tft_remove_tree(dir);
	free(dir);
}
#endif

Test(create, relative_dir_gives_an_absolute_path)
{
	char *dir = tft_scratch();
	char *sub = tft_join(dir, "sub");
	cr_assert_eq(tft_mkdir(sub), 0);
	cr_assert_eq(chdir(dir), 0);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = "sub/" }, &path);
	cr_assert(fd >= 0);
	check_name(path, sub, "tmp", "");
	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = "." });
	cr_assert_not_null(d);
	check_name(d, dir, "tmp", "");
	close(fd);
	free(path);
	free(d);
	tft_remove_tree(dir);
	free(sub);
	free(dir);
}

#ifndef _WIN32
Test(create, root_directory_gets_no_double_slash)
{
	char *path = tempfile_mktemp(&(struct tempfile_opts){ .dir = "/" });
	cr_assert_not_null(path);
	cr_assert_eq(strncmp(path, "/tmp", 4), 0, "%s", path);
	cr_assert_neq(path[1], '/');
	free(path);
}
#endif

Test(create, mkdtemp_makes_an_empty_directory)
{
	char *dir = tft_scratch();
	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .suffix = ".d" });
	cr_assert_not_null(d);
	check_name(d, dir, "tmp", ".d");
	cr_assert_eq(tft_count_entries(d), 0);
	free(d);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, mktemp_returns_a_free_absolute_name_and_creates_nothing)
{
	char *dir = tft_scratch();
	char *name = tempfile_mktemp(&(struct tempfile_opts){ .dir = dir, .prefix = "m" });
	cr_assert_not_null(name);
	check_name(name, dir, "m", "");
	struct stat st;
	cr_assert_eq(lstat(name, &st), -1);
	cr_assert_eq(tft_count_entries(dir), 0);
	free(name);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* on Windows: mkstemp_with_text_flag_writes_crlf */
Test(create, text_flag_is_accepted_on_posix)
{
	char *dir = tft_scratch();
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_TEXT }, NULL);
	cr_assert(fd >= 0);
	close(fd);
	tft_remove_tree(dir);
	free(dir);
}
#endif

/* Every bad-input case: the call fails with want, leaves dir empty and no
 * descriptor open. */
static void check_rejected(const struct tempfile_opts *o, const char *dir, int want)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	char *path = (char *)1;
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(o, &path), -1);
	cr_assert_eq(errno, want, "mkstemp: %s (%d), wanted %d", strerror(errno), errno,
		want); /* one strerror per message: msvcrt's shares a buffer */
	cr_assert_eq(path, (char *)1, "*path untouched on error");
	errno = 0;
	cr_assert_null(tempfile_mkdtemp(o));
	cr_assert_eq(errno, want, "mkdtemp: %s", strerror(errno));
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
	if (dir)
		cr_assert_eq(tft_count_entries(dir), 0);
}

Test(create, prefix_or_suffix_with_a_slash_is_einval)
{
	char *dir = tft_scratch();
	check_rejected(&(struct tempfile_opts){ .dir = dir, .prefix = "../" }, dir, EINVAL);
	check_rejected(&(struct tempfile_opts){ .dir = dir, .suffix = "/x" }, dir, EINVAL);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, empty_dir_is_einval)
{
	check_rejected(&(struct tempfile_opts){ .dir = "" }, NULL, EINVAL);
}

Test(create, unknown_flag_or_mode_beyond_07777_is_einval)
{
	char *dir = tft_scratch();
	check_rejected(&(struct tempfile_opts){ .dir = dir, .flags = 0x8000u }, dir, EINVAL);
	check_rejected(&(struct tempfile_opts){ .dir = dir, .mode = 010000 }, dir, EINVAL);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, missing_dir_is_enoent)
{
	char *dir = tft_scratch();
	char *missing = tft_join(dir, "missing");
	check_rejected(&(struct tempfile_opts){ .dir = missing }, dir, ENOENT);
	tft_remove_tree(dir);
	free(missing);
	free(dir);
}

Test(create, regular_file_as_dir_is_enotdir)
{
#ifdef _WIN32
	/* The Win32 layer maps what Windows reports here, ERROR_PATH_NOT_FOUND
	 * (under wine), to ENOENT: tempfile.h's error is not met yet. */
	cr_skip_test("Windows reports ENOENT, not the documented error (src/platform/win32.c)");
#endif
	char *dir = tft_scratch();
	char *file = tft_join(dir, "file");
	tft_write_file(file, "x");
	check_rejected(&(struct tempfile_opts){ .dir = file }, NULL, ENOTDIR);
	cr_assert_eq(tft_count_entries(dir), 1);
	tft_remove_tree(dir);
	free(file);
	free(dir);
}

Test(create, name_longer_than_the_file_system_allows_is_enametoolong)
{
#ifdef _WIN32
	/* The Win32 layer maps what Windows reports here, ERROR_PATH_NOT_FOUND
	 * (under wine), to ENOENT: tempfile.h's error is not met yet. */
	cr_skip_test("Windows reports ENOENT, not the documented error (src/platform/win32.c)");
#endif
	char *dir = tft_scratch();
	char prefix[NAME_MAX + 2];
	memset(prefix, 'p', sizeof prefix - 1);
	prefix[sizeof prefix - 1] = '\0';
	check_rejected(&(struct tempfile_opts){ .dir = dir, .prefix = prefix }, dir, ENAMETOOLONG);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* fork, setuid, rlimits, /proc */
Test(create, unwritable_dir_is_eacces_at_once_for_an_unprivileged_user)
{
	char *dir = tft_scratch(); /* 0755, root's */
	pid_t pid = fork();
	if (pid == 0) { /* no Criterion assertion in a forked child */
		if (!tft_become_nobody())
			_exit(2);
		int fds = tft_count_fds();
		errno = 0;
		bool ok = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL) == -1 &&
			errno == EACCES;
		ok = ok && !tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir }) && errno == EACCES;
		_exit(ok && tft_count_fds() == fds ? 0 : 1);
	}
	cr_assert(pid > 0, "fork: %s", strerror(errno));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, no_usable_temporary_directory_is_enoent)
{
	/* valgrind applies RLIMIT_NOFILE itself, after open(2) has created the
	 * file: the probes would leave their files behind (.ci/valgrind.sh). */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		cr_skip_test("RLIMIT_NOFILE is emulated under valgrind");
	unsetenv("TMPDIR");
	struct rlimit saved, none = { 0, 0 };
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	none.rlim_max = saved.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	errno = 0;
	int fd = tempfile_mkstemp(NULL, NULL);
	int error = errno;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	cr_assert_eq(fd, -1);
	cr_assert_eq(error, ENOENT);
}

Test(create, out_of_memory_is_enomem_and_leaves_nothing)
{
	if (tft_under_sanitizer())
		cr_skip_test("RLIMIT_AS cannot be used under a sanitizer's shadow memory");
	char *dir = tft_scratch();
	/* A prefix so long that the path buffer cannot be allocated once the
	 * address space is capped just above what is mapped now. */
	size_t big = 64u << 20;
	char *prefix = malloc(big);
	cr_assert_not_null(prefix);
	memset(prefix, 'p', big - 1);
	prefix[big - 1] = '\0';
	FILE *f = fopen("/proc/self/statm", "r");
	cr_assert_not_null(f);
	unsigned long pages = 0;
	cr_assert_eq(fscanf(f, "%lu", &pages), 1);
	fclose(f);
	struct rlimit saved, capped;
	cr_assert_eq(getrlimit(RLIMIT_AS, &saved), 0);
	capped.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (16u << 20);
	capped.rlim_max = saved.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_AS, &capped), 0);
	errno = 0;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .prefix = prefix }, NULL);
	int error = errno;
	cr_assert_eq(setrlimit(RLIMIT_AS, &saved), 0);
	cr_assert_eq(fd, -1);
	cr_assert_eq(error, ENOMEM);
	cr_assert_eq(tft_count_entries(dir), 0);
	free(prefix);
	tft_remove_tree(dir);
	free(dir);
}
#endif

Test(create, collision_is_retried_with_a_fresh_name)
{
	char *dir = tft_scratch();
	char *taken = tft_join(dir, "tmpaaaaaaaa");
	tft_write_file(taken, "someone else's");
	static const char *const script[] = { "aaaaaaaa", "aaaaaaaa", "bbbbbbbb" };
	tf_test_script_names(script, 3);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert(fd >= 0);
	char *want = tft_join(dir, "tmpbbbbbbbb");
	cr_assert_str_eq(path, want);
	close(fd);
	free(want);
	free(path);
	free(taken);
	tft_remove_tree(dir);
	free(dir);
}

#ifndef _WIN32 /* symbolic links; on Windows: mkstemp_treats_a_directory_in_the_way_... */
Test(create, existing_directory_and_dangling_symlink_count_as_collisions)
{
	char *dir = tft_scratch();
	char *as_dir = tft_join(dir, "tmpaaaaaaaa");
	char *as_link = tft_join(dir, "tmpbbbbbbbb");
	char *target = tft_join(dir, "target-must-not-appear");
	cr_assert_eq(mkdir(as_dir, 0700), 0);
	cr_assert_eq(symlink(target, as_link), 0);
	static const char *const script[] = { "aaaaaaaa", "bbbbbbbb", "cccccccc" };
	tf_test_script_names(script, 3);
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert(fd >= 0);
	cr_assert_eq(strcmp(strrchr(path, '/'), "/tmpcccccccc"), 0, "%s", path);
	struct stat st;
	cr_assert_eq(lstat(target, &st), -1, "the planted link was followed");
	/* mkdtemp: the directory, the link and now the file are all taken. */
	static const char *const dir_script[] = { "aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd" };
	tf_test_script_names(dir_script, 4);
	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	cr_assert_not_null(d);
	cr_assert_str_eq(strrchr(d, '/'), "/tmpdddddddd");
	cr_assert_eq(lstat(target, &st), -1, "the planted link was followed by mkdir");
	close(fd);
	free(d);
	free(path);
	free(as_dir);
	free(as_link);
	free(target);
	tft_remove_tree(dir);
	free(dir);
}
#endif

Test(create, gives_up_with_eexist_after_tmp_max_names)
{
	char *dir = tft_scratch();
	char *taken = tft_join(dir, "tmpaaaaaaaa");
	tft_write_file(taken, "x");
	/* TEMPFILE_TMP_MAX taken names, then a free one that must not be
	 * reached: the bound is exact. */
	static const char *script[TEMPFILE_TMP_MAX + 1];
	for (int i = 0; i < TEMPFILE_TMP_MAX; i++)
		script[i] = "aaaaaaaa";
	script[TEMPFILE_TMP_MAX] = "zzzzzzzz";
	tf_test_script_names(script, TEMPFILE_TMP_MAX + 1);
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL), -1);
	cr_assert_eq(errno, EEXIST);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
	cr_assert_eq(tft_count_entries(dir), 1, "nothing created");
	free(taken);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, narrowed_name_space_makes_real_collisions_that_are_retried)
{
	char *dir = tft_scratch();
	tf_test_narrow_alphabet(2); /* 2^8 = 256 names */
	int fds[64];
	for (int i = 0; i < 64; i++) {
		fds[i] = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
		cr_assert(fds[i] >= 0, "file %d: %s", i, strerror(errno));
	}
	cr_assert_eq(tft_count_entries(dir), 64);
	for (int i = 0; i < 64; i++)
		close(fds[i]);
	tf_test_narrow_alphabet(0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, single_letter_name_space_is_exhausted_after_one_file)
{
	char *dir = tft_scratch();
	tf_test_narrow_alphabet(1);
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert(fd >= 0);
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL), -1);
	cr_assert_eq(errno, EEXIST);
	close(fd);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, template_replaces_the_x_run_before_the_suffix)
{
	char *dir = tft_scratch();
	char *tmpl = tft_join(dir, "fooXXXXXX.txt");
	size_t at = strlen(dir) + 4;
	int fd = tempfile_mktemplate(tmpl, 4, TEMPFILE_KIND_FILE, 0, 0);
	cr_assert(fd >= 0, "%s", strerror(errno));
	cr_assert(tft_all_in(tmpl + at, 6, TF_TEMPLATE_ALPHABET), "%s", tmpl);
	cr_assert_str_eq(tmpl + at + 6, ".txt");
#ifndef _WIN32
	cr_assert_eq(mode_of(tmpl) & 0777, 0600);
#endif
	close(fd);
	free(tmpl);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, template_directory_and_name_only_kinds)
{
	char *dir = tft_scratch();
	char *tmpl = tft_join(dir, "d.XXXXXXXXXX");
	cr_assert_eq(tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_DIR, 0, 0), 0);
	cr_assert(S_ISDIR(mode_of(tmpl)));
#ifndef _WIN32
	cr_assert_eq(mode_of(tmpl) & 0777, 0700);
#endif
	char *name = tft_join(dir, "n.XXX");
	cr_assert_eq(tempfile_mktemplate(name, 0, TEMPFILE_KIND_NAME, 0, 0), 0);
	cr_assert_eq(strstr(name, "XXX"), NULL, "%s", name);
	struct stat st;
	cr_assert_eq(lstat(name, &st), -1);
	free(name);
	free(tmpl);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, template_relative_stays_relative)
{
	char *dir = tft_scratch();
	cr_assert_eq(chdir(dir), 0);
	char tmpl[] = "rel.XXXX";
	int fd = tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_FILE, 0, 0);
	cr_assert(fd >= 0);
	cr_assert_eq(strncmp(tmpl, "rel.", 4), 0);
	cr_assert_eq(access(tmpl, F_OK), 0);
	close(fd);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, template_errors_are_einval_and_leave_it_unchanged)
{
	char two[] = "fooXX";
	errno = 0;
	cr_assert_eq(tempfile_mktemplate(two, 0, TEMPFILE_KIND_FILE, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_str_eq(two, "fooXX");
	char suffix_too_long[] = "XXXXXX";
	cr_assert_eq(tempfile_mktemplate(suffix_too_long, 7, TEMPFILE_KIND_FILE, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	char x_not_before_suffix[] = "XXXXXXa.txt";
	cr_assert_eq(tempfile_mktemplate(x_not_before_suffix, 4, TEMPFILE_KIND_FILE, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	char ok[] = "/tmp/okXXXXXX";
	cr_assert_eq(tempfile_mktemplate(ok, 0, (enum tempfile_kind)7, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_mktemplate(ok, 0, TEMPFILE_KIND_NAME, TEMPFILE_KEEP, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_str_eq(ok, "/tmp/okXXXXXX");
}

Test(create, template_failure_restores_the_xs)
{
	char *dir = tft_scratch();
	char *missing = tft_join(dir, "missing/fXXXXXX");
	char *copy = strdup(missing);
	cr_assert_eq(tempfile_mktemplate(missing, 0, TEMPFILE_KIND_FILE, 0, 0), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_str_eq(missing, copy);
	free(copy);
	free(missing);
	tft_remove_tree(dir);
	free(dir);
}

/* ---- one option check for every creator (tf_check_opts) --------------------------- */

/* Each creator that takes struct tempfile_opts, and the flags its comment
 * in tempfile.h lists. */
enum creator {
	C_MKSTEMP, C_MKDTEMP, C_MKTEMP, C_TEMPORARY_FD, C_TEMPORARY, C_NAMED, C_SPOOLED, C_DIR,
	C_COUNT
};
static const char *const creator_names[C_COUNT] = { "mkstemp", "mkdtemp", "mktemp",
	"temporary_fd", "temporary", "named", "spooled", "dir" };
static const unsigned creator_flags[C_COUNT] = {
	[C_MKSTEMP] = TEMPFILE_TEXT | TEMPFILE_AT_EXIT | TEMPFILE_LEASE,
	[C_MKDTEMP] = TEMPFILE_AT_EXIT | TEMPFILE_LEASE,
	[C_MKTEMP] = TEMPFILE_TEXT,
	[C_TEMPORARY_FD] = TEMPFILE_TEXT | TEMPFILE_AT_EXIT,
	[C_TEMPORARY] = TEMPFILE_TEXT | TEMPFILE_AT_EXIT,
	[C_NAMED] = TEMPFILE_TEXT | TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS |
		TEMPFILE_LEASE,
	[C_SPOOLED] = TEMPFILE_TEXT | TEMPFILE_AT_EXIT,
	[C_DIR] = TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS | TEMPFILE_LEASE,
};

/* Create with o through creator c and remove what was made at once: 0, or
 * -1 with the creator's errno. */
static int create_and_remove(enum creator c, const struct tempfile_opts *o)
{
	char *path = NULL;
	int fd, rc = 0;
	switch (c) {
	case C_MKSTEMP:
		fd = tempfile_mkstemp(o, &path);
		if (fd < 0)
			return -1;
		close(fd);
		unlink(path);
		(void)tempfile_forget(path);
		break;
	case C_MKDTEMP:
	case C_MKTEMP:
		path = c == C_MKDTEMP ? tempfile_mkdtemp(o) : tempfile_mktemp(o);
		if (!path)
			return -1;
		rmdir(path);
		(void)tempfile_forget(path);
		break;
	case C_TEMPORARY_FD:
		fd = tempfile_temporary_fd(o);
		if (fd < 0)
			return -1;
		close(fd);
		break;
	case C_TEMPORARY: {
		FILE *f = tempfile_temporary(o, NULL);
		if (!f)
			return -1;
		fclose(f);
		break;
	}
	case C_NAMED: {
		struct tempfile *t = tempfile_named(o, NULL);
		if (!t)
			return -1;
		if (o->flags & TEMPFILE_KEEP)
			unlink(tempfile_path(t));
		(void)tempfile_close(t);
		break;
	}
	case C_SPOOLED: {
		struct tempfile_spooled *s = tempfile_spooled(0, o, NULL);
		if (!s)
			return -1;
		rc = tempfile_spooled_rollover(s); /* the rollover sees o too */
		(void)tempfile_spooled_close(s);
		break;
	}
	case C_DIR: {
		struct tempfile_dir *d = tempfile_dir(o);
		if (!d)
			return -1;
		if (o->flags & TEMPFILE_KEEP)
			rmdir(tempfile_dir_path(d));
		(void)tempfile_dir_cleanup(d);
		break;
	}
	case C_COUNT:
		break;
	}
	free(path);
	return rc;
}

Test(create, every_creator_accepts_exactly_the_flags_its_comment_lists)
{
	char *dir = tft_scratch();
	for (int c = 0; c < C_COUNT; c++) {
		for (unsigned bit = 1; bit != 0; bit <<= 1) {
			struct tempfile_opts o = { .dir = dir, .flags = bit };
			errno = 0;
			int rc = create_and_remove((enum creator)c, &o);
			if (creator_flags[c] & bit) {
				cr_expect_eq(rc, 0, "%s refused flag %#x: %s", creator_names[c], bit,
					strerror(errno));
			} else {
				cr_expect_eq(rc, -1, "%s took flag %#x", creator_names[c], bit);
				cr_expect_eq(errno, EINVAL, "%s, flag %#x", creator_names[c], bit);
			}
		}
	}
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, template_persist_and_rmtree_accept_exactly_the_flags_their_comments_list)
{
	char *dir = tft_scratch();
	for (unsigned bit = 1; bit != 0; bit <<= 1) {
		char *tmpl = tft_join(dir, "tXXXXXX");
		errno = 0;
		int fd = tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_FILE, bit, 0);
		if (bit & (TEMPFILE_TEXT | TEMPFILE_AT_EXIT | TEMPFILE_LEASE)) {
			cr_expect_geq(fd, 0, "mktemplate refused %#x", bit);
			close(fd);
			unlink(tmpl);
			(void)tempfile_forget(tmpl);
		} else {
			cr_expect(fd == -1 && errno == EINVAL, "mktemplate took %#x", bit);
		}
		free(tmpl);

		struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
		cr_assert_not_null(t);
		char *target = tft_join(dir, "final");
		errno = 0;
		int rc = tempfile_persist(t, target, bit);
		if (bit & (TEMPFILE_NOREPLACE | TEMPFILE_SYNC))
			cr_expect_eq(rc, 0, "persist refused %#x: %s", bit, strerror(errno));
		else
			cr_expect(rc == -1 && errno == EINVAL, "persist took %#x", bit);
		cr_expect_eq(tempfile_close(t), 0);
		unlink(target);
		free(target);

		char *tree = tft_join(dir, "tree");
		cr_assert_eq(tft_mkdir(tree), 0);
		errno = 0;
		rc = tempfile_rmtree(tree, bit);
		if (bit == TEMPFILE_IGNORE_CLEANUP_ERRORS)
			cr_expect_eq(rc, 0, "rmtree refused %#x", bit);
		else
			cr_expect(rc == -1 && errno == EINVAL, "rmtree took %#x", bit);
		rmdir(tree);
		free(tree);
	}
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, every_creator_refuses_a_reserved_field_that_is_not_zero)
{
	char *dir = tft_scratch();
	static const int some;
	size_t nreserved = sizeof((struct tempfile_opts){ 0 }.reserved) / sizeof(unsigned);
	size_t nptr = sizeof((struct tempfile_opts){ 0 }.reserved_ptr) / sizeof(void *);
	for (int c = 0; c < C_COUNT; c++) {
		for (size_t i = 0; i < nreserved + nptr; i++) {
			struct tempfile_opts o = { .dir = dir };
			if (i < nreserved)
				o.reserved[i] = 1;
			else
				o.reserved_ptr[i - nreserved] = &some;
			errno = 0;
			cr_expect_eq(create_and_remove((enum creator)c, &o), -1, "%s, field %zu",
				creator_names[c], i);
			cr_expect_eq(errno, EINVAL, "%s, field %zu", creator_names[c], i);
		}
		/* and zero reserved fields are what designated initializers give */
		cr_expect_eq(create_and_remove((enum creator)c, &(struct tempfile_opts){ .dir = dir }),
			0, "%s: %s", creator_names[c], strerror(errno));
	}
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, every_creator_applies_the_same_rule_to_prefix_suffix_dir_and_mode)
{
	char *dir = tft_scratch();
	struct tempfile_opts bad[] = {
		{ .dir = dir, .prefix = "a/b" },
		{ .dir = dir, .suffix = "x/y" },
		{ .dir = "" },
		{ .dir = dir, .mode = 010000 },
#ifdef _WIN32
		/* a separator or a stream name on Windows only */
		{ .dir = dir, .prefix = "a\\b" },
		{ .dir = dir, .suffix = "x\\y" },
		{ .dir = dir, .prefix = "a:b" },
		{ .dir = dir, .suffix = ":stream" },
#endif
	};
	for (int c = 0; c < C_COUNT; c++) {
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			errno = 0;
			cr_expect_eq(create_and_remove((enum creator)c, &bad[i]), -1, "%s, case %zu",
				creator_names[c], i);
			cr_expect_eq(errno, EINVAL, "%s, case %zu: %s", creator_names[c], i,
				strerror(errno));
		}
	}
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(create, check_opts_is_zero_for_null_and_minus_einval_for_each_rule)
{
	cr_assert_eq(tf_check_opts(NULL, 0), 0);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .prefix = "p", .suffix = ".s",
				       .dir = "d", .mode = 07777, .flags = TEMPFILE_KEEP },
			     TEMPFILE_KEEP),
		0);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .flags = TEMPFILE_KEEP }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .mode = 010000 }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .prefix = "/" }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .suffix = "a/" }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .dir = "" }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .reserved = { 0, 7 } }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .reserved_ptr = { NULL, NULL, "x" } }, 0),
		-EINVAL);
#ifdef _WIN32
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .prefix = "a\\b" }, 0), -EINVAL);
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .suffix = "a:b" }, 0), -EINVAL);
#else
	/* POSIX: only '/' separates; a backslash or colon is a name character */
	cr_assert_eq(tf_check_opts(&(struct tempfile_opts){ .prefix = "a\\b:c" }, 0), 0);
#endif
}

#ifdef _WIN32
/* ---- what only Windows has: binary and text mode, handles, DACLs, UTF-16 names,
 * collisions Windows reports its own way ---------------------------------------- */

static long file_size(const char *path)
{
	wchar_t *w = tft_wide(path);
	WIN32_FILE_ATTRIBUTE_DATA data;
	BOOL ok = w && GetFileAttributesExW(w, GetFileExInfoStandard, &data);
	free(w);
	return ok ? (long)data.nFileSizeLow : -1;
}

Test(create, mkstemp_makes_a_binary_non_inheritable_file_at_an_absolute_path)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .suffix = ".txt" }, &path);
	cr_assert(fd >= 0, "errno %d", errno);
	DWORD handle_flags = 1;
	BOOL got = GetHandleInformation((HANDLE)_get_osfhandle(fd), &handle_flags);
	int written = _write(fd, "a\nb\n", 4);
	_close(fd);
	long size = file_size(path);
	bool name_ok = strncmp(path, dir, strlen(dir)) == 0 && path[strlen(dir)] == '\\' &&
		tft_ends_with(path, ".txt") && strlen(path) == strlen(dir) + 1 + 3 + 8 + 4;
	tft_remove_tree(dir);
	cr_assert(got && !(handle_flags & HANDLE_FLAG_INHERIT), "inheritable: %lu",
		(unsigned long)handle_flags);
	cr_assert(written == 4 && size == 4, "binary: wrote %d, size %ld", written, size);
	cr_assert(name_ok, "%s in %s", path, dir);
	free(path);
	free(dir);
}

Test(create, mkstemp_with_text_flag_writes_crlf)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_TEXT }, &path);
	cr_assert(fd >= 0, "errno %d", errno);
	int written = _write(fd, "a\nb\n", 4);
	_close(fd);
	long size = file_size(path);
	tft_remove_tree(dir);
	free(path);
	free(dir);
	cr_assert(written == 4 && size == 6, "text mode: wrote %d, size %ld", written, size);
}

Test(create, mkstemp_file_can_be_renamed_and_deleted_while_open)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert(fd >= 0, "errno %d", errno);
	char *moved = tft_join(dir, "moved");
	wchar_t *wfrom = tft_wide(path), *wto = tft_wide(moved);
	BOOL renamed = MoveFileExW(wfrom, wto, 0);
	DWORD rename_error = GetLastError();
	BOOL deleted = renamed && DeleteFileW(wto);
	_close(fd);
	bool gone = !tft_exists(moved) && !tft_exists(path);
	tft_remove_tree(dir);
	free(wfrom);
	free(wto);
	free(moved);
	free(path);
	free(dir);
	cr_assert(renamed, "MoveFileExW while open: error %lu", (unsigned long)rename_error);
	cr_assert(deleted && gone, "DeleteFileW while open");
}

/* True under wine, which does not keep a DACL's protected flag. */
static bool under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* Does acl hold an ACE for a group everyone is in (Everyone, Users,
 * Authenticated Users)? */
static bool grants_everyone(PACL acl)
{
	static const wchar_t *const broad[] = { L"S-1-1-0", L"S-1-5-32-545", L"S-1-5-11" };
	for (DWORD i = 0; acl && i < acl->AceCount; i++) {
		ACCESS_ALLOWED_ACE *ace = NULL;
		wchar_t *sid = NULL;
		if (!GetAce(acl, i, (void **)&ace) || !ConvertSidToStringSidW(&ace->SidStart, &sid))
			return true; /* cannot tell: assume the worst */
		bool hit = false;
		for (size_t j = 0; j < 3; j++)
			hit = hit || wcscmp(sid, broad[j]) == 0;
		LocalFree(sid);
		if (hit)
			return true;
	}
	return false;
}

Test(create, mkdtemp_makes_a_directory_with_a_protected_private_dacl)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .prefix = "d" });
	bool made = sub && tft_is_dir(sub);
	SECURITY_DESCRIPTOR_CONTROL control = 0;
	DWORD revision = 0;
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL acl = NULL;
	wchar_t *w = sub ? tft_wide(sub) : NULL;
	DWORD rc = w ? GetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
			       NULL, &acl, NULL, &sd)
		     : 1;
	bool broad = true;
	if (rc == ERROR_SUCCESS) {
		GetSecurityDescriptorControl(sd, &control, &revision);
		broad = !acl || grants_everyone(acl);
	}
	LocalFree(sd);
	tft_remove_tree(dir);
	free(w);
	free(dir);
	cr_assert(made, "mkdtemp: errno %d", errno);
	free(sub);
	cr_assert(rc == ERROR_SUCCESS, "GetNamedSecurityInfoW: %lu", (unsigned long)rc);
	cr_assert(!broad, "the DACL lets everyone in");
	if (under_wine() && !(control & SE_DACL_PROTECTED))
		cr_skip_test("wine does not keep the DACL's protected flag; checked on Windows only");
	cr_assert(control & SE_DACL_PROTECTED, "the DACL is not protected (control %#x)",
		(unsigned)control);
}

Test(create, relative_and_forward_slash_dirs_come_back_absolute_with_backslashes)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	wchar_t old[MAX_PATH];
	GetCurrentDirectoryW(MAX_PATH, old);
	wchar_t *w = tft_wide(dir);
	SetCurrentDirectoryW(w);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = "." }, &path);
	SetCurrentDirectoryW(old);
	if (fd >= 0)
		_close(fd);
	char *slashed = _strdup(dir);
	for (char *p = slashed; *p; p++)
		if (*p == '\\')
			*p = '/';
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = slashed });
	bool rel_ok = path && strncmp(path, dir, strlen(dir)) == 0 && path[strlen(dir)] == '\\' &&
		!strchr(path + strlen(dir) + 1, '\\');
	bool slash_ok = sub && strncmp(sub, dir, strlen(dir)) == 0 && !strchr(sub, '/');
	tft_remove_tree(dir);
	cr_assert(rel_ok, "dir \".\": %s (cwd %s)", path ? path : "(null)", dir);
	cr_assert(slash_ok, "dir %s: %s", slashed, sub ? sub : "(null)");
	free(path);
	free(sub);
	free(slashed);
	free(w);
	free(dir);
}

Test(create, a_temporary_directory_with_a_non_ascii_name_works)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	/* "é中" in UTF-8 */
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .prefix = "\xc3\xa9\xe4\xb8\xad" });
	cr_assert(sub != NULL, "errno %d", errno);
	cr_assert(tempfile_settempdir(sub) == 0, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(NULL, &path);
	char *d2 = tempfile_mkdtemp(NULL);
	(void)tempfile_settempdir(NULL);
	bool ok = fd >= 0 && strncmp(path, sub, strlen(sub)) == 0 && tft_exists(path) &&
		d2 && tft_is_dir(d2);
	if (fd >= 0)
		_close(fd);
	/* The name as Windows sees it, in UTF-16. */
	wchar_t *w = path ? tft_wide(path) : NULL;
	bool wide_ok = w && wcsstr(w, L"\x00e9\x4e2d") != NULL;
	tft_remove_tree(dir);
	free(w);
	free(d2);
	free(sub);
	free(dir);
	cr_assert(ok, "%s", path ? path : "(null)");
	cr_assert(wide_ok, "the UTF-16 name lost the characters");
	free(path);
}

Test(create, mkstemp_treats_a_directory_in_the_way_as_a_collision)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *blocker = tft_join(dir, "tmpcollidea");
	wchar_t *wb = tft_wide(blocker);
	BOOL made = CreateDirectoryW(wb, NULL);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	tf_test_script_names(NULL, 0);
	if (fd >= 0)
		_close(fd);
	bool ok = fd >= 0 && tft_ends_with(path, "\\tmpfreename") && tft_is_dir(blocker);
	tft_remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	cr_assert(made, "setup");
	cr_assert(ok, "fd %d errno %d path %s", fd, errno, path ? path : "(null)");
	free(path);
}

Test(create, mkdtemp_treats_a_file_in_the_way_as_a_collision)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *blocker = tft_join(dir, "tmpcollidea");
	wchar_t *wb = tft_wide(blocker);
	HANDLE h = CreateFileW(wb, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	CloseHandle(h);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	tf_test_script_names(NULL, 0);
	bool ok = sub && tft_ends_with(sub, "\\tmpfreename") && tft_is_dir(sub);
	tft_remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	cr_assert(h != INVALID_HANDLE_VALUE, "setup");
	cr_assert(ok, "errno %d path %s", errno, sub ? sub : "(null)");
	free(sub);
}

Test(create, a_file_pending_deletion_is_a_collision)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *blocker = tft_join(dir, "tmpcollidea");
	wchar_t *wb = tft_wide(blocker);
	/* Open, then delete while open: the name stays taken until closed. */
	HANDLE h = CreateFileW(wb, GENERIC_WRITE | DELETE, FILE_SHARE_DELETE, NULL, CREATE_NEW,
		FILE_ATTRIBUTE_NORMAL, NULL);
	BOOL deleted = h != INVALID_HANDLE_VALUE && DeleteFileW(wb);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	tf_test_script_names(NULL, 0);
	int e = errno;
	if (fd >= 0)
		_close(fd);
	CloseHandle(h);
	bool ok = fd >= 0 && tft_ends_with(path, "\\tmpfreename");
	tft_remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	cr_assert(deleted, "setup");
	cr_assert(ok, "fd %d errno %d path %s", fd, e, path ? path : "(null)");
	free(path);
}

/* Windows reports a directory in the way as EACCES: still a collision. */
Test(create, an_access_denied_name_that_exists_is_a_collision)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *blocker = tft_join(dir, "tmpcollidea");
	wchar_t *wb = tft_wide(blocker);
	BOOL made = CreateDirectoryW(wb, NULL);
	static const char *const names[] = { "collide", "freename", "collide", "freedir" };
	tf_test_script_names(names, 4);
	tf_test_win32_denied(1);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	int e = errno;
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	int e2 = errno;
	tf_test_win32_denied(0);
	tf_test_script_names(NULL, 0);
	if (fd >= 0)
		_close(fd);
	bool ok = fd >= 0 && tft_ends_with(path, "\\tmpfreename");
	bool dir_ok = sub && tft_ends_with(sub, "\\tmpfreedira");
	tft_remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	cr_assert(made, "setup");
	cr_assert(ok, "mkstemp: fd %d errno %d path %s", fd, e, path ? path : "(null)");
	cr_assert(dir_ok, "mkdtemp: errno %d path %s", e2, sub ? sub : "(null)");
	free(path);
	free(sub);
}

/* Unlike Python (which retries while the directory exists), access denied
 * for a name that does not exist fails at once, as on POSIX. */
Test(create, access_denied_for_a_free_name_fails_with_eacces)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	tf_test_win32_denied(2);
	errno = 0;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	int e = errno;
	errno = 0;
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	int e2 = errno;
	tf_test_win32_denied(0);
	if (fd >= 0)
		_close(fd);
	tft_remove_tree(dir);
	free(dir);
	cr_assert(fd == -1 && e == EACCES, "mkstemp: fd %d errno %d", fd, e);
	cr_assert(!sub && e2 == EACCES, "mkdtemp: errno %d", e2);
	free(sub);
}

Test(create, mkstemp_gives_up_with_eexist_after_tmp_max_collisions)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *blocker = tft_join(dir, "tmpaaaaaaaa");
	wchar_t *wb = tft_wide(blocker);
	CreateDirectoryW(wb, NULL);
	tf_test_narrow_alphabet(1); /* every name is "aaaaaaaa" */
	errno = 0;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	int e = errno;
	tf_test_narrow_alphabet(0);
	if (fd >= 0)
		_close(fd);
	tft_remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	cr_assert(fd == -1 && e == EEXIST, "fd %d errno %d", fd, e);
}
#endif
