/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tempfile.h - temporary files and directories, safely: Python's tempfile
 * module done properly in C.
 *
 * This header is the manual: read it top to bottom. The man page
 * tempfile(3) says the same with examples and a decision table.
 *
 * Conventions
 *   - Functions return -1 or NULL and set errno, like mkstemp(3). The
 *     library never prints, never aborts, never exits.
 *   - A returned `char *` is NEW: malloc()ed, the caller frees it with free().
 *     A returned `const char *` is BORROWED: it says how long it stays valid.
 *   - A handle (struct tempfile, struct tempfile_spooled, struct tempfile_dir,
 *     struct tempfile_atomic) is freed by its own close/cleanup function,
 *     which frees it on error too (tempfile_atomic_commit frees it as well).
 *     Like free(), each of those takes NULL and then does nothing and
 *     returns 0 (tempfile_close, tempfile_spooled_close,
 *     tempfile_dir_cleanup, tempfile_atomic_discard). Every other function
 *     given a NULL handle fails with EINVAL (-1 or NULL).
 *   - Each function that takes flags says which; any other flag is EINVAL.
 *   - Options come in one struct where zero means default; a NULL options
 *     pointer means all defaults:
 *
 *         char *path;
 *         int fd = tempfile_mkstemp(&(struct tempfile_opts){ .suffix = ".json" }, &path);
 */
#ifndef TEMPFILE_H
#define TEMPFILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEMPFILE_VERSION_MAJOR 0
#define TEMPFILE_VERSION_MINOR 1
#define TEMPFILE_VERSION_PATCH 0
#define TEMPFILE_VERSION_STRING "0.1.0"
/* The version as one number, major * 10000 + minor * 100 + patch (0.1.0 is
 * 100; minor and patch stay below 100), and a test usable in #if: true when
 * this header is version maj.min.pat or later. tempfile_version() below
 * says which library the program runs with: one of the same major version,
 * which may be another release than the header's (doc/ABI.md). */
#define TEMPFILE_VERSION_NUMBER \
	(TEMPFILE_VERSION_MAJOR * 10000 + TEMPFILE_VERSION_MINOR * 100 + TEMPFILE_VERSION_PATCH)
#define TEMPFILE_CHECK_VERSION(maj, min, pat) \
	(TEMPFILE_VERSION_NUMBER >= (maj) * 10000 + (min) * 100 + (pat))

/* off_t (tempfile_spooled_seek, _tell, _truncate) is 64-bit on every
 * supported platform. Where the C library's is 32-bit by default (32-bit
 * glibc, mingw-w64) compile with -D_FILE_OFFSET_BITS=64, as
 * `pkg-config --cflags tempfile` and the CMake targets tempfile::tempfile
 * and tempfile::tempfile_static do; a file compiled otherwise stops here. */
#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(off_t) == 8, "libtempfile needs a 64-bit off_t: compile with -D_FILE_OFFSET_BITS=64");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(off_t) == 8, "libtempfile needs a 64-bit off_t: compile with -D_FILE_OFFSET_BITS=64");
#else
typedef char tempfile_needs_a_64_bit_off_t_compile_with_FILE_OFFSET_BITS_64[sizeof(off_t) == 8 ? 1 : -1];
#endif

#if defined(_WIN32) && !defined(TEMPFILE_STATIC)
#  ifdef TEMPFILE_BUILDING
#    define TEMPFILE_EXPORT __declspec(dllexport)
#  else
#    define TEMPFILE_EXPORT __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define TEMPFILE_EXPORT __attribute__((visibility("default")))
#else
#  define TEMPFILE_EXPORT
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define TEMPFILE_WARN_UNUSED __attribute__((warn_unused_result))
#  define TEMPFILE_DEPRECATED \
	__attribute__((deprecated("racy: another process can take the name; use tempfile_mkstemp")))
#else
#  define TEMPFILE_WARN_UNUSED
#  define TEMPFILE_DEPRECATED
#endif

/* ------------------------------------------------------------------------
 * Options and flags
 * ------------------------------------------------------------------------ */

/* Every creator takes these. Zero (or NULL) means the default shown.
 * A creator fails with EINVAL if prefix or suffix holds a path separator
 * ('/'; on Windows also '\\' and ':'), dir is "", flags has a flag that
 * creator does not take, or mode is beyond 07777: the same rule for all,
 * checked before anything is created. */
struct tempfile_opts {
	const char *dir;    /* NULL: tempfile_gettempdir()                  */
	const char *prefix; /* NULL: tempfile_gettempprefix(), i.e. "tmp"  */
	const char *suffix; /* NULL: ""                                     */
	unsigned flags;     /* TEMPFILE_* below                             */
	unsigned mode;      /* 0: 0600 for files, 0700 for directories      */
	/* Room for options of later versions, so that adding one keeps the
	 * struct's size and layout (the ABI). Leave them zero, as designated
	 * initializers and `= { 0 }` do; a creator given one that is not zero
	 * fails with EINVAL, so that no program comes to rely on a value
	 * this version would ignore. */
	unsigned reserved[2];
	const void *reserved_ptr[3];
};

/* From C++, which has no compound literals (g++ and clang++ reject
 * `&(struct tempfile_opts){ ... }`: the address of a temporary), name the
 * options: `tempfile_opts o{};` makes every member zero, the defaults; then
 * set the ones needed (`o.suffix = ".json";`) and pass `&o`. As in
 * examples/cxx_options.cpp, tested with g++ and clang++ in C++11 and C++17. */

