/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * spooled.c - SpooledTemporaryFile: bytes kept in a growable memory buffer
 * until a write takes the position past max_size (or rollover, fileno, or a
 * truncate past max_size is asked for); then they go on, same content and
 * position, in a tempfile_temporary() file with the access of the mode.
 *
 * Before rollover nothing here makes a system call: the common "small
 * payload, never spills" case costs a malloc and a memcpy. After rollover
 * every call is the matching system call on the descriptor, so fileno()
 * users and this API see the same file.
 *
 * Unlike Python, rollover happens BEFORE a write that would cross max_size
 * (so a 1 MiB write goes straight to the file instead of through memory),
 * and a failed rollover leaves the object valid and in memory.
 *
 * The stdio view (tempfile_spooled_stream) is an fopencookie() stream
 * (tf_os_cookie_stream) whose callbacks are the same internal
 * read/write/seek as the direct calls, so
 * fprintf works in memory and rolls over through the same write path. It
 * keeps its normal stdio buffer; every direct call first fflush()es it,
 * which (POSIX 2008, glibc, musl) writes out pending data, gives back
 * read-ahead by seeking the cookie backwards, and makes stdio forget its
 * cached offset, so the stream and the direct calls never disagree. The
 * first read after an absolute seek is kept short so that glibc never
 * writes after read-ahead, which makes it lose track of the offset (see
 * cookie_read).
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest off_t (off_t is a signed integer type of unknown width). */
#define TF_OFF_MAX \
	((off_t)(UINTMAX_MAX >> ((sizeof(uintmax_t) - sizeof(off_t)) * CHAR_BIT + 1)))

/* The flags a spooled file accepts: what its rollover file accepts. */
#define TF_SPOOLED_FLAGS (TEMPFILE_TEXT | TEMPFILE_AT_EXIT)

struct tempfile_spooled {
	/* In memory (fd == -1): capacity bytes at data, size of them used,
	 * pos anywhere at or past 0 (past size reads as a hole). With
	 * max_size != 0, size and capacity never exceed max_size. */
	unsigned char *data;
	size_t size;
	size_t capacity;
	off_t pos;
	size_t max_size; /* 0: never roll over by size */
	int fd;          /* -1 in memory; the rolled-over file after */
	bool readable;
	bool writable;
	bool append;
	FILE *stream;     /* the stdio view, NULL until asked for */
	int stream_error; /* errno of a write the stream view lost; sticky */
	bool stream_seek_set; /* its last callback was a SEEK_SET seek */
	struct tf_stream_cookie cookie; /* the stream view's, on this object */
	/* For the rollover; its strings point into names. */
	struct tempfile_opts opts;
	char names[];
};

#ifdef TEMPFILE_TEST_SEAMS
static bool force_fd_stream;

void tf_test_spooled_force_fd_stream(bool on)
{
	force_fd_stream = on;
}
#endif

/* ---- creation ---------------------------------------------------------------- */

static size_t name_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copy s (may be NULL) to *at, advancing it; the copy or NULL. */
static const char *copy_name(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *copy = memcpy(*at, s, n);
	*at += n;
	return copy;
}

/* Read/write permissions from a mode tf_check_fopen_mode() accepted. */
static void parse_mode(struct tempfile_spooled *s, const char *mode)
{
	bool plus = false;
	for (const char *p = mode + 1; *p; p++)
		plus |= *p == '+';
	s->readable = mode[0] == 'r' || plus;
	s->writable = mode[0] != 'r' || plus;
}

/* The check the rollover's tempfile_temporary_fd() will make is made now,
 * so that a bad option fails here and not at some write much later (the
 * default directory is looked up only at rollover). */
