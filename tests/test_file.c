/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_file.c - TemporaryFile, NamedTemporaryFile and persist (src/file.c).
 * Each test runs in its own process, so umask, rlimits and mount
 * namespaces may be changed freely.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#  include <windows.h>
/* No links are made on Windows here: stat is lstat. */
#  define lstat stat
#  define O_CLOEXEC O_NOINHERIT
#else
#  include <dirent.h>
#  include <grp.h>
#  include <sched.h>
#  include <signal.h>
#  include <sys/mount.h>
#  include <sys/resource.h>
#  include <sys/wait.h>
#endif

/* ---- helpers ------------------------------------------------------------------ */

#ifndef _WIN32 /* /proc, O_TMPFILE, modes */
/* What /proc/self/fd/<fd> points at. NEW. */
static char *fd_link(int fd)
{
	char proc[64], buf[PATH_MAX];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, sizeof buf - 1);
	cr_assert_gt(n, 0, "readlink %s: %s", proc, strerror(errno));
	buf[n] = '\0';
	return strdup(buf);
}

/* True when dir's file system takes O_TMPFILE (so the fast path is real). */
static bool o_tmpfile_works(const char *dir)
{
#ifdef O_TMPFILE
	int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	close(fd);
	return true;
#else
	(void)dir;
	return false;
#endif
}

/* Take the O_TMPFILE path (skipping if the file system lacks it) or the
 * forced fallback. */
static void choose_path(const char *dir, bool fallback)
{
	tf_test_disable_o_tmpfile(fallback);
	if (!fallback && !o_tmpfile_works(dir))
		cr_skip_test("no O_TMPFILE on the file system of %s", dir);
}

#endif

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);
#ifdef _WIN32 /* the CRT's write takes an unsigned count */
	cr_assert_eq(write(fd, s, (unsigned)n), (int)n, "write: %s", strerror(errno));
#else
	cr_assert_eq(write(fd, s, n), (ssize_t)n, "write: %s", strerror(errno));
#endif
}

/* The contents of a small file, NEW. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

#ifndef _WIN32
/* A new read-only descriptor for the file open at fd (named or not). */
static int reopen_read_only(int fd)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int reader = open(proc, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(reader, 0, "open %s: %s", proc, strerror(errno));
	return reader;
}

#endif

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

#ifndef _WIN32 /* modes, mounts, rlimits, /proc */

static mode_t file_mode(int fd)
{
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	return st.st_mode & 07777;
}

/* A scratch directory with a full 64 KiB tmpfs mounted at <scratch>/full,
 * in a mount namespace private to this test process (gone when it exits).
 * Returns the mount point (NEW) or NULL when mounting is not allowed. */
static char *full_tmpfs(const char *scratch)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return NULL;
	char *mnt = tft_join(scratch, "full");
	cr_assert_eq(mkdir(mnt, 0755), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
		rmdir(mnt);
		free(mnt);
		return NULL;
	}
	char *filler = tft_join(mnt, "filler");
	int fd = open(filler, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	static const char block[4096];
	while (write(fd, block, sizeof block) > 0)
		;
	cr_assert_eq(errno, ENOSPC, "filling tmpfs: %s", strerror(errno));
	close(fd);
	free(filler);
	return mnt;
}

/* Make the next write to a regular file fail: a full tmpfs (ENOSPC) when
 * this process may mount, else RLIMIT_FSIZE 0 with SIGXFSZ ignored (EFBIG).
 * Returns the directory to create files in (NEW) and the errno to expect. */
static char *failing_write_dir(const char *scratch, int *expect_errno, bool *mounted)
{
	char *mnt = full_tmpfs(scratch);
	if (mnt) {
		cr_log_info("writes fail with ENOSPC: full tmpfs at %s", mnt);
		*expect_errno = ENOSPC;
		*mounted = true;
		return mnt;
	}
	*mounted = false;
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = { 0, 0 };
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
		cr_skip_test("neither a tmpfs mount nor RLIMIT_FSIZE can make a write fail");
	cr_log_info("writes fail with EFBIG: RLIMIT_FSIZE 0 (no tmpfs mount allowed)");
	*expect_errno = EFBIG;
	return strdup(scratch);
}

static void release_failing_write_dir(char *dir, bool mounted)
{
	if (mounted)
		umount2(dir, MNT_DETACH);
	free(dir);
}

/* Open descriptors, without Criterion (for forked children); -1 on error. */
static int count_fds_quietly(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}
#endif

/* ---- tf_check_fopen_mode ----------------------------------------------------------- */

Test(fopen_mode, accepts_every_fopen_mode)
{
	static const char *const good[] = { "r", "w", "a", "r+", "w+", "a+", "rb", "wb", "ab",
		"r+b", "rb+", "w+b", "wb+", "a+b", "ab+", "rt", "w+t", "wx", "w+bx", "re", "w+be" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		cr_expect_eq(tf_check_fopen_mode(good[i], NULL), 0, "mode \"%s\" rejected", good[i]);
	cr_expect_eq(tf_check_fopen_mode(NULL, NULL), 0);
}

Test(fopen_mode, rejects_malformed_modes_with_einval)
{
	static const char *const bad[] = { "", "z", "wr", "+w", "rw", "w++", "wbb", "wbt", "b",
		"w+z", "x", "a+ ", " w" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_expect_eq(tf_check_fopen_mode(bad[i], NULL), -EINVAL, "mode \"%s\" accepted",
			bad[i]);
	}
}

Test(fopen_mode, reports_append_only_for_a_modes)
{
	bool append = true;
	cr_assert_eq(tf_check_fopen_mode(NULL, &append), 0);
	cr_expect_not(append);
	cr_assert_eq(tf_check_fopen_mode("r+", &append), 0);
	cr_expect_not(append);
	cr_assert_eq(tf_check_fopen_mode("a+b", &append), 0);
	cr_expect(append);
}

/* ---- TemporaryFile ----------------------------------------------------------------- */

TestSuite(temporary, .init = tft_scratch_setup, .fini = tft_scratch_teardown);

#ifndef _WIN32 /* the two paths seen through /proc, modes, descriptor flags, links */
static void check_no_directory_entry(bool fallback)
{
	char *dir = tft_scratch();
	choose_path(dir, fallback);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = dir, .prefix = "pre" });
	cr_assert_geq(fd, 0, "tempfile_temporary_fd: %s", strerror(errno));
	write_all(fd, "data");
	cr_expect_eq(tft_count_entries(dir), 0, "a directory entry is visible");
	char *link = fd_link(fd);
	cr_expect(strstr(link, "(deleted)"), "link %s", link);
	if (fallback)
		cr_expect(strstr(link, "/pre"), "fallback file not made by the retry loop: %s", link);
	else
		cr_expect(strstr(link, "/#"), "O_TMPFILE not used: %s", link);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_nlink, 0);
	cr_expect_eq(st.st_size, 4);
	/* Python's test_has_no_name: the directory can go while the file is open. */
	cr_expect_eq(rmdir(dir), 0, "rmdir: %s", strerror(errno));
	cr_expect_eq(close(fd), 0);
	free(link);
	tft_remove_tree(dir);
	free(dir);
}