/* Text mode where the OS has one (Windows O_TEXT); accepted and ignored on
 * POSIX. Python: mkstemp(text=True). */
#define TEMPFILE_TEXT 0x01u
/* The close/cleanup call does not delete. Python: delete=False. */
#define TEMPFILE_KEEP 0x02u
/* Also removed at exit() and on fatal signals, by the creating process only.
 * Python: finalizers. See "Cleanup at exit and on signals" below. */
#define TEMPFILE_AT_EXIT 0x04u
/* Cleanup goes on past errors and returns 0.
 * Python: ignore_cleanup_errors=True. */
#define TEMPFILE_IGNORE_CLEANUP_ERRORS 0x08u
/* tempfile_persist and tempfile_atomic_* fail with EEXIST instead of replacing. */
#define TEMPFILE_NOREPLACE 0x10u
/* tempfile_persist and tempfile_atomic_* make data and name durable (fsync
 * file, then directory). */
#define TEMPFILE_SYNC 0x20u
/* The object is held by the creating process until it closes or cleans it
 * up through the library, or ends by any means (SIGKILL included), and
 * then tempfile_reap() removes it. Taken by tempfile_mkstemp,
 * tempfile_mkdtemp, tempfile_named, tempfile_dir and tempfile_mktemplate
 * (files and directories). See "Leases and reaping" below. */
#define TEMPFILE_LEASE 0x40u
/* tempfile_reap_explain reports what it would remove and removes nothing. */
#define TEMPFILE_DRY_RUN 0x80u

/* Names tried before a creator gives up with EEXIST. Each name carries 8
 * characters from a 37-letter alphabet (about 41.7 bits) drawn from a
 * CSPRNG, so even a directory holding a billion entries makes a collision a
 * one-in-3,500 event; 100 straight collisions mean the name space is being
 * exhausted on purpose or a file system is answering EEXIST for everything,
 * and failing promptly (about 100 failed opens, well under a millisecond) is
 * better than spinning. Python 3.14.4 uses 20 for the same reason (its hang
 * with 2^31 tries on Windows); glibc's 238328 is too many to be a bound. */
#define TEMPFILE_TMP_MAX 100

/* ------------------------------------------------------------------------
 * Where temporary files go
 * ------------------------------------------------------------------------ */

/* The directory new temporary objects go in by default: the first of
 * $TMPDIR, $TEMP, $TMP (unset or empty ones skipped), /tmp, /var/tmp,
 * /usr/tmp and the current directory in which a randomly named file can
 * really be created, written and removed. Absolute (made so lexically, not
 * through links). Computed once per process, even when many threads ask at
 * once; later changes to $TMPDIR are not seen until tempfile_settempdir(NULL).
 * BORROWED: valid until tempfile_settempdir() replaces or forgets it, and
 * after that while it is one of the 8 different directories replaced most
 * recently (a grace for a thread that read it just before another thread's
 * change, not a way to keep it); then it is freed. The directory in force,
 * or one of those 8, set or found again comes back as the same string, so
 * memory stays bounded however often the directory changes.
 * No usable directory: NULL, errno ENOENT. Python: gettempdir(). */
TEMPFILE_EXPORT const char *tempfile_gettempdir(void);

/* Override the default directory (made absolute, not checked, like Python's
 * `tempfile.tempdir = dir`), or with NULL forget it and search again on the
 * next tempfile_gettempdir(). A creator running in another thread meanwhile
 * uses the old directory or the new one, from a copy of its own. 0, or -1
 * with errno EINVAL (empty string) or ENOMEM. */
TEMPFILE_EXPORT int tempfile_settempdir(const char *dir);

/* The default prefix of new names, "tmp" unless set. BORROWED: the built-in
 * "tmp" is valid for the life of the process; a prefix that was set, until
 * tempfile_settempprefix() replaces it, and after that while it is one of
 * the 8 different prefixes replaced most recently; then it is freed. The
 * prefix in force, or one of those 8, set again comes back as the same
 * string, so memory stays bounded however often the prefix changes.
 * Python: gettempprefix(). */
TEMPFILE_EXPORT const char *tempfile_gettempprefix(void);

/* Set the default prefix (NULL: back to "tmp"). A creator running in another
 * thread meanwhile uses the old prefix or the new one, from a copy of its
 * own. -1 with EINVAL if it holds a '/', ENOMEM.
 * Python: `tempfile.template = prefix`. */
TEMPFILE_EXPORT int tempfile_settempprefix(const char *prefix);

/* Where the probe of a candidate stopped (tempfile_candidate.step), so
 * that an errno is read truly: ENOENT at TEMPFILE_PROBE_DIRECTORY is a
 * missing directory, at TEMPFILE_PROBE_CREATE an existing one in which the
 * file system refuses new files (/proc). */
enum tempfile_probe_step {
	TEMPFILE_PROBE_PASSED,    /* error 0: usable                            */
	TEMPFILE_PROBE_NO_PATH,   /* nothing to probe: an unset or empty variable
	                             (ENOENT), or the path not made absolute or
	                             the default not found (getcwd's errno,
	                             ENOMEM); path NULL                          */
	TEMPFILE_PROBE_DIRECTORY, /* the path leads to no directory: ENOENT
	                             missing, ENOTDIR not a directory, EACCES it
	                             or a directory on the way may not be
	                             searched, ELOOP, ENAMETOOLONG               */
	TEMPFILE_PROBE_CREATE,    /* a directory, but no file could be created in
	                             it: EACCES or EPERM not writable, EROFS
	                             read-only, ENOSPC or EDQUOT full,
	                             ENAMETOOLONG, ENOMEM, or whatever else the
	                             file system says                           */
	TEMPFILE_PROBE_WRITE,     /* the file was created, its 4 bytes not
	                             written (ENOSPC, EDQUOT; EIO: a short write) */
	TEMPFILE_PROBE_REMOVE     /* created and written, then not removed       */
};

