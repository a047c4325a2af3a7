/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * lease.c - what TEMPFILE_LEASE costs (issue 15): the rows lease_file and
 * lease_dir (tempfile_mkstemp, _mkdtemp, _dir with and without the lease,
 * timed and counted like every micro row), and the section reap: one
 * tempfile_reap over a directory of 10,000 entries of which 100 are
 * abandoned leases (left by a child that exited), made again, untimed,
 * before each repetition. Target: under 50 ms.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tempfile.h>

/* ---- the micro rows ------------------------------------------------------- */

static int floor_file(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(c->names[i], O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) != 0 || unlink(c->names[i]) != 0)
			return -1;
	}
	return 0;
}

static int prepare_names(struct bench_ctx *c, size_t n)
{
	bench_ctx_fresh_names(c, n);
	return 0;
}

/* mkstemp (+ lease) + close + unlink (+ tempfile_forget: the lease ends). */
static int mkstemp_with(struct bench_ctx *c, size_t n, unsigned flags)
{
	const struct tempfile_opts opts = { .dir = c->dir, .flags = flags };
	for (size_t i = 0; i < n; i++) {
		char *path;
		int fd = tempfile_mkstemp(&opts, &path);
		if (fd < 0)
			return -1;
		int rc = close(fd) | unlink(path);
		if (flags & TEMPFILE_LEASE)
			rc |= tempfile_forget(path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int lib_mkstemp(struct bench_ctx *c, size_t n)
{
	return mkstemp_with(c, n, 0);
}

static int lib_mkstemp_lease(struct bench_ctx *c, size_t n)
{
	return mkstemp_with(c, n, TEMPFILE_LEASE);
}

static int floor_dir(struct bench_ctx *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mkdir(c->names[i], 0700) != 0 || rmdir(c->names[i]) != 0)
			return -1;
	return 0;
}

static int mkdtemp_with(struct bench_ctx *c, size_t n, unsigned flags)
{
	const struct tempfile_opts opts = { .dir = c->dir, .flags = flags };
	for (size_t i = 0; i < n; i++) {
		char *path = tempfile_mkdtemp(&opts);
		if (!path)
			return -1;
		int rc = (flags & TEMPFILE_LEASE) ? tempfile_forget(path) : 0;
		rc |= rmdir(path);
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int lib_mkdtemp(struct bench_ctx *c, size_t n)
{
	return mkdtemp_with(c, n, 0);
}

static int lib_mkdtemp_lease(struct bench_ctx *c, size_t n)
{
	return mkdtemp_with(c, n, TEMPFILE_LEASE);
}

static int dir_with(struct bench_ctx *c, size_t n, unsigned flags)
{
	const struct tempfile_opts opts = { .dir = c->dir, .flags = flags };
	for (size_t i = 0; i < n; i++) {
		struct tempfile_dir *d = tempfile_dir(&opts);
		if (!d || tempfile_dir_cleanup(d) != 0)
			return -1;
	}
	return 0;
}

static int lib_dir(struct bench_ctx *c, size_t n)
{
	return dir_with(c, n, 0);
}

static int lib_dir_lease(struct bench_ctx *c, size_t n)
{
	return dir_with(c, n, TEMPFILE_LEASE);
}

const struct bench_contender bench_lease_file[BENCH_NLEASE_FILE] = {
	{ "floor", "floor: open(O_CREAT\\|O_EXCL) + close + unlink", ORIGIN_FLOOR, NULL,
		prepare_names, floor_file, NULL },
	{ "lib_mkstemp", "libtempfile tempfile_mkstemp(.dir) + close + unlink", ORIGIN_LIB, NULL,
		NULL, lib_mkstemp, NULL },
	{ "lib_mkstemp_lease",
		"libtempfile tempfile_mkstemp(.dir, TEMPFILE_LEASE) + close + unlink + tempfile_forget",
		ORIGIN_LIB, NULL, NULL, lib_mkstemp_lease, NULL },
};

const struct bench_contender bench_lease_dir[BENCH_NLEASE_DIR] = {
	{ "floor", "floor: mkdir + rmdir", ORIGIN_FLOOR, NULL, prepare_names, floor_dir, NULL },
	{ "lib_mkdtemp", "libtempfile tempfile_mkdtemp(.dir) + rmdir", ORIGIN_LIB, NULL, NULL,
		lib_mkdtemp, NULL },
	{ "lib_mkdtemp_lease",
		"libtempfile tempfile_mkdtemp(.dir, TEMPFILE_LEASE) + tempfile_forget + rmdir",
		ORIGIN_LIB, NULL, NULL, lib_mkdtemp_lease, NULL },
	{ "lib_dir", "libtempfile tempfile_dir(.dir) + tempfile_dir_cleanup", ORIGIN_LIB, NULL,
		NULL, lib_dir, NULL },
	{ "lib_dir_lease", "libtempfile tempfile_dir(.dir, TEMPFILE_LEASE) + tempfile_dir_cleanup",
		ORIGIN_LIB, NULL, NULL, lib_dir_lease, NULL },
};

/* ---- reap ------------------------------------------------------------------ */

#define REAP_ENTRIES 10000
#define REAP_ABANDONED 100

/* n plain files in dir (half of them directories would not change the
 * reaper's work: one look per entry). 0 or -1. */
static int make_plain(const char *dir, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *path = bench_printf("%s/plain%05zu", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		free(path);
		if (fd < 0 || close(fd) != 0)
			return -1;
	}
	return 0;
}

/* n abandoned leases in dir, half files, half directories: made by a
 * child that then exits without cleaning up. 0 or -1. */
static int make_abandoned(const char *dir, size_t n)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_LEASE };
		for (size_t i = 0; i < n; i++) {
			if (i % 2 == 0) {
				int fd = tempfile_mkstemp(&o, NULL);
				if (fd < 0)
					_exit(1);
				close(fd);
			} else {
				char *d = tempfile_mkdtemp(&o);
				if (!d)
					_exit(1);
				free(d);
			}
		}
		_exit(0);
	}
	return bench_wait(pid) == 0 ? 0 : -1;
}

static void reap_in(const char *dir_root, const char *label)
{
	char *dir = bench_printf("%s/bench-reap.%d", dir_root, (int)getpid());
	if (mkdir(dir, 0700) != 0 || make_plain(dir, REAP_ENTRIES - REAP_ABANDONED) != 0) {
		bench_note("reap: cannot set up %s: %s", dir, strerror(errno));
		bench_remove_tree(dir);
		free(dir);
		return;
	}
	unsigned reps = bench_cfg.quick ? 3 : 11;
	double ms[BENCH_MAX_REPS], empty_ms[BENCH_MAX_REPS];
	unsigned got = 0;
	bool wrong = false;
	for (unsigned r = 0; r < reps && !wrong; r++) {
		if (make_abandoned(dir, REAP_ABANDONED) != 0) {
			bench_note("reap: cannot make the abandoned leases: %s", strerror(errno));
			break;
		}
		uint64_t start = bench_now_ns();
		int n = tempfile_reap(dir, 0);
		uint64_t end = bench_now_ns();
		/* The same walk with nothing to remove: the cost of looking. */
		int none = tempfile_reap(dir, 0);
		uint64_t after = bench_now_ns();
		wrong = n != REAP_ABANDONED || none != 0;
		ms[got] = (double)(end - start) / 1e6;
		empty_ms[got++] = (double)(after - end) / 1e6;
	}
	if (wrong)
		bench_note("reap: removed the wrong number of leases");
	if (got > 0 && !wrong) {
		double lo, hi, elo, ehi;
		bench_min_max(ms, got, &lo, &hi);
		bench_min_max(empty_ms, got, &elo, &ehi);
		double median = bench_median(ms, got);
		printf("| %s | %d entries, %d abandoned | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %s |\n",
			label, REAP_ENTRIES, REAP_ABANDONED, median, lo, hi,
			bench_median(empty_ms, got), elo, ehi, median < 50 ? "yes" : "no");
	}
	bench_remove_tree(dir);
	free(dir);
}

void bench_reap_section(void)
{
	printf("\n### tempfile_reap (issue 15): one pass over a directory, ms\n\n"
	       "| where | entries | reap, 100 to remove | reap, nothing to remove | under 50 ms |\n"
	       "|---|---|---|---|---|\n");
	for (size_t i = 0; i < bench_cfg.ndirs; i++) {
		char *fs = bench_fs_description(bench_cfg.dirs[i]);
		char *label = bench_printf("%s (%s)", bench_cfg.dirs[i], fs);
		reap_in(bench_cfg.dirs[i], label);
		free(label);
		free(fs);
	}
	fflush(stdout);
}
