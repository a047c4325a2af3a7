/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix.c - the OS underneath, for POSIX systems (glibc, musl).
 * Everything Linux-specific is guarded and has a fallback; the other
 * platform is platform/win32.c, and internal.h documents each call.
 */
#include "internal.h"
#include "posix.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h> /* renameat2, RENAME_NOREPLACE (glibc) */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#if defined(__linux__)
#  include <sys/syscall.h>
#endif

/* ---- words a forked child reads as zero, fork handlers ---------------------------- */

/* names.c's fork epoch and posix_cleanup.c's owner token. */
struct fork_words {
	_Atomic unsigned long epoch;
	_Atomic unsigned owner;
};

static struct fork_words fork_words_fallback;
static struct fork_words *fork_words = &fork_words_fallback;
static pthread_once_t fork_words_once = PTHREAD_ONCE_INIT;

static void fork_words_after_fork_in_child(void)
{
	atomic_store_explicit(&fork_words->epoch, 0, memory_order_relaxed);
	atomic_store_explicit(&fork_words->owner, 0, memory_order_relaxed);
}

static void fork_words_setup(void)
{
#ifdef MADV_WIPEONFORK
	/* A page the kernel zeroes in any child, however it was forked (fork,
	 * _Fork, a raw clone); pthread_atfork covers kernels before 4.14. */
	size_t size = sizeof *fork_words;
	void *page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page != MAP_FAILED) {
		if (madvise(page, size, MADV_WIPEONFORK) == 0)
			fork_words = page;
		else
			munmap(page, size);
	}
#endif
	(void)tf_os_atfork(NULL, NULL, fork_words_after_fork_in_child);
}

_Atomic unsigned long *tf_os_fork_epoch_word(void)
{
	(void)pthread_once(&fork_words_once, fork_words_setup);
	return &fork_words->epoch;
}

_Atomic unsigned *tf_os_fork_owner_word(void)
{
	(void)pthread_once(&fork_words_once, fork_words_setup);
	return &fork_words->owner;
}

int tf_os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	int error = pthread_atfork(prepare, parent, child);
	if (error != 0)
		return error > 0 ? -error : -ENOMEM; /* musl returns -1 */
	return 0;
}

/* ---- creating, testing and removing names ---------------------------------------- */

int tf_os_create_file(const char *path, int open_flags, unsigned flags, mode_t mode)
{
	(void)flags; /* TEMPFILE_TEXT: POSIX has no text mode */
	int fd;
	TF_RETRY_EINTR(fd, open(path, open_flags, mode));
	return fd < 0 ? tf_neg_errno() : fd;
}

int tf_os_mkdir(const char *path, mode_t mode)
{
	int result;
	TF_RETRY_EINTR(result, mkdir(path, mode));
	return result < 0 ? tf_neg_errno() : 0;
}

int tf_os_name_free(const char *path)
{
	struct stat st;
	/* EOVERFLOW: it exists, only too big to describe. */
	if (lstat(path, &st) == 0 || errno == EOVERFLOW)
		return -EEXIST;
	return errno == ENOENT ? 0 : tf_neg_errno();
}

int tf_os_lstat(const char *path, struct stat *st)
{
	return lstat(path, st) == 0 ? 0 : tf_neg_errno();
}

int tf_os_fstat(int fd, struct stat *st)
{
	return fstat(fd, st) == 0 ? 0 : tf_neg_errno();
}

/* ---- identity and mounts ------------------------------------------------------- */

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_statx;

void tf_test_os_no_statx(bool on)
{
	test_no_statx = on;
}
#endif

void tf_os_proc_fd_path(char *buf, const char *dir, int fd)
{
	size_t at = 0;
	for (const char *p = "/proc/self/"; *p; p++)
		buf[at++] = *p;
	for (const char *p = dir; *p; p++)
		buf[at++] = *p;
	buf[at++] = '/';
	char digits[3 * sizeof(int)];
	size_t n = 0;
	unsigned value = (unsigned)fd;
	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	while (n)
		buf[at++] = digits[--n];
	buf[at] = '\0';
}

static void from_stat(const struct stat *in, struct tf_os_stat *st)
{
	st->mode = in->st_mode;
	st->id.dev = in->st_dev;
	st->id.ino = in->st_ino;
	st->id.btime_sec = 0;
	st->id.btime_nsec = 0;
	st->id.has_btime = false;
	st->mnt_id = 0;
	st->has_mnt_id = false;
}

