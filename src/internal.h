/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * internal.h - what the files under src/ share. Never installed.
 *
 * Data flows one way: public API -> create/file/spooled/rmtree/cleanup ->
 * names/tempdir -> platform -> the OS. Each section below belongs to the
 * .c file it names.
 *
 * One error convention: an internal function that can fail returns -errno
 * (or a value >= 0: 0, a descriptor, a count), and one that makes a
 * pointer hands it over through an out-parameter. Internals never set
 * errno for their caller; only the public functions (tempfile.h) do, once,
 * at the boundary (tf_public_result, tf_public_pointer).
 */
#ifndef TEMPFILE_INTERNAL_H
#define TEMPFILE_INTERNAL_H

#include "tempfile.h"

#include "platform/os.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A DLL exports only what TEMPFILE_EXPORT marks, so Windows needs (and
 * has) no visibility attribute. */
#if defined(_WIN32) && (defined(__GNUC__) || defined(__clang__))
#  define TF_HIDDEN
#  define TF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#elif defined(__GNUC__) || defined(__clang__)
#  define TF_HIDDEN __attribute__((visibility("hidden")))
#  define TF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define TF_HIDDEN
#  define TF_UNLIKELY(x) (x)
#endif

/* Every flag a caller may pass anywhere. */
#define TF_ALL_FLAGS                                                                      \
	(TEMPFILE_TEXT | TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS | \
	 TEMPFILE_NOREPLACE | TEMPFILE_SYNC | TEMPFILE_LEASE | TEMPFILE_DRY_RUN)

/* -errno for the C library call that just failed (the platform files;
 * file.c and spooled.c after fclose/fflush): never 0, so that a failure
 * cannot read as success (-EIO should a call fail and leave errno 0). */
static inline int tf_neg_errno(void)
{
	int e = errno;
	int r = e > 0 ? -e : -EIO;
#ifdef __clang_analyzer__
	/* It cannot tell -e < 0 from e > 0, and would then take a failure
	 * for a success. */
	if (r >= 0)
		__builtin_unreachable();
#endif
	return r;
}

/* Retry a syscall-like expression while it fails with EINTR. */
#define TF_RETRY_EINTR(result, expr)                      \
	do {                                              \
		(result) = (expr);                        \
	} while ((result) == -1 && errno == EINTR)

/* A public function's last step: an internal result rc (>= 0, or -errno)
 * as tempfile.h promises it, errno set once, here, on failure. */
static inline int tf_public_result(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

/* The same for a function that returns a pointer: p, or NULL with errno. */
static inline void *tf_public_pointer(int rc, void *p)
{
	return tf_public_result(rc) < 0 ? NULL : p;
}

/* ---- platform/posix.c, platform/win32.c + win32_paths.c: the OS ---------
 *
 * What differs between POSIX and Windows is behind these calls (and the
 * types of platform/os.h), so the core includes no OS header at all. Paths
 * are UTF-8 at this boundary on every platform (Windows converts to UTF-16
 * and calls the wide-character API). Each that can fail returns 0 (or a
 * descriptor, a count) or -errno, and leaves errno alone for its caller. */

/* The flags every named file is opened with. On Windows the platform layer
 * also makes the handle non-inheritable, shareable for rename/delete, and
 * binary unless TEMPFILE_TEXT. */
#ifdef _WIN32
#  define TF_FILE_OPEN_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOINHERIT)
#else
#  define TF_FILE_OPEN_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)
#endif

/* Fill buf with n bytes from the OS CSPRNG (platform/posix_random.c:
 * getrandom, falling back to /dev/urandom where getrandom is missing or
 * filtered, or arc4random_buf on the BSDs and macOS; Windows:
 * BCryptGenRandom). 0, or -errno. */
TF_HIDDEN int tf_os_random(void *buf, size_t n);

/* A word that reads 0 in any child forked after this call (a page with
 * MADV_WIPEONFORK, else a word cleared by pthread_atfork): names.c's fork
 * epoch, which tags its buffered random bytes. Where there is no fork
 * (Windows), a plain word. Cannot fail; the same pointer on every call. */
TF_HIDDEN _Atomic unsigned long *tf_os_fork_epoch_word(void);

#ifndef _WIN32
/* Another such word, on the same page: posix_cleanup.c's owner token.
 * Unlike a pid, it cannot be inherited: a child in a new PID namespace may
 * have its parent's pid number, but it reads 0 here. A vfork() child
 * shares the page (and the parent's memory): only the pid tells it apart. */
TF_HIDDEN _Atomic unsigned *tf_os_fork_owner_word(void);
#endif

/* pthread_atfork(3): prepare runs in the forking thread just before
 * fork(), parent and child just after it, in each process. 0, or -ENOMEM.
 * Windows has no fork: nothing to register, 0. */
TF_HIDDEN int tf_os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* The process-wide lock of tempdir.c's settings (platform/posix_lock.c,
 * win32_lock.c). Never left held in a forked child: POSIX takes it before
 * fork() and releases it after, in both processes. Cannot fail. */