/* One candidate directory as tempfile_gettempdir_explain() saw it. */
struct tempfile_candidate {
	const char *source; /* "TMPDIR", "TEMP", "TMP", "default" or "cwd"    */
	const char *path;   /* absolute; NULL when there is nothing to probe
	                       (step TEMPFILE_PROBE_NO_PATH); BORROWED: valid
	                       during the callback only                      */
	int error;          /* 0: usable; otherwise the errno that rejected it,
	                       as the failed step's call returned it          */
	int chosen;         /* 1 for the one tempfile_gettempdir() would take  */
	enum tempfile_probe_step step; /* where the probe stopped            */
};

/* Probe every candidate of tempfile_gettempdir() in order, now, and call
 * fn(candidate, arg) for each, unset variables included; fn returning
 * non-zero stops the walk. Touches no cache. Returns 0 when some candidate is
 * usable, -1 with errno ENOENT when none is (or the errno fn left when it
 * stopped the walk by returning -1). */
TEMPFILE_EXPORT int tempfile_gettempdir_explain(
	int (*fn)(const struct tempfile_candidate *candidate, void *arg), void *arg);

/* ------------------------------------------------------------------------
 * Low level: Python's mkstemp, mkdtemp, mktemp
 * ------------------------------------------------------------------------ */

/* Create a file dir/prefix + 8 random chars + suffix with
 * O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600 (or o->mode) before
 * umask, and return its descriptor. If path is not NULL, *path receives the
 * absolute path: NEW, free() it. The caller closes and unlinks.
 * flags: TEMPFILE_TEXT, TEMPFILE_AT_EXIT, TEMPFILE_LEASE.
 * Errors: EINVAL (prefix/suffix with '/', empty dir, another flag, mode
 * beyond 07777, a reserved field not zero), ENOENT (dir missing, or no
 * usable default directory), ENOTDIR, EACCES, ENAMETOOLONG, ENOMEM, EEXIST
 * (TEMPFILE_TMP_MAX names taken), and whatever open(2) says. Nothing is
 * left behind on error. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_mkstemp(const struct tempfile_opts *o, char **path);

/* Create a directory the same way, mode 0700 (or o->mode) before umask, and
 * return its absolute path: NEW, free() it. flags: TEMPFILE_AT_EXIT,
 * TEMPFILE_LEASE. NULL and errno as above. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED char *tempfile_mkdtemp(const struct tempfile_opts *o);

/* Return an absolute name that did not exist a moment ago, creating nothing.
 * Racy: another process can create the name first; use tempfile_mkstemp.
 * flags: TEMPFILE_TEXT (accepted for symmetry, no effect). NEW, free() it. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED char *tempfile_mktemp(const struct tempfile_opts *o) TEMPFILE_DEPRECATED;

/* What tempfile_mktemplate() makes. TEMPFILE_KIND_NAME is deprecated as
 * tempfile_mktemp is, with the same warning: racy. */
enum tempfile_kind {
	TEMPFILE_KIND_FILE = 0, /* a file, as tempfile_mkstemp: returns its fd  */
	TEMPFILE_KIND_DIR = 1,  /* a directory, as tempfile_mkdtemp: returns 0  */
	TEMPFILE_KIND_NAME TEMPFILE_DEPRECATED = 2 /* nothing, name only (racy, mktemp -u): 0 */
};

/* mktemp(1)/mkstemps(3)-style templates: the run of 'X' (at least 3) that
 * ends suffix_len bytes before the end of tmpl is replaced, in place, by
 * characters from [A-Za-z0-9] until an entry of that name can be created.
 * Only EEXIST is retried, at most 62^3 = 238328 times (glibc's and GNU
 * mktemp's bound, so a crowded directory behaves as it does for them).
 * flags: TEMPFILE_TEXT, TEMPFILE_AT_EXIT, TEMPFILE_LEASE (not with
 * TEMPFILE_KIND_NAME: nothing is made to hold); mode 0: 0600 / 0700. On
 * error tmpl is left as given. EINVAL: fewer than 3 X's, suffix_len too
 * long, unknown flag or kind. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_mktemplate(char *tmpl, size_t suffix_len,
	enum tempfile_kind kind, unsigned flags, unsigned mode);

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/* TemporaryFile: a file with no name (O_TMPFILE where the file system has
 * it; elsewhere created and unlinked at once), gone when closed, even after
 * a crash. mode is an fopen(3) mode ("w+b" when NULL); it is checked before
 * anything is created (EINVAL). The descriptor under the stream has the
 * access the mode asks for and no more: "r" read-only, "w" and "a"
 * write-only, with "+" both, so that even a large fread() on a "w" stream
 * (which glibc takes straight from the descriptor) fails: with EBADF on
 * glibc and Windows, with no errno on musl, whose stdio refuses the read
 * itself before any system call. "r"
 * makes an empty file that stays empty; it is always created and unlinked,
 * since O_TMPFILE needs write access. "a" modes ("a", "ab", "a+", "ab+")
 * append every write, wherever the position is (O_APPEND, as fopen(3)),
 * unlike Python's, which only start at the end: there a write after a seek
 * goes to the position. flags: TEMPFILE_TEXT, TEMPFILE_AT_EXIT (which
 * matters only where the file must be created and unlinked, for the moment
 * in between). The stream is yours to fclose(). */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED FILE *tempfile_temporary(const struct tempfile_opts *o, const char *mode);
