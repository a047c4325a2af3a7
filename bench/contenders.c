/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * contenders.c - the micro operations, one function per contender, and the
 * rows they belong to.
 *
 * A contender runs n complete operations (create and destroy) and stops at
 * the first failure, so a broken contender is reported, never timed. The
 * floor is the same work as bare syscalls with names made beforehand; every
 * other contender pays for its own names.
 *
 * Library functions that are not in this build of libtempfile (bench_have.h
 * is generated from the static library's symbol table) are reported as not
 * available rather than left out silently.
 */
#include "bench.h"
#include "bench_have.h"

#include <tempfile.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef BENCH_HAVE_GLIB
#  include <glib.h>
#  include <glib/gstdio.h>
#endif

/* What every named file is opened with, as libtempfile does. */
#define FLOOR_FILE_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)
/* What an anonymous file is opened with, as glibc's tmpfile does. */
#define FLOOR_TMPFILE_FLAGS (O_RDWR | O_TMPFILE | O_EXCL | O_CLOEXEC)
/* Spooled rows: the in-memory limit, the small and the large payload. */
#define SPOOL_MAX ((size_t)256 * 1024)
#define SPOOL_SMALL ((size_t)1024)
#define SPOOL_CHUNK ((size_t)64 * 1024)
#define SPOOL_CHUNKS 16 /* 1 MiB in all */
#define FLOOR_NAME_CHARS 8
/* Atomic rows: the payload, the file replaced (peers.py uses the same
 * name) and its mode (given to everyone, so that nobody stats the old one). */
#define ATOMIC_SIZE ((size_t)4096)
#define ATOMIC_TARGET "atomic.target"
#define ATOMIC_MODE 0600
#define FLOOR_NAME_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789_"

/* Keep a value alive so that the compiler cannot drop the work producing it. */
#define KEEP(p) __asm__ volatile("" : : "g"(p) : "memory")

static int fail_with(int error)
{
	errno = error;
	return -1;
}

/* Close fd; a failing close is a failed op. */
static int close_checked(int fd)
{
	return close(fd) == 0 ? 0 : -1;
}

/* ---- names and context ----------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

void bench_ctx_init(struct bench_ctx *c, const char *dir, size_t capacity)
{
	memset(c, 0, sizeof *c);
	c->dir = dir;
	c->capacity = capacity;
	c->names = bench_xmalloc((capacity ? capacity : 1) * sizeof *c->names);
	size_t dir_len = strlen(dir);
	for (size_t i = 0; i < capacity; i++) {
		c->names[i] = bench_xmalloc(dir_len + 1 + 3 + FLOOR_NAME_CHARS + 1);
		memcpy(c->names[i], dir, dir_len);
		memcpy(c->names[i] + dir_len, "/tmp", 4);
		c->names[i][dir_len + 4 + FLOOR_NAME_CHARS] = '\0';
	}
	int len = snprintf(c->tmpl, sizeof c->tmpl, "%s/tmpXXXXXX", dir);
	if (len < 0 || (size_t)len >= sizeof c->tmpl)
		bench_fatal("directory name too long: %s", dir);
	c->tmpl_len = (size_t)len;
	len = snprintf(c->target, sizeof c->target, "%s/" ATOMIC_TARGET, dir);
	if (len < 0 || (size_t)len >= sizeof c->target)
		bench_fatal("directory name too long: %s", dir);
	c->rng = (uint64_t)bench_now_ns() | 1;
	c->data = bench_xmalloc(SPOOL_CHUNK);
	memset(c->data, 'x', SPOOL_CHUNK);
	/* Every "default directory" contender (libtempfile, GLib, Python) must
	 * work in dir: set both before anyone caches a directory. */
	if (setenv("TMPDIR", dir, 1) != 0 || tempfile_settempdir(dir) != 0)
		bench_fatal("cannot make %s the temporary directory", dir);
}

void bench_ctx_free(struct bench_ctx *c)
{
	for (size_t i = 0; i < c->capacity; i++)
		free(c->names[i]);
	free(c->names);
	free(c->data);
}