Test(temporary, o_tmpfile_path_leaves_no_directory_entry)
{
	check_no_directory_entry(false);
}

Test(temporary, fallback_path_leaves_no_directory_entry)
{
	check_no_directory_entry(true);
}

static void check_modes_under_umask(bool fallback)
{
	char *dir = tft_scratch();
	choose_path(dir, fallback);
	static const struct {
		mode_t umask;
		unsigned mode;
		mode_t expect;
	} cases[] = {
		{ 022, 0, 0600 }, { 077, 0, 0600 }, { 0, 0, 0600 }, { 027, 0664, 0640 },
		{ 0, 0640, 0640 }, { 0277, 0, 0400 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		umask(cases[i].umask);
		int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = dir, .mode = cases[i].mode });
		cr_assert_geq(fd, 0, "case %zu: %s", i, strerror(errno));
		cr_expect_eq(file_mode(fd), cases[i].expect, "case %zu: mode %o, expected %o", i,
			(unsigned)file_mode(fd), (unsigned)cases[i].expect);
		close(fd);
	}
	cr_expect_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(temporary, o_tmpfile_path_mode_is_0600_or_given_under_umask)
{
	check_modes_under_umask(false);
}

Test(temporary, fallback_path_mode_is_0600_or_given_under_umask)
{
	check_modes_under_umask(true);
}

static void check_cloexec(bool fallback)
{
	char *dir = tft_scratch();
	choose_path(dir, fallback);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = dir });
	cr_assert_geq(fd, 0);
	int fdflags = fcntl(fd, F_GETFD);
	cr_expect(fdflags & FD_CLOEXEC);
	cr_expect_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
	FILE *f = tempfile_temporary(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(f);
	cr_expect(fcntl(fileno(f), F_GETFD) & FD_CLOEXEC);
	fclose(f);
	tft_remove_tree(dir);
	free(dir);
}

Test(temporary, o_tmpfile_path_sets_cloexec)
{
	check_cloexec(false);
}

Test(temporary, fallback_path_sets_cloexec)
{
	check_cloexec(true);
}

Test(temporary, works_in_a_dir_that_is_a_symlink_on_the_o_tmpfile_path)
{
	char *scratch = tft_scratch();
	char *real = tft_join(scratch, "real"), *link = tft_join(scratch, "link");
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink("real", link), 0);
	choose_path(real, false);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = link });
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	char *target = fd_link(fd);
	/* Through the link, and still O_TMPFILE (Python falls back here). */
	cr_expect(strstr(target, "/real/#"), "link %s", target);
	cr_expect_eq(tft_count_entries(real), 0);
	close(fd);
	free(target);
	tft_remove_tree(scratch);
	free(scratch);
	free(real);
	free(link);
}

Test(temporary, works_in_a_dir_that_is_a_symlink_on_the_fallback_path)
{
	char *scratch = tft_scratch();
	char *real = tft_join(scratch, "real"), *link = tft_join(scratch, "link");
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink("real", link), 0);
	tf_test_disable_o_tmpfile(true);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = link });
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	cr_expect_eq(tft_count_entries(real), 0);
	close(fd);
	tft_remove_tree(scratch);
	free(scratch);
	free(real);
	free(link);
}

Test(temporary, uses_the_default_directory_when_no_dir_is_given)
{
	cr_assert_eq(tempfile_settempdir(tft_dir), 0);
	for (int fallback = 0; fallback <= 1; fallback++) {
		tf_test_disable_o_tmpfile(fallback);
		int fd = tempfile_temporary_fd(NULL);
		cr_assert_geq(fd, 0, "%s", strerror(errno));
		char *link = fd_link(fd);
		cr_expect_eq(strncmp(link, tft_dir, strlen(tft_dir)), 0, "%s not in %s", link, tft_dir);
		close(fd);
		free(link);
	}
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

#endif

Test(temporary, invalid_mode_fails_with_einval_and_creates_nothing)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	static const char *const bad[] = { "wr", "", "z", "+w", "w+bt" };
	for (int fallback = 0; fallback <= 1; fallback++) {
		tf_test_disable_o_tmpfile(fallback);
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			errno = 0;
			cr_expect_null(tempfile_temporary(&(struct tempfile_opts){ .dir = tft_dir }, bad[i]));
			cr_expect_eq(errno, EINVAL, "mode \"%s\": %s", bad[i], strerror(errno));
		}
	}
	cr_expect_eq(tft_count_entries(tft_dir), 0);
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
}