static int spooled_new(size_t max_size, const struct tempfile_opts *o, const char *mode,
	struct tempfile_spooled **out)
{
	static const struct tempfile_opts defaults;
	if (!mode)
		mode = "w+b";
	bool append = false;
	int rc = tf_check_fopen_mode(mode, &append);
	if (rc == 0)
		rc = tf_check_opts(o, TF_SPOOLED_FLAGS); /* NULL: nothing to check */
	if (rc < 0)
		return rc;
	if (!o)
		o = &defaults;
	size_t names = name_size(o->dir) + name_size(o->prefix) + name_size(o->suffix);
	/* One allocation for the handle and the option strings it keeps. */
	struct tempfile_spooled *s = malloc(sizeof *s + names);
	if (!s)
		return -ENOMEM;
	/* Field by field: a compound literal for all 144 bytes compiles to a
	 * `rep stos` that costs a third of this whole call on x86-64. Every
	 * field is set here. */
	s->data = NULL;
	s->size = 0;
	s->capacity = 0;
	s->pos = 0;
	s->max_size = max_size;
	s->fd = -1;
	s->append = append;
	s->stream = NULL;
	s->stream_error = 0;
	s->stream_seek_set = false;
	s->cookie = (struct tf_stream_cookie){ 0 };
	parse_mode(s, mode);
	char *at = s->names;
	const char *dir = copy_name(&at, o->dir);
	const char *prefix = copy_name(&at, o->prefix);
	const char *suffix = copy_name(&at, o->suffix);
	s->opts = (struct tempfile_opts){
		.dir = dir, .prefix = prefix, .suffix = suffix, .flags = o->flags, .mode = o->mode
	};
	*out = s;
	return 0;
}

struct tempfile_spooled *tempfile_spooled(size_t max_size, const struct tempfile_opts *o,
	const char *mode)
{
	struct tempfile_spooled *s = NULL;
	int rc = spooled_new(max_size, o, mode, &s);
	return tf_public_pointer(rc, s);
}

/* ---- the file after rollover ------------------------------------------------- */

/* All n bytes at the descriptor's position: the count written if any was,
 * else -errno. */
static ssize_t fd_write_all(int fd, const unsigned char *buf, size_t n)
{
	size_t done;
	int rc = tf_write_all(fd, buf, n, &done);
	return done > 0 || rc == 0 ? (ssize_t)done : rc;
}

/* The bytes in memory into the new file fd, at the same position. */
static int copy_to_file(const struct tempfile_spooled *s, int fd)
{
	if (s->size > 0) {
		ssize_t w = fd_write_all(fd, s->data, s->size);
		if (w != (ssize_t)s->size)
			return w < 0 ? (int)w : -EIO; /* short: the disk is full */
	}
	/* "a" mode: the file gets O_APPEND, as a real "a" file has and as
	 * fileno() users expect; the copy above started at 0 either way. */
	int rc = s->append ? tf_os_set_append(fd) : 0;
	if (rc == 0 && (off_t)s->size != s->pos) {
		off_t at = tf_os_seek(fd, s->pos, SEEK_SET);
		rc = at < 0 ? (int)at : 0;
	}
	return rc;
}

/* Move the bytes to a new temporary file and keep the position. On any
 * failure nothing changes (the new file is closed, hence gone). 0 or
 * -errno. */
static int roll_over(struct tempfile_spooled *s)
{
	if (s->fd >= 0)
		return 0;
	/* The file gets the mode's access only, like tempfile_temporary()'s:
	 * fileno() users, and the stream view where it is an fdopen() of
	 * the descriptor (glibc reads a large request straight from it even
	 * on a "w" stream), can do no more than the mode allows. */
	int access = s->readable && s->writable ? O_RDWR : s->writable ? O_WRONLY : O_RDONLY;
	int fd = tf_temporary_fd(&s->opts, access);
	if (fd < 0)
		return fd;
	int rc = copy_to_file(s, fd);
	if (rc < 0) {
		(void)tf_os_close(fd);
		return rc;
	}
	free(s->data);
	s->data = NULL;
	s->size = s->capacity = 0;
	s->pos = 0;
	s->fd = fd;
	return 0;
}

/* ---- memory ------------------------------------------------------------------ */

