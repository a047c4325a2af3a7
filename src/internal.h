/*
 * internal.h - what the files under src/ share. Never installed.
 *
 * Data flows one way: public API -> create/file/spooled/rmtree/cleanup ->
 * names/tempdir -> platform -> the OS. Each section below belongs to the
 * .c file it names.
 *
 * Internal functions return -1/NULL and set errno, like the public ones,
 * except where a comment says they return an errno value (the
 * async-signal-safe paths, which must not disturb the interrupted errno).
 */
#ifndef TEMPFILE_INTERNAL_H
#define TEMPFILE_INTERNAL_H

#include "tempfile.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#if defined(__GNUC__) || defined(__clang__)
#  define TF_HIDDEN __attribute__((visibility("hidden")))
#  define TF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define TF_HIDDEN
#  define TF_UNLIKELY(x) (x)
#endif

/* Every flag a caller may pass anywhere. */
#define TF_ALL_FLAGS                                                                      \
	(TEMPFILE_TEXT | TEMPFILE_KEEP | TEMPFILE_AT_EXIT | TEMPFILE_IGNORE_CLEANUP_ERRORS | \
	 TEMPFILE_NOREPLACE | TEMPFILE_SYNC)

/* Retry a syscall-like expression while it fails with EINTR. */
#define TF_RETRY_EINTR(result, expr)                      \
	do {                                              \
		(result) = (expr);                        \
	} while ((result) == -1 && errno == EINTR)

/* ---- platform/posix.c: the OS primitives that differ by platform -------- */

/* Fill buf with n bytes from the kernel CSPRNG (getrandom, falling back to
 * /dev/urandom where getrandom is missing). 0, or -1 with errno. */
TF_HIDDEN int tf_os_random(void *buf, size_t n);

/* ---- names.c: random names ---------------------------------------------- */

/* Random characters per default name. */
#define TF_NAME_LEN 8
/* The alphabet of default names: Python's [a-z0-9_]. */
#define TF_NAME_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789_"
/* The alphabet of templates (mktemp, mkstemp): [A-Za-z0-9]. */
#define TF_TEMPLATE_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* Write n characters drawn uniformly from alphabet (length alphabet_len,
 * 2..256) into out (no NUL). Thread-safe without a global lock, no syscall
 * on the common path, and a forked child never repeats its parent's
 * sequence. 0, or -1 with errno if the kernel CSPRNG cannot be read. */
TF_HIDDEN int tf_random_chars(char *out, size_t n, const char *alphabet, size_t alphabet_len);

/* TF_NAME_LEN characters of TF_NAME_ALPHABET into out (no NUL). */
TF_HIDDEN int tf_random_name(char *out);

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

/* ---- tempdir.c: where temporary files go -------------------------------- */

/* path made absolute against the current directory, lexically: "." and
 * repeated or trailing '/' are dropped; ".." is kept, since collapsing it
 * would be wrong across symbolic links. NEW, or NULL with errno (EINVAL for
 * "", ENOMEM, getcwd's errors). */
TF_HIDDEN char *tf_absolute(const char *path);

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
};

/* Check o (unknown flags, mode beyond 07777, '/' in prefix or suffix, empty
 * dir: EINVAL), resolve the defaults (dir, prefix, mode: default_mode when
 * o->mode is 0), and lay out t->path with room for the random part.
 * allowed_flags: the TEMPFILE_* flags this caller accepts. 0 or -1/errno;
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
 * made, and with TEMPFILE_AT_EXIT in t->flags, t->registration records it
 * (tf_register). -1/errno on failure, nothing left behind. */
TF_HIDDEN int tf_create(struct tf_target *t, enum tf_create_kind kind, int open_flags);

/* The flags every named file is opened with. */
#define TF_FILE_OPEN_FLAGS (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

/* ---- rmtree.c: safe recursive removal -------------------------------------- */