#ifndef _WIN32 /* F_GETFL, pread, /proc; the access of descriptors */
static void check_stream_modes(bool fallback)
{
	char *dir = tft_scratch();
	choose_path(dir, fallback);
	const struct tempfile_opts o = { .dir = dir };
	char buf[16] = { 0 };

	FILE *f = tempfile_temporary(&o, NULL); /* "w+b" */
	cr_assert_not_null(f);
	cr_expect_geq(fputs("1234", f), 0); /* C: nonnegative (glibc 1, musl 0) */
	rewind(f);
	cr_expect_eq(fread(buf, 1, sizeof buf, f), 4);
	cr_expect_str_eq(buf, "1234");
	cr_expect_eq(fclose(f), 0);

	f = tempfile_temporary(&o, "r+");
	cr_assert_not_null(f);
	cr_expect_geq(fputs("abc\n", f), 0);
	rewind(f);
	cr_expect_not_null(fgets(buf, sizeof buf, f));
	cr_expect_str_eq(buf, "abc\n");
	fclose(f);

	/* "a+": every write goes to the end, wherever the position is. */
	f = tempfile_temporary(&o, "a+");
	cr_assert_not_null(f);
	cr_expect_geq(fputs("abc", f), 0);
	cr_expect_eq(fseek(f, 0, SEEK_SET), 0);
	cr_expect_geq(fputs("d", f), 0);
	cr_expect_eq(fflush(f), 0);
	cr_expect(fcntl(fileno(f), F_GETFL) & O_APPEND);
	rewind(f);
	memset(buf, 0, sizeof buf);
	cr_expect_eq(fread(buf, 1, sizeof buf, f), 4);
	cr_expect_str_eq(buf, "abcd");
	fclose(f);

	/* "a": the same without reading; checked through a read-only
	 * reopen of the descriptor, which is write-only itself. */
	f = tempfile_temporary(&o, "ab");
	cr_assert_not_null(f);
	cr_expect_geq(fputs("xy", f), 0);
	cr_expect_eq(fseek(f, 0, SEEK_SET), 0);
	cr_expect_geq(fputs("z", f), 0);
	cr_expect_eq(fflush(f), 0);
	memset(buf, 0, sizeof buf);
	int reader = reopen_read_only(fileno(f));
	cr_expect_eq(pread(reader, buf, sizeof buf, 0), 3);
	cr_expect_str_eq(buf, "xyz");
	close(reader);
	fclose(f);

	/* "w": writes work, reads fail. */
	f = tempfile_temporary(&o, "w");
	cr_assert_not_null(f);
	cr_expect_geq(fputs("w", f), 0);
	cr_expect_eq(fflush(f), 0);
	rewind(f);
	cr_expect_eq(fgetc(f), EOF);
	cr_expect(ferror(f));
	fclose(f);

	/* "r": an empty file that cannot be written through the stream. */
	f = tempfile_temporary(&o, "rb");
	cr_assert_not_null(f);
	cr_expect_eq(fgetc(f), EOF);
	cr_expect(feof(f));
	cr_expect_eq(fputc('x', f), EOF);
	cr_expect(ferror(f));
	fclose(f);

	cr_expect_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(temporary, o_tmpfile_path_honours_every_mode)
{
	check_stream_modes(false);
}

Test(temporary, fallback_path_honours_every_mode)
{
	check_stream_modes(true);
}

/* Write a few bytes through f, go back to 0 and ask for 1 MiB at once:
 * glibc reads a request that large straight from the descriptor, past the
 * stream's own refusal, so only the descriptor's access can stop it. The
 * count read; *err gets errno. */
static size_t large_read_after_write(FILE *f, int *err)
{
	cr_assert_eq(fwrite("secret", 1, 6, f), 6);
	cr_assert_eq(fflush(f), 0);
	cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
	size_t n = 1 << 20;
	char *buf = malloc(n);
	cr_assert_not_null(buf);
	errno = 0;
	size_t got = fread(buf, 1, n, f);
	*err = errno;
	free(buf);
	return got;
}

static const char *const write_only_modes[] = { "w", "wb", "a", "ab" };
static const char *const read_write_modes[] = { "w+", "w+b", "r+", "a+", "ab+" };

/* What each mode makes the descriptor: the stream's access, no more. */
static void check_access(FILE *f, const char *mode)
{
	int expect = !strchr(mode, '+') ? (mode[0] == 'r' ? O_RDONLY : O_WRONLY) : O_RDWR;
	int fl = fcntl(fileno(f), F_GETFL);
	cr_assert_geq(fl, 0);
	cr_expect_eq(fl & O_ACCMODE, expect, "mode \"%s\": access %d", mode, fl & O_ACCMODE);
}

static void check_descriptor_access(bool fallback)
{
	char *dir = tft_scratch();
	choose_path(dir, fallback);
	const struct tempfile_opts o = { .dir = dir };
	for (size_t i = 0; i < sizeof write_only_modes / sizeof *write_only_modes; i++) {
		FILE *f = tempfile_temporary(&o, write_only_modes[i]);
		cr_assert_not_null(f, "%s: %s", write_only_modes[i], strerror(errno));
		check_access(f, write_only_modes[i]);
		int err;
		cr_expect_eq(large_read_after_write(f, &err), 0, "mode \"%s\"", write_only_modes[i]);
		cr_expect(ferror(f), "mode \"%s\"", write_only_modes[i]);
		cr_expect_eq(err, TFT_STDIO_READ_REFUSAL_ERRNO, "mode \"%s\": %s", write_only_modes[i], strerror(err));
		cr_expect_eq(fclose(f), 0);
	}
	for (size_t i = 0; i < sizeof read_write_modes / sizeof *read_write_modes; i++) {
		FILE *f = tempfile_temporary(&o, read_write_modes[i]);
		cr_assert_not_null(f, "%s: %s", read_write_modes[i], strerror(errno));
		check_access(f, read_write_modes[i]);
		int err;
		cr_expect_eq(large_read_after_write(f, &err), 6, "mode \"%s\"", read_write_modes[i]);
		cr_expect_eq(fclose(f), 0);
	}
	/* "r": read-only, hence made by the retry loop and unlinked. */
	FILE *f = tempfile_temporary(&(struct tempfile_opts){ .dir = dir, .prefix = "ro" }, "rb");
	cr_assert_not_null(f, "rb: %s", strerror(errno));
	check_access(f, "rb");
	cr_expect_eq(write(fileno(f), "x", 1), -1, "the descriptor of \"r\" is read-only too");
	cr_expect_eq(errno, EBADF);
	char *link = fd_link(fileno(f));
	cr_expect(strstr(link, "/ro") && strstr(link, "(deleted)"), "link %s", link);
	free(link);
	cr_expect_eq(fclose(f), 0);
	cr_expect_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(temporary, o_tmpfile_path_descriptor_has_only_the_access_of_the_mode)
{
	check_descriptor_access(false);
}

Test(temporary, fallback_path_descriptor_has_only_the_access_of_the_mode)
{
	check_descriptor_access(true);
}

#endif

static void check_option_errors(bool fallback)
{
	char *dir = tft_scratch();
	char *missing = tft_join(dir, "missing");
	char *file = tft_join(dir, "file");
	tft_write_file(file, "x");
	tf_test_disable_o_tmpfile(fallback);
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	static const struct {
		struct tempfile_opts o;
		int expect;
	} cases[] = {
		{ { .prefix = "a/b" }, EINVAL },
		{ { .suffix = "/x" }, EINVAL },
		{ { .dir = "" }, EINVAL },
		{ { .flags = TEMPFILE_KEEP }, EINVAL },
		{ { .flags = TEMPFILE_NOREPLACE }, EINVAL },
		{ { .flags = 0x8000 }, EINVAL },
		{ { .mode = 010000 }, EINVAL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct tempfile_opts o = cases[i].o;
		if (!o.dir)
			o.dir = dir;
		errno = 0;
		cr_expect_eq(tempfile_temporary_fd(&o), -1, "case %zu", i);
		cr_expect_eq(errno, cases[i].expect, "case %zu: %s", i, strerror(errno));
		errno = 0;
		cr_expect_null(tempfile_temporary(&o, "w+"), "case %zu", i);
		cr_expect_eq(errno, cases[i].expect, "case %zu: %s", i, strerror(errno));
	}
	errno = 0;
	cr_expect_eq(tempfile_temporary_fd(&(struct tempfile_opts){ .dir = missing }), -1);
	cr_expect_eq(errno, ENOENT, "%s", strerror(errno));
#ifndef _WIN32 /* Windows says ENOENT (create::regular_file_as_dir_is_enotdir) */
	errno = 0;
	cr_expect_eq(tempfile_temporary_fd(&(struct tempfile_opts){ .dir = file }), -1);
	cr_expect_eq(errno, ENOTDIR, "%s", strerror(errno));
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
#endif
	cr_expect_eq(tft_count_entries(dir), 1);
	tft_remove_tree(dir);
	free(dir);
	free(missing);
	free(file);
}

Test(temporary, o_tmpfile_path_rejects_bad_options_and_leaks_nothing)
{
	check_option_errors(false);
}

Test(temporary, fallback_path_rejects_bad_options_and_leaks_nothing)
{
	check_option_errors(true);
}

Test(temporary, at_exit_on_either_path_leaves_no_registration_behind)
{
	for (int fallback = 0; fallback <= 1; fallback++) {
		tf_test_disable_o_tmpfile(fallback);
		int fd = tempfile_temporary_fd(
			&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_AT_EXIT | TEMPFILE_TEXT });
		cr_assert_geq(fd, 0, "%s", strerror(errno));
		/* The fallback's name was registered between create and unlink,
		 * then taken out: nothing stays registered for a nameless file. */
		cr_assert_eq(tf_test_registry_entries(), 0, "fallback %d", fallback);
		close(fd);
	}
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

#ifndef _WIN32 /* fork, setuid */
Test(temporary, unwritable_dir_fails_with_eacces_on_both_paths)
{
	cr_assert_eq(chmod(tft_dir, 0555), 0);
	/* Unprivileged in a child, so that root can remove the scratch after. */
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
			setresuid(65534, 65534, 65534) != 0)
			_exit(77);
		/* No cr_* calls here: Criterion rejects messages from a child
		 * (--full-stats reports even passing assertions). */
		int fds = count_fds_quietly();
		for (int fallback = 0; fallback <= 1; fallback++) {
			tf_test_disable_o_tmpfile(fallback);
			errno = 0;
			if (tempfile_temporary_fd(&(struct tempfile_opts){ .dir = tft_dir }) != -1 ||
				errno != EACCES)
				_exit(10 + fallback);
		}
		_exit(fds >= 0 && count_fds_quietly() == fds ? 0 : 20);
	}
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("cannot become nobody");
	cr_expect_eq(WEXITSTATUS(status), 0, "child failed at step %d", WEXITSTATUS(status));
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}
#endif

/* ---- NamedTemporaryFile --------------------------------------------------------------- */

TestSuite(named, .init = tft_scratch_setup, .fini = tft_scratch_teardown);

Test(named, creates_an_absolute_name_in_dir_with_mode_0600)
{
#ifndef _WIN32
	umask(022);
#endif
	struct tempfile *t =
		tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .prefix = "pre", .suffix = ".txt" }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	const char *path = tempfile_path(t);
	cr_assert_not_null(path);
	size_t dlen = strlen(tft_dir);
	cr_expect_eq(strncmp(path, tft_dir, dlen), 0);
#ifdef _WIN32
	cr_expect(path[1] == ':' && path[2] == '\\', "%s", path);
	cr_expect_eq(strncmp(path + dlen, "\\pre", 4), 0, "%s", path);
#else
	cr_expect_eq(path[0], '/');
	cr_expect_eq(strncmp(path + dlen, "/pre", 4), 0, "%s", path);
#endif
	cr_expect_str_eq(path + strlen(path) - 4, ".txt");
	cr_expect(tft_all_in(path + dlen + 4, TF_NAME_LEN, TF_NAME_ALPHABET));
	cr_expect(exists(path));
	int fd = tempfile_fileno(t);
	cr_assert_geq(fd, 0);
#ifndef _WIN32
	cr_expect_eq(file_mode(fd), 0600);
	cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_expect_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
#endif
	cr_expect_not_null(tempfile_stream(t));
	cr_expect_eq(fileno(tempfile_stream(t)), fd);
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

Test(named, close_deletes_the_file_and_the_data_was_readable_by_name)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, "w");
	cr_assert_not_null(t);
	cr_expect_geq(fputs("hello", tempfile_stream(t)), 0);
	cr_expect_eq(fflush(tempfile_stream(t)), 0);
	char *content = read_file(tempfile_path(t));
	cr_expect_str_eq(content, "hello");
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
	free(content);
}

