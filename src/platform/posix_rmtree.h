/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_rmtree.h - what the files of the POSIX removal share:
 * posix_rmtree.c (the entry points, and opening a directory without
 * following links or leaving the mount), posix_rmtree_walk.c (the walk
 * over an explicit stack) and posix_rmtree_pool.c (that walk run by a few
 * threads on separate subtrees). Never included outside src/platform/.
 */
#ifndef TEMPFILE_PLATFORM_POSIX_RMTREE_H
#define TEMPFILE_PLATFORM_POSIX_RMTREE_H

#include "internal.h"

#include <limits.h>

/* Directory descriptors open at once, the top included. */
#define TF_RM_WINDOW 16
/* One getdents64 buffer per open level: ~100 typical entries per call. */
#define TF_RM_BUFSIZE 4096

/* Which mount a directory is on. A bind mount of a directory of the same
 * file system has the same st_dev: the mount ID (statx, Linux 5.8; else
 * /proc/self/fdinfo, Linux 3.15) is what tells it; where neither gives
 * one, only the device is known. */
struct tf_mount {
	dev_t dev;
	uint64_t id;
	bool has_id;
};

/* An open directory. */
struct tf_rm_level {
	int fd;
	struct tf_file_id id;
	mode_t mode;
	bool chmodded; /* made u+rwx already: do not try twice */
	bool failed;   /* something in it stays: rmdir would fail anyway */
	bool resumed;  /* reopened and repositioned during this pass */
	bool eof;
	const char *pending;  /* child directory being emptied, or NULL */
	int64_t pending_off;  /* the stream position after it */
	size_t pos, len;      /* unread part of buf */
	_Alignas(8) char buf[TF_RM_BUFSIZE];
};

/* A level whose descriptor was closed to bound them, or for room. */
struct tf_rm_saved_level {
	struct tf_file_id id;
	mode_t mode;
	bool chmodded, failed;
	int64_t resume_off;
	char name[NAME_MAX + 1]; /* the child being emptied */
};

struct tf_rm_walk;

/* Hand the directory `name` of the walk's top, open at fd and checked as
 * the walk checks a directory before entering it (st, chmodded), to another
 * thread instead of entering it: true if taken (fd and the removal of name
 * are then the taker's), false to let the walk enter it. */
typedef bool tf_rm_offer_fn(struct tf_rm_walk *w, int fd, const struct tf_os_stat *st,
	bool chmodded, const char *name);

/* All of it lives in the walk's mapping (struct walk_space). */
struct tf_rm_walk {
	/* Set by the pooled walk (posix_rmtree_pool.c) before tf_rm_walk_tree;
	 * NULL in the sequential one, which so never reaches a thread. */
	tf_rm_offer_fn *offer;
	void *offer_arg;
	size_t entries;    /* entries met so far (tf_rm_walk_tree resets it) */
	struct tf_mount top_mount; /* nothing on another mount is entered */
	int error;         /* the first error (-errno), 0 if none */
	size_t depth;      /* of the current level; the top is 0 */
	size_t open_from;  /* levels open_from..depth are open (>= 1) */
	bool top_open;     /* level 0 is open (else saved[0] records it) */
	int anchor_fd;     /* where the top is reopened from after a restart: */
	const char *anchor_name; /* its name there */
	struct tf_rm_saved_level *saved; /* indexed by depth, mmap()ed */
	size_t saved_cap;
	struct tf_rm_level level[TF_RM_WINDOW];
};

static inline bool tf_rm_is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* ---- posix_rmtree.c ---- */

/* The walk that empties the top in tf_rm_remove_tree: tf_rm_walk_tree's
 * arguments, and arg. The first error (-errno), or 0. */
typedef int tf_rm_top_walk_fn(struct tf_rm_walk *w, int top_fd, const struct tf_os_stat *top,
	const struct tf_mount *top_mount, bool chmodded, int anchor_fd, const char *anchor_name,
	void *arg);

/* tf_remove_tree, with the top emptied by walk(..., arg) (NULL:
 * tf_rm_walk_tree itself) between its checked opening and its checked
 * rmdir. */
TF_HIDDEN int tf_rm_remove_tree(const char *path, const struct tf_file_id *expect,
	tf_rm_top_walk_fn *walk, void *arg);

/* Open the directory `name` at `at` for reading, never through a link
 * (-ELOOP or -ENOTDIR then); st gets its fstat, which must match expect's
 * identity when expect is given (else -ESTALE). An unreadable directory is
 * made u+rwx first, but only if it is on mount `on` when that is given
 * (else -EBUSY); *chmodded says so. The descriptor, or -errno. */
TF_HIDDEN int tf_rm_open_dir(int at, const char *name, const struct tf_file_id *expect,
	const struct tf_mount *on, struct tf_os_stat *st, bool *chmodded);

/* Whether the directory open at fd (described by st) is on mount m: 1 or
 * 0, or -errno if that cannot be told. */
TF_HIDDEN int tf_rm_on_mount(int fd, const struct tf_os_stat *st, const struct tf_mount *m);

/* ---- posix_rmtree_walk.c ---- */

/* Empty the directory open (for reading) at top_fd, which is on top_mount
 * and was opened as anchor_name in anchor_fd, with the state in w. The
 * walk closes top_fd. The first error met (-errno), or 0. */
TF_HIDDEN int tf_rm_walk_tree(struct tf_rm_walk *w, int top_fd, const struct tf_os_stat *top,
	const struct tf_mount *top_mount, bool chmodded, int anchor_fd, const char *anchor_name);

/* unlinkat(dirfd, name, flag), retried once after making the directory
 * (of mode `mode`) u+rwx unless *chmodded says that was done; sets
 * *chmodded when it does. 0 or -errno. */
TF_HIDDEN int tf_rm_unlink_in(int dirfd, mode_t mode, bool *chmodded, const char *name, int flag);

#ifdef TEMPFILE_TEST_SEAMS
/* The hook tf_test_rmtree_hook set, called at event (if any). */
void tf_rm_test_hook(enum tf_rmtree_event event, int fd, const char *name);
#else
#  define tf_rm_test_hook(event, fd, name) ((void)0)
#endif

#endif
