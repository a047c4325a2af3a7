/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_rmtree_walk.c - the removal walk of posix_rmtree.c: a
 * loop over an explicit stack of directory levels, at most TF_RM_WINDOW
 * of them open, the others recorded in an anonymous mapping and reopened
 * through ".." with their identity checked. ASYNC-SIGNAL-SAFE: system
 * calls only. Every function returns -errno (or a value >= 0).
 */
#include "internal.h"
#include "platform/posix_rmtree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The records getdents64 fills in: struct dirent64 (glibc; musl's
 * struct dirent is the same, and <dirent.h> names it dirent64 too). */
#ifdef TEMPFILE_HAVE_GETDENTS64
/* void *: musl's takes a struct dirent *, glibc's a void *. */
#  define tf_getdents64(fd, buf, size) getdents64((fd), (void *)(buf), (size))
#else
/* glibc before 2.30 has struct dirent64 but no wrapper. */
#  define tf_getdents64(fd, buf, size) syscall(SYS_getdents64, (fd), (buf), (size))
#endif

/* Tries at one entry that keeps changing kind under us. */
#define TF_RM_ATTEMPTS 4
/* Walks started again from the top after part of the tree moved away. */
#define TF_RM_RESTARTS 8
/* Levels recorded per mapping step (a record is ~290 bytes). */
#define TF_RM_SAVED_STEP 256

#ifdef TEMPFILE_TEST_SEAMS
static tf_test_rmtree_hook_fn *test_hook;
static void *test_hook_arg;
static bool test_lose_position;

void tf_test_rmtree_hook(tf_test_rmtree_hook_fn *hook, void *arg)
{
	test_hook = hook;
	test_hook_arg = arg;
}

void tf_test_rmtree_lose_position(bool on)
{
	test_lose_position = on;
}

void tf_rm_test_hook(enum tf_rmtree_event event, int fd, const char *name)
{
	if (test_hook)
		test_hook(event, fd, name, test_hook_arg);
}

#  define TEST_HOOK(event, fd, name) tf_rm_test_hook((event), (fd), (name))
#else
#  define TEST_HOOK(event, fd, name) ((void)0)
#endif

/* One directory entry, as the walk needs it. */
struct entry {
	const char *name;
	int64_t off; /* where the directory stream resumes after this entry */
	unsigned char type;
};

/* The top keeps slot 0; the others take turns in the rest. */
static struct tf_rm_level *slot(struct tf_rm_walk *w, size_t depth)
{
	return &w->level[depth == 0 ? 0 : 1 + (depth - 1) % (TF_RM_WINDOW - 1)];
}

static void fail(struct tf_rm_walk *w, struct tf_rm_level *l, int err)
{
	if (!w->error)
		w->error = err;
	l->failed = true;
}

/* After EACCES inside a directory: give it u+rwx once (its mode is known
 * from its fstat) so that the next try can list, search and unlink. */
static bool make_writable_fd(int fd, mode_t mode, bool *chmodded)
{
	if (*chmodded)
		return false;
	*chmodded = true;
	return fchmod(fd, (mode & 07777) | S_IRWXU) == 0;
}

static bool make_writable(struct tf_rm_level *l)
{
	return make_writable_fd(l->fd, l->mode, &l->chmodded);
}

int tf_rm_unlink_in(int dirfd, mode_t mode, bool *chmodded, const char *name, int flag)
{
	for (;;) {
		if (unlinkat(dirfd, name, flag) == 0)
			return 0;
		int err = tf_neg_errno();
		if (err != -EACCES || !make_writable_fd(dirfd, mode, chmodded))
			return err;
	}
}

/* unlinkat in l, retried once after making l writable. 0 or -errno. */
static int remove_in(struct tf_rm_level *l, const char *name, int flag)
{
	return tf_rm_unlink_in(l->fd, l->mode, &l->chmodded, name, flag);
}

/* fstatat (no link followed) in l, retried once after making l
 * searchable. 0 or -errno. */
static int stat_in(struct tf_rm_level *l, const char *name, struct tf_os_stat *st)
{
	for (;;) {
		int err = tf_os_stat_at(l->fd, name, st);
		if (err != -EACCES || !make_writable(l))
			return err;
	}
}

