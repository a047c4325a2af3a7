/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * driver.c - the fault-injection driver (see driver.h). Tests only.
 */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include "driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The errnos worth injecting at each function: what the system can really
 * answer there (issue 7's list, narrowed to the calls that can return it;
 * EINTR only where POSIX or Linux lists it: open, read, write, fsync,
 * close, ftruncate, getrandom, stdio). */
static const int errnos_open[] = { ENOSPC, EMFILE, ENFILE, EACCES, EIO, EINTR, ENOMEM, EROFS,
	EDQUOT, 0 };
static const int errnos_tmpfile[] = { EOPNOTSUPP, EISDIR, EINVAL, ENOSPC, EMFILE, ENFILE, EACCES,
	EIO, EINTR, ENOMEM, EROFS, EDQUOT, 0 };
static const int errnos_mkdir[] = { ENOSPC, EACCES, EIO, ENOMEM, EROFS, EDQUOT, EMLINK, 0 };
static const int errnos_write[] = { ENOSPC, EIO, EINTR, EDQUOT, EFBIG, 0 };
static const int errnos_read[] = { EIO, EINTR, 0 };
static const int errnos_sync[] = { EIO, ENOSPC, EINTR, EDQUOT, EROFS, EINVAL, 0 };
static const int errnos_rename[] = { EACCES, EIO, ENOSPC, EROFS, EDQUOT, EXDEV, EBUSY, 0 };
static const int errnos_renameat2[] = { EACCES, EIO, ENOSPC, EROFS, EDQUOT, EXDEV, EBUSY, ENOSYS,
	EINVAL, 0 };
static const int errnos_link[] = { ENOSPC, EACCES, EIO, EROFS, EDQUOT, EMLINK, ENOENT, EXDEV,
	EPERM, 0 };
static const int errnos_unlink[] = { EACCES, EIO, EROFS, EBUSY, EPERM, 0 };
static const int errnos_close[] = { EIO, EINTR, ENOSPC, EDQUOT, 0 };
static const int errnos_random[] = { ENOSYS, EINTR, EAGAIN, EPERM, EIO, 0 };
static const int errnos_alloc[] = { ENOMEM, 0 };
static const int errnos_stat[] = { EACCES, EIO, ENOMEM, EOVERFLOW, 0 };
static const int errnos_getcwd[] = { EACCES, ENOENT, ENOMEM, ERANGE, 0 };
static const int errnos_truncate[] = { EIO, EINTR, EFBIG, ENOSPC, EPERM, 0 };
static const int errnos_lseek[] = { EINVAL, EOVERFLOW, 0 };
static const int errnos_chmod[] = { EPERM, EIO, EROFS, 0 };
static const int errnos_stdio_open[] = { ENOMEM, EINVAL, 0 };
static const int errnos_stdio_flush[] = { ENOSPC, EIO, EDQUOT, EINTR, 0 };
static const int errnos_dup[] = { EMFILE, ENFILE, 0 };
static const int errnos_opendir[] = { EMFILE, ENFILE, ENOMEM, EACCES, EIO, 0 };
static const int errnos_readdir[] = { EIO, 0 };
static const int errnos_sigaction[] = { EINVAL, 0 };
static const int errnos_fchdir[] = { EACCES, EIO, 0 };
static const int errnos_flock[] = { ENOLCK, EINTR, 0 };
/* EOPNOTSUPP and EACCES: the lease takes its fallback marker. */
static const int errnos_setxattr[] = { ENOSPC, EDQUOT, EIO, EOPNOTSUPP, EACCES, 0 };
static const int errnos_symlink[] = { ENOSPC, EDQUOT, EIO, EACCES, EROFS, 0 };