TF_HIDDEN void tf_os_settings_lock(void);
TF_HIDDEN void tf_os_settings_unlock(void);

/* Create path exclusively and return its descriptor. open_flags are
 * TF_FILE_OPEN_FLAGS, its O_RDWR possibly replaced by O_RDONLY or
 * O_WRONLY, plus extras (O_APPEND; Windows: O_TEMPORARY);
 * flags: TEMPFILE_TEXT (Windows text mode). EINTR is retried. -EEXIST
 * means the name is taken, also where the OS says EACCES for a
 * name that exists (Windows: a directory, or a file pending deletion),
 * so the caller just tries another name. */
TF_HIDDEN int tf_os_create_file(const char *path, int open_flags, unsigned flags, mode_t mode);

/* mkdir(path, mode), with the same EEXIST rule. Windows: mode 0700 gets
 * Python's protected DACL (owner, SYSTEM, Administrators only). */
TF_HIDDEN int tf_os_mkdir(const char *path, mode_t mode);

/* 0 if nothing exists at path (a dangling symbolic link exists), -EEXIST
 * if something does, another -errno if that cannot be told. */
TF_HIDDEN int tf_os_name_free(const char *path);

/* lstat(2) / fstat(2). */
TF_HIDDEN int tf_os_lstat(const char *path, struct stat *st);
TF_HIDDEN int tf_os_fstat(int fd, struct stat *st);

/* What recognises one file or directory over time: device and inode, and
 * the birth time where the file system records one (Linux statx: ext4,
 * xfs, btrfs, tmpfs on recent kernels). The birth time is what tells a new
 * object that was handed a freed inode number (ext4 does so at once) from
 * the one that had it. Windows: volume serial number and file index. */
struct tf_file_id {
	dev_t dev;
	ino_t ino;
	int64_t btime_sec;
	uint32_t btime_nsec;
	bool has_btime;
};

/* The same object: same device and inode and, where both sides know it,
 * the same birth time. */
static inline bool tf_same_file(const struct tf_file_id *a, const struct tf_file_id *b)
{
	if (a->dev != b->dev || a->ino != b->ino)
		return false;
	if (a->has_btime && b->has_btime)
		return a->btime_sec == b->btime_sec && a->btime_nsec == b->btime_nsec;
	return true;
}

/* The identity of the object open at fd (fd >= 0) or, with fd -1, of the
 * object at path, a final symbolic link not followed. 0 or -errno. */
TF_HIDDEN int tf_os_file_id(int fd, const char *path, struct tf_file_id *id);

#ifndef _WIN32
/* Everything the removal walk and the exit registry ask of one object, in
 * one system call: statx(2) where the C library and the kernel have it,
 * fstatat(2) otherwise (then no birth time and no mount ID). */
struct tf_os_stat {
	mode_t mode;
	struct tf_file_id id;
	uint64_t mnt_id;  /* the mount it is on, when has_mnt_id */
	bool has_mnt_id;  /* statx STATX_MNT_ID: Linux >= 5.8 */
};

/* Stat name in dirfd, never following a final symbolic link; name ""
 * means dirfd itself (which may be O_PATH). ASYNC-SIGNAL-SAFE. 0 or
 * -errno. */
TF_HIDDEN int tf_os_stat_at(int dirfd, const char *name, struct tf_os_stat *st);

/* The mount ID of the object open at fd, where statx does not give it
 * (Linux < 5.8): the mnt_id line of /proc/self/fdinfo/FD (Linux >= 3.15).
 * Uses one descriptor for a moment. ASYNC-SIGNAL-SAFE. 0 or -errno
 * (-ENOSYS: no mnt_id line). */
TF_HIDDEN int tf_os_fd_mount_id(int fd, uint64_t *mnt_id);

/* "/proc/self/fd/N" or "/proc/self/fdinfo/N" for fd into buf (at least
 * TF_PROC_FD_PATH_MAX bytes), without stdio. ASYNC-SIGNAL-SAFE. */
#define TF_PROC_FD_PATH_MAX (sizeof "/proc/self/fdinfo/" + 3 * sizeof(int))
TF_HIDDEN void tf_os_proc_fd_path(char *buf, const char *dir, int fd);
#endif

/* unlink(2), rmdir(2), close(2) (EINTR not retried: the descriptor is gone). */
TF_HIDDEN int tf_os_unlink(const char *path);
TF_HIDDEN int tf_os_rmdir(const char *path);
TF_HIDDEN int tf_os_close(int fd);

/* write(2) and read(2) with EINTR retried: the count, or -errno.
 * (Windows: at most INT_MAX bytes per call.) */
TF_HIDDEN ssize_t tf_os_write(int fd, const void *buf, size_t n);
TF_HIDDEN ssize_t tf_os_read(int fd, void *buf, size_t n);

/* Give the open descriptor fd append mode (fcntl F_SETFL O_APPEND;
 * Windows: the same handle behind an _O_APPEND descriptor put in fd's
 * place). 0 or -errno. */
TF_HIDDEN int tf_os_set_append(int fd);

/* A new descriptor for the same open file, not inherited by child
 * processes (F_DUPFD_CLOEXEC; Windows: _dup, then the handle made
 * non-inheritable). The descriptor, or -errno. */