Test(named, keep_survives_close_with_its_data)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_KEEP }, NULL);
	cr_assert_not_null(t);
	char *path = strdup(tempfile_path(t));
	cr_expect_geq(fputs("kept", tempfile_stream(t)), 0);
	cr_expect_eq(tempfile_close(t), 0);
	char *content = read_file(path);
	cr_expect_str_eq(content, "kept");
	cr_expect_eq(tft_count_entries(tft_dir), 1);
	free(content);
	free(path);
}

Test(named, close_stream_keeps_the_file_for_others_then_close_deletes_it)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, "w+");
	cr_assert_not_null(t);
	cr_expect_geq(fputs("shared", tempfile_stream(t)), 0); /* left in the buffer */
	cr_expect_eq(tempfile_close_stream(t), 0);
	cr_expect_null(tempfile_stream(t));
	errno = 0;
	cr_expect_eq(tempfile_fileno(t), -1);
	cr_expect_eq(errno, EBADF);
	cr_expect_eq(tempfile_close_stream(t), 0, "closing the stream twice is harmless");
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds, "the stream's descriptor is closed");
#endif
	/* Another program opens it by name, writes, closes. */
	int other = open(tempfile_path(t), O_RDWR | O_APPEND | O_CLOEXEC);
	cr_assert_geq(other, 0, "reopen by name: %s", strerror(errno));
	write_all(other, "+more");
	close(other);
	char *content = read_file(tempfile_path(t));
	cr_expect_str_eq(content, "shared+more");
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
	free(content);
}

Test(named, close_stream_with_keep_keeps_the_file_after_close)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_KEEP }, NULL);
	cr_assert_not_null(t);
	char *path = strdup(tempfile_path(t));
	cr_expect_eq(tempfile_close_stream(t), 0);
	cr_expect(exists(path));
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect(exists(path));
	free(path);
}

Test(named, close_after_someone_else_deleted_the_file_returns_zero)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(unlink(tempfile_path(t)), 0);
	cr_expect_eq(tempfile_close(t), 0);
	t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_expect_eq(tempfile_close_stream(t), 0);
	cr_assert_eq(unlink(tempfile_path(t)), 0);
	cr_expect_eq(tempfile_close(t), 0);
}

Test(named, close_reports_a_failed_unlink_unless_told_to_ignore_it)
{
#ifdef _WIN32
	cr_skip_test("a name deleted while open cannot be a directory until closed on Windows");
#endif
	/* Someone swaps the file for a directory: unlink says EISDIR. */
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	char *path = strdup(tempfile_path(t));
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(tft_mkdir(path), 0);
	errno = 0;
	cr_expect_eq(tempfile_close(t), -1);
	cr_expect_eq(errno, EISDIR, "%s", strerror(errno));
	cr_assert_eq(rmdir(path), 0);
	free(path);

	t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_IGNORE_CLEANUP_ERRORS }, NULL);
	cr_assert_not_null(t);
	path = strdup(tempfile_path(t));
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(tft_mkdir(path), 0);
	cr_expect_eq(tempfile_close(t), 0);
	free(path);
}

#ifndef _WIN32 /* a full tmpfs or RLIMIT_FSIZE */
Test(named, close_reports_a_failed_flush_and_still_deletes)
{
	char *scratch = tft_scratch();
	int expect;
	bool mounted;
	char *dir = failing_write_dir(scratch, &expect, &mounted);
	long before = tft_count_entries(dir);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	/* Small enough to stay in the stdio buffer until close. */
	cr_assert_eq(fwrite("lost data", 1, 9, tempfile_stream(t)), 9);
	errno = 0;
	cr_expect_eq(tempfile_close(t), -1, "a failed flush must not be silent");
	cr_expect_eq(errno, expect, "errno %s", strerror(errno));
	cr_expect_eq(tft_count_entries(dir), before, "the file is deleted all the same");
	release_failing_write_dir(dir, mounted);
	tft_remove_tree(scratch);
	free(scratch);
}
#endif