static const int *errnos_for(int fn)
{
	switch (fn) {
	case TFF_open: case TFF_open64: case TFF_openat: case TFF_openat64: return errnos_open;
	case TFF_open_tmpfile: return errnos_tmpfile;
	case TFF_mkdir: case TFF_mkdirat: return errnos_mkdir;
	case TFF_write: case TFF_pwrite: return errnos_write;
	case TFF_read: return errnos_read;
	case TFF_fsync: case TFF_fdatasync: return errnos_sync;
	case TFF_rename: case TFF_renameat: return errnos_rename;
	case TFF_renameat2: return errnos_renameat2;
	case TFF_link: case TFF_linkat: return errnos_link;
	case TFF_unlink: case TFF_unlinkat: case TFF_rmdir: return errnos_unlink;
	case TFF_close: return errnos_close;
	case TFF_getrandom: return errnos_random;
	case TFF_malloc: case TFF_calloc: case TFF_realloc: case TFF_atexit: return errnos_alloc;
	case TFF_lstat: case TFF_stat: case TFF_fstat: case TFF_fstatat: case TFF_statx:
		return errnos_stat;
	case TFF_mmap: return errnos_alloc;
	case TFF_getcwd: return errnos_getcwd;
	case TFF_ftruncate: return errnos_truncate;
	case TFF_lseek: return errnos_lseek;
	case TFF_fchmod: case TFF_fchmodat: case TFF_fchown: return errnos_chmod;
	case TFF_fdopen: case TFF_fopencookie: return errnos_stdio_open;
	case TFF_fflush: case TFF_fclose: return errnos_stdio_flush;
	case TFF_dup: return errnos_dup;
	case TFF_fdopendir: case TFF_opendir: return errnos_opendir;
	case TFF_readdir: return errnos_readdir;
	case TFF_sigaction: return errnos_sigaction;
	case TFF_fchdir: return errnos_fchdir;
	case TFF_flock: return errnos_flock;
	case TFF_fsetxattr: return errnos_setxattr;
	case TFF_symlink: return errnos_symlink;
	default: return errnos_alloc;
	}
}

/* What a child reports about its case. */
struct tfd_result {
	bool left_behind; /* the problem is only an entry left behind */
	int rc;
	int error;
	bool fired;
	char problem[256];
	unsigned long calls[TFF_COUNT];
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* ---- the scratch tree, as sorted "path type" lines ------------------------------ */

static char **snapshot_lines;
static size_t snapshot_count, snapshot_capacity, snapshot_skip;

static int snapshot_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (snapshot_count == snapshot_capacity) {
		size_t capacity = snapshot_capacity ? 2 * snapshot_capacity : 64;
		char **lines = realloc(snapshot_lines, capacity * sizeof *lines);
		if (!lines)
			return -1;
		snapshot_lines = lines;
		snapshot_capacity = capacity;
	}
	char kind = type == FTW_D || type == FTW_DNR ? 'd' : type == FTW_SL ? 'l' : 'f';
	if (asprintf(&snapshot_lines[snapshot_count], "%s %c %o", path + snapshot_skip, kind,
		    (unsigned)(st->st_mode & 07777)) < 0)
		return -1;
	snapshot_count++;
	return 0;
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NEW: the tree under root, one sorted line per entry. */
static char *snapshot(const char *root)
{
	snapshot_lines = NULL;
	snapshot_count = snapshot_capacity = 0;
	snapshot_skip = strlen(root);
	char *text = NULL;
	if (nftw(root, snapshot_entry, 16, FTW_PHYS) == 0) {
		if (snapshot_count > 1)
			qsort(snapshot_lines, snapshot_count, sizeof *snapshot_lines, compare_lines);
		size_t total = 1;
		for (size_t i = 0; i < snapshot_count; i++)
			total += strlen(snapshot_lines[i]) + 1;
		text = malloc(total);
		if (text) {
			text[0] = '\0';
			for (size_t i = 0; i < snapshot_count; i++) {
				strcat(text, snapshot_lines[i]);
				strcat(text, "\n");
			}
		}
	}
	for (size_t i = 0; i < snapshot_count; i++)
		free(snapshot_lines[i]);
	free(snapshot_lines);
	return text;
}

/* The first line of a that b lacks, for a readable report. */
static void first_difference(const char *a, const char *b, char *out, size_t size)
{
	const char *line = a;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		bool found = false;
		for (const char *p = b; *p;) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l == len && strncmp(p, line, len) == 0) {
				found = true;
				break;
			}
			p += l + (e ? 1 : 0);
		}
		if (!found) {
			snprintf(out, size, "%.*s", (int)len, line);
			return;
		}
		line += len + (end ? 1 : 0);
	}
	snprintf(out, size, "?");
}

