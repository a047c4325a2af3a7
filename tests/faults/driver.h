/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * driver.h - run one operation under every injectable fault (tests only).
 *
 * For an operation, the driver first runs it once counting the calls it
 * makes to each function the shim knows; then, for each function F called
 * k times, for n = 1..k, for each errno E relevant to F, it runs the
 * operation again in a fresh child process with the nth call of F failing
 * with E, and checks afterwards:
 *   - it reported an error with errno E (or an errno the operation
 *     documents for that case), or it succeeded (a retry for EINTR, a
 *     fallback, or a failure that does not matter) and the result is right;
 *   - no descriptor leaked (/proc/self/fd before and after);
 *   - the scratch tree holds exactly what it held before (nothing left
 *     behind, nothing lost);
 *   - allocations balance (what the operation keeps for the life of the
 *     process excepted);
 *   - the operation's own check passes (persist: the destination holds the
 *     old content or the new, never a mix).
 * A child runs each case, so that a crash or a hang (10 s alarm) fails one
 * case and reports it, and every case starts from the same state (a fresh
 * fork also makes the name generator reseed: getrandom is a fault point).
 */
#ifndef TF_FAULT_DRIVER_H
#define TF_FAULT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shim.h"

/* What one case of an operation works with. */
struct tfd_ctx {
	char *root;  /* scratch directory of this case; snapshotted        */
	char *work;  /* root/work, made before setup                      */
	int fd;      /* the operation's results, as it likes              */
	char *path;
	void *handle;
	const char *text;
	long number;
	char note[160]; /* set by the operation's check to explain a problem */
};

struct tfd_op {
	const char *name;
	/* Fixtures, before anything is counted. 0, or -1 (a broken test). */
	int (*setup)(struct tfd_ctx *c);
	/* Handles the operation works on, created before the fault is armed;
	 * their allocations are balanced by release. NULL: none. */
	int (*prepare)(struct tfd_ctx *c);
	/* The operation, armed: 0 on success, -1 with errno. */
	int (*run)(struct tfd_ctx *c);
	/* Faults off: is the outcome right? ok is run's success. Returns true
	 * when right, else false with c->note set. NULL: nothing to check. */
	bool (*check)(struct tfd_ctx *c, bool ok);
	/* Release what run and prepare made (delete created files, free);
	 * its allocations are balanced. */
	void (*release)(struct tfd_ctx *c, bool ok);
	/* Errnos the operation may report instead of the injected one
	 * (0-terminated; NULL: none), e.g. gettempdir's ENOENT. */
	const int *other_errnos;
	/* A failed removal may leave part of its tree behind (it reports the
	 * error, and removes all it can): not counted as left behind. */
	bool leftover_ok_on_error;
	/* Allocations a success keeps for the life of the process. */
	long kept_allocations;
	/* Functions whose EINTR may be reported rather than retried (close:
	 * retrying a close on Linux could close another thread's descriptor). */
	const int *eintr_reported_ok;
	/* With always_error non-zero, every call of always_fn fails with it
	 * while the operation runs (a fallback path: getrandom ENOSYS,
	 * open_tmpfile EOPNOTSUPP, renameat2 EINVAL), and the single faults
	 * are enumerated on top of that. */
	int always_fn;
	int always_error;
};

/* Totals of one operation's run. */
struct tfd_totals {
	unsigned long points;     /* (function, nth call) pairs              */
	unsigned long cases;      /* points x errnos run                     */
	unsigned long reported;   /* failed with the injected errno          */
	unsigned long mapped;     /* failed with a documented other errno    */
	unsigned long retried;    /* EINTR injected, succeeded               */
	unsigned long absorbed;   /* other errno injected, succeeded         */
	unsigned long unreached;  /* the nth call did not happen this time    */
	unsigned long stuck;      /* a removal was failed, so its entry stayed */
	unsigned long bad;        /* a broken promise                        */
};

/* Run op under every fault; print one line per bad case and a summary to
 * out. Fills *totals. Returns false if the operation could not be run
 * fault-free at all (then nothing else is run). */
bool tfd_run_all(const struct tfd_op *op, struct tfd_totals *totals, FILE *out);

#endif