TF_HIDDEN int tf_os_dup(int fd);

/* fsync(2), EINTR retried (Windows: FlushFileBuffers). */
TF_HIDDEN int tf_os_fsync(int fd);

/* Make the data of the file at path durable, without a descriptor of ours
 * (POSIX: opened read-only, a final link not followed, and fsync'ed;
 * Windows: opened for writing and flushed). */
TF_HIDDEN int tf_os_fsync_path(const char *path);

/* Make path's entry in its directory durable: fsync of the parent
 * directory (path is absolute). Windows: nothing to do, tf_os_rename with
 * TEMPFILE_SYNC has had MoveFileEx write through. */
TF_HIDDEN int tf_os_fsync_parent(const char *path);

/* Rename from to to, replacing to unless flags has TEMPFILE_NOREPLACE
 * (then -EEXIST if to exists: renameat2(RENAME_NOREPLACE), falling back to
 * link(2) + unlink(2) where the kernel or file system lacks it, which is
 * as exclusive; if the unlink fails the link is undone). TEMPFILE_SYNC:
 * Windows asks MoveFileEx to write through. EXDEV across file systems.
 * Windows retries sharing violations with the bounded back-off. */
TF_HIDDEN int tf_os_rename(const char *from, const char *to, unsigned flags);

/* The current directory as *out, NEW. 0 or -errno (*out NULL). */
TF_HIDDEN int tf_os_getcwd(char **out);

/* The environment variable name as *value (NEW, UTF-8; NULL when unset).
 * 0, or -ENOMEM (Windows: also -EILSEQ). */
TF_HIDDEN int tf_os_getenv(const char *name, char **value);

/* The platform's fixed candidate directories, tried after $TMPDIR, $TEMP,
 * $TMP and before the current directory. POSIX: /tmp, /var/tmp, /usr/tmp.
 * Windows (as Python): ~\AppData\Local\Temp, %SYSTEMROOT%\Temp,
 * c:\temp, c:\tmp, \temp, \tmp. tf_os_candidate(i, &path) for
 * i < tf_os_candidate_count(): 0 and a NEW path, or -errno and NULL
 * (-ENOENT when it cannot be formed, e.g. %SYSTEMROOT% unset; -EINVAL
 * past the end). */
TF_HIDDEN size_t tf_os_candidate_count(void);
TF_HIDDEN int tf_os_candidate(size_t i, char **out);

/* Path syntax. The separator used to join ('/'; Windows '\\'), whether c
 * separates components ('/'; Windows '/' or '\\'), whether a name part
 * (prefix, suffix) holds something that would leave its directory
 * (Windows also ':', which would name an NTFS stream), whether path is
 * absolute (Windows: "X:\\..." or a UNC path). */
TF_HIDDEN char tf_os_separator(void);
TF_HIDDEN bool tf_os_is_separator(char c);
TF_HIDDEN bool tf_os_bad_in_name(const char *s);
TF_HIDDEN bool tf_os_is_absolute(const char *path);

/* path made absolute against the current directory, lexically. POSIX: "."
 * and repeated or trailing '/' are dropped; ".." is kept, since collapsing
 * it would be wrong across symbolic links. Windows: GetFullPathNameW, the
 * OS's own rule (drive-relative and rooted paths, '/' becomes '\\', ".."
 * collapsed as Windows itself does). 0 and *out NEW, or -errno and NULL
 * (-EINVAL for "", -ENOMEM, getcwd's errors). A trailing separator or "."
 * component may be dropped: a caller to whom it matters (tempfile_persist)
 * checks the path first. */
TF_HIDDEN int tf_absolute(const char *path, char **out);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only (POSIX): make the getrandom call fail with err (0: call it
 * for real), and read urandom_path (NULL: /dev/urandom) in the fallback,
 * so the fallback can be exercised on a kernel that has getrandom. */
void tf_test_os_random(int err, const char *urandom_path);
/* Tests only (POSIX): tf_os_stat_at acts as if statx were missing (no
 * birth time, no mount ID: the fallbacks of kernels before 5.8). */
void tf_test_os_no_statx(bool on);
/* Tests only (POSIX): tf_os_rename acts as if renameat2 were missing. */
void tf_test_disable_renameat2(bool disable);
/* Tests only (Windows): 1 makes "already exists" from an exclusive create
 * read as ERROR_ACCESS_DENIED, as Windows (unlike wine) reports a directory
 * in the way; 2 makes every exclusive create fail so; 0 off. */
void tf_test_win32_denied(int mode);
/* Tests only (Windows): run the console handler for a CTRL_*_EVENT value,
 * as Windows would on its own thread; returns what it returns. */
int tf_test_win32_console_event(unsigned long event);
#endif

/* ---- names.c: random names ---------------------------------------------- */