#ifndef _WIN32 /* a full tmpfs or RLIMIT_FSIZE */
Test(named, close_stream_reports_a_failed_flush_and_closes_anyway)
{
	char *scratch = tft_scratch();
	int expect;
	bool mounted;
	char *dir = failing_write_dir(scratch, &expect, &mounted);
	long before = tft_count_entries(dir);
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	cr_assert_eq(fwrite("lost", 1, 4, tempfile_stream(t)), 4);
	errno = 0;
	cr_expect_eq(tempfile_close_stream(t), -1);
	cr_expect_eq(errno, expect, "errno %s", strerror(errno));
	cr_expect_null(tempfile_stream(t));
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
	cr_expect_eq(tempfile_close(t), 0, "the failure was reported already");
	cr_expect_eq(tft_count_entries(dir), before);
	release_failing_write_dir(dir, mounted);
	tft_remove_tree(scratch);
	free(scratch);
}
#endif

Test(named, append_mode_appends)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, "a+");
	cr_assert_not_null(t);
	FILE *f = tempfile_stream(t);
	cr_expect_geq(fputs("abc", f), 0);
	cr_expect_eq(fseek(f, 0, SEEK_SET), 0);
	cr_expect_geq(fputs("d", f), 0);
	cr_expect_eq(fflush(f), 0);
	char *content = read_file(tempfile_path(t));
	cr_expect_str_eq(content, "abcd");
	cr_expect_eq(tempfile_close(t), 0);
	free(content);
}

/* Unlike Python's NamedTemporaryFile(mode="ab+"), whose writes after a seek
 * go to the position, every write appends (O_APPEND); reads still read at
 * the position. */
Test(named, append_plus_modes_append_every_write_and_read_at_the_position)
{
	static const char *const modes[] = { "a+", "ab+" };
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, modes[i]);
		cr_assert_not_null(t);
		FILE *f = tempfile_stream(t);
		cr_assert_not_null(f);
#ifndef _WIN32
		cr_expect(fcntl(tempfile_fileno(t), F_GETFL) & O_APPEND, "%s", modes[i]);
#endif
		cr_expect_geq(fputs("abc", f), 0);
		cr_expect_eq(fseek(f, 0, SEEK_SET), 0);
		cr_expect_eq(fgetc(f), 'a', "%s", modes[i]);
		cr_expect_eq(fseek(f, 0, SEEK_CUR), 0);
		cr_expect_geq(fputs("d", f), 0);
		cr_expect_eq(fflush(f), 0);
		cr_expect_eq(ftell(f), 4, "%s: the position follows the append", modes[i]);
		cr_expect_eq(fseek(f, 1, SEEK_SET), 0);
		cr_expect_geq(fputs("e", f), 0);
		cr_expect_eq(fseek(f, 1, SEEK_SET), 0);
		char buf[8] = { 0 };
		cr_expect_eq(fread(buf, 1, sizeof buf - 1, f), 4, "%s", modes[i]);
		cr_expect_str_eq(buf, "bcde", "%s", modes[i]);
		char *content = read_file(tempfile_path(t));
		cr_expect_str_eq(content, "abcde", "%s", modes[i]);
		free(content);
		cr_expect_eq(tempfile_close(t), 0);
	}
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

Test(named, read_only_mode_cannot_write_through_the_stream)
{
#ifdef _WIN32
	/* the CRT buffers the refused byte and fails the flush at close */
	cr_skip_test("tempfile_close reports EIO on Windows after a refused fputc");
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, "r");
	cr_assert_not_null(t);
	cr_expect_eq(fputc('x', tempfile_stream(t)), EOF);
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

#ifndef _WIN32 /* F_GETFL */
Test(named, descriptor_has_only_the_access_of_the_mode)
{
	const struct tempfile_opts o = { .dir = tft_dir };
	for (size_t i = 0; i < sizeof write_only_modes / sizeof *write_only_modes; i++) {
		struct tempfile *t = tempfile_named(&o, write_only_modes[i]);
		cr_assert_not_null(t, "%s: %s", write_only_modes[i], strerror(errno));
		FILE *f = tempfile_stream(t);
		cr_assert_not_null(f);
		check_access(f, write_only_modes[i]);
		cr_expect_eq(tempfile_fileno(t), fileno(f));
		int err;
		cr_expect_eq(large_read_after_write(f, &err), 0, "mode \"%s\"", write_only_modes[i]);
		cr_expect(ferror(f), "mode \"%s\"", write_only_modes[i]);
		cr_expect_eq(err, TFT_STDIO_READ_REFUSAL_ERRNO, "mode \"%s\": %s", write_only_modes[i], strerror(err));
		char *content = read_file(tempfile_path(t));
		cr_expect_str_eq(content, "secret", "the writes went through");
		free(content);
		cr_expect_eq(tempfile_close(t), 0);
	}
	for (size_t i = 0; i < sizeof read_write_modes / sizeof *read_write_modes; i++) {
		struct tempfile *t = tempfile_named(&o, read_write_modes[i]);
		cr_assert_not_null(t, "%s: %s", read_write_modes[i], strerror(errno));
		FILE *f = tempfile_stream(t);
		check_access(f, read_write_modes[i]);
		int err;
		cr_expect_eq(large_read_after_write(f, &err), 6, "mode \"%s\"", read_write_modes[i]);
		cr_expect_eq(tempfile_close(t), 0);
	}
	struct tempfile *t = tempfile_named(&o, "r");
	cr_assert_not_null(t);
	check_access(tempfile_stream(t), "r");
	tft_write_file(tempfile_path(t), "by name");
	char buf[16] = { 0 };
	cr_expect_eq(fread(buf, 1, sizeof buf, tempfile_stream(t)), 7, "others write, we read");
	cr_expect_str_eq(buf, "by name");
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}
#endif

TestSuite(persist, .init = tft_scratch_setup, .fini = tft_scratch_teardown);

Test(persist, works_for_a_write_only_and_a_read_only_file)
{
	static const char *const modes[] = { "w", "r" };
	for (size_t i = 0; i < 2; i++) {
		struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, modes[i]);
		cr_assert_not_null(t);
		if (i == 0)
			cr_assert_geq(fputs("data", tempfile_stream(t)), 0);
		char *target = tft_join(tft_dir, modes[i]);
		cr_expect_eq(tempfile_persist(t, target, TEMPFILE_SYNC), 0, "%s: %s", modes[i],
			strerror(errno));
		cr_expect_eq(tempfile_close(t), 0);
		char *content = read_file(target);
		cr_expect_str_eq(content, i == 0 ? "data" : "");
		free(content);
		free(target);
	}
	cr_expect_eq(tft_count_entries(tft_dir), 2);
}