int tf_os_stat_at(int dirfd, const char *name, struct tf_os_stat *st)
{
	int at_flags = AT_SYMLINK_NOFOLLOW | (name[0] == '\0' ? AT_EMPTY_PATH : 0);
#if defined(STATX_BASIC_STATS) && defined(STATX_MNT_ID)
	bool try_statx = true;
#  ifdef TEMPFILE_TEST_SEAMS
	try_statx = !test_no_statx;
#  endif
	struct statx sx;
	/* AT_STATX_DONT_SYNC: a network file system answers from its cache;
	 * the identity fields do not change under it. */
	if (try_statx &&
		statx(dirfd, name, at_flags | AT_STATX_DONT_SYNC,
			STATX_TYPE | STATX_MODE | STATX_INO | STATX_BTIME | STATX_MNT_ID, &sx) == 0) {
		st->mode = sx.stx_mode;
		st->id.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		st->id.ino = (ino_t)sx.stx_ino;
		st->id.has_btime = (sx.stx_mask & STATX_BTIME) != 0;
		st->id.btime_sec = st->id.has_btime ? sx.stx_btime.tv_sec : 0;
		st->id.btime_nsec = st->id.has_btime ? sx.stx_btime.tv_nsec : 0;
		st->has_mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0;
		st->mnt_id = st->has_mnt_id ? sx.stx_mnt_id : 0;
		return 0;
	}
	/* ENOSYS: kernel before 4.11; EPERM/EINVAL: seccomp filters. */
	if (try_statx && errno != ENOSYS && errno != EPERM && errno != EINVAL)
		return tf_neg_errno();
#endif
	struct stat plain;
	if (fstatat(dirfd, name, &plain, at_flags) != 0)
		return tf_neg_errno();
	from_stat(&plain, st);
	return 0;
}

int tf_os_fd_mount_id(int fd, uint64_t *mnt_id)
{
	char path[TF_PROC_FD_PATH_MAX];
	tf_os_proc_fd_path(path, "fdinfo", fd);
	int info;
	TF_RETRY_EINTR(info, open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (info < 0)
		return tf_neg_errno();
	/* "pos:\t0\nflags:\t...\nmnt_id:\t42\n...": a few dozen bytes. */
	char text[256];
	ssize_t n;
	TF_RETRY_EINTR(n, read(info, text, sizeof text - 1));
	int error = n < 0 ? tf_neg_errno() : 0;
	close(info);
	if (n < 0)
		return error;
	text[n] = '\0';
	static const char key[] = "\nmnt_id:";
	for (ssize_t i = 0; i + (ssize_t)sizeof key - 1 <= n; i++) {
		if (memcmp(text + i, key, sizeof key - 1) != 0)
			continue;
		const char *p = text + i + sizeof key - 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		uint64_t value = 0;
		while (*p >= '0' && *p <= '9')
			value = value * 10 + (uint64_t)(*p++ - '0');
		*mnt_id = value;
		return 0;
	}
	return -ENOSYS; /* no mnt_id line: kernel before 3.15 */
}

int tf_os_file_id(int fd, const char *path, struct tf_file_id *id)
{
	struct tf_os_stat st;
	int r = tf_os_stat_at(fd >= 0 ? fd : AT_FDCWD, fd >= 0 ? "" : path, &st);
	if (r < 0)
		return r;
	*id = st.id;
	return 0;
}

int tf_os_unlink(const char *path)
{
	return unlink(path) == 0 ? 0 : tf_neg_errno();
}

int tf_os_rmdir(const char *path)
{
	return rmdir(path) == 0 ? 0 : tf_neg_errno();
}

int tf_os_close(int fd)
{
	return close(fd) == 0 ? 0 : tf_neg_errno();
}

ssize_t tf_os_write(int fd, const void *buf, size_t n)
{
	ssize_t written;
	TF_RETRY_EINTR(written, write(fd, buf, n));
	return written < 0 ? tf_neg_errno() : written;
}

int tf_os_fsync(int fd)
{
	int rc;
	TF_RETRY_EINTR(rc, fsync(fd));
	return rc < 0 ? tf_neg_errno() : 0;
}

int tf_posix_fsync_opened(const char *path, int extra_flags)
{
	int fd;
	TF_RETRY_EINTR(fd, open(path, O_RDONLY | O_CLOEXEC | extra_flags));
	if (fd < 0)
		return tf_neg_errno();
	int rc = tf_os_fsync(fd);
	close(fd);
	return rc;
}

int tf_os_fsync_path(const char *path)
{
	return tf_posix_fsync_opened(path, O_NOFOLLOW);
}

int tf_os_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -EINVAL;
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	char *dir = malloc(len + 1);
	if (!dir)
		return -ENOMEM;
	memcpy(dir, path, len);
	dir[len] = '\0';
	int rc = tf_posix_fsync_opened(dir, O_DIRECTORY);
	free(dir);
	return rc;
}

#ifdef TEMPFILE_TEST_SEAMS
static bool test_no_renameat2;

void tf_test_disable_renameat2(bool disable)
{
	test_no_renameat2 = disable;
}
#  define TF_RENAMEAT2_DISABLED() test_no_renameat2
#else
#  define TF_RENAMEAT2_DISABLED() false
#endif