/* The same as a read/write descriptor (O_CLOEXEC), the same flags;
 * close(2) it. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_temporary_fd(const struct tempfile_opts *o);

/* NamedTemporaryFile: a file with a name others can open, deleted by
 * tempfile_close() unless TEMPFILE_KEEP or persisted. mode as for
 * tempfile_temporary(), the descriptor's access included ("r": a file that
 * others write by name and this handle reads). With "a+" or "ab+" every
 * write appends, even after a seek back to read: Python's
 * NamedTemporaryFile(mode="ab+") writes at the position after a seek (its
 * descriptor has no O_APPEND). flags: TEMPFILE_TEXT, TEMPFILE_KEEP,
 * TEMPFILE_AT_EXIT, TEMPFILE_IGNORE_CLEANUP_ERRORS (tempfile_close then
 * ignores a failed delete), TEMPFILE_LEASE. */
struct tempfile;
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED struct tempfile *tempfile_named(const struct tempfile_opts *o,
	const char *mode);
/* BORROWED stream, valid until tempfile_close_stream()/tempfile_close();
 * made on the first call (so a file used only by name or descriptor costs no
 * stdio), NULL with ENOMEM if it cannot be, NULL with EBADF once closed,
 * NULL with EINVAL for a NULL t. */
TEMPFILE_EXPORT FILE *tempfile_stream(struct tempfile *t);
/* The file's descriptor (the stream's), -1 (EBADF) once the stream is
 * closed, -1 (EINVAL) for a NULL t. */
TEMPFILE_EXPORT int tempfile_fileno(const struct tempfile *t);
/* BORROWED absolute path, valid until tempfile_close(); after a successful
 * tempfile_persist() it is the new path. NULL (EINVAL) for a NULL t. */
TEMPFILE_EXPORT const char *tempfile_path(const struct tempfile *t);
/* Flush and close the stream but keep the file, so that another program can
 * open it by name; tempfile_close() deletes it later (unless kept).
 * Python: delete_on_close=False. -1 if the flush failed (the stream is closed
 * all the same); again: 0; NULL t: -1 (EINVAL). */
TEMPFILE_EXPORT int tempfile_close_stream(struct tempfile *t);
/* Give the file its final name atomically. flags: TEMPFILE_NOREPLACE,
 * TEMPFILE_SYNC. Flush, with TEMPFILE_SYNC fsync
 * the file, rename over path (TEMPFILE_NOREPLACE: fail with EEXIST if path
 * exists), with TEMPFILE_SYNC fsync path's directory. Afterwards the handle
 * keeps its stream and never deletes. On failure the temporary file is
 * untouched and still owned by the handle. EXDEV when path is on another file
 * system: create the temporary file in path's directory (.dir). ENOTDIR when
 * path can only name a directory (it ends in '/' or in a "." component, as
 * "out/" or "out/."), as rename(2) says for a trailing slash, whether or not
 * something is there and with TEMPFILE_NOREPLACE too: the slash is never
 * dropped to replace "out". */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_persist(struct tempfile *t, const char *path,
	unsigned flags);
/* Flush, close, delete unless kept or persisted, free. Always frees. -1 if
 * the flush or close failed (ENOSPC, EIO: data loss is never silent) or the
 * file could not be deleted; a file someone else removed already is fine.
 * NULL: nothing, 0. */
TEMPFILE_EXPORT int tempfile_close(struct tempfile *t);

/* ------------------------------------------------------------------------
 * Atomic replacement of a file
 * ------------------------------------------------------------------------ */

/* Write a file atomically: readers of path see the old content or the new,
 * never a mix and never no file. tempfile_atomic_open() stages the new
 * content in path's own directory (so EXDEV cannot happen): as an O_TMPFILE
 * file where the kernel and file system have it, which has no name at all
 * until commit; elsewhere (or where the kernel refuses O_TMPFILE:
 * EOPNOTSUPP, EISDIR, EINVAL; Windows) as a hidden file named ".tmp"
 * followed by 8 random characters, registered like TEMPFILE_AT_EXIT files
 * for removal at exit and on fatal signals. The choice is made per call.
 * flags: TEMPFILE_NOREPLACE, TEMPFILE_SYNC (see tempfile_atomic_commit).
 * mode 0: an existing path keeps its permission bits, and its owner and
 * group where the caller may set them (the owner needs privilege, the group
 * membership: each is kept only if it can be; POSIX), and a new file gets
 * 0666 & ~umask; a symbolic link at path has no permissions of its own, so
 * it is replaced by a new file with 0666 & ~umask. Any other mode (at most
 * 07777) is applied as open(2) applies it, minus the umask. Windows keeps no
 * owner and no mode: the new file gets its directory's inherited
 * permissions. Fails with EINVAL for a NULL path, another flag or a mode
 * beyond 07777; ENOENT when path's directory is missing; EISDIR when path
 * ends in '/' or a "." component, or is a directory and mode is 0 (mode 0
 * looks at what is at path; with another mode nothing looks, and a
 * directory at path fails the commit with EISDIR instead); EACCES or EROFS
 * when the directory cannot be written (with TEMPFILE_SYNC, EACCES also
 * when it cannot be read: its fsync needs that); nothing is created then.
 * With TEMPFILE_SYNC, and where the content is staged in a named file,
 * the directory is opened here and held until commit, which gives the name
 * in that directory (and syncs it), even if another directory has taken
 * its path meanwhile; an O_TMPFILE file without TEMPFILE_SYNC holds
 * nothing, and commit names path as it resolves then. */