/* Random characters per default name. */
#define TF_NAME_LEN 8
/* The alphabet of default names: Python's [a-z0-9_]. */
#define TF_NAME_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789_"
/* The alphabet of templates (mktemp, mkstemp): [A-Za-z0-9]. */
#define TF_TEMPLATE_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* Write n characters drawn uniformly (rejection sampling) from alphabet
 * (length alphabet_len, 2..256) into out (no NUL), from the OS CSPRNG
 * through a per-thread buffer (one tf_os_random per 2 KiB). Thread-safe
 * without a lock, and a forked child never reuses its parent's buffered
 * bytes. 0, -EINVAL (alphabet_len), or tf_os_random's -errno. */
TF_HIDDEN int tf_random_chars(char *out, size_t n, const char *alphabet, size_t alphabet_len);

/* TF_NAME_LEN characters of TF_NAME_ALPHABET into out (no NUL). */
TF_HIDDEN int tf_random_name(char *out);

/* The same, drawn straight from the kernel CSPRNG (one syscall), for the
 * once-per-process gettempdir probe: it leaves the per-thread buffer and
 * the fork-detection page unset until a real name is needed. Not scripted
 * by the test seams. 0 or -errno. */
TF_HIDDEN int tf_random_name_from_kernel(char *out);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only (built into tempfile_testable, never into the installed
 * library): the next names come from this script, one per call of
 * tf_random_name / tf_random_chars, each copied (truncated or padded with
 * 'a') to the length asked for; after the last, random names again.
 * names must outlive the script; NULL/0 ends it. Not thread-safe. */
void tf_test_script_names(const char *const *names, size_t count);
/* Tests only: draw from the first `letters` letters of each alphabet
 * (0: the whole alphabet), to make collisions likely. */
void tf_test_narrow_alphabet(size_t letters);
#endif

/* ---- tempdir.c: the default directory and prefix -------------------------- */

/* tempfile_gettempdir() (searched for first if need be) and
 * tempfile_gettempprefix(), as NEW copies made under the settings lock:
 * the borrowed strings may be freed by changes in other threads, these
 * never are. 0 and *out, or -errno (-ENOENT: no usable directory;
 * -ENOMEM) and *out NULL. */
TF_HIDDEN int tf_default_dir(char **out);
TF_HIDDEN int tf_default_prefix(char **out);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: how many strings the settings hold now (for each of the
 * directory and the prefix, the current one and those kept after a change). */
size_t tf_test_settings_strings(void);
#endif

/* ---- create.c: options and the retry loop --------------------------------- */

/* A name being tried: dir "/" prefix RANDOM suffix, in one buffer. */
struct tf_target {
	char *path;           /* NEW: the whole absolute path, NUL-terminated */
	size_t random_at;     /* offset of the random characters in path       */
	size_t random_len;    /* how many random characters                    */
	const char *alphabet; /* TF_NAME_ALPHABET or TF_TEMPLATE_ALPHABET       */
	size_t alphabet_len;
	unsigned flags;       /* the caller's TEMPFILE_* flags, checked         */
	mode_t mode;          /* creation mode, before umask                   */
	unsigned attempts;    /* names to try before EEXIST                    */
	struct tf_registration *registration; /* set by tf_create with TEMPFILE_AT_EXIT */
	struct tf_lease *lease; /* set by tf_create with TEMPFILE_LEASE: NEW, the caller's */
};

/* The one check of a struct tempfile_opts, for every creator: 0, or
 * -EINVAL for a flag outside allowed_flags (the TEMPFILE_* flags that
 * caller accepts), a mode beyond 07777, a prefix or suffix that
 * tf_os_bad_in_name() refuses ('/'; Windows also '\\' and ':'), an empty
 * dir, or a reserved field not zero. NULL o: all defaults, 0. No system
 * call, no allocation. */
TF_HIDDEN int tf_check_opts(const struct tempfile_opts *o, unsigned allowed_flags);

/* Check o (tf_check_opts), resolve the defaults (dir, prefix, mode:
 * default_mode when o->mode is 0), and lay out t->path with room for the
 * random part.
 * allowed_flags: the TEMPFILE_* flags this caller accepts. 0 or -errno;
 * on success free t->path with tf_target_release (or take it). */
TF_HIDDEN int tf_target_init(struct tf_target *t, const struct tempfile_opts *o,
	mode_t default_mode, unsigned allowed_flags);
TF_HIDDEN void tf_target_release(struct tf_target *t);

struct tf_registration;

/* What tf_create makes at each name. */
enum tf_create_kind {
	TF_CREATE_FILE, /* open(path, open_flags, mode): returns the fd */
	TF_CREATE_DIR,  /* mkdir(path, mode): returns 0                  */
	TF_CREATE_NONE  /* lstat: returns 0 when the name is free        */
};

/* Fill in random characters and try to create, retrying only on EEXIST
 * (EINTR is retried in place), at most t->attempts times; then EEXIST.
 * open_flags is for TF_CREATE_FILE. On success t->path names what was
 * made, with TEMPFILE_AT_EXIT in t->flags t->registration records it
 * (tf_register), and with TEMPFILE_LEASE t->lease holds it (tf_lease_take;
 * the caller releases or adopts it). The descriptor or 0, or -errno (-EEXIST: every name
 * taken) with nothing left behind. */