static int make_removable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		(void)chmod(path, 0700);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	(void)(type == FTW_DP ? rmdir(path) : unlink(path));
	return 0;
}

/* rm -rf in this process (no shell: under valgrind a child program costs
 * a second). Directories are made writable first. */
static void remove_tree(const char *path)
{
	(void)nftw(path, make_removable, 16, FTW_PHYS);
	(void)nftw(path, remove_entry, 16, FTW_PHYS | FTW_DEPTH);
}

/* ---- one case, in a child -------------------------------------------------------- */

static void child_case(const struct tfd_op *op, int fn, unsigned long nth, int error,
	struct tfd_result *r)
{
	struct tfd_ctx c = { .fd = -1 };
	memset(r, 0, sizeof *r);
	char root_template[] = "/tmp/tffault.XXXXXX";
	c.root = mkdtemp(root_template);
	if (!c.root || asprintf(&c.work, "%s/work", c.root) < 0 || mkdir(c.work, 0755) != 0) {
		snprintf(r->problem, sizeof r->problem, "scratch: %s", strerror(errno));
		return;
	}
	if (op->setup && op->setup(&c) != 0) {
		snprintf(r->problem, sizeof r->problem, "setup: %s", strerror(errno));
		return;
	}
	char *before = snapshot(c.root);
	int fds_before = count_fds();
	tff_track_allocations(true);
	if (op->prepare && op->prepare(&c) != 0) {
		snprintf(r->problem, sizeof r->problem, "prepare: %s", strerror(errno));
		free(before);
		return;
	}

	tff_arm(fn, nth, error);
	if (op->always_error)
		tff_always(op->always_fn, op->always_error);
	errno = 0;
	r->rc = op->run(&c);
	r->error = errno;
	tff_stop_faults();
	for (int i = 0; i < TFF_COUNT; i++)
		r->calls[i] = tff_calls(i);
	r->fired = tff_fired();

	tff_pause_allocation_count(true);
	bool right = !op->check || op->check(&c, r->rc == 0);
	tff_pause_allocation_count(false);
	op->release(&c, r->rc == 0);
	tff_disarm();
	long balance = tff_allocation_balance();
	tff_track_allocations(false);

	int fds_after = count_fds();
	char *after = snapshot(c.root);
	long expected_balance = r->rc == 0 ? op->kept_allocations : 0;
	if (!right) {
		snprintf(r->problem, sizeof r->problem, "check: %s", c.note);
	} else if (fds_after != fds_before) {
		snprintf(r->problem, sizeof r->problem, "descriptors: %d before, %d after",
			fds_before, fds_after);
	} else if (!before || !after || strcmp(before, after) != 0) {
		char what[200];
		if (before && after && strlen(after) >= strlen(before)) {
			first_difference(after, before, what, sizeof what);
			snprintf(r->problem, sizeof r->problem, "left behind: %s", what);
			r->left_behind = true;
		} else if (before && after) {
			first_difference(before, after, what, sizeof what);
			snprintf(r->problem, sizeof r->problem, "lost: %s", what);
		} else {
			snprintf(r->problem, sizeof r->problem, "snapshot failed");
		}
	} else if (tff_allocation_interposed() && balance != expected_balance) {
		snprintf(r->problem, sizeof r->problem, "allocations: %ld left (%ld expected)",
			balance, expected_balance);
	}
	free(before);
	free(after);
	remove_tree(c.root);
}

