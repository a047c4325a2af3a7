/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * shim.c - the fault-injection shim (see shim.h). Tests only.
 *
 * Each interposer counts its call while armed and either fails it (the
 * chosen one) or passes it to the next definition (dlsym(RTLD_NEXT): the C
 * library, or a sanitizer's interceptor in front of it). Calls the C
 * library makes internally (fopen's open, stdio's write) do not pass through
 * here; the stdio entry points (fdopen, fflush, fclose) are interposed
 * themselves instead.
 *
 * Allocation is interposed only without a sanitizer: AddressSanitizer and
 * ThreadSanitizer own malloc, and their leak checker does that job there.
 */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include "shim.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define TFF_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	  __has_feature(memory_sanitizer)
#    define TFF_SANITIZED 1
#  endif
#endif
#ifndef TFF_SANITIZED
#  define TFF_SANITIZED 0
#endif
/* TFF_NO_ALLOCATION: built for a program that has a sanitizer of its own. */
#if defined(TFF_NO_ALLOCATION)
#  undef TFF_SANITIZED
#  define TFF_SANITIZED 1
#endif
#define TFF_INTERPOSE_ALLOCATION (!TFF_SANITIZED)

static const char *const function_names[TFF_COUNT] = {
#define TFF_NAME(name) #name,
	TFF_FUNCTIONS(TFF_NAME)
#undef TFF_NAME
	"open_tmpfile",
};

static atomic_bool counting;            /* calls are being counted */
static atomic_bool tracking_allocation; /* allocations are being balanced */
static atomic_bool allocation_paused;
static atomic_int plan_fn = TFF_NONE;
static atomic_ulong plan_nth;
static atomic_int plan_error;
static atomic_int always_fn = TFF_NONE;
static atomic_int always_error;
static atomic_bool fault_fired;
static atomic_ulong call_counts[TFF_COUNT];
static atomic_long allocation_balance;
static void *real_functions[TFF_COUNT];

/* ---- control ------------------------------------------------------------ */

void tff_arm(int fn, unsigned long nth, int error)
{
	atomic_store(&counting, false);
	for (int i = 0; i < TFF_COUNT; i++)
		atomic_store(&call_counts[i], 0);
	atomic_store(&fault_fired, false);
	atomic_store(&plan_nth, nth);
	atomic_store(&plan_error, error);
	atomic_store(&plan_fn, fn);
	atomic_store(&counting, true);
}

void tff_always(int fn, int error)
{
	atomic_store(&always_error, error);
	atomic_store(&always_fn, fn);
}

void tff_stop_faults(void)
{
	atomic_store(&plan_fn, TFF_NONE);
	atomic_store(&always_fn, TFF_NONE);
}

void tff_disarm(void)
{
	tff_stop_faults();
	atomic_store(&counting, false);
}

void tff_track_allocations(bool on)
{
	if (on) {
		atomic_store(&allocation_balance, 0);
		atomic_store(&allocation_paused, false);
	}
	atomic_store(&tracking_allocation, on);
}

void tff_pause_allocation_count(bool paused)
{
	atomic_store(&allocation_paused, paused);
}

unsigned long tff_calls(int fn)
{
	return fn >= 0 && fn < TFF_COUNT ? atomic_load(&call_counts[fn]) : 0;
}

bool tff_fired(void)
{
	return atomic_load(&fault_fired);
}

long tff_allocation_balance(void)
{
	return atomic_load(&allocation_balance);
}

/* Compiled in, and really called: valgrind replaces malloc even in the
 * program itself, and then this shim's malloc never runs. */
bool tff_allocation_interposed(void)
{
#if TFF_INTERPOSE_ALLOCATION
	static int known = -1;
	if (known < 0) {
		bool was_tracking = atomic_load(&tracking_allocation);
		bool was_paused = atomic_load(&allocation_paused);
		long before = atomic_load(&allocation_balance);
		atomic_store(&allocation_paused, false);
		atomic_store(&tracking_allocation, true);
		/* cppcheck-suppress unusedAllocatedMemory ; the allocation is the probe */
		void *volatile p = malloc(1);
		known = atomic_load(&allocation_balance) != before;
		free(p);
		atomic_store(&tracking_allocation, was_tracking);
		atomic_store(&allocation_paused, was_paused);
	}
	return known == 1;
#else
	return false;
#endif
}

const char *tff_name(int fn)
{
	return fn >= 0 && fn < TFF_COUNT ? function_names[fn] : NULL;
}

int tff_lookup(const char *name)
{
	for (int i = 0; i < TFF_COUNT; i++)
		if (strcmp(function_names[i], name) == 0)
			return i;
	return TFF_NONE;
}

/* ---- the decision every interposer makes ---------------------------------- */

/* Count this call; true (and *error set) if it is the one to fail. */
static bool should_fail(enum tff_function fn, int *error)
{
	if (!atomic_load_explicit(&counting, memory_order_relaxed))
		return false;
	unsigned long n = atomic_fetch_add(&call_counts[fn], 1) + 1;
	if (atomic_load(&always_fn) == (int)fn) {
		*error = atomic_load(&always_error);
		return true;
	}
	if (atomic_load(&plan_fn) != (int)fn || n != atomic_load(&plan_nth))
		return false;
	atomic_store(&fault_fired, true);
	*error = atomic_load(&plan_error);
	return true;
}

static void *real_function(enum tff_function fn)
{
	void *f = real_functions[fn];
	if (!f) {
		f = dlsym(RTLD_NEXT, function_names[fn]);
		if (!f)
			abort(); /* a test-only shim: a missing libc symbol is a broken setup */
		real_functions[fn] = f;
	}
	return f;
}

/* real_<name>(): the next definition of name, with name's own type. */
#define TFF_DECLARE_REAL(name)                                                  \
	__attribute__((unused)) static __typeof__(&name) real_##name(void)      \
	{                                                                       \
		__typeof__(&name) real_;                                        \
		void *symbol_ = real_function(TFF_##name);                      \
		memcpy(&real_, &symbol_, sizeof real_);                         \
		return real_;                                                   \
	}
TFF_FUNCTIONS(TFF_DECLARE_REAL)
#undef TFF_DECLARE_REAL
#define REAL(name, ...) (real_##name()(__VA_ARGS__))

#define FAIL_OR_PASS(name, failure, ...)                                \
	do {                                                            \
		int error_;                                             \
		if (should_fail(TFF_##name, &error_)) {                 \
			errno = error_;                                 \
			return failure;                                 \
		}                                                       \
		return REAL(name, __VA_ARGS__);                         \
	} while (0)

/* ---- files and directories -------------------------------------------------- */

static bool open_takes_mode(int flags)
{
	return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

#define OPEN_MODE(flags, last)                                          \
	mode_t mode = 0;                                                \
	if (open_takes_mode(flags)) {                                   \
		va_list ap;                                             \
		va_start(ap, last);                                     \
		mode = (mode_t)va_arg(ap, unsigned int);                \
		va_end(ap);                                             \
	}

/* Count (and maybe fail) an open under its own name, or under
 * open_tmpfile when it asks for O_TMPFILE. */
#define OPEN_FAULT(name, flags)                                                         \
	do {                                                                            \
		int error_;                                                             \
		if (should_fail((flags & O_TMPFILE) == O_TMPFILE ? TFF_open_tmpfile     \
								 : TFF_##name,          \
			    &error_)) {                                                 \
			errno = error_;                                                 \
			return -1;                                                      \
		}                                                                       \
	} while (0)

int open(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	OPEN_FAULT(open, flags);
	return REAL(open, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	OPEN_FAULT(open64, flags);
	return REAL(open64, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	OPEN_FAULT(openat, flags);
	return REAL(openat, dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_MODE(flags, flags);
	OPEN_FAULT(openat64, flags);
	return REAL(openat64, dirfd, path, flags, mode);
}

int mkdir(const char *path, mode_t mode)
{
	FAIL_OR_PASS(mkdir, -1, path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	FAIL_OR_PASS(mkdirat, -1, dirfd, path, mode);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	FAIL_OR_PASS(write, -1, fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset)
{
	FAIL_OR_PASS(pwrite, -1, fd, buf, n, offset);
}

ssize_t read(int fd, void *buf, size_t n)
{
	FAIL_OR_PASS(read, -1, fd, buf, n);
}

int fsync(int fd)
{
	FAIL_OR_PASS(fsync, -1, fd);
}

int fdatasync(int fd)
{
	FAIL_OR_PASS(fdatasync, -1, fd);
}

int rename(const char *from, const char *to)
{
	FAIL_OR_PASS(rename, -1, from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	FAIL_OR_PASS(renameat, -1, fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
	FAIL_OR_PASS(renameat2, -1, fromfd, from, tofd, to, flags);
}

int link(const char *from, const char *to)
{
	FAIL_OR_PASS(link, -1, from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	FAIL_OR_PASS(linkat, -1, fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
	FAIL_OR_PASS(unlink, -1, path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	FAIL_OR_PASS(unlinkat, -1, dirfd, path, flags);
}

int rmdir(const char *path)
{
	FAIL_OR_PASS(rmdir, -1, path);
}

/* Linux releases the descriptor even when close fails (EIO, EINTR): so
 * does the shim, or every injected close failure would look like a leak. */
int close(int fd)
{
	int error;
	bool fail = should_fail(TFF_close, &error);
	int result = REAL(close, fd);
	if (fail) {
		errno = error;
		return -1;
	}
	return result;
}

ssize_t getrandom(void *buf, size_t n, unsigned int flags)
{
	FAIL_OR_PASS(getrandom, -1, buf, n, flags);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	FAIL_OR_PASS(lstat, -1, path, st);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	FAIL_OR_PASS(stat, -1, path, st);
}

int fstat(int fd, struct stat *st)
{
	FAIL_OR_PASS(fstat, -1, fd, st);
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	FAIL_OR_PASS(fstatat, -1, dirfd, path, st, flags);
}

int statx(int dirfd, const char *restrict path, int flags, unsigned mask,
	struct statx *restrict st)
{
	FAIL_OR_PASS(statx, -1, dirfd, path, flags, mask, st);
}

/* The removal's walk state is one anonymous mapping. */
void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	FAIL_OR_PASS(mmap, MAP_FAILED, addr, length, prot, flags, fd, offset);
}

char *getcwd(char *buf, size_t size)
{
	FAIL_OR_PASS(getcwd, NULL, buf, size);
}

int ftruncate(int fd, off_t size)
{
	FAIL_OR_PASS(ftruncate, -1, fd, size);
}

off_t lseek(int fd, off_t offset, int whence)
{
	FAIL_OR_PASS(lseek, (off_t)-1, fd, offset, whence);
}

int fchmod(int fd, mode_t mode)
{
	FAIL_OR_PASS(fchmod, -1, fd, mode);
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	FAIL_OR_PASS(fchmodat, -1, dirfd, path, mode, flags);
}

int fchown(int fd, uid_t owner, gid_t group)
{
	FAIL_OR_PASS(fchown, -1, fd, owner, group);
}

int flock(int fd, int operation)
{
	FAIL_OR_PASS(flock, -1, fd, operation);
}

int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
	FAIL_OR_PASS(fsetxattr, -1, fd, name, value, size, flags);
}

int symlink(const char *target, const char *path)
{
	FAIL_OR_PASS(symlink, -1, target, path);
}

int dup(int fd)
{
	FAIL_OR_PASS(dup, -1, fd);
}

int fchdir(int fd)
{
	FAIL_OR_PASS(fchdir, -1, fd);
}

DIR *fdopendir(int fd)
{
	FAIL_OR_PASS(fdopendir, NULL, fd);
}

DIR *opendir(const char *path)
{
	FAIL_OR_PASS(opendir, NULL, path);
}

struct dirent *readdir(DIR *dir)
{
	FAIL_OR_PASS(readdir, NULL, dir);
}

/* ---- stdio ------------------------------------------------------------------------ */

FILE *fdopen(int fd, const char *mode)
{
	FAIL_OR_PASS(fdopen, NULL, fd, mode);
}

FILE *fopencookie(void *restrict cookie, const char *restrict mode, cookie_io_functions_t io)
{
	FAIL_OR_PASS(fopencookie, NULL, cookie, mode, io);
}

/* A failed flush leaves the buffer as it was, as a full disk would. */
int fflush(FILE *stream)
{
	FAIL_OR_PASS(fflush, EOF, stream);
}

/* fclose always releases the stream and its descriptor, even when its
 * flush fails: the injected failure drops the buffered data, as a full
 * disk would. */
int fclose(FILE *stream)
{
	int error;
	if (should_fail(TFF_fclose, &error)) {
		int fd = fileno(stream);
		/* Discard the buffer: point the descriptor at /dev/null, so that
		 * the real fclose's flush cannot reach the file. (A stream with
		 * no descriptor, fopencookie's, flushes to its cookie.) */
		if (fd >= 0) {
			int devnull = REAL(open, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
			if (devnull >= 0) {
				(void)dup2(devnull, fd);
				(void)REAL(close, devnull);
			}
		}
		(void)REAL(fclose, stream);
		errno = error;
		return EOF;
	}
	return REAL(fclose, stream);
}

/* ---- signals -------------------------------------------------------------------- */

int sigaction(int sig, const struct sigaction *restrict action, struct sigaction *restrict old)
{
	FAIL_OR_PASS(sigaction, -1, sig, action, old);
}

int atexit(void (*fn)(void))
{
	/* atexit lives in libc_nonshared.a, not libc.so: registered here
	 * through the exported __cxa_atexit, as libc_nonshared.a does. */
	extern int __cxa_atexit(void (*)(void *), void *, void *);
	extern void *__dso_handle;
	int error;
	if (should_fail(TFF_atexit, &error)) {
		errno = error;
		return -1;
	}
	void (*as_cxa)(void *);
	memcpy(&as_cxa, &fn, sizeof as_cxa);
	return __cxa_atexit(as_cxa, NULL, __dso_handle);
}

/* ---- allocation ---------------------------------------------------------------- */

#if TFF_INTERPOSE_ALLOCATION
/* dlsym itself may allocate before the real allocator is known: such early
 * requests come from a static arena and are never freed. */
static _Alignas(16) unsigned char bootstrap[16384];
static size_t bootstrap_used;
static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static _Thread_local bool resolving;

static void *bootstrap_alloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n > sizeof bootstrap - bootstrap_used)
		return NULL;
	void *p = bootstrap + bootstrap_used;
	bootstrap_used += n;
	return p;
}

static bool from_bootstrap(const void *p)
{
	return (const unsigned char *)p >= bootstrap &&
	       (const unsigned char *)p < bootstrap + sizeof bootstrap;
}

static bool resolve_allocation(void)
{
	if (next_free)
		return true;
	if (resolving)
		return false;
	resolving = true;
	void *m = dlsym(RTLD_NEXT, "malloc"), *c = dlsym(RTLD_NEXT, "calloc");
	void *r = dlsym(RTLD_NEXT, "realloc"), *f = dlsym(RTLD_NEXT, "free");
	memcpy(&next_malloc, &m, sizeof m);
	memcpy(&next_calloc, &c, sizeof c);
	memcpy(&next_realloc, &r, sizeof r);
	memcpy(&next_free, &f, sizeof f);
	resolving = false;
	return next_free != NULL;
}

static void count_allocation(long delta)
{
	if (atomic_load_explicit(&tracking_allocation, memory_order_relaxed) &&
		!atomic_load_explicit(&allocation_paused, memory_order_relaxed))
		atomic_fetch_add(&allocation_balance, delta);
}

void *malloc(size_t n)
{
	if (!resolve_allocation())
		return bootstrap_alloc(n);
	int error;
	if (should_fail(TFF_malloc, &error)) {
		errno = error;
		return NULL;
	}
	void *p = next_malloc(n);
	if (p)
		count_allocation(1);
	return p;
}

void *calloc(size_t count, size_t size)
{
	if (!resolve_allocation())
		return bootstrap_alloc(count * size); /* zeroed: static */
	int error;
	if (should_fail(TFF_calloc, &error)) {
		errno = error;
		return NULL;
	}
	void *p = next_calloc(count, size);
	if (p)
		count_allocation(1);
	return p;
}

void *realloc(void *old, size_t n)
{
	if (!resolve_allocation())
		return NULL;
	if (from_bootstrap(old)) {
		void *p = malloc(n);
		if (p) {
			size_t room = (size_t)(bootstrap + sizeof bootstrap - (unsigned char *)old);
			memcpy(p, old, n < room ? n : room);
		}
		return p;
	}
	int error;
	if (should_fail(TFF_realloc, &error)) {
		errno = error;
		return NULL;
	}
	void *p = next_realloc(old, n);
	if (p && !old)
		count_allocation(1);
	return p;
}

void free(void *p)
{
	if (!p || from_bootstrap(p))
		return;
	if (!resolve_allocation())
		return;
	count_allocation(-1);
	next_free(p);
}
#endif

/* ---- setup --------------------------------------------------------------------- */

/* Look every function up before anything is armed, so that dlsym's own
 * work is never counted or failed. */
__attribute__((constructor)) static void resolve_everything(void)
{
#if TFF_INTERPOSE_ALLOCATION
	(void)resolve_allocation();
#endif
	for (int i = 0; i < TFF_open_tmpfile; i++)
		if (i != TFF_malloc && i != TFF_calloc && i != TFF_realloc && i != TFF_atexit)
			(void)real_function((enum tff_function)i);
}

#ifdef TFF_PRELOAD
/* The errnos a test may name in TF_FAULT. */
static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "ENOSPC", ENOSPC }, { "EMFILE", EMFILE }, { "ENFILE", ENFILE }, { "EACCES", EACCES },
	{ "EIO", EIO }, { "EINTR", EINTR }, { "ENOMEM", ENOMEM }, { "EROFS", EROFS },
	{ "EDQUOT", EDQUOT }, { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL }, { "EPERM", EPERM },
	{ "EEXIST", EEXIST }, { "ENOENT", ENOENT }, { "EXDEV", EXDEV }, { "EAGAIN", EAGAIN },
	{ "EBUSY", EBUSY }, { "EMLINK", EMLINK }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EISDIR", EISDIR }, { "EFBIG", EFBIG }, { "EOVERFLOW", EOVERFLOW },
	{ "ENAMETOOLONG", ENAMETOOLONG }, { "ERANGE", ERANGE },
};

static int errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof errno_names / sizeof *errno_names; i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].value;
	return atoi(name);
}

static const char *counts_path;

/* TF_FAULT=function:nth:errno, or "count". Parsed without allocating. */
__attribute__((constructor)) static void arm_from_environment(void)
{
	const char *spec = getenv("TF_FAULT");
	if (!spec || !*spec)
		return;
	/* Only this process: a program it runs (tmpf run COMMAND) would
	 * otherwise fail its own nth call too, and write the counts last. */
	static char spec_copy[128], counts_copy[4096];
	snprintf(spec_copy, sizeof spec_copy, "%s", spec);
	spec = spec_copy;
	const char *counts = getenv("TF_FAULT_COUNTS");
	snprintf(counts_copy, sizeof counts_copy, "%s", counts ? counts : "");
	counts_path = counts_copy;
	(void)unsetenv("TF_FAULT");
	(void)unsetenv("TF_FAULT_COUNTS");
	char fn_name[64] = "", error_name[32] = "";
	unsigned long nth = 0;
	const char *colon = strchr(spec, ':');
	if (strcmp(spec, "count") == 0) {
		tff_arm(TFF_NONE, 0, 0);
		return;
	}
	if (!colon || (size_t)(colon - spec) >= sizeof fn_name)
		abort();
	memcpy(fn_name, spec, (size_t)(colon - spec));
	char *end;
	nth = strtoul(colon + 1, &end, 10);
	if (*end != ':' || strlen(end + 1) >= sizeof error_name)
		abort();
	strcpy(error_name, end + 1);
	int fn = tff_lookup(fn_name);
	if (fn == TFF_NONE)
		abort();
	tff_arm(fn, nth, errno_value(error_name));
}

/* TF_FAULT_COUNTS=path: "function calls" per line, plus "fired 0|1". */
__attribute__((destructor)) static void write_counts(void)
{
	const char *path = counts_path;
	if (!path || !*path)
		return;
	bool was_fired = tff_fired();
	tff_disarm();
	int fd = REAL(open, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	char line[96];
	for (int i = 0; i < TFF_COUNT; i++) {
		int len = snprintf(line, sizeof line, "%s %lu\n", function_names[i], tff_calls(i));
		if (len > 0)
			(void)REAL(write, fd, line, (size_t)len);
	}
	int len = snprintf(line, sizeof line, "fired %d\n", was_fired ? 1 : 0);
	if (len > 0)
		(void)REAL(write, fd, line, (size_t)len);
	(void)REAL(close, fd);
}
#endif