struct tempfile_atomic;
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED struct tempfile_atomic *tempfile_atomic_open(const char *path,
	unsigned flags, unsigned mode);
/* The descriptor to write the new content to (read/write, O_CLOEXEC),
 * owned by a: valid until commit or discard. -1 (EINVAL) for a NULL a. */
TEMPFILE_EXPORT int tempfile_atomic_fd(const struct tempfile_atomic *a);
/* BORROWED stream on the same descriptor, made on the first call (the same
 * one after), valid until commit or discard; do not fclose() it. Commit
 * flushes it first. NULL with EINVAL for a NULL a, NULL with ENOMEM if it
 * cannot be made. */
TEMPFILE_EXPORT FILE *tempfile_atomic_stream(struct tempfile_atomic *a);
/* Publish the new content at path, then free a, always. Flushes the stream
 * (a flush error, ENOSPC say, fails the commit), then gives the file its
 * name: replacing what is at path (a symbolic link there is replaced
 * itself; its target is untouched) by linking the staged file to a hidden
 * random name and renaming that over path; with TEMPFILE_NOREPLACE
 * creating path, failing with EEXIST if anything is there (of two racing
 * commits exactly one wins). With TEMPFILE_SYNC the data is fsync'ed before
 * any name points at it and the directory after: when commit returns 0 the
 * data and the name are on disk and survive a crash of the machine.
 * Without it the replacement is atomic against a crash of the process, not
 * of the machine. On any failure (EEXIST, EISDIR if a directory took
 * path's place, ENOSPC, EIO, ...) path is exactly as it was and nothing is
 * left in the directory, except after the one failure that comes once the
 * name is given: TEMPFILE_SYNC's fsync of the directory (EIO), after which
 * path holds the new content, perhaps not yet durable. A crash or SIGKILL
 * before commit leaves nothing behind with O_TMPFILE; the named fallback's
 * file is removed at exit and on fatal signals, but SIGKILL leaves it (a
 * ".tmp" name in path's directory). So does a crash between the two steps
 * of a replacing commit, a moment of two system calls. -1 (EINVAL) for a
 * NULL a. Windows: MoveFileEx, with MOVEFILE_WRITE_THROUGH for
 * TEMPFILE_SYNC. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_atomic_commit(struct tempfile_atomic *a);
/* Drop the new content: path untouched, nothing left, a freed. -1 if the
 * staged file could not be removed. NULL: nothing, 0. */
TEMPFILE_EXPORT int tempfile_atomic_discard(struct tempfile_atomic *a);
/* tempfile_atomic_open(path, flags, mode), write len bytes of buf (EINVAL
 * for a NULL buf with len > 0), tempfile_atomic_commit(): 0, or -1 with
 * path as it was and nothing left. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_atomic_write(const char *path, const void *buf,
	size_t len, unsigned flags, unsigned mode);

/* ------------------------------------------------------------------------
 * SpooledTemporaryFile
 * ------------------------------------------------------------------------ */

/* Kept in memory until a write takes the position past max_size (0: never by
 * size), or until rollover/fileno (or truncate past max_size) is called; then
 * it goes on, same content and position, in a tempfile_temporary() file.
 * mode is checked at creation (EINVAL), unlike Python, and is obeyed before
 * and after rollover like a real stream: without "+", "r" refuses write and
 * truncate and "w"/"a" refuse read, with EBADF; "a" writes always append
 * (Python's go to the position after a seek);
 * the rolled-over file's descriptor has the mode's access only, as
 * tempfile_temporary()'s.
 * Reads, writes, seeks (holes read as zeros) and truncate behave as on a
 * real file. flags: TEMPFILE_TEXT, TEMPFILE_AT_EXIT (for the rollover
 * file, as tempfile_temporary's); o is checked at creation (EINVAL) as the
 * rollover would check it. Every call below given a NULL s fails with
 * EINVAL, except tempfile_spooled_close. A failed rollover (errno as
 * tempfile_temporary_fd's) leaves everything in memory, unchanged. Not
 * thread-safe: one thread at a time. */
struct tempfile_spooled;
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED struct tempfile_spooled *tempfile_spooled(size_t max_size,
	const struct tempfile_opts *o, const char *mode);
TEMPFILE_EXPORT ssize_t tempfile_spooled_write(struct tempfile_spooled *s, const void *buf, size_t n);
TEMPFILE_EXPORT ssize_t tempfile_spooled_read(struct tempfile_spooled *s, void *buf, size_t n);
/* whence: SEEK_SET, SEEK_CUR, SEEK_END; returns the new position. */
TEMPFILE_EXPORT off_t tempfile_spooled_seek(struct tempfile_spooled *s, off_t off, int whence);
TEMPFILE_EXPORT off_t tempfile_spooled_tell(struct tempfile_spooled *s);
/* Like ftruncate(2); a size past max_size rolls over first (even with
 * max_size 0, like Python), except the current size: a truncate that
 * changes nothing never rolls over (Python's does when that size is past
 * max_size; its truncate() without a size cuts at the position instead).
 * The position is not moved. */