TF_HIDDEN int tf_create(struct tf_target *t, enum tf_create_kind kind, int open_flags);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: call hook(arg) in tf_create after an object with
 * TEMPFILE_AT_EXIT was made and before it is registered (NULL: none). */
void tf_test_creation_hook(void (*hook)(void *arg), void *arg);
#endif

/* ---- rmtree.c, platform/{posix,win32}_rmtree.c: safe recursive removal ---- */

/* Remove everything inside the directory open at dirfd (any descriptor,
 * O_PATH too; it stays open, its position undefined). Never follows a
 * symbolic link, never leaves the tree, never enters a mount point (by
 * mount ID, else device; the top itself may be one), makes read-only
 * directories writable, ignores entries that vanish, any depth with at
 * most 16 directory descriptors and no recursion; short of descriptors,
 * with two at a time (three where fdinfo gives the mount ID), else EMFILE.
 * ASYNC-SIGNAL-SAFE: no malloc, no stdio, no locks; errno is preserved.
 * Needs under 8 KiB of stack (measured on x86-64 through tempfile_rmtree:
 * 1.4 KiB; 4.2 KiB on a first call that binds libc symbols lazily;
 * 1.9 KiB through tempfile_cleanup_now): the walk's state and buffers
 * (~70 KiB) are one anonymous mapping per call (ENOMEM if it cannot be
 * made, nothing touched), and beyond 16 levels a second one. It always goes
 * on past errors; returns the first error met (-errno), or 0, and always 0
 * with TEMPFILE_IGNORE_CLEANUP_ERRORS. POSIX only (platform/posix_rmtree.c). */
TF_HIDDEN int tf_rmtree_contents(int dirfd, unsigned flags);

/* Remove the tree at path (a directory; a symbolic link is -ENOTDIR).
 * Tries one rmdir first, so an empty directory costs one syscall. Returns
 * as tf_rmtree_contents; -ENOENT if path does not exist. If expect is not
 * NULL, no rmdir shortcut: the directory is opened first and emptied and
 * removed only while it is the object expect identifies (tf_same_file;
 * else -ESTALE). A large tree is removed by a few threads
 * (tf_remove_tree_pooled), all joined before it returns; errno preserved.
 * NOT async-signal-safe: signal handlers and the exit registry use
 * tf_rmtree_path_signal_safe. src/rmtree.c. */
TF_HIDDEN int tf_rmtree_path(const char *path, unsigned flags, const struct tf_file_id *expect);

/* tf_rmtree_path with the sequential walk only: never a thread, a lock or
 * malloc. ASYNC-SIGNAL-SAFE, errno preserved (a signal handler's caller
 * must find its own). src/rmtree.c. */
TF_HIDDEN int tf_rmtree_path_signal_safe(const char *path, unsigned flags,
	const struct tf_file_id *expect);

/* The platform's removal under tf_rmtree_path_signal_safe (which adds
 * errno preservation and TEMPFILE_IGNORE_CLEANUP_ERRORS):
 * platform/posix_rmtree.c, platform/win32_rmtree.c. The first error met
 * (-errno), or 0. ASYNC-SIGNAL-SAFE on POSIX. */
TF_HIDDEN int tf_remove_tree(const char *path, const struct tf_file_id *expect);

/* tf_remove_tree for tf_rmtree_path: on POSIX, past TF_RM_POOL_THRESHOLD
 * entries, subtrees go to a pool of threads (TEMPFILE_RMTREE_THREADS, else
 * the CPUs available, at most 8; none on one CPU), each with the
 * sequential walk's checks, all joined before it returns; thread creation
 * failing, it goes on alone. Windows: tf_remove_tree. Not
 * async-signal-safe. platform/posix_rmtree_pool.c, win32_rmtree.c. */
TF_HIDDEN int tf_remove_tree_pooled(const char *path, const struct tf_file_id *expect);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: where the removal calls the hook. */
enum tf_rmtree_event {
	TF_RMTREE_WALK_START, /* a removal walks (no rmdir fast path), once per call; dirfd: the top, name "" */
	TF_RMTREE_BEFORE_OPEN, /* name in dirfd was fstatat'ed as a directory, not opened yet */
	TF_RMTREE_WORKER_EXIT  /* a thread of the pool is about to end; dirfd -1, name "" */
};
typedef void tf_test_rmtree_hook_fn(enum tf_rmtree_event event, int dirfd, const char *name,
	void *arg);
/* Tests only: call hook at each event (NULL: none). Not thread-safe. */
void tf_test_rmtree_hook(tf_test_rmtree_hook_fn *hook, void *arg);
/* Tests only: behave as if the kernel had no fchmodat2 (use /proc/self/fd). */
void tf_test_rmtree_no_fchmodat2(bool on);
/* Tests only: a directory reopened through ".." reads as if its position
 * had skipped every remaining entry (as on file systems whose positions do
 * not survive a reopen), so that only the second pass can empty it. */
void tf_test_rmtree_lose_position(bool on);
/* Tests only: the pool with `threads` threads (0: as the CPUs say, and not
 * below TEMPFILE_RMTREE_THREADS' descriptor check) started after
 * `threshold` entries (SIZE_MAX: the built-in one). */