/* Make room for need bytes, geometrically, never past max_size (the
 * caller guarantees need <= max_size when max_size != 0). 0 or -ENOMEM. */
static int reserve(struct tempfile_spooled *s, size_t need)
{
	if (need <= s->capacity)
		return 0;
	size_t cap = s->capacity > SIZE_MAX / 2 ? SIZE_MAX : s->capacity * 2;
	if (cap < need)
		cap = need;
	if (s->max_size != 0 && cap > s->max_size)
		cap = s->max_size;
	/* malloc for the first buffer: realloc(NULL) costs more. */
	unsigned char *p = s->data ? realloc(s->data, cap) : malloc(cap);
	if (!p)
		return -ENOMEM;
	s->data = p;
	s->capacity = cap;
	return 0;
}

/* Set the size to end (> size), zero-filling what is new. */
static int grow_to(struct tempfile_spooled *s, off_t end)
{
	if ((uintmax_t)end > SIZE_MAX)
		return -ENOMEM;
	int rc = reserve(s, (size_t)end);
	if (rc < 0)
		return rc;
	memset(s->data + s->size, 0, (size_t)end - s->size);
	s->size = (size_t)end;
	return 0;
}

/* Write n > 0 bytes at start, zero-filling any hole before it. */
static ssize_t memory_write_at(struct tempfile_spooled *s, off_t start, const void *buf, size_t n)
{
	off_t end = start + (off_t)n;
	if ((uintmax_t)end > s->size) {
		if ((uintmax_t)end > SIZE_MAX)
			return -ENOMEM;
		int rc = reserve(s, (size_t)end);
		if (rc < 0)
			return rc;
		if ((uintmax_t)start > s->size)
			memset(s->data + s->size, 0, (size_t)start - s->size);
		s->size = (size_t)end;
	}
	memcpy(s->data + start, buf, n);
	s->pos = end;
	return (ssize_t)n;
}

/* ---- the operations, in memory or on the file: a count or -errno ---------------- */

static ssize_t spooled_write(struct tempfile_spooled *s, const void *buf, size_t n)
{
	if (!s->writable)
		return -EBADF;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (s->fd < 0) {
		/* Where the write starts, and where the position is after it:
		 * a 0-byte write moves nothing, even in append mode. */
		off_t start = s->append && n > 0 ? (off_t)s->size : s->pos;
		if ((off_t)n > TF_OFF_MAX - start)
			return -EFBIG;
		off_t after = start + (off_t)n;
		if (s->max_size == 0 || (uintmax_t)after <= s->max_size)
			return n == 0 ? 0 : memory_write_at(s, start, buf, n);
		int rc = roll_over(s);
		if (rc < 0)
			return rc;
	}
	return fd_write_all(s->fd, buf, n);
}

static ssize_t spooled_read(struct tempfile_spooled *s, void *buf, size_t n)
{
	if (!s->readable)
		return -EBADF;
	if (n > SSIZE_MAX)
		n = SSIZE_MAX;
	if (s->fd >= 0)
		return tf_os_read(s->fd, buf, n);
	if ((uintmax_t)s->pos >= s->size)
		return 0;
	size_t avail = s->size - (size_t)s->pos;
	if (n > avail)
		n = avail;
	memcpy(buf, s->data + s->pos, n);
	s->pos += (off_t)n;
	return (ssize_t)n;
}

static off_t spooled_seek(struct tempfile_spooled *s, off_t off, int whence)
{
	if (s->fd >= 0)
		return tf_os_seek(s->fd, off, whence);
	off_t base;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = s->pos; break;
	case SEEK_END: base = (off_t)s->size; break;
	default: return -EINVAL;
	}
	if (off > 0 && base > TF_OFF_MAX - off)
		return -EOVERFLOW;
	if (base + off < 0)
		return -EINVAL;
	s->pos = base + off;
	return s->pos;
}