void bench_ctx_fresh_names(struct bench_ctx *c, size_t n)
{
	static const char alphabet[] = FLOOR_NAME_ALPHABET;
	size_t at = strlen(c->dir) + 4;
	if (n > c->capacity)
		bench_fatal("internal: %zu names asked, room for %zu", n, c->capacity);
	for (size_t i = 0; i < n; i++) {
		uint64_t r = xorshift(&c->rng);
		for (size_t j = 0; j < FLOOR_NAME_CHARS; j++) {
			c->names[i][at + j] = alphabet[r % (sizeof alphabet - 1)];
			r /= sizeof alphabet - 1;
		}
	}
}

static int prepare_names(struct bench_ctx *c, size_t n)
{
	bench_ctx_fresh_names(c, n);
	return 0;
}

int bench_measured_block(const struct bench_contender *k, struct bench_ctx *c, size_t n)
{
	return k->run(c, n);
}

/* ---- named file: create + close + unlink -------------------------------------- */

static int floor_named(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(c->names[i], FLOOR_FILE_FLAGS, 0600);
		if (fd < 0 || close_checked(fd) != 0 || unlink(c->names[i]) != 0)
			return -1;
	}
	return 0;
}

static int lib_mkstemp(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		char *path;
		int fd = tempfile_mkstemp(NULL, &path);
		if (fd < 0)
			return -1;
		int rc = close_checked(fd) | unlink(path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int lib_mkstemp_dir(struct bench_ctx *c, size_t n)
{
	const struct tempfile_opts opts = { .dir = c->dir };
	for (size_t i = 0; i < n; i++) {
		char *path;
		int fd = tempfile_mkstemp(&opts, &path);
		if (fd < 0)
			return -1;
		int rc = close_checked(fd) | unlink(path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

#ifdef BENCH_HAVE_tempfile_named
static int lib_named(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		struct tempfile *t = tempfile_named(NULL, NULL);
		if (!t || tempfile_close(t) != 0)
			return -1;
	}
	return 0;
}

#  ifdef BENCH_HAVE_tempfile_stream
/* The same, asking for the stdio stream (which the library may make lazily). */
static int lib_named_stream(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		struct tempfile *t = tempfile_named(NULL, NULL);
		if (!t)
			return -1;
		if (!tempfile_stream(t)) {
			int saved = errno;
			(void)tempfile_close(t);
			return fail_with(saved);
		}
		if (tempfile_close(t) != 0)
			return -1;
	}
	return 0;
}
#  else
#    define lib_named_stream NULL
#  endif
#else
#  define lib_named NULL
#  define lib_named_stream NULL
#endif

static int glibc_mkstemp(struct bench_ctx *c, size_t n)
{
	char path[sizeof c->tmpl];
	for (size_t i = 0; i < n; i++) {
		memcpy(path, c->tmpl, c->tmpl_len + 1);
		int fd = mkstemp(path);
		if (fd < 0 || close_checked(fd) != 0 || unlink(path) != 0)
			return -1;
	}
	return 0;
}

static int glibc_mkostemp(struct bench_ctx *c, size_t n)
{
	char path[sizeof c->tmpl];
	for (size_t i = 0; i < n; i++) {
		memcpy(path, c->tmpl, c->tmpl_len + 1);
		int fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0 || close_checked(fd) != 0 || unlink(path) != 0)
			return -1;
	}
	return 0;
}

#ifdef BENCH_HAVE_GLIB
static int glib_mkstemp(struct bench_ctx *c, size_t n)
{
	char path[sizeof c->tmpl];
	for (size_t i = 0; i < n; i++) {
		memcpy(path, c->tmpl, c->tmpl_len + 1);
		int fd = g_mkstemp(path);
		if (fd < 0 || close_checked(fd) != 0 || unlink(path) != 0)
			return -1;
	}
	return 0;
}

static int glib_file_open_tmp(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		gchar *path = NULL;
		GError *error = NULL;
		int fd = g_file_open_tmp(NULL, &path, &error);
		if (fd < 0) {
			/* GLib's GError carries no errno; EIO stands for it. */
			g_clear_error(&error);
			return fail_with(EIO);
		}
		int rc = close_checked(fd) | unlink(path);
		g_free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}
#else
#  define glib_mkstemp NULL
#  define glib_file_open_tmp NULL
#endif

/* ---- anonymous file: open + close ---------------------------------------------- */

static int floor_anonymous(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(c->dir, FLOOR_TMPFILE_FLAGS, 0600);
		if (fd < 0 || close_checked(fd) != 0)
			return -1;
	}
	return 0;
}

#ifdef BENCH_HAVE_tempfile_temporary_fd
static int lib_temporary_fd(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		int fd = tempfile_temporary_fd(NULL);
		if (fd < 0 || close_checked(fd) != 0)
			return -1;
	}
	return 0;
}
#else
#  define lib_temporary_fd NULL
#endif