Test(named, bad_arguments_fail_cleanly_and_leak_nothing)
{
	char *missing = tft_join(tft_dir, "missing");
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	static const struct {
		struct tempfile_opts o;
		const char *mode;
		int expect;
	} cases[] = {
		{ { .prefix = "a/b" }, NULL, EINVAL },
		{ { .suffix = "/" }, NULL, EINVAL },
		{ { .flags = TEMPFILE_NOREPLACE }, NULL, EINVAL },
		{ { .flags = TEMPFILE_SYNC }, NULL, EINVAL },
		{ { .flags = 0x4000 }, NULL, EINVAL },
		{ { .mode = 017777 }, NULL, EINVAL },
		{ { 0 }, "wr", EINVAL },
		{ { 0 }, "", EINVAL },
		{ { 0 }, "+w", EINVAL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct tempfile_opts o = cases[i].o;
		o.dir = tft_dir;
		errno = 0;
		cr_expect_null(tempfile_named(&o, cases[i].mode), "case %zu", i);
		cr_expect_eq(errno, cases[i].expect, "case %zu: %s", i, strerror(errno));
	}
	errno = 0;
	cr_expect_null(tempfile_named(&(struct tempfile_opts){ .dir = missing }, NULL));
	cr_expect_eq(errno, ENOENT);
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
	cr_expect_eq(tft_count_entries(tft_dir), 0);
	cr_expect_eq(tempfile_close(NULL), 0);
	cr_expect_null(tempfile_stream(NULL));
	cr_expect_null(tempfile_path(NULL));
	free(missing);
}

Test(named, stream_is_made_on_first_use_and_shares_the_descriptor)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds + 1);
#endif
	int fd = tempfile_fileno(t);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "by fd,", 6), 6);
	FILE *f = tempfile_stream(t);
	cr_assert_not_null(f);
	cr_assert_eq(tempfile_stream(t), f, "the same stream every call");
	cr_assert_eq(fileno(f), fd);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds + 1, "no second descriptor");
#endif
	cr_assert_geq(fputs(" by stream", f), 0);
	cr_assert_eq(tempfile_close_stream(t), 0);
	char buf[32] = "";
	FILE *r = fopen(tempfile_path(t), "r");
	cr_assert_not_null(r);
	cr_assert_not_null(fgets(buf, sizeof buf, r));
	fclose(r);
	cr_assert_str_eq(buf, "by fd, by stream");
	cr_assert_eq(tempfile_close(t), 0);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
}

Test(named, close_stream_without_a_stream_closes_the_descriptor)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(tempfile_close_stream(t), 0);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
	errno = 0;
	cr_assert_null(tempfile_stream(t));
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(tempfile_fileno(t), -1);
	cr_assert_eq(tft_count_entries(tft_dir), 1, "the file stays until tempfile_close");
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

Test(named, at_exit_registers_and_close_takes_it_out_again)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_AT_EXIT }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	cr_assert_eq(tft_count_entries(tft_dir), 1);
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	/* Closed, so no longer registered: a file made at a fresh name now
	 * is not touched by a cleanup. */
	char *other = tft_join(tft_dir, "other");
	tft_write_file(other, "x");
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 1);
	free(other);
}

Test(named, at_exit_object_is_removed_by_cleanup_now_while_open)
{
#ifdef _WIN32
	/* windows_named_file_with_at_exit_is_removed_by_cleanup_now closes the stream first */
	cr_skip_test("a file deleted while open stays listed until closed on Windows");
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_AT_EXIT }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	cr_assert_eq(tempfile_close(t), 0, "a file already removed is not an error");
}

/* ---- persist ------------------------------------------------------------------------ */

Test(persist, replaces_the_target_and_the_handle_keeps_writing_there)
{
	char *dest = tft_join(tft_dir, "final");
	tft_write_file(dest, "old contents");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, "w+");
	cr_assert_not_null(t);
	char *old = strdup(tempfile_path(t));
	cr_expect_geq(fputs("new", tempfile_stream(t)), 0); /* still buffered */
	cr_assert_eq(tempfile_persist(t, dest, 0), 0, "%s", strerror(errno));
	cr_expect_str_eq(tempfile_path(t), dest);
	cr_expect_not(exists(old));
	char *content = read_file(dest);
	cr_expect_str_eq(content, "new", "persist flushes first");
	free(content);
	cr_expect_geq(fputs(" and more", tempfile_stream(t)), 0);
	cr_expect_eq(tempfile_close(t), 0);
	content = read_file(dest);
	cr_expect_str_eq(content, "new and more");
	cr_expect_eq(tft_count_entries(tft_dir), 1, "persisted: never deleted");
	free(content);
	free(old);
	free(dest);
}

Test(persist, relative_target_becomes_an_absolute_path)
{
	cr_assert_eq(chdir(tft_dir), 0);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = "." }, NULL);
	cr_assert_not_null(t);
#ifdef _WIN32
	cr_expect(tempfile_path(t)[1] == ':' && tempfile_path(t)[2] == '\\', "%s", tempfile_path(t));
#else
	cr_expect_eq(tempfile_path(t)[0], '/');
#endif
	cr_assert_eq(tempfile_persist(t, "out.bin", 0), 0, "%s", strerror(errno));
	char *expect = tft_join(tft_dir, "out.bin");
	cr_expect_str_eq(tempfile_path(t), expect);
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect(exists(expect));
	free(expect);
}

static void check_noreplace(bool fallback)
{
	char *dir = tft_scratch();
#ifdef _WIN32
	(void)fallback; /* renameat2 is Linux's */
#else
	tf_test_disable_renameat2(fallback);
#endif
	char *dest = tft_join(dir, "final");
	tft_write_file(dest, "precious");
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t);
	char *temp = strdup(tempfile_path(t));
	cr_expect_geq(fputs("temp", tempfile_stream(t)), 0);
	errno = 0;
	cr_expect_eq(tempfile_persist(t, dest, TEMPFILE_NOREPLACE), -1);
	cr_expect_eq(errno, EEXIST, "%s", strerror(errno));
	char *content = read_file(dest);
	cr_expect_str_eq(content, "precious");
	free(content);
	cr_expect_str_eq(tempfile_path(t), temp, "the handle still owns the temporary file");
	content = read_file(temp);
	cr_expect_str_eq(content, "temp");
	free(content);
	struct stat st;
	cr_assert_eq(stat(temp, &st), 0);
	cr_expect_eq(st.st_nlink, 1, "no stray link left by the fallback");
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_not(exists(temp), "still deleted at close");
	cr_expect_eq(tft_count_entries(dir), 1);
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif

	/* And it succeeds where the target is free. */
	cr_assert_eq(unlink(dest), 0);
	t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t);
	cr_expect_geq(fputs("won", tempfile_stream(t)), 0);
	cr_assert_eq(tempfile_persist(t, dest, TEMPFILE_NOREPLACE), 0, "%s", strerror(errno));
	cr_expect_str_eq(tempfile_path(t), dest);
	cr_expect_eq(tempfile_close(t), 0);
	content = read_file(dest);
	cr_expect_str_eq(content, "won");
	cr_assert_eq(stat(dest, &st), 0);
	cr_expect_eq(st.st_nlink, 1);
	cr_expect_eq(tft_count_entries(dir), 1);
	free(content);
	free(temp);
	free(dest);
	tft_remove_tree(dir);
	free(dir);
}

Test(persist, noreplace_fails_with_eexist_and_keeps_temp)
{
	check_noreplace(false);
}

#ifndef _WIN32 /* renameat2 is Linux's */
Test(persist, noreplace_link_unlink_fallback_fails_with_eexist_and_keeps_temp)
{
	check_noreplace(true);
}
#endif