TEMPFILE_EXPORT int tempfile_spooled_truncate(struct tempfile_spooled *s, off_t size);
/* Flush the stream view. -1 if that failed, or if the stream view ever lost
 * a write (stdio flushing on its own when its buffer was full). */
TEMPFILE_EXPORT int tempfile_spooled_flush(struct tempfile_spooled *s);
TEMPFILE_EXPORT int tempfile_spooled_rollover(struct tempfile_spooled *s);
/* 1 on disk, 0 in memory (after flushing the stream view into it); -1
 * (EINVAL) for a NULL s. */
TEMPFILE_EXPORT int tempfile_spooled_rolled(const struct tempfile_spooled *s);
/* Rolls over first, like Python; the descriptor stays owned by s. Unlike
 * Python's, it is read-only for "r" and write-only for "w" and "a". */
TEMPFILE_EXPORT int tempfile_spooled_fileno(struct tempfile_spooled *s);
/* A stdio view of the same data (fopencookie where available, so fprintf
 * works while still in memory; elsewhere it rolls over first). Every
 * tempfile_spooled_* call flushes it first, so stream and direct calls can
 * be interleaved freely (stdio's end-of-file indicator stays sticky: call
 * clearerr() to read again after it). BORROWED: valid until
 * tempfile_spooled_close(); do not fclose() it. */
TEMPFILE_EXPORT FILE *tempfile_spooled_stream(struct tempfile_spooled *s);
/* Close and free, always; -1 if a flush failed (or a stream write was
 * lost). NULL: nothing, 0. */
TEMPFILE_EXPORT int tempfile_spooled_close(struct tempfile_spooled *s);

/* ------------------------------------------------------------------------
 * Directories
 * ------------------------------------------------------------------------ */

/* TemporaryDirectory: a directory made like tempfile_mkdtemp(), removed with
 * its whole tree by tempfile_dir_cleanup() unless TEMPFILE_KEEP. flags:
 * TEMPFILE_KEEP, TEMPFILE_AT_EXIT, TEMPFILE_IGNORE_CLEANUP_ERRORS,
 * TEMPFILE_LEASE. */
struct tempfile_dir;
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED struct tempfile_dir *tempfile_dir(const struct tempfile_opts *o);
/* BORROWED absolute path, valid until tempfile_dir_cleanup(). NULL
 * (EINVAL) for a NULL d. */
TEMPFILE_EXPORT const char *tempfile_dir_path(const struct tempfile_dir *d);
/* Remove the tree (unless TEMPFILE_KEEP or persisted) and free, always. -1
 * with the first error unless TEMPFILE_IGNORE_CLEANUP_ERRORS was given at
 * creation. NULL: nothing, 0. */
TEMPFILE_EXPORT int tempfile_dir_cleanup(struct tempfile_dir *d);
/* Give the directory, with everything built in it, its final name path in
 * one step. flags: TEMPFILE_NOREPLACE, TEMPFILE_SYNC.
 *   - Nothing at path: renamed there (renameat2 RENAME_NOREPLACE, so that an
 *     entry another process makes at path meanwhile is never replaced but
 *     treated as existing; without renameat2, an lstat then rename(2), which
 *     in that instant could replace only an empty directory).
 *   - A directory at path: swapped with it in one step (renameat2
 *     RENAME_EXCHANGE): a reader opening path finds the old tree or the new
 *     one, never nothing. Then the old tree is removed as tempfile_rmtree()
 *     removes (its links not followed, its mounts not entered), and only
 *     while it is still the directory that was at path. Where the kernel or
 *     file system cannot exchange (Linux < 3.15, some file systems; Windows,
 *     which has no such call), the old tree is renamed aside to
 *     path + ".old-" + 8 random characters, the new one renamed in, and the
 *     old one removed: not atomic, a reader can find path missing for that
 *     instant (never a partial tree); if the second rename fails the old
 *     tree is put back.
 *   - Anything else at path (a file, a symbolic link, even to a directory):
 *     ENOTDIR, as rename(2) says, and both are left as they were.
 *   - path naming this directory itself: nothing to do, 0.
 * TEMPFILE_NOREPLACE: EEXIST if anything is at path. TEMPFILE_SYNC: the
 * directory's own entries are made durable before the rename (fsync), and
 * path's entry in its parent after it (fsync of the parent), so that once
 * it returns 0 the new name survives a crash and leads to those entries;
 * the data of the files in it, and subdirectories' entries, are the
 * caller's to fsync (Windows: the rename is written through instead).
 * A trailing separator in path is accepted; a final "." or ".." component,
 * or a path inside the directory or above it, is EINVAL. EXDEV when path
 * is on another file system: create the directory in path's parent
 * (.dir). Afterwards the handle keeps the new path (tempfile_dir_path), is
 * taken out of the exit registry (TEMPFILE_AT_EXIT) and never removes it;
 * tempfile_dir_cleanup() only frees it. On failure the directory and path
 * are as they were and d is untouched, still removed by cleanup. Two
 * failures come after the publication and return -1 with it done (the
 * handle says so): TEMPFILE_SYNC's fsync of the parent (EIO), and the old
 * tree's removal (EBUSY for a mount inside it, ESTALE when another
 * directory has taken its place, which is left alone, EACCES, ...; not with
 * TEMPFILE_IGNORE_CLEANUP_ERRORS at creation), which leaves what remains
 * of the old tree at the directory's former name, as tempfile_dir_path()
 * gave it before the call. */