void tf_test_rmtree_pool(unsigned threads, size_t threshold);
/* Tests only: pthread_create fails with err (0: it does not). */
void tf_test_rmtree_pool_thread_error(int err);
#endif

/* ---- platform/posix_file.c, win32_file.c: for file.c and spooled.c ------------ */

/* open(dir, O_TMPFILE | O_EXCL | O_CLOEXEC | open_flags, mode), EINTR
 * retried: a file with no name in dir. The descriptor, or -errno;
 * -EOPNOTSUPP where the platform has no O_TMPFILE (Windows). */
TF_HIDDEN int tf_os_open_tmpfile(const char *dir, mode_t mode, int open_flags);

/* fdopen(3): 0 and *out, or -errno and *out NULL (fd stays open). */
TF_HIDDEN int tf_os_fdopen(int fd, const char *how, FILE **out);

/* lseek(2): the new offset, or -errno. */
TF_HIDDEN off_t tf_os_seek(int fd, off_t off, int whence);

/* ftruncate(2), EINTR retried: 0 or -errno. */
TF_HIDDEN int tf_os_truncate(int fd, off_t size);

/* A stream whose I/O is the caller's functions (fopencookie(3)): read
 * returns a count or -errno, write a count (short: stdio sees a failure),
 * seek the new offset or -errno; object is their first argument. */
struct tf_stream_io {
	ssize_t (*read)(void *object, char *buf, size_t n);
	ssize_t (*write)(void *object, const char *buf, size_t n);
	off_t (*seek)(void *object, off_t off, int whence);
};
struct tf_stream_cookie {
	const struct tf_stream_io *io;
	void *object;
};

/* Open such a stream in mode ("r", "w", "a", "r+", "a+") on cookie, which
 * must outlive it (fclose does not free it). 0 and *out, or -errno;
 * -ENOSYS where the C library has no fopencookie (Windows, non-Linux). */
TF_HIDDEN int tf_os_cookie_stream(struct tf_stream_cookie *cookie, const char *mode, FILE **out);

/* ---- platform/posix_atomic.c, win32_atomic.c: for atomic.c ------------------
 *
 * Staging and publishing in one directory. Each call that names an entry
 * takes a directory descriptor and the entry's name in it, and the entry's
 * full path. POSIX acts relative to the descriptor (held for TEMPFILE_SYNC,
 * whose fsync needs one, and for a named staged file, so that its commit
 * is in the directory it was made in), or with dirfd -1 on the full path; Windows, which has no directory
 * descriptors, always on the full path. 0 (or a descriptor) or -errno,
 * errno left alone. */

/* Open the directory dir to hold: O_RDONLY|O_DIRECTORY (O_PATH where it
 * may not be read, unless for_sync: tf_os_dir_sync needs the first).
 * Windows: 0 if dir is a directory (no descriptor). -ENOENT, -ENOTDIR,
 * -EACCES, ... */
TF_HIDDEN int tf_os_dir_open(const char *dir, bool for_sync);
TF_HIDDEN void tf_os_dir_close(int dirfd);

/* fsync(2) of the directory (Windows: 0, MoveFileEx wrote through). */
TF_HIDDEN int tf_os_dir_sync(int dirfd);

/* lstat(2) of name in the directory. */
TF_HIDDEN int tf_os_lstat_in(int dirfd, const char *name, const char *path, struct stat *st);

/* An unnamed read/write file in the directory (dirfd, or the directory
 * path dir) that can be linked later: O_TMPFILE|O_RDWR|O_CLOEXEC, mode,
 * EINTR retried. -EOPNOTSUPP where there is no O_TMPFILE (Windows, or a
 * build without). */
TF_HIDDEN int tf_os_open_linkable_tmpfile(int dirfd, const char *dir, mode_t mode);

/* Give the unnamed file open at fd the name name in dirfd (path: its full
 * path), never replacing: -EEXIST. linkat(AT_EMPTY_PATH), or where that
 * needs a privilege we lack, linkat of /proc/self/fd/N. */
TF_HIDDEN int tf_os_link_tmpfile(int fd, int dirfd, const char *name, const char *path);

/* Rename from to to in the directory, replacing to unless flags has
 * TEMPFILE_NOREPLACE (as tf_os_rename, relative to dirfd). */
TF_HIDDEN int tf_os_rename_in(int dirfd, const char *from, const char *from_path, const char *to,
	const char *to_path, unsigned flags);

/* unlink(2) of name in the directory. */
TF_HIDDEN int tf_os_unlink_in(int dirfd, const char *name, const char *path);

/* Give the file open at fd the permission bits of old (fchmod), and its
 * owner and group where we may (fchown first, since it clears set-user-ID
 * bits; without the privilege for the owner, the group alone; neither is an
 * error). Windows: 0, nothing kept. */
TF_HIDDEN int tf_os_adopt_attributes(int fd, const struct stat *old);

/* Hide the staged file at path (Windows: FILE_ATTRIBUTE_HIDDEN; POSIX: 0,
 * its name starts with '.'). */