#ifndef _WIN32 /* /dev/shm, mkdtemp */
Test(persist, across_file_systems_fails_with_exdev_and_keeps_temp)
{
	struct stat shm, tmp;
	char *dir = tft_scratch();
	if (stat("/dev/shm", &shm) != 0 || stat(dir, &tmp) != 0 || shm.st_dev == tmp.st_dev)
		cr_skip_test("/dev/shm is not another file system here");
	char dest[] = "/dev/shm/tftest.XXXXXX";
	char *shmdir = mkdtemp(dest);
	cr_assert_not_null(shmdir);
	char *target = tft_join(shmdir, "final");
	for (int noreplace = 0; noreplace <= 1; noreplace++) {
		for (int fallback = 0; fallback <= noreplace; fallback++) {
#ifndef _WIN32 /* renameat2 is Linux's */
			tf_test_disable_renameat2(fallback);
#endif
			struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
			cr_assert_not_null(t);
			char *temp = strdup(tempfile_path(t));
			errno = 0;
			cr_expect_eq(tempfile_persist(t, target, noreplace ? TEMPFILE_NOREPLACE : 0), -1);
			cr_expect_eq(errno, EXDEV, "%s", strerror(errno));
			cr_expect_str_eq(tempfile_path(t), temp);
			cr_expect(exists(temp));
			cr_expect_not(exists(target));
			cr_expect_eq(tempfile_close(t), 0);
			cr_expect_not(exists(temp));
			free(temp);
		}
	}
	cr_expect_eq(tft_count_entries(dir), 0);
	free(target);
	tft_remove_tree(shmdir);
	tft_remove_tree(dir);
	free(dir);
}
#endif

Test(persist, sync_persists_with_the_stream_open_or_closed)
{
	char *a = tft_join(tft_dir, "a"), *b = tft_join(tft_dir, "b");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_expect_geq(fputs("synced", tempfile_stream(t)), 0);
	cr_assert_eq(tempfile_persist(t, a, TEMPFILE_SYNC), 0, "%s", strerror(errno));
	cr_expect_eq(tempfile_close(t), 0);
	char *content = read_file(a);
	cr_expect_str_eq(content, "synced");
	free(content);

	t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_expect_geq(fputs("closed first", tempfile_stream(t)), 0);
	cr_expect_eq(tempfile_close_stream(t), 0);
	cr_assert_eq(tempfile_persist(t, b, TEMPFILE_SYNC | TEMPFILE_NOREPLACE), 0, "%s",
		strerror(errno));
	cr_expect_eq(tempfile_close(t), 0);
	content = read_file(b);
	cr_expect_str_eq(content, "closed first");
	free(content);
	cr_expect_eq(tft_count_entries(tft_dir), 2);
	free(a);
	free(b);
}

Test(persist, persisting_again_moves_the_file_again)
{
	char *a = tft_join(tft_dir, "a"), *b = tft_join(tft_dir, "b");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(tempfile_persist(t, a, 0), 0);
	cr_assert_eq(tempfile_persist(t, b, TEMPFILE_NOREPLACE), 0, "%s", strerror(errno));
	cr_expect_str_eq(tempfile_path(t), b);
	cr_expect_not(exists(a));
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect(exists(b));
	free(a);
	free(b);
}

Test(persist, keep_and_persist_together_keep_the_final_file)
{
	char *a = tft_join(tft_dir, "a");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_KEEP }, NULL);
	cr_assert_not_null(t);
	cr_assert_eq(tempfile_persist(t, a, 0), 0);
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect(exists(a));
	cr_expect_eq(tft_count_entries(tft_dir), 1);
	free(a);
}

Test(persist, bad_arguments_fail_with_einval_and_touch_nothing)
{
	char *a = tft_join(tft_dir, "a");
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	char *temp = strdup(tempfile_path(t));
	static const unsigned bad_flags[] = { TEMPFILE_KEEP, TEMPFILE_AT_EXIT, TEMPFILE_TEXT, 0x100,
		TEMPFILE_SYNC | 0x80000000u };
	for (size_t i = 0; i < sizeof bad_flags / sizeof *bad_flags; i++) {
		errno = 0;
		cr_expect_eq(tempfile_persist(t, a, bad_flags[i]), -1);
		cr_expect_eq(errno, EINVAL, "flags %#x: %s", bad_flags[i], strerror(errno));
	}
	errno = 0;
	cr_expect_eq(tempfile_persist(t, NULL, 0), -1);
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_eq(tempfile_persist(NULL, a, 0), -1);
	cr_expect_eq(errno, EINVAL);
	errno = 0;
	cr_expect_eq(tempfile_persist(t, "", 0), -1);
	cr_expect_eq(errno, EINVAL);
	char *missing = tft_join(tft_dir, "missing/a");
	errno = 0;
	cr_expect_eq(tempfile_persist(t, missing, TEMPFILE_SYNC), -1);
	cr_expect_eq(errno, ENOENT);
	cr_expect_str_eq(tempfile_path(t), temp);
	cr_expect_not(exists(a));
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
#ifndef _WIN32
	cr_expect_eq(tft_count_fds(), fds);
#endif
	free(missing);
	free(temp);
	free(a);
}

#ifndef _WIN32 /* a full tmpfs or RLIMIT_FSIZE */
Test(persist, failed_flush_renames_nothing)
{
	char *scratch = tft_scratch();
	int expect;
	bool mounted;
	char *dir = failing_write_dir(scratch, &expect, &mounted);
	long before = tft_count_entries(dir);
	char *dest = tft_join(dir, "final");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t, "%s", strerror(errno));
	char *temp = strdup(tempfile_path(t));
	cr_assert_eq(fwrite("lost", 1, 4, tempfile_stream(t)), 4);
	errno = 0;
	cr_expect_eq(tempfile_persist(t, dest, 0), -1);
	cr_expect_eq(errno, expect, "%s", strerror(errno));
	cr_expect_not(exists(dest));
	cr_expect(exists(temp));
	cr_expect_str_eq(tempfile_path(t), temp);
	(void)tempfile_close(t); /* the buffered bytes may fail again */
	cr_expect_eq(tft_count_entries(dir), before);
	free(temp);
	free(dest);
	release_failing_write_dir(dir, mounted);
	tft_remove_tree(scratch);
	free(scratch);
}
#endif

Test(persist, target_directory_fails_and_keeps_temp)
{
#ifdef _WIN32
	cr_skip_test("Windows says EACCES, not EISDIR (MoveFileExW onto a directory)");
#endif
	char *sub = tft_join(tft_dir, "sub");
	cr_assert_eq(tft_mkdir(sub), 0);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	char *temp = strdup(tempfile_path(t));
	errno = 0;
	cr_expect_eq(tempfile_persist(t, sub, 0), -1);
	cr_expect_eq(errno, EISDIR, "%s", strerror(errno));
	cr_expect(exists(temp));
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_not(exists(temp));
	cr_expect_eq(tft_count_entries(tft_dir), 1);
	free(temp);
	free(sub);
}

/* persist to dir/final + suffix, a path that can only name a directory
 * ("final/", "final//", "final/."): ENOTDIR, whether final exists or not;
 * nothing renamed, final and the temporary file untouched, the handle still
 * owning the temporary file. relative: the path is given relative to dir. */