static int spooled_truncate(struct tempfile_spooled *s, off_t size)
{
	if (!s->writable)
		return -EBADF;
	if (size < 0)
		return -EINVAL;
	/* Past max_size rolls over, even with max_size 0, like Python; the
	 * current size, a truncate that changes nothing, never does (Python's
	 * does when that size is past max_size). */
	if (s->fd < 0 && (uintmax_t)size > s->max_size && (uintmax_t)size != s->size) {
		int rc = roll_over(s);
		if (rc < 0)
			return rc;
	}
	if (s->fd >= 0)
		return tf_os_truncate(s->fd, size);
	if ((uintmax_t)size > s->size)
		return grow_to(s, size);
	s->size = (size_t)size;
	return 0;
}

/* ---- the stdio view ---------------------------------------------------------- */

/* Bring the stream view and the object into agreement before a direct
 * call: pending stream writes go through, read-ahead is given back. */
static int sync_stream(const struct tempfile_spooled *s)
{
	if (s->stream && fflush(s->stream) == EOF)
		return tf_neg_errno();
	return 0;
}

static const char *stream_mode(const struct tempfile_spooled *s)
{
	if (s->readable && s->writable)
		return s->append ? "a+" : "r+";
	return s->readable ? "r" : s->append ? "a" : "w";
}

/* glibc moves a stream to an absolute offset by seeking to the
 * buffer-aligned offset below it and reading a whole buffer: the bytes
 * before the offset are skipped, the rest is read ahead. A write begun
 * there is flushed after a seek back over the read-ahead, whose result
 * glibc keeps as the stream's offset without counting the write (its
 * fopencookie write, unlike its file write, does not advance it), so a
 * relative fseek that flushes the write counted from before it and the
 * next write overwrote it. The first read after a SEEK_SET therefore
 * returns at most one byte: glibc seeks the rest of the way (or is there)
 * and nothing is read ahead. A short read is always allowed; it costs one
 * more call after such a seek. */
static ssize_t cookie_read(void *object, char *buf, size_t n)
{
	struct tempfile_spooled *s = object;
	if (s->stream_seek_set && n > 1)
		n = 1;
	s->stream_seek_set = false;
	return spooled_read(s, buf, n);
}

static ssize_t cookie_write(void *object, const char *buf, size_t n)
{
	struct tempfile_spooled *s = object;
	s->stream_seek_set = false;
	ssize_t w = spooled_write(s, buf, n);
	/* stdio may be flushing on its own (buffer full, fclose): remember
	 * the loss so that flush and close report it. */
	if (w < 0 || (size_t)w != n)
		s->stream_error = w < 0 ? (int)-w : EIO;
	return w < 0 ? 0 : w;
}

static off_t cookie_seek(void *object, off_t off, int whence)
{
	struct tempfile_spooled *s = object;
	s->stream_seek_set = false;
	off_t at = spooled_seek(s, off, whence);
	s->stream_seek_set = at >= 0 && whence == SEEK_SET;
	return at;
}

static const struct tf_stream_io cookie_io = {
	.read = cookie_read, .write = cookie_write, .seek = cookie_seek
};

/* Without fopencookie: roll over and wrap a duplicate of the descriptor
 * (same open file, same position), so fclose() leaves s->fd open. */
static int open_fd_stream(struct tempfile_spooled *s, FILE **out)
{
	int rc = roll_over(s);
	if (rc < 0)
		return rc;
	int dup_fd = tf_os_dup(s->fd);
	if (dup_fd < 0)
		return dup_fd;
	rc = tf_os_fdopen(dup_fd, stream_mode(s), out);
	if (rc < 0)
		(void)tf_os_close(dup_fd);
	return rc;
}

/* The stream view: fopencookie where the C library has it (-ENOSYS
 * elsewhere), else a stream on the rolled-over file. */