#ifdef BENCH_HAVE_tempfile_temporary
static int lib_temporary(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		FILE *f = tempfile_temporary(NULL, NULL);
		if (!f || fclose(f) != 0)
			return -1;
	}
	return 0;
}
#else
#  define lib_temporary NULL
#endif

static int glibc_tmpfile(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		FILE *f = tmpfile();
		if (!f || fclose(f) != 0)
			return -1;
	}
	return 0;
}

/* ---- directory: create + remove ------------------------------------------------- */

static int floor_directory(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (mkdir(c->names[i], 0700) != 0 || rmdir(c->names[i]) != 0)
			return -1;
	}
	return 0;
}

static int lib_mkdtemp(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		char *path = tempfile_mkdtemp(NULL);
		if (!path)
			return -1;
		int rc = rmdir(path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

#if defined(BENCH_HAVE_tempfile_dir) && defined(BENCH_HAVE_tempfile_dir_cleanup)
static int lib_dir(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		struct tempfile_dir *d = tempfile_dir(NULL);
		if (!d || tempfile_dir_cleanup(d) != 0)
			return -1;
	}
	return 0;
}
#else
#  define lib_dir NULL
#endif

static int glibc_mkdtemp(struct bench_ctx *c, size_t n)
{
	char path[sizeof c->tmpl];
	for (size_t i = 0; i < n; i++) {
		memcpy(path, c->tmpl, c->tmpl_len + 1);
		if (!mkdtemp(path) || rmdir(path) != 0)
			return -1;
	}
	return 0;
}

#ifdef BENCH_HAVE_GLIB
static int glib_mkdtemp(struct bench_ctx *c, size_t n)
{
	char path[sizeof c->tmpl];
	for (size_t i = 0; i < n; i++) {
		memcpy(path, c->tmpl, c->tmpl_len + 1);
		if (!g_mkdtemp(path) || rmdir(path) != 0)
			return -1;
	}
	return 0;
}

static int glib_dir_make_tmp(struct bench_ctx *c, size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		GError *error = NULL;
		gchar *path = g_dir_make_tmp(NULL, &error);
		if (!path) {
			g_clear_error(&error);
			return fail_with(EIO);
		}
		int rc = rmdir(path);
		g_free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}
#else
#  define glib_mkdtemp NULL
#  define glib_dir_make_tmp NULL
#endif

/* ---- spooled: 1 KiB stays in memory; 1 MiB rolls over to a file ------------------ */

static int floor_spool_small(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *buffer = malloc(SPOOL_SMALL);
		if (!buffer)
			return -1;
		memcpy(buffer, c->data, SPOOL_SMALL);
		KEEP(buffer);
		free(buffer);
	}
	return 0;
}

static int floor_spool_large(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(c->dir, FLOOR_TMPFILE_FLAGS, 0600);
		if (fd < 0)
			return -1;
		for (int k = 0; k < SPOOL_CHUNKS; k++) {
			if (write(fd, c->data, SPOOL_CHUNK) != (ssize_t)SPOOL_CHUNK) {
				int saved = errno ? errno : EIO;
				close(fd);
				return fail_with(saved);
			}
		}
		if (close_checked(fd) != 0)
			return -1;
	}
	return 0;
}

#if defined(BENCH_HAVE_tempfile_spooled) && defined(BENCH_HAVE_tempfile_spooled_write) && \
	defined(BENCH_HAVE_tempfile_spooled_close)