static void check_persist_to_a_directory_path(const char *suffix, bool target_exists,
	unsigned flags, bool link_fallback, bool relative)
{
	char *dir = tft_scratch();
#ifdef _WIN32
	(void)link_fallback; /* renameat2 is Linux's */
#else
	tf_test_disable_renameat2(link_fallback);
#endif
	char *dest = tft_join(dir, "final");
	if (target_exists)
		tft_write_file(dest, "precious");
	char *target = tft_format("%s%s", relative ? "final" : dest, suffix);
	if (relative)
		cr_assert_eq(chdir(dir), 0);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, NULL);
	cr_assert_not_null(t);
	char *temp = strdup(tempfile_path(t));
	cr_expect_geq(fputs("temp", tempfile_stream(t)), 0);
	errno = 0;
	cr_expect_eq(tempfile_persist(t, target, flags), -1, "%s", target);
	cr_expect_eq(errno, ENOTDIR, "%s: %s", target, strerror(errno));
	if (target_exists) {
		char *content = read_file(dest);
		cr_expect_str_eq(content, "precious", "%s replaced the file", target);
		free(content);
	} else {
		cr_expect_not(exists(dest), "%s made a file", target);
	}
	cr_expect_str_eq(tempfile_path(t), temp, "the handle still owns the temporary file");
	cr_assert_eq(fflush(tempfile_stream(t)), 0);
	char *content = read_file(temp);
	cr_expect_str_eq(content, "temp");
	free(content);
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_not(exists(temp), "still deleted at close");
	cr_expect_eq(tft_count_entries(dir), target_exists ? 1 : 0);
	free(temp);
	free(target);
	free(dest);
	tft_remove_tree(dir);
	free(dir);
}

Test(persist, trailing_slash_fails_with_enotdir_and_keeps_the_file_there)
{
	check_persist_to_a_directory_path("/", true, 0, false, false);
	check_persist_to_a_directory_path("/", true, 0, false, true);
}

Test(persist, trailing_slash_fails_with_enotdir_when_nothing_is_there)
{
	check_persist_to_a_directory_path("/", false, 0, false, false);
	check_persist_to_a_directory_path("/", false, 0, false, true);
}

Test(persist, trailing_slash_with_noreplace_fails_with_enotdir)
{
	for (int link_fallback = 0; link_fallback < 2; link_fallback++)
		for (int there = 0; there < 2; there++)
			check_persist_to_a_directory_path("/", there, TEMPFILE_NOREPLACE,
				link_fallback, false);
}

Test(persist, trailing_slashes_or_dot_component_fail_with_enotdir)
{
	static const char *const suffixes[] = { "//", "/.", "/./" };
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
		for (int there = 0; there < 2; there++)
			check_persist_to_a_directory_path(suffixes[i], there, 0, false, false);
}

Test(persist, temp_removed_by_someone_else_fails_with_enoent)
{
	char *a = tft_join(tft_dir, "a");
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = tft_dir }, NULL);
	cr_assert_not_null(t);
	cr_expect_eq(tempfile_close_stream(t), 0);
	cr_assert_eq(unlink(tempfile_path(t)), 0);
	for (unsigned flags = 0; flags <= (TEMPFILE_NOREPLACE | TEMPFILE_SYNC); flags += TEMPFILE_NOREPLACE) {
		errno = 0;
		cr_expect_eq(tempfile_persist(t, a, flags), -1, "flags %#x", flags);
		cr_expect_eq(errno, ENOENT, "flags %#x: %s", flags, strerror(errno));
	}
	cr_expect_not(exists(a));
	cr_expect_eq(tempfile_close(t), 0);
	cr_expect_eq(tft_count_entries(tft_dir), 0);
	free(a);
}

/* ---- NULL handles: the destructor like free(), accessors EINVAL ------------------ */

Test(named, close_of_null_does_nothing_and_returns_zero_like_free)
{
	errno = 0;
	cr_assert_eq(tempfile_close(NULL), 0);
	cr_assert_eq(errno, 0);
}

Test(named, every_accessor_given_null_fails_with_einval)
{
	TFT_ASSERT_EINVAL(tempfile_stream(NULL), NULL);
	TFT_ASSERT_EINVAL(tempfile_fileno(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_path(NULL), NULL);
	TFT_ASSERT_EINVAL(tempfile_close_stream(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_persist(NULL, "x", 0), -1);
}

#ifdef _WIN32
/* ---- Windows: no entry left, sharing by name, cleanup with the stream closed ------ */

Test(temporary, windows_temporary_file_leaves_nothing_behind_after_fclose)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	FILE *f = tempfile_temporary(&(struct tempfile_opts){ .dir = dir }, "w+b");
	cr_assert(f != NULL, "errno %d", errno);
	size_t w = fwrite("a\nb", 1, 3, f);
	rewind(f);
	char buf[8] = { 0 };
	size_t r = fread(buf, 1, sizeof buf, f);
	int while_open = (int)tft_count_entries(dir);
	fclose(f);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = dir });
	if (fd >= 0)
		_close(fd);
	int left = (int)tft_count_entries(dir);
	tft_remove_tree(dir);
	free(dir);
	cr_assert(w == 3 && r == 3 && memcmp(buf, "a\nb", 3) == 0, "read back %zu bytes", r);
	cr_assert(fd >= 0, "temporary_fd: errno %d", errno);
	cr_assert(left == 0, "%d entries left (%d while open)", left, while_open);
}

/* Python 3.12's delete_on_close=False: another program opens the file by
 * name after the stream is closed; tempfile_close still deletes it. */
Test(named, windows_named_file_can_be_reopened_by_name_after_close_stream)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, "w+b");
	cr_assert(t != NULL, "errno %d", errno);
	fputs("shared", tempfile_stream(t));
	/* Readable by name even while our stream is open (shared handles). */
	fflush(tempfile_stream(t));
	FILE *early = fopen(tempfile_path(t), "rb");
	bool early_ok = early != NULL;
	if (early)
		fclose(early);
	int crc = tempfile_close_stream(t);
	FILE *again = fopen(tempfile_path(t), "rb");
	char buf[16] = { 0 };
	size_t n = again ? fread(buf, 1, sizeof buf - 1, again) : 0;
	if (again)
		fclose(again);
	char *path = _strdup(tempfile_path(t));
	int rc = tempfile_close(t);
	bool gone = !tft_exists(path);
	tft_remove_tree(dir);
	free(dir);
	free(path);
	cr_assert(early_ok, "could not open by name while the stream was open");
	cr_assert(crc == 0 && n == 6 && strcmp(buf, "shared") == 0, "reopened: %zu bytes", n);
	cr_assert(rc == 0 && gone, "close after reopen: rc %d", rc);
}

Test(named, windows_named_file_with_at_exit_is_removed_by_cleanup_now)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, NULL);
	cr_assert(t != NULL, "errno %d", errno);
	char *path = _strdup(tempfile_path(t));
	(void)tempfile_close_stream(t);
	int rc = tempfile_cleanup_now();
	bool gone = !tft_exists(path);
	int crc = tempfile_close(t); /* already gone: fine */
	tft_remove_tree(dir);
	free(dir);
	free(path);
	cr_assert(rc == 0 && gone, "cleanup_now: %d", rc);
	cr_assert(crc == 0, "close after cleanup: errno %d", errno);
}
#endif