static int open_stream(struct tempfile_spooled *s)
{
	bool use_cookie = true;
#ifdef TEMPFILE_TEST_SEAMS
	use_cookie = !force_fd_stream;
#endif
	s->cookie = (struct tf_stream_cookie){ .io = &cookie_io, .object = s };
	int rc = use_cookie ? tf_os_cookie_stream(&s->cookie, stream_mode(s), &s->stream) : -ENOSYS;
	if (rc == -ENOSYS)
		rc = open_fd_stream(s, &s->stream);
	return rc;
}

/* ---- public API: sync the stream view, then the operation ----------------------- */

/* tf_public_result for counts and offsets (-errno always fits an int). */
static ssize_t public_ssize(ssize_t rc)
{
	return rc < 0 ? tf_public_result((int)rc) : rc;
}

static off_t public_off(off_t rc)
{
	return rc < 0 ? tf_public_result((int)rc) : rc;
}

ssize_t tempfile_spooled_write(struct tempfile_spooled *s, const void *buf, size_t n)
{
	if (TF_UNLIKELY(!s || (!buf && n)))
		return tf_public_result(-EINVAL);
	ssize_t rc = sync_stream(s);
	return public_ssize(rc < 0 ? rc : spooled_write(s, buf, n));
}

ssize_t tempfile_spooled_read(struct tempfile_spooled *s, void *buf, size_t n)
{
	if (TF_UNLIKELY(!s || (!buf && n)))
		return tf_public_result(-EINVAL);
	ssize_t rc = sync_stream(s);
	return public_ssize(rc < 0 ? rc : spooled_read(s, buf, n));
}

off_t tempfile_spooled_seek(struct tempfile_spooled *s, off_t off, int whence)
{
	if (!s)
		return tf_public_result(-EINVAL);
	off_t rc = sync_stream(s);
	return public_off(rc < 0 ? rc : spooled_seek(s, off, whence));
}

off_t tempfile_spooled_tell(struct tempfile_spooled *s)
{
	return tempfile_spooled_seek(s, 0, SEEK_CUR);
}

int tempfile_spooled_truncate(struct tempfile_spooled *s, off_t size)
{
	if (!s)
		return tf_public_result(-EINVAL);
	int rc = sync_stream(s);
	return tf_public_result(rc < 0 ? rc : spooled_truncate(s, size));
}

int tempfile_spooled_flush(struct tempfile_spooled *s)
{
	if (!s)
		return tf_public_result(-EINVAL);
	int rc = sync_stream(s);
	if (rc == 0 && s->stream_error)
		rc = -s->stream_error;
	return tf_public_result(rc);
}

int tempfile_spooled_rollover(struct tempfile_spooled *s)
{
	if (!s)
		return tf_public_result(-EINVAL);
	int rc = sync_stream(s);
	return tf_public_result(rc < 0 ? rc : roll_over(s));
}

int tempfile_spooled_rolled(const struct tempfile_spooled *s)
{
	if (!s)
		return tf_public_result(-EINVAL);
	/* Data still in the stream's buffer may be what rolls it over; a
	 * failure is remembered by cookie_write for flush/close to report. */
	(void)sync_stream(s);
	return s->fd >= 0;
}

int tempfile_spooled_fileno(struct tempfile_spooled *s)
{
	if (tempfile_spooled_rollover(s) != 0)
		return -1;
	return s->fd;
}

FILE *tempfile_spooled_stream(struct tempfile_spooled *s)
{
	int rc = !s ? -EINVAL : s->stream ? 0 : open_stream(s);
	return tf_public_pointer(rc, rc == 0 ? s->stream : NULL);
}

int tempfile_spooled_close(struct tempfile_spooled *s)
{
	if (!s)
		return 0;
	int rc = 0;
	/* The stream first: its last flush may still write (and roll over). */
	if (s->stream && fclose(s->stream) == EOF)
		rc = tf_neg_errno();
	if (rc == 0 && s->stream_error)
		rc = -s->stream_error;
	if (s->fd >= 0)
		(void)tf_os_close(s->fd); /* an unnamed temporary file: nothing to lose */
	free(s->data);
	free(s);
	return tf_public_result(rc);
}