/* Remove everything inside the directory open at dirfd (any descriptor,
 * O_PATH too; it stays open, its position undefined). Never follows a
 * symbolic link, never leaves the tree, does not cross into another device,
 * makes read-only directories writable, ignores entries that vanish, any
 * depth with at most 16 directory descriptors and no recursion.
 * ASYNC-SIGNAL-SAFE: no malloc, no stdio, no locks; errno is preserved.
 * Uses ~70 KiB of stack, and mmap only beyond 16 levels. It always goes
 * on past errors; returns the first errno value met (positive), or 0, and
 * always 0 with TEMPFILE_IGNORE_CLEANUP_ERRORS. */
TF_HIDDEN int tf_rmtree_contents(int dirfd, unsigned flags);

/* Remove the tree at path (a directory; a symbolic link is ENOTDIR). Tries
 * one rmdir first, so an empty directory costs one syscall. Returns as
 * tf_rmtree_contents; ENOENT if path does not exist. If expect is not
 * NULL, no rmdir shortcut: the directory is opened first and emptied and
 * removed only while its st_dev/st_ino match expect's (else ESTALE).
 * ASYNC-SIGNAL-SAFE, errno preserved. */
TF_HIDDEN int tf_rmtree_path(const char *path, unsigned flags, const struct stat *expect);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: where the removal calls the hook. */
enum tf_rmtree_event {
	TF_RMTREE_WALK_START, /* a walk begins (no rmdir fast path); dirfd: the top, name "" */
	TF_RMTREE_BEFORE_OPEN /* name in dirfd was fstatat'ed as a directory, not opened yet */
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
#endif

/* ---- file.c: fopen(3) modes ---------------------------------------------------- */

/* Check an fopen(3) mode string ("r", "w", "a", optionally "+", any of
 * "b", "t", "x", "e" after the first letter; NULL: "w+b"). 0, or -1 with
 * EINVAL. *append_out (if not NULL) tells whether it opens for append. */
TF_HIDDEN int tf_check_fopen_mode(const char *mode, bool *append_out);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: make O_TMPFILE look unsupported (EOPNOTSUPP) so that
 * TemporaryFile takes its create-and-unlink fallback. */
void tf_test_disable_o_tmpfile(bool disable);
/* Tests only: make renameat2 look missing (ENOSYS) so that a NOREPLACE
 * persist takes its link()+unlink() fallback. */
void tf_test_disable_renameat2(bool disable);
#endif

/* ---- spooled.c: SpooledTemporaryFile ------------------------------------------- */

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: make tempfile_spooled_stream() take the path used where
 * fopencookie(3) is missing (roll over, fdopen a dup of the descriptor). */
void tf_test_spooled_force_fd_stream(bool on);
#endif

/* ---- cleanup.c: the exit and signal registry ------------------------------- */

/* What a registered path is. */
enum tf_registered_kind { TF_REGISTERED_FILE, TF_REGISTERED_DIR };

/* Record path (absolute) for removal at exit and on fatal signals, by this
 * process only, and only while it still is the object identified by st
 * (st_dev/st_ino). Installs the exit and signal handlers on first use.
 * Returns the registration (to pass to tf_unregister), or NULL with errno
 * (ENOMEM). Thread-safe and safe against signals arriving mid-update. */
TF_HIDDEN struct tf_registration *tf_register(const char *path, enum tf_registered_kind kind,
	const struct stat *st);

/* Take a registration out (the object was closed, removed or persisted).
 * Never touches the disk. NULL is ignored. */
TF_HIDDEN void tf_unregister(struct tf_registration *r);

/* Bracket the creation of an object that will be registered (create, then
 * tf_register): blocks the fatal signals in this thread and counts the
 * creation as in flight, so that a fatal signal delivered to any thread in
 * between waits for the registration and still removes the object.
 * Cannot fail; tf_creation_end preserves errno. */
struct tf_creation_guard {
	sigset_t saved_mask;
};
TF_HIDDEN void tf_creation_begin(struct tf_creation_guard *g);
TF_HIDDEN void tf_creation_end(struct tf_creation_guard *g);

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: chunks of slots the registry has (never shrinks), and slots
 * in use (registered, or cleaned but not yet unregistered/forgotten). */
size_t tf_test_registry_chunks(void);
size_t tf_test_registry_entries(void);
#endif

#endif /* TEMPFILE_INTERNAL_H */