static int lib_spooled(struct bench_ctx *c, size_t n, size_t chunk, int chunks)
{
	for (size_t i = 0; i < n; i++) {
		struct tempfile_spooled *s = tempfile_spooled(SPOOL_MAX, NULL, NULL);
		if (!s)
			return -1;
		for (int k = 0; k < chunks; k++) {
			if (tempfile_spooled_write(s, c->data, chunk) != (ssize_t)chunk) {
				int saved = errno ? errno : EIO;
				(void)tempfile_spooled_close(s);
				return fail_with(saved);
			}
		}
		if (tempfile_spooled_close(s) != 0)
			return -1;
	}
	return 0;
}

static int lib_spool_small(struct bench_ctx *c, size_t n)
{
	return lib_spooled(c, n, SPOOL_SMALL, 1);
}

static int lib_spool_large(struct bench_ctx *c, size_t n)
{
	return lib_spooled(c, n, SPOOL_CHUNK, SPOOL_CHUNKS);
}
#else
#  define lib_spool_small NULL
#  define lib_spool_large NULL
#endif

/* ---- atomic replace: 4 KiB, then rename over the target ----------------------------- */

/* How the floor names its anonymous file: linkat(AT_EMPTY_PATH) where the
 * kernel allows it (it wants CAP_DAC_READ_SEARCH on older kernels), else
 * through /proc/self/fd; probed once per context (c->floor_link), untimed,
 * so the floor pays one call. */