TEMPFILE_EXPORT TEMPFILE_WARN_UNUSED int tempfile_dir_persist(struct tempfile_dir *d,
	const char *path, unsigned flags);

/* Remove the directory path and everything in it. Never follows a symbolic
 * link (path itself being one is ENOTDIR), never leaves the tree even when an
 * entry is swapped for a link while it runs, makes read-only directories
 * writable to empty them, ignores entries that vanish, and handles any depth
 * with at most 16 directory descriptors open and with as few as 3 free (4
 * without statx mount IDs; fewer: EMFILE). It never enters a mount point: one
 * is recognised by its mount ID whatever its device (bind mounts of the same
 * file system included) on Linux >= 5.8 (statx), through /proc/self/fdinfo
 * on older kernels or C libraries without statx, and by its device alone
 * where neither is available. What cannot be removed because of a mount is
 * reported as EBUSY after all the rest is removed; a path that is itself a
 * mount point is EBUSY, and nothing in it is touched. Its state is an
 * anonymous mapping, not the stack: ENOMEM, nothing removed, where that
 * cannot be made (an empty directory needs none). flags:
 * TEMPFILE_IGNORE_CLEANUP_ERRORS (go on, return 0). Otherwise -1 with the
 * first error after removing all it can.
 * Threads (Linux): past about 1,000 entries, directories are handed to a few
 * threads, each removing its own subtrees with every check above; small
 * trees start none. As many threads as the CPUs the process may run on, at
 * most 8, none with one CPU; TEMPFILE_RMTREE_THREADS (1 to 64) sets the
 * number instead, 1 for none. With threads, up to 16 + 8 directory
 * descriptors per thread are open; with a soft RLIMIT_NOFILE under 256 no
 * thread is started. When no thread can be started (EAGAIN, RLIMIT_NPROC)
 * the removal goes on alone and reports nothing. All of them have ended
 * when it returns. tempfile_dir_cleanup() and tempfile_dir_persist() remove
 * the same way; the exit registry and tempfile_cleanup_now() never start a
 * thread. Because of the threads tempfile_rmtree() is not async-signal-safe:
 * a signal handler has tempfile_cleanup_now(). */
TEMPFILE_EXPORT int tempfile_rmtree(const char *path, unsigned flags);

/* ------------------------------------------------------------------------
 * Cleanup at exit and on signals (TEMPFILE_AT_EXIT)
 * ------------------------------------------------------------------------ */

/* TEMPFILE_AT_EXIT records the object (its absolute path and identity) in a
 * process-wide registry. It is removed at exit() or return from main(),
 * when the process dies from SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM,
 * SIGXCPU, SIGXFSZ or SIGALRM (see "Signals" below), or by
 * tempfile_cleanup_now(), and then:
 *   - only by the process that created it. Ownership is a token no child
 *     inherits, together with the pid that took it, not the pid number
 *     alone: neither a fork()ed child, nor a descendant in a new PID
 *     namespace that has its parent's pid number, nor a vfork() child ever
 *     removes its parent's objects. (The token is kept in memory the kernel
 *     wipes in every child, Linux >= 4.14; on older kernels pthread_atfork
 *     clears it, which a raw clone() does not run.) exec() forgets the
 *     objects and leaves them on disk.
 *   - only while its path still names that same file or directory, checked
 *     just before the removal: same device and inode and, where the file
 *     system records one (read with statx: ext4, xfs, btrfs, and tmpfs on
 *     recent kernels), the same birth time, so a new object that was
 *     handed the freed inode number is left alone; elsewhere device and
 *     inode alone decide. In a sticky directory such as /tmp only the same
 *     user can swap the entry between the check and the removal.
 * Directories go as with tempfile_rmtree(). With no descriptor free at that
 * moment (the walk needs a few), the soft RLIMIT_NOFILE is raised to the
 * hard limit for the removal; if none is free even then, directories stay
 * (files need no descriptor). Closing, persisting or tempfile_forget()
 * takes an object out at once; the memory is reused.
 *
 * Signals. The handlers are installed before the first object is created,
 * except on signals the program ignores (they stay ignored). Objects are
 * removed only when the signal is going to end the process; a process that
 * survives its signal keeps them:
 *   - No handler of the program's before ours: the objects are removed, the
 *     default action restored and the signal raised again, so the process
 *     dies from it (the wait status shows it). Not in the init process of a
 *     PID namespace (pid 1), which the default action does not end: there
 *     nothing is removed and the process goes on.
 *   - A handler the program installed before ours is called by ours, with
 *     its sa_mask, SA_SIGINFO arguments and SA_RESETHAND honoured (the
 *     signal itself stays blocked while it runs, even with SA_NODEFER). If
 *     it returns or leaves by siglongjmp, the process goes on with its
 *     objects and our handler stays in place (a daemon's SIGHUP reload, a
 *     REPL's Ctrl-C). If it restores the default action and raises the
 *     signal again (signal(sig, SIG_DFL); raise(sig)), the objects are
 *     removed before the process dies of it; if it calls exit(), they go at
 *     exit. A handler that ends the process another way (_exit) should call
 *     tempfile_cleanup_now() first.
 *   - A handler installed after ours replaces it: call
 *     tempfile_cleanup_now() from it. One that chains to ours makes ours
 *     remove the objects and return (or call the handler from before ours).
 * Our handler runs on the alternate signal stack when the handler it
 * replaced did (SA_ONSTACK); the removal needs under 8 KiB of stack, so a
 * small one (sigaltstack) is enough.
 *
 * Limits: SIGKILL, _exit(), crashes (SIGSEGV, abort()) and power loss remove
 * nothing; only tempfile_temporary() files, which have no name, never stay
 * behind. Objects another thread creates while exit() runs may stay. A
 * library unloaded with dlclose() removes its objects at that moment. */