/* Fork a child for one case and collect its result. */
static void run_case(const struct tfd_op *op, int fn, unsigned long nth, int error,
	struct tfd_result *r)
{
	int pipefd[2];
	memset(r, 0, sizeof *r);
	if (pipe(pipefd) != 0) {
		snprintf(r->problem, sizeof r->problem, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(r->problem, sizeof r->problem, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		close(pipefd[0]);
		alarm(10);
		struct tfd_result mine;
		child_case(op, fn, nth, error, &mine);
		const char *p = (const char *)&mine;
		size_t left = sizeof mine;
		while (left > 0) {
			ssize_t n = write(pipefd[1], p, left);
			if (n <= 0)
				_exit(2);
			p += n;
			left -= (size_t)n;
		}
		_exit(0);
	}
	close(pipefd[1]);
	char *p = (char *)r;
	size_t got = 0;
	while (got < sizeof *r) {
		ssize_t n = read(pipefd[0], p + got, sizeof *r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof *r) {
		memset(r, 0, sizeof *r);
		if (WIFSIGNALED(status))
			snprintf(r->problem, sizeof r->problem, "child killed by signal %d (%s)",
				WTERMSIG(status), strsignal(WTERMSIG(status)));
		else
			snprintf(r->problem, sizeof r->problem, "child exited %d without a report",
				WEXITSTATUS(status));
	}
}

/* Failing a removal must leave its entry: that is the fault, not a bug. */
static bool is_removal(int fn)
{
	return fn == TFF_unlink || fn == TFF_unlinkat || fn == TFF_rmdir;
}

/* close and fclose must not be retried (the descriptor is gone, and may
 * be another thread's by now); stdio keeps no record of what a failed
 * fflush wrote, so retrying could write twice. Reporting EINTR is right. */
static bool eintr_may_be_reported(int fn)
{
	return fn == TFF_close || fn == TFF_fclose || fn == TFF_fflush;
}

static bool in_list(const int *list, int value)
{
	for (; list && *list; list++)
		if (*list == value)
			return true;
	return false;
}

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);
	return name ? name : "E?";
}

bool tfd_run_all(const struct tfd_op *op, struct tfd_totals *t, FILE *out)
{
	memset(t, 0, sizeof *t);
	struct tfd_result base;
	run_case(op, TFF_NONE, 0, 0, &base);
	if (base.problem[0] || base.rc != 0) {
		fprintf(out, "%s: cannot run without faults: %s%s\n", op->name,
			base.problem[0] ? base.problem : "errno ",
			base.problem[0] ? "" : errno_name(base.error));
		return false;
	}
	for (int fn = 0; fn < TFF_COUNT; fn++) {
		if (op->always_error && fn == op->always_fn)
			continue;
		for (unsigned long nth = 1; nth <= base.calls[fn]; nth++) {
			t->points++;
			for (const int *e = errnos_for(fn); *e; e++) {
				struct tfd_result r;
				run_case(op, fn, nth, *e, &r);
				t->cases++;
				const char *verdict = NULL;
				if (r.left_behind && r.fired &&
					(is_removal(fn) || (op->leftover_ok_on_error && r.rc != 0)))
					t->stuck++;
				else if (r.problem[0])
					verdict = r.problem;
				else if (!r.fired)
					t->unreached++;
				else if (r.rc == 0) {
					if (*e == EINTR)
						t->retried++;
					else
						t->absorbed++;
					if (getenv("TF_FAULTS_VERBOSE"))
						fprintf(out, "%s: %s call %lu failing with %s: succeeded\n",
							op->name, tff_name(fn), nth, errno_name(*e));
				}
				else if (r.error == *e && *e == EINTR && !eintr_may_be_reported(fn) &&
					 !in_list(op->eintr_reported_ok, fn))
					verdict = "EINTR reported, not retried";
				else if (r.error == *e)
					t->reported++;
				else if (in_list(op->other_errnos, r.error))
					t->mapped++;
				else
					verdict = "wrong errno";
				if (verdict) {
					t->bad++;
					fprintf(out, "BAD %s: %s call %lu failing with %s: %s (rc %d, errno %s)\n",
						op->name, tff_name(fn), nth, errno_name(*e), verdict, r.rc,
						errno_name(r.error));
				}
			}
		}
	}
	fprintf(out,
		"%s: %lu fault points, %lu cases: %lu reported, %lu mapped, %lu retried, "
		"%lu absorbed, %lu stuck, %lu unreached, %lu bad\n",
		op->name, t->points, t->cases, t->reported, t->mapped, t->retried, t->absorbed,
		t->stuck, t->unreached, t->bad);
	fflush(out);
	return true;
}