static void init_level(struct tf_rm_level *l, int fd, const struct tf_os_stat *st, bool chmodded)
{
	l->fd = fd;
	l->id = st->id;
	l->mode = st->mode;
	l->chmodded = chmodded;
	l->failed = l->resumed = l->eof = false;
	l->pending = NULL;
	l->pending_off = 0;
	l->pos = l->len = 0;
}

/* The next entry of l other than "." and "..". False at the end; a read
 * error is noted and ends the level too. */
static bool next_entry(struct tf_rm_walk *w, struct tf_rm_level *l, struct entry *e)
{
	for (;;) {
		if (l->pos >= l->len) {
			if (l->eof)
				return false;
			ssize_t n;
			TF_RETRY_EINTR(n, tf_getdents64(l->fd, l->buf, sizeof l->buf));
			if (n <= 0) {
				/* ENOENT: the directory itself was removed. */
				if (n < 0 && errno != ENOENT)
					fail(w, l, tf_neg_errno());
				l->eof = true;
				return false;
			}
			l->pos = 0;
			l->len = (size_t)n;
		}
		/* The kernel aligns each record for struct dirent64. */
		const struct dirent64 *d = (const void *)(l->buf + l->pos);
		e->off = (int64_t)d->d_off;
		e->type = d->d_type;
		e->name = d->d_name;
		l->pos += d->d_reclen;
		if (!tf_rm_is_dot_or_dotdot(e->name))
			return true;
	}
}