static int link_anonymous(const struct bench_ctx *c, int fd, const char *name)
{
	if (c->floor_link == 1)
		return linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

static int prepare_atomic(struct bench_ctx *c, size_t n)
{
	bench_ctx_fresh_names(c, n);
	if (c->floor_link)
		return 0;
	int fd = open(c->dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, ATOMIC_MODE);
	if (fd < 0)
		return -1;
	c->floor_link = linkat(fd, "", AT_FDCWD, c->names[0], AT_EMPTY_PATH) == 0 ? 1 : 2;
	if (c->floor_link == 1)
		(void)unlink(c->names[0]);
	return close_checked(fd);
}

/* One replace by hand: the data in an anonymous file, linked to a fresh
 * name, renamed over the target; durable: fsync before the link, and the
 * directory's after the rename. */
static int floor_atomic_one(struct bench_ctx *c, const char *name, bool durable)
{
	int fd = open(c->dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, ATOMIC_MODE);
	if (fd < 0)
		return -1;
	if (write(fd, c->data, ATOMIC_SIZE) != (ssize_t)ATOMIC_SIZE || (durable && fsync(fd) != 0) ||
		link_anonymous(c, fd, name) != 0 || rename(name, c->target) != 0) {
		int saved = errno ? errno : EIO;
		(void)close(fd);
		(void)unlink(name);
		return fail_with(saved);
	}
	if (close_checked(fd) != 0)
		return -1;
	if (!durable)
		return 0;
	int dir = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	if (fsync(dir) != 0) {
		int saved = errno;
		(void)close(dir);
		return fail_with(saved);
	}
	return close_checked(dir);
}

static int floor_atomic(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (floor_atomic_one(c, c->names[i], false) != 0)
			return -1;
	return 0;
}

static int floor_atomic_durable(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (floor_atomic_one(c, c->names[i], true) != 0)
			return -1;
	return 0;
}

#ifdef BENCH_HAVE_tempfile_atomic_write
static int lib_atomic_write_flags(struct bench_ctx *c, size_t n, unsigned flags)
{
	for (size_t i = 0; i < n; i++)
		if (tempfile_atomic_write(c->target, c->data, ATOMIC_SIZE, flags, ATOMIC_MODE) != 0)
			return -1;
	return 0;
}

static int lib_atomic_write(struct bench_ctx *c, size_t n)
{
	return lib_atomic_write_flags(c, n, 0);
}

static int lib_atomic_write_sync(struct bench_ctx *c, size_t n)
{
	return lib_atomic_write_flags(c, n, TEMPFILE_SYNC);
}
#else
#  define lib_atomic_write NULL
#  define lib_atomic_write_sync NULL
#endif

#if defined(BENCH_HAVE_GLIB) && GLIB_CHECK_VERSION(2, 66, 0)
#  define BENCH_GLIB_SET_CONTENTS_FULL 1
static int glib_set_contents_flags(struct bench_ctx *c, size_t n, GFileSetContentsFlags flags)
{
	for (size_t i = 0; i < n; i++) {
		GError *error = NULL;
		if (!g_file_set_contents_full(c->target, (const gchar *)c->data,
			    (gssize)ATOMIC_SIZE, flags, ATOMIC_MODE, &error)) {
			g_clear_error(&error);
			return fail_with(EIO);
		}
	}
	return 0;
}

static int glib_set_contents(struct bench_ctx *c, size_t n)
{
	return glib_set_contents_flags(c, n, G_FILE_SET_CONTENTS_CONSISTENT);
}

static int glib_set_contents_durable(struct bench_ctx *c, size_t n)
{
	return glib_set_contents_flags(c, n,
		G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE);
}
#else
#  define glib_set_contents NULL
#  define glib_set_contents_durable NULL
#endif

/* ---- the rows ------------------------------------------------------------------------ */

#define NOT_BUILT(fn) "not available: " fn "() is not in this build of libtempfile"
#ifdef BENCH_HAVE_GLIB
#  define NO_GLIB NULL
#else
#  define NO_GLIB "not available: built without GLib (libglib2.0-dev)"
#endif
#ifdef BENCH_GLIB_SET_CONTENTS_FULL
#  define NO_GLIB_SET_CONTENTS NULL
#elif defined(BENCH_HAVE_GLIB)
#  define NO_GLIB_SET_CONTENTS "not available: GLib older than 2.66"
#else
#  define NO_GLIB_SET_CONTENTS NO_GLIB
#endif

static const struct bench_contender named[] = {
	{ "floor", "floor: open(O_CREAT\\|O_EXCL) + close + unlink", ORIGIN_FLOOR, NULL,
		prepare_names, floor_named, NULL },
	{ "lib_mkstemp", "libtempfile tempfile_mkstemp(NULL) + close + unlink", ORIGIN_LIB,
		"glibc_mkstemp", NULL, lib_mkstemp, NULL },
	{ "lib_mkstemp_dir", "libtempfile tempfile_mkstemp(.dir) + close + unlink", ORIGIN_LIB,
		"glibc_mkstemp", NULL, lib_mkstemp_dir, NULL },
	{ "lib_named", "libtempfile tempfile_named + tempfile_close", ORIGIN_LIB, NULL, NULL,
		lib_named, NOT_BUILT("tempfile_named") },
	{ "lib_named_stream", "libtempfile tempfile_named + tempfile_stream + tempfile_close",
		ORIGIN_LIB, NULL, NULL, lib_named_stream, NOT_BUILT("tempfile_named") },
	{ "glibc_mkstemp", "glibc mkstemp + close + unlink", ORIGIN_GLIBC, NULL, NULL,
		glibc_mkstemp, NULL },
	{ "glibc_mkostemp", "glibc mkostemp(O_CLOEXEC) + close + unlink", ORIGIN_GLIBC, NULL, NULL,
		glibc_mkostemp, NULL },
	{ "glib_mkstemp", "GLib g_mkstemp + close + unlink", ORIGIN_GLIB, NULL, NULL, glib_mkstemp,
		NO_GLIB },
	{ "glib_file_open_tmp", "GLib g_file_open_tmp + close + unlink", ORIGIN_GLIB, NULL, NULL,
		glib_file_open_tmp, NO_GLIB },
};
static const struct bench_contender named_py[] = {
	{ "py_mkstemp", "Python tempfile.mkstemp + os.close + os.unlink", ORIGIN_PYTHON, NULL, NULL,
		NULL, NULL },
	{ "py_named", "Python NamedTemporaryFile() + close", ORIGIN_PYTHON, NULL, NULL, NULL, NULL },
};

static const struct bench_contender anonymous[] = {
	{ "floor", "floor: open(O_TMPFILE) + close", ORIGIN_FLOOR, NULL, NULL, floor_anonymous,
		NULL },
	{ "lib_temporary_fd", "libtempfile tempfile_temporary_fd + close", ORIGIN_LIB, NULL, NULL, lib_temporary_fd, NOT_BUILT("tempfile_temporary_fd") },
	{ "lib_temporary", "libtempfile tempfile_temporary (FILE *) + fclose", ORIGIN_LIB,
		"glibc_tmpfile", NULL, lib_temporary, NOT_BUILT("tempfile_temporary") },
	{ "glibc_tmpfile", "glibc tmpfile (FILE *) + fclose", ORIGIN_GLIBC, NULL, NULL,
		glibc_tmpfile, NULL },
};
static const struct bench_contender anonymous_py[] = {
	{ "py_temporary", "Python TemporaryFile() + close", ORIGIN_PYTHON, NULL, NULL, NULL, NULL },
};

static const struct bench_contender directory[] = {
	{ "floor", "floor: mkdir + rmdir", ORIGIN_FLOOR, NULL, prepare_names, floor_directory,
		NULL },
	{ "lib_mkdtemp", "libtempfile tempfile_mkdtemp + rmdir", ORIGIN_LIB, "glibc_mkdtemp", NULL,
		lib_mkdtemp, NULL },
	{ "lib_dir", "libtempfile tempfile_dir + tempfile_dir_cleanup", ORIGIN_LIB,
		"glibc_mkdtemp", NULL, lib_dir, NOT_BUILT("tempfile_dir") },
	{ "glibc_mkdtemp", "glibc mkdtemp + rmdir", ORIGIN_GLIBC, NULL, NULL, glibc_mkdtemp, NULL },
	{ "glib_mkdtemp", "GLib g_mkdtemp + rmdir", ORIGIN_GLIB, NULL, NULL, glib_mkdtemp, NO_GLIB },
	{ "glib_dir_make_tmp", "GLib g_dir_make_tmp + rmdir", ORIGIN_GLIB, NULL, NULL,
		glib_dir_make_tmp, NO_GLIB },
};
static const struct bench_contender directory_py[] = {
	{ "py_mkdtemp", "Python tempfile.mkdtemp + os.rmdir", ORIGIN_PYTHON, NULL, NULL, NULL,
		NULL },
	{ "py_tempdir", "Python TemporaryDirectory() + cleanup", ORIGIN_PYTHON, NULL, NULL, NULL,
		NULL },
};

static const struct bench_contender spool_small[] = {
	{ "floor", "floor: malloc + memcpy 1 KiB + free", ORIGIN_FLOOR, NULL, NULL,
		floor_spool_small, NULL },
	{ "lib_spooled", "libtempfile tempfile_spooled(256 KiB) + write 1 KiB + close", ORIGIN_LIB,
		NULL, NULL, lib_spool_small, NOT_BUILT("tempfile_spooled") },
};
static const struct bench_contender spool_small_py[] = {
	{ "py_spooled", "Python SpooledTemporaryFile(256 KiB) + write 1 KiB + close",
		ORIGIN_PYTHON, NULL, NULL, NULL, NULL },
};

static const struct bench_contender spool_large[] = {
	{ "floor", "floor: open(O_TMPFILE) + 16 x write 64 KiB + close", ORIGIN_FLOOR, NULL, NULL,
		floor_spool_large, NULL },
	{ "lib_spooled",
		"libtempfile tempfile_spooled(256 KiB) + 16 x write 64 KiB (rolls over) + close",
		ORIGIN_LIB, NULL, NULL, lib_spool_large, NOT_BUILT("tempfile_spooled") },
};
static const struct bench_contender spool_large_py[] = {
	{ "py_spooled", "Python SpooledTemporaryFile(256 KiB) + 16 x write 64 KiB + close",
		ORIGIN_PYTHON, NULL, NULL, NULL, NULL },
};

static const struct bench_contender atomic[] = {
	{ "floor", "floor: open(O_TMPFILE) + write + linkat + rename + close", ORIGIN_FLOOR, NULL,
		prepare_atomic, floor_atomic, NULL },
	{ "lib_atomic_write", "libtempfile tempfile_atomic_write", ORIGIN_LIB, NULL, NULL,
		lib_atomic_write, NOT_BUILT("tempfile_atomic_write") },
	{ "glib_set_contents", "GLib g_file_set_contents_full(CONSISTENT)", ORIGIN_GLIB, NULL,
		NULL, glib_set_contents, NO_GLIB_SET_CONTENTS },
};
static const struct bench_contender atomic_py[] = {
	{ "py_replace", "Python mkstemp(dir) + os.write + os.close + os.replace", ORIGIN_PYTHON,
		NULL, NULL, NULL, NULL },
};

static const struct bench_contender atomic_durable[] = {
	{ "floor", "floor: the same + fsync(file) + open, fsync, close(directory)", ORIGIN_FLOOR,
		NULL, prepare_atomic, floor_atomic_durable, NULL },
	{ "lib_atomic_write", "libtempfile tempfile_atomic_write(TEMPFILE_SYNC)", ORIGIN_LIB, NULL,
		NULL, lib_atomic_write_sync, NOT_BUILT("tempfile_atomic_write") },
	{ "glib_set_contents", "GLib g_file_set_contents_full(CONSISTENT\\|DURABLE)", ORIGIN_GLIB,
		NULL, NULL, glib_set_contents_durable, NO_GLIB_SET_CONTENTS },
};
static const struct bench_contender atomic_durable_py[] = {
	{ "py_replace", "Python the same + os.fsync(file) + fsync of the directory",
		ORIGIN_PYTHON, NULL, NULL, NULL, NULL },
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

const struct bench_row bench_rows[] = {
	{ "named", "named file create + close + unlink", "open(O_CREAT\\|O_EXCL) + close + unlink", 1,
		named, COUNT(named), named_py, COUNT(named_py) },
	{ "anon", "anonymous file open + close", "open(O_TMPFILE) + close", 1, anonymous,
		COUNT(anonymous), anonymous_py, COUNT(anonymous_py) },
	{ "dir", "directory create + remove", "mkdir + rmdir", 1, directory, COUNT(directory),
		directory_py, COUNT(directory_py) },
	{ "spool1k", "spooled 1 KiB write + close (stays in memory)", "malloc + memcpy + free", 1,
		spool_small, COUNT(spool_small), spool_small_py, COUNT(spool_small_py) },
	{ "spool1m", "spooled 1 MiB write + close (rolls over at 256 KiB)",
		"open(O_TMPFILE) + write + close", 20, spool_large, COUNT(spool_large), spool_large_py,
		COUNT(spool_large_py) },
	{ "atomic4k", "atomic replace of a 4 KiB file (mode 0600)",
		"open(O_TMPFILE) + write + linkat + rename + close", 1, atomic, COUNT(atomic),
		atomic_py, COUNT(atomic_py) },
	{ "atomic4k_sync", "atomic replace of a 4 KiB file, durable (mode 0600)",
		"the same + fsync of the file and of the directory", 20, atomic_durable,
		COUNT(atomic_durable), atomic_durable_py, COUNT(atomic_durable_py) },
	{ "lease_file", "named file, without and with TEMPFILE_LEASE (issue 15)",
		"open(O_CREAT\\|O_EXCL) + close + unlink", 1, bench_lease_file, BENCH_NLEASE_FILE, NULL, 0 },
	{ "lease_dir", "directory, without and with TEMPFILE_LEASE (issue 15)", "mkdir + rmdir", 1,
		bench_lease_dir, BENCH_NLEASE_DIR, NULL, 0 },
};
const size_t bench_nrows = COUNT(bench_rows);

const struct bench_row *bench_find_row(const char *key)
{
	for (size_t i = 0; i < bench_nrows; i++)
		if (strcmp(bench_rows[i].key, key) == 0)
			return &bench_rows[i];
	return NULL;
}

const struct bench_contender *bench_find_contender(const struct bench_row *row, const char *key)
{
	for (size_t i = 0; i < row->ncontenders; i++)
		if (strcmp(row->contenders[i].key, key) == 0)
			return &row->contenders[i];
	for (size_t i = 0; i < row->npython; i++)
		if (strcmp(row->python[i].key, key) == 0)
			return &row->python[i];
	return NULL;
}