int tf_posix_renameat2(int fromdir, const char *from, int todir, const char *to, unsigned how)
{
#if defined(RENAME_NOREPLACE)
	return renameat2(fromdir, from, todir, to, how) == 0 ? 0 : tf_neg_errno();
#elif defined(__linux__) && defined(SYS_renameat2)
	return syscall(SYS_renameat2, fromdir, from, todir, to, how) == 0 ? 0 : tf_neg_errno();
#else
	(void)fromdir;
	(void)from;
	(void)todir;
	(void)to;
	(void)how;
	return -ENOSYS;
#endif
}

/* renameat2(RENAME_NOREPLACE) by path, unless a test turned it off. */
static int renameat2_noreplace(const char *from, const char *to)
{
	if (TF_RENAMEAT2_DISABLED())
		return -ENOSYS;
	return tf_posix_renameat2(AT_FDCWD, from, AT_FDCWD, to, TF_RENAME_NOREPLACE);
}

/* Move from to to unless to exists: renameat2 first; where the kernel
 * (ENOSYS) or the file system (EINVAL) lacks it, link(2) then unlink(2),
 * which is just as exclusive (link never replaces). */
static int rename_noreplace(const char *from, const char *to)
{
	int r = renameat2_noreplace(from, to);
	if (r != -ENOSYS && r != -EINVAL)
		return r;
	if (link(from, to) != 0)
		return tf_neg_errno();
	if (unlink(from) != 0) {
		r = tf_neg_errno();
		unlink(to);
		return r;
	}
	return 0;
}

int tf_os_rename(const char *from, const char *to, unsigned flags)
{
	if (flags & TEMPFILE_NOREPLACE)
		return rename_noreplace(from, to);
	return rename(from, to) == 0 ? 0 : tf_neg_errno();
}

ssize_t tf_os_read(int fd, void *buf, size_t n)
{
	ssize_t got;
	TF_RETRY_EINTR(got, read(fd, buf, n));
	return got < 0 ? tf_neg_errno() : got;
}

int tf_os_set_append(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_APPEND) != 0)
		return tf_neg_errno();
	return 0;
}

int tf_os_dup(int fd)
{
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return copy < 0 ? tf_neg_errno() : copy;
}

/* ---- the environment and the candidate directories ------------------------------ */

int tf_os_getcwd(char **out)
{
	size_t size = 256;
	*out = NULL;
	for (;;) {
		char *buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		if (getcwd(buf, size)) {
			*out = buf;
			return 0;
		}
		int error = tf_neg_errno();
		free(buf);
		if (error != -ERANGE || size > (1u << 20))
			return error;
		size *= 2;
	}
}

int tf_os_getenv(const char *name, char **value)
{
	const char *v = getenv(name);
	*value = NULL;
	if (v && !(*value = strdup(v)))
		return -ENOMEM;
	return 0;
}

static const char *const fixed_candidates[] = { "/tmp", "/var/tmp", "/usr/tmp" };

size_t tf_os_candidate_count(void)
{
	return sizeof fixed_candidates / sizeof *fixed_candidates;
}

int tf_os_candidate(size_t i, char **out)
{
	*out = NULL;
	if (i >= tf_os_candidate_count())
		return -EINVAL;
	return (*out = strdup(fixed_candidates[i])) ? 0 : -ENOMEM;
}

/* ---- path syntax ------------------------------------------------------------------ */

char tf_os_separator(void)
{
	return '/';
}

bool tf_os_is_separator(char c)
{
	return c == '/';
}

bool tf_os_bad_in_name(const char *s)
{
	return s && strchr(s, '/') != NULL;
}

bool tf_os_is_absolute(const char *path)
{
	return path[0] == '/';
}

/* Drop "." components and repeated or trailing slashes from an absolute
 * path, in place. ".." stays: collapsing it lexically would change which
 * directory is meant when a component is a symbolic link. */
static void normalize_in_place(char *path)
{
	char *out = path + 1;
	const char *in = path + 1;
	while (*in) {
		const char *end = strchr(in, '/');
		size_t len = end ? (size_t)(end - in) : strlen(in);
		if (len == 0 || (len == 1 && in[0] == '.')) {
			/* empty or "." component: skip */
		} else {
			if (out > path + 1)
				*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in += len;
		if (*in == '/')
			in++;
	}
	*out = '\0';
}

int tf_absolute(const char *path, char **out)
{
	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	char *result;
	if (path[0] == '/') {
		result = strdup(path);
		if (!result)
			return -ENOMEM;
	} else {
		char *cwd;
		int r = tf_os_getcwd(&cwd);
		if (r < 0)
			return r;
		size_t cwd_len = strlen(cwd), path_len = strlen(path);
		result = malloc(cwd_len + 1 + path_len + 1);
		if (!result) {
			free(cwd);
			return -ENOMEM;
		}
		memcpy(result, cwd, cwd_len);
		result[cwd_len] = '/';
		memcpy(result + cwd_len + 1, path, path_len + 1);
		free(cwd);
	}
	normalize_in_place(result);
	*out = result;
	return 0;
}