/* Make room to record level `depth`: a bigger anonymous mapping. */
static int grow_saved(struct tf_rm_walk *w, size_t depth)
{
	if (depth < w->saved_cap)
		return 0;
	size_t cap = w->saved_cap + TF_RM_SAVED_STEP;
	while (cap <= depth)
		cap += TF_RM_SAVED_STEP;
	if (cap > SIZE_MAX / 2 / sizeof *w->saved)
		return -ENOMEM;
	void *p = mmap(NULL, cap * sizeof *w->saved, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return tf_neg_errno();
	if (w->saved) {
		memcpy(p, w->saved, w->saved_cap * sizeof *w->saved);
		munmap(w->saved, w->saved_cap * sizeof *w->saved);
	}
	w->saved = p;
	w->saved_cap = cap;
	return 0;
}

/* Close the open level at depth (one with a child being emptied),
 * recording what is needed to come back. */
static int save_level(struct tf_rm_walk *w, size_t depth)
{
	struct tf_rm_level *l = slot(w, depth);
	size_t name_len = strlen(l->pending);
	if (name_len > NAME_MAX)
		return -ENAMETOOLONG;
	int r = grow_saved(w, depth);
	if (r < 0)
		return r;
	struct tf_rm_saved_level *s = &w->saved[depth];
	s->id = l->id;
	s->mode = l->mode;
	s->chmodded = l->chmodded;
	s->failed = l->failed;
	s->resume_off = l->pending_off;
	memcpy(s->name, l->pending, name_len + 1);
	close(l->fd);
	return 0;
}

/* Close the shallowest open level (other than the top) to stay within
 * TF_RM_WINDOW descriptors. */
static int evict_shallowest(struct tf_rm_walk *w)
{
	int r = save_level(w, w->open_from);
	if (r < 0)
		return r;
	w->open_from++;
	return 0;
}

static bool out_of_descriptors(int err)
{
	return err == -EMFILE || err == -ENFILE;
}

/* Out of descriptors: close the shallowest open level other than the
 * current one, the top last. False if there is none to close. */
static bool make_room(struct tf_rm_walk *w)
{
	if (w->open_from < w->depth)
		return evict_shallowest(w) == 0;
	if (w->top_open && w->depth > 0 && save_level(w, 0) == 0) {
		w->top_open = false;
		return true;
	}
	return false;
}

/* open_dir, closing levels for room while out of descriptors. */
static int open_dir_making_room(struct tf_rm_walk *w, int at, const char *name,
	const struct tf_file_id *expect, struct tf_os_stat *st, bool *chmodded)
{
	for (;;) {
		int fd = tf_rm_open_dir(at, name, expect, &w->top_mount, st, chmodded);
		if (fd >= 0 || !out_of_descriptors(fd) || !make_room(w))
			return fd;
	}
}

/* Enter the directory entry e of l, classified by st. 0, or -errno:
 * -ESTALE, -ELOOP or -ENOTDIR when it changed since st (not entered). */
static int descend(struct tf_rm_walk *w, struct tf_rm_level *l, const struct entry *e,
	const struct tf_os_stat *st)
{
	TEST_HOOK(TF_RMTREE_BEFORE_OPEN, l->fd, e->name);
	struct tf_os_stat now;
	bool chmodded = false;
	int fd = open_dir_making_room(w, l->fd, e->name, &st->id, &now, &chmodded);
	if (fd < 0)
		return fd;
	/* Without statx's mount ID this is where a bind mount is told (and
	 * with it, a mount that appeared since the entry was classified). */
	int same;
	while ((same = tf_rm_on_mount(fd, &now, &w->top_mount)) < 0 && out_of_descriptors(same) &&
		make_room(w))
		;
	if (same != 1) {
		close(fd);
		return same < 0 ? same : -EBUSY;
	}
	/* The pooled walk may give a subtree of its top to another thread:
	 * the same checks were made, only who walks it differs. */
	if (w->offer && w->depth == 0 && w->offer(w, fd, &now, chmodded, e->name))
		return 0;
	size_t depth = w->depth + 1;
	l->pending = e->name;
	l->pending_off = e->off;
	int err = depth - w->open_from + 1 > TF_RM_WINDOW - 1 ? evict_shallowest(w) : 0;
	if (err < 0) {
		close(fd);
		l->pending = NULL;
		return err;
	}
	init_level(slot(w, depth), fd, &now, chmodded);
	w->depth = depth;
	return 0;
}

/* Remove one entry of l: unlink what is not a directory, enter what is
 * (on the same device). The kind is checked again when the entry changes
 * under us, a bounded number of times. */
static void handle_entry(struct tf_rm_walk *w, struct tf_rm_level *l, const struct entry *e)
{
	unsigned char type = e->type;
	int err = -EAGAIN; /* what stays if it never holds still */
	w->entries++;
	for (int attempt = 0; attempt < TF_RM_ATTEMPTS; attempt++) {
		if (type != DT_DIR && type != DT_UNKNOWN) {
			/* Never opened: FIFOs, devices, unreadable files are just unlinked. */
			err = remove_in(l, e->name, 0);
			if (err == -EISDIR) { /* became a directory */
				type = DT_UNKNOWN;
				continue;
			}
			break;
		}
		struct tf_os_stat st;
		err = stat_in(l, e->name, &st);
		if (err)
			break;
		if (!S_ISDIR(st.mode)) {
			type = DT_REG;
			err = -EAGAIN;
			continue;
		}
		if (st.id.dev != w->top_mount.dev ||
			(st.has_mnt_id && w->top_mount.has_id && st.mnt_id != w->top_mount.id)) {
			/* Something mounted here (another file system, or a bind
			 * mount of this one): never entered; rmdir says EBUSY. */
			err = remove_in(l, e->name, AT_REMOVEDIR);
			break;
		}
		err = descend(w, l, e, &st);
		if (err != -ESTALE && err != -ELOOP && err != -ENOTDIR)
			break;
		type = DT_UNKNOWN; /* swapped since the fstatat: look again */
	}
	if (err && err != -ENOENT)
		fail(w, l, err);
}

/* Come back from the current level: reopen its parent if that was closed,
 * then rmdir it there. -1 if the way up is lost (the tree was moved). */
static int ascend(struct tf_rm_walk *w)
{
	struct tf_rm_level *child = slot(w, w->depth);
	size_t depth = w->depth - 1;
	struct tf_rm_level *parent = slot(w, depth);
	if (depth == 0 ? !w->top_open : depth < w->open_from) {
		struct tf_os_stat st;
		bool chmodded = w->saved[depth].chmodded;
		int fd = open_dir_making_room(w, child->fd, "..", &w->saved[depth].id, &st,
			&chmodded);
		if (fd < 0) {
			fail(w, child, fd);
			return -1;
		}
		const struct tf_rm_saved_level *s = &w->saved[depth];
		init_level(parent, fd, &st, chmodded);
		parent->mode = s->mode;
		parent->failed = s->failed;
		/* Positions are not promised to survive a reopen (older tmpfs
		 * counts entries), so this pass is checked by another. */
		parent->resumed = true;
		parent->pending = s->name;
		if (lseek(fd, (off_t)s->resume_off, SEEK_SET) < 0 &&
			lseek(fd, 0, SEEK_SET) < 0) {
			fail(w, parent, tf_neg_errno());
			parent->eof = true;
		}
#ifdef TEMPFILE_TEST_SEAMS
		if (test_lose_position)
			parent->eof = true;
#endif
		if (depth == 0)
			w->top_open = true;
		else
			w->open_from = depth;
	}
	bool child_failed = child->failed;
	close(child->fd);
	w->depth = depth;
	if (child_failed) {
		parent->failed = true;
	} else {
		int err = remove_in(parent, parent->pending, AT_REMOVEDIR);
		if (err && err != -ENOENT)
			fail(w, parent, err);
	}
	parent->pending = NULL;
	return 0;
}

/* Read a level again from its start. */
static void rewind_level(struct tf_rm_walk *w, struct tf_rm_level *l)
{
	l->resumed = false;
	l->pos = l->len = 0;
	l->eof = lseek(l->fd, 0, SEEK_SET) < 0;
	if (l->eof)
		fail(w, l, tf_neg_errno());
}

/* Close every open level but the top; the top becomes current. */
static void close_open_levels(struct tf_rm_walk *w)
{
	for (; w->depth > 0 && w->depth >= w->open_from; w->depth--)
		close(slot(w, w->depth)->fd);
	w->depth = 0;
	w->open_from = 1;
}

/* After a restart: open the top again where it was first opened, if it
 * was closed for room, and only if it is still the same directory. */
static int reopen_top(struct tf_rm_walk *w)
{
	if (w->top_open)
		return 0;
	const struct tf_rm_saved_level *s = &w->saved[0];
	struct tf_os_stat st;
	bool chmodded = s->chmodded;
	int fd = tf_rm_open_dir(w->anchor_fd, w->anchor_name, &s->id, &w->top_mount, &st, &chmodded);
	if (fd < 0) {
		fail(w, &w->level[0], fd);
		return fd;
	}
	init_level(&w->level[0], fd, &st, chmodded);
	w->level[0].mode = s->mode;
	w->level[0].failed = s->failed;
	w->top_open = true;
	return 0;
}

/* Empty the directory open (for reading) at top_fd, which is on top_mount
 * and was opened as anchor_name in anchor_fd, with the state in w. The
 * walk closes top_fd. The first error met (-errno), or 0. */
int tf_rm_walk_tree(struct tf_rm_walk *w, int top_fd, const struct tf_os_stat *top,
	const struct tf_mount *top_mount, bool chmodded, int anchor_fd, const char *anchor_name)
{
	w->top_mount = *top_mount;
	w->error = 0;
	w->depth = 0;
	w->open_from = 1;
	w->top_open = true;
	w->anchor_fd = anchor_fd;
	w->anchor_name = anchor_name;
	w->saved = NULL;
	w->saved_cap = 0;
	w->entries = 0;
	unsigned restarts = 0;
	init_level(&w->level[0], top_fd, top, chmodded);
	for (;;) {
		struct tf_rm_level *l = slot(w, w->depth);
		struct entry e;
		if (next_entry(w, l, &e)) {
			handle_entry(w, l, &e);
			continue;
		}
		/* A pass that was resumed after a reopen may have skipped
		 * entries; another pass is due only if this one removed
		 * something (it did: the child we came back from). */
		if (l->resumed && !l->failed) {
			rewind_level(w, l);
			continue;
		}
		if (w->depth == 0)
			break;
		if (ascend(w) != 0) {
			/* The part we were in was moved out of the tree: it is
			 * no longer ours. Start again from the top for the rest. */
			close_open_levels(w);
			if (++restarts > TF_RM_RESTARTS || reopen_top(w) != 0)
				break;
			w->level[0].pending = NULL;
			rewind_level(w, &w->level[0]);
		}
	}
	close_open_levels(w);
	if (w->top_open)
		close(w->level[0].fd);
	if (w->saved)
		munmap(w->saved, w->saved_cap * sizeof *w->saved);
	return w->error;
}