TF_HIDDEN int tf_os_hide(const char *path);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: make tempfile_atomic_open() find O_TMPFILE unsupported
 * (EOPNOTSUPP), so that it stages in a named file. */
void tf_test_atomic_disable_o_tmpfile(bool disable);
/* Tests only: make tf_os_link_tmpfile() take its /proc/self/fd path, as
 * without CAP_DAC_READ_SEARCH on kernels that need it for AT_EMPTY_PATH. */
void tf_test_atomic_no_empty_path(bool on);
#endif

/* ---- file.c: fopen(3) modes ---------------------------------------------------- */

/* Check an fopen(3) mode string ("r", "w", "a", optionally "+", any of
 * "b", "t", "x", "e" after the first letter; NULL: "w+b"). 0, or -EINVAL.
 * *append_out (if not NULL) tells whether it opens for append. */
TF_HIDDEN int tf_check_fopen_mode(const char *mode, bool *append_out);

/* The open(2) flags a mode tf_check_fopen_mode() accepted asks for: "r"
 * O_RDONLY, "w" and "a" O_WRONLY, with "+" O_RDWR; O_APPEND for "a". */
TF_HIDDEN int tf_fopen_mode_flags(const char *mode);

/* Write all n bytes of buf at fd's position, short writes continued (a
 * write of 0 bytes is -EIO: never for a regular file, so do not spin).
 * 0, or the failing write's -errno; *written (if not NULL) says how many
 * bytes went out either way. For atomic.c and spooled.c. */
TF_HIDDEN int tf_write_all(int fd, const void *buf, size_t n, size_t *written);

/* tempfile_temporary_fd() opened with open_flags (O_RDONLY, O_WRONLY or
 * O_RDWR, and O_APPEND if asked) instead of O_RDWR. O_TMPFILE needs write
 * access: a read-only file is always created and unlinked at once. The
 * descriptor, or -errno. */
TF_HIDDEN int tf_temporary_fd(const struct tempfile_opts *o, int open_flags);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: make O_TMPFILE look unsupported (EOPNOTSUPP) so that
 * TemporaryFile takes its create-and-unlink fallback. */
void tf_test_disable_o_tmpfile(bool disable);
/* tf_test_disable_renameat2 (platform section) makes a NOREPLACE persist
 * take its link()+unlink() fallback. */
#endif

/* ---- spooled.c: SpooledTemporaryFile ------------------------------------------- */

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: make tempfile_spooled_stream() take the path used where
 * fopencookie(3) is missing (roll over, fdopen a dup of the descriptor). */
void tf_test_spooled_force_fd_stream(bool on);
#endif

/* ---- directory.c, platform/{posix,win32}_dirpersist.c: tempfile_dir_persist ---- */

/* Move the directory from to to unless something exists at to (-EEXIST):
 * renameat2(RENAME_NOREPLACE); where the kernel or the file system lacks
 * it, an lstat(2) then rename(2), which refuses a file or a non-empty
 * directory at to but would replace an empty one made there in between.
 * Windows: MoveFileExW without MOVEFILE_REPLACE_EXISTING, written through
 * with TEMPFILE_SYNC in flags. EXDEV across file systems. */
TF_HIDDEN int tf_os_rename_dir_noreplace(const char *from, const char *to, unsigned flags);

/* Swap the names of a and b in one step: renameat2(RENAME_EXCHANGE).
 * -ENOSYS where the kernel or C library lacks it (Windows always), -EINVAL
 * where the file system does (or b is inside a). */
TF_HIDDEN int tf_os_rename_exchange(const char *a, const char *b);

/* fsync(2) of the directory at path (its entries), a final link not
 * followed. Windows: nothing to do, 0. */
TF_HIDDEN int tf_os_fsync_dir(const char *path);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only (POSIX): 1 makes RENAME_EXCHANGE look missing, 2 renameat2
 * altogether (the lstat + rename fallback too); 0 off. */
void tf_test_dir_rename_fallback(int level);
/* Tests only: call hook(old_at) just before the replaced tree at old_at
 * is removed (NULL: none). */
void tf_test_dir_persist_hook(void (*hook)(const char *old_at));
#endif

/* ---- lease.c, platform/{posix,win32}_lease.c: TEMPFILE_LEASE, tempfile_reap ----
 *
 * A lease is a descriptor (Windows: a handle) of the object kept open by
 * the library, holding a BSD flock (Windows: no delete sharing), plus a
 * marker on the object that a reaper recognises; doc/design.md "Leases"
 * says why and what it costs. */

struct tf_lease;

/* Hold the object just created at path for this process: fd is its
 * descriptor for a file, -1 for a directory. 0 and *out (NEW: end it with
 * tf_lease_release, or hand it to tf_lease_adopt), or -errno (-EMFILE: no
 * descriptor left; -ENOMEM; -ENAMETOOLONG: no room for the fallback
 * marker's name) with *out NULL and nothing of the lease left; the object
 * is the caller's to undo. */
TF_HIDDEN int tf_lease_take(const char *path, int fd, bool is_dir, struct tf_lease **out);