/* Remove now everything this process registered with TEMPFILE_AT_EXIT and
 * has not closed yet. Async-signal-safe: may be called from the program's
 * own signal handler. 0, or -1 with the first error (the rest is still
 * attempted). */
TEMPFILE_EXPORT int tempfile_cleanup_now(void);

/* Take path (as returned by tempfile_mkstemp/tempfile_mkdtemp with
 * TEMPFILE_AT_EXIT) out of the exit registry without touching it on disk:
 * for objects the program removed, renamed or wants to keep. With
 * TEMPFILE_LEASE (tempfile_mktemplate's tmpl too) it also ends the lease
 * and closes its descriptor, leaving the object as an ordinary one that
 * no reaper removes. 0, or -1 with ENOENT when this process has no such
 * entry. */
TEMPFILE_EXPORT int tempfile_forget(const char *path);

/* ------------------------------------------------------------------------
 * Leases and reaping (TEMPFILE_LEASE)
 * ------------------------------------------------------------------------ */

/* A leased object is held by a descriptor the library keeps open on it
 * (Windows: a handle), O_CLOEXEC, which holds a shared BSD flock, and
 * carries a marker: the extended attribute user.tempfile.lease (its value
 * the object's name) where the file system has user attributes, else a
 * symbolic link ".tempfile-lease." + name beside it recording the
 * object's device, inode and birth time (Windows: a file of that name
 * recording the volume and file index). While the lease lasts,
 * systemd-tmpfiles --clean leaves a leased directory and everything in it
 * alone (it skips a directory it cannot flock), whatever its age.
 *
 * The lease ends when the object is closed or cleaned up through the
 * library (tempfile_close, tempfile_dir_cleanup, tempfile_forget for the
 * creators without a handle), persisted, or when the process ends by any
 * means. Kept (TEMPFILE_KEEP) or persisted, the object loses its marker
 * and is an ordinary one. Otherwise, once no process holds it, it is an
 * abandoned lease, for tempfile_reap().
 *
 * The descriptor is shared with fork()ed children (one flock per open
 * file description): a child that lives on holds its parent's leases,
 * even after the parent is gone. exec() closes it: an exec'd program does
 * not hold them.
 *
 * Cost, per leased object: one descriptor for as long as the lease lasts
 * (out of descriptors, the creator fails with EMFILE and leaves nothing),
 * and three system calls on Linux (the descriptor, the flock, the marker;
 * two more for the fallback marker); the file of tempfile_mkstemp or
 * tempfile_mktemplate unlinked by the caller keeps its space until
 * tempfile_forget() or exit, as any open file does. Where a file system
 * has no flock (some network file systems) creation fails with its error;
 * where it has no user attributes the fallback marker is used, and where
 * besides no birth time can be read (no statx: Linux before 4.11, musl
 * before 1.2.5) such a lease is never reaped, since device and inode alone
 * cannot tell it from a new object given its inode number; a marker that
 * is lost (an age-based cleaner removing the link) leaves the object
 * unreaped, never a live one removed. */

/* Remove, in dir (NULL: tempfile_gettempdir()), every abandoned lease of
 * the calling user (its effective uid owns it): a file or directory that
 * carries the marker and that no process holds. Nothing else: not a
 * lease still held, not an object without the marker, not another user's
 * (whatever marker it carries), not a new object made later at the same
 * name (the marker is checked on the object itself; the fallback's
 * recorded identity must match), never through a symbolic link. Each
 * entry is judged on a descriptor the reaper opened, and removed only
 * while the name still leads to that object: one that vanishes or is
 * replaced meanwhile is skipped, and in a world-writable sticky directory
 * another user cannot swap it. Directories go as with tempfile_rmtree().
 * Only the entries of dir are looked at, not the trees inside them.
 * Windows compares no owner: a user's %TEMP% is the user's own. flags: 0. Returns how many objects it removed; -1 with ENOENT (dir
 * missing), ENOTDIR, EACCES (dir unreadable), EINVAL (a flag, or dir ""),
 * or, after removing all the others, the error of the first abandoned
 * lease that could not be removed. */
TEMPFILE_EXPORT int tempfile_reap(const char *dir, unsigned flags);

/* One abandoned lease tempfile_reap_explain() found. */
struct tempfile_reaped {
	const char *name; /* the entry in dir; BORROWED: during the callback */
	int is_dir;       /* 1 for a directory, 0 for a file               */
	int error;        /* 0: removed (or, dry run, would be); else errno  */
};

/* tempfile_reap(), calling fn(entry, arg) (fn may be NULL) for each
 * abandoned lease found, removed or not. flags: TEMPFILE_DRY_RUN (remove
 * nothing; the count is of what would be removed). */
TEMPFILE_EXPORT int tempfile_reap_explain(const char *dir, unsigned flags,
	void (*fn)(const struct tempfile_reaped *entry, void *arg), void *arg);

/* ------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------ */

/* The library's version, e.g. "0.1.0". BORROWED, static. */
TEMPFILE_EXPORT const char *tempfile_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TEMPFILE_H */
