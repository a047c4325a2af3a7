/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * shim.h - the fault-injection shim's control interface (tests only).
 *
 * The shim defines its own open, mkdir, write, fsync, rename, close,
 * getrandom, malloc, ... which pass every call through to the C library
 * (dlsym(RTLD_NEXT)) except the one chosen to fail: the Nth call of
 * function F fails with errno E without doing anything (close and fclose
 * still release the descriptor, as Linux does when they fail).
 *
 * Two builds of the same source:
 *   - linked into a test program (tests/test_faults.c includes shim.c), it
 *     interposes for the whole process and is driven by tff_arm();
 *   - built with TFF_PRELOAD as an LD_PRELOAD module (tests/faults/
 *     CMakeLists.txt), it is driven by the environment, for the CLI:
 *       TF_FAULT=function:nth:errno   fail that call ("count" only counts)
 *       TF_FAULT_COUNTS=path          at exit, write "function calls" lines
 */
#ifndef TF_FAULT_SHIM_H
#define TF_FAULT_SHIM_H

#include <stdbool.h>

/* Every function the shim can fail, with the errnos worth injecting there. */
#define TFF_FUNCTIONS(X)                                                                   \
	X(open) X(open64) X(openat) X(openat64) X(mkdir) X(mkdirat) X(write) X(pwrite)     \
	X(read) X(fsync) X(fdatasync) X(rename) X(renameat) X(renameat2) X(link) X(linkat) \
	X(unlink) X(unlinkat) X(rmdir) X(close) X(getrandom) X(malloc) X(calloc)          \
	X(realloc) X(lstat) X(stat) X(fstat) X(fstatat) X(getcwd) X(ftruncate) X(lseek)   \
	X(fchmod) X(fchmodat) X(fdopen) X(fflush) X(fclose) X(dup) X(fdopendir)           \
	X(opendir) X(readdir) X(fopencookie) X(sigaction) X(atexit) X(fchdir)         \
	X(statx) X(mmap) X(fchown) X(flock) X(fsetxattr) X(symlink)

enum tff_function {
#define TFF_ENUM(name) TFF_##name,
	TFF_FUNCTIONS(TFF_ENUM)
#undef TFF_ENUM
	/* Not a function: open and openat with O_TMPFILE count here instead,
	 * so that a test can make the file system lack O_TMPFILE. */
	TFF_open_tmpfile,
	TFF_COUNT
};

/* No function: count calls, fail none. */
#define TFF_NONE (-1)

/* Start counting calls (and, unless fn is TFF_NONE, fail the nth call of
 * fn, counted from 1, with error). Resets the call counters. */
void tff_arm(int fn, unsigned long nth, int error);
/* While armed, fail every call of fn with error (TFF_NONE: none), e.g.
 * getrandom with ENOSYS to run the /dev/urandom fallback. */
void tff_always(int fn, int error);
/* Stop failing (both kinds); counting goes on until tff_disarm. */
void tff_stop_faults(void);
/* Stop failing and counting calls. */
void tff_disarm(void);
/* Start (resetting the balance to 0) or stop balancing allocations. */
void tff_track_allocations(bool on);
/* Pause/resume balancing allocations (for checks that allocate). */
void tff_pause_allocation_count(bool paused);
/* Calls of fn since tff_arm. */
unsigned long tff_calls(int fn);
/* Did the armed fault fire? */
bool tff_fired(void);
/* malloc/calloc/realloc(NULL) minus free(non-NULL) while tracked. */
long tff_allocation_balance(void);
/* Is allocation interposed (not under a sanitizer, which owns malloc)? */
bool tff_allocation_interposed(void);
/* "open", "malloc", ...; NULL for an unknown index. */
const char *tff_name(int fn);
/* The index of a function name, or TFF_NONE. */
int tff_lookup(const char *name);

#endif