/* End a lease (NULL: nothing). kept: the object stays where it was, or has
 * moved (persisted), and is no lease any more, so its marker goes; else it
 * was removed, or its removal failed and what is left is for a later
 * reaper. Then the descriptor is closed and l freed. Never fails. */
TF_HIDDEN void tf_lease_release(struct tf_lease *l, bool kept);

/* Keep l, a lease of an object no handle owns (tempfile_mkstemp, _mkdtemp,
 * _mktemplate), until tf_lease_forget of its path or the end of the
 * process. Cannot fail. */
TF_HIDDEN void tf_lease_adopt(struct tf_lease *l);

/* Under tempfile_forget: release (kept) every adopted lease of path. 0, or
 * -ENOENT if there is none. */
TF_HIDDEN int tf_lease_forget(const char *path);

/* The platform's part of a lease (the descriptor, the fallback marker):
 * struct tf_os_lease is in platform/os.h. 0 or -errno, nothing left. */
TF_HIDDEN int tf_os_lease_take(const char *path, int fd, bool is_dir, struct tf_os_lease *l);
TF_HIDDEN void tf_os_lease_drop(struct tf_os_lease *l, bool kept);

/* What tf_os_reap found: name (an entry of the directory), a directory or
 * a file, error 0 once removed (or, dry run, found), else why it was not. */
typedef void tf_reap_visit_fn(void *arg, const char *name, bool is_dir, int error);

/* Remove every abandoned lease of this user in dir (absolute), calling
 * visit (if not NULL) for each one found; dry_run: find them only. The
 * count removed (found), or -errno: the directory itself (-ENOENT,
 * -ENOTDIR, -EACCES), or the first abandoned lease that could not be
 * removed, after all others were. */
TF_HIDDEN int tf_os_reap(const char *dir, bool dry_run, tf_reap_visit_fn *visit, void *arg);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: act as if the file system had no user extended attributes
 * (POSIX), so that leases take the fallback marker. */
void tf_test_lease_no_xattr(bool on);
/* Tests only: call hook(name, arg) in tf_os_reap once the entry name has
 * been opened and found abandoned, before it is checked again and removed
 * (NULL: none); a co-tenant's swap goes here. */
void tf_test_reap_hook(void (*hook)(const char *name, void *arg), void *arg);
#endif

/* ---- cleanup.c, platform/{posix,win32}_cleanup.c: the exit registry ------
 *
 * cleanup.c holds the public calls; the registry is the platform's: on
 * POSIX lock-free slots safe in signal handlers (posix_registry.c) and the
 * handlers, owner token and exit hook (posix_cleanup.c); on Windows a list
 * under a lock and a console handler (win32_cleanup.c). */

/* What a registered path is. */
enum tf_registered_kind { TF_REGISTERED_FILE, TF_REGISTERED_DIR };

/* Bracket the creation of an object that will be registered (create, then
 * tf_register): blocks the fatal signals in this thread, takes this
 * process's owner token, and counts the creation as in flight, so that a
 * fatal signal delivered to any thread in between waits for the
 * registration and still removes the object. Cannot fail (tf_register
 * reports what went wrong); neither touches errno. struct
 * tf_creation_guard is the platform's (platform/os.h). */
TF_HIDDEN void tf_creation_begin(struct tf_creation_guard *g);
TF_HIDDEN void tf_creation_end(struct tf_creation_guard *g);

/* Record path (absolute) for removal at exit and on fatal signals, by this
 * process only, and only while it still is the object identified by id.
 * g: the guard of the creation it belongs to (its owner token is used), or
 * NULL outside one. Installs the exit and signal handlers on first use.
 * 0 and *out (to pass to tf_unregister), or -errno (-EINVAL: path not
 * absolute; -ENOMEM; -EOVERFLOW: no owner token left) and *out NULL.
 * Thread-safe and safe against signals arriving mid-update. */
TF_HIDDEN int tf_register(const char *path, enum tf_registered_kind kind,
	const struct tf_file_id *id, const struct tf_creation_guard *g,
	struct tf_registration **out);

/* Take a registration out (the object was closed, removed or persisted).
 * Never touches the disk. NULL is ignored. */
TF_HIDDEN void tf_unregister(struct tf_registration *r);

/* Under tempfile_cleanup_now: remove every object this process registered
 * and has not removed yet. 0 or the first error (-errno); goes on past
 * errors. ASYNC-SIGNAL-SAFE on POSIX. */
TF_HIDDEN int tf_registry_clean_now(void);

/* Under tempfile_forget: take the registration of path out, leaving the
 * object. 0, or -ENOENT if path is not registered. */
TF_HIDDEN int tf_registry_forget(const char *path);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: chunks of slots the registry has (never shrinks), and slots
 * in use (registered, or cleaned but not yet unregistered/forgotten). */
size_t tf_test_registry_chunks(void);
size_t tf_test_registry_entries(void);
/* Tests only: fatal-signal handlers of ours now cleaning up. */
int tf_test_handlers_running(void);
#endif

#endif /* TEMPFILE_INTERNAL_H */
