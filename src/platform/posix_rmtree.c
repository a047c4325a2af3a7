/*
 * platform/posix_rmtree.c - the POSIX (Linux) removal walk under
 * tf_rmtree_path (src/rmtree.c), which tempfile_rmtree,
 * tempfile_dir_cleanup and the exit/signal registry share.
 *
 * Everything is relative to directory descriptors: a directory is entered
 * with openat(O_NOFOLLOW|O_DIRECTORY) and only after its fstat matches the
 * fstatat that classified it, entries go with unlinkat, so no symbolic link
 * is ever followed and a swapped entry is never entered. The walk is a loop
 * over an explicit stack, not recursion. At most TF_RM_WINDOW directories
 * are open at once, each with its own getdents64 buffer; going deeper
 * closes the shallowest one and records its identity (and the child's name)
 * in an anonymous mapping, and coming back reopens it through ".." and
 * checks the identity before touching anything in it.
 *
 * The walk runs in signal handlers (the cleanup registry), so it keeps to
 * plain system calls: no malloc, no stdio, no locks. Every function returns
 * -errno (or a value >= 0); errno is read only right after a failed call.
 * mmap/munmap are plain system calls too (crash reporters such as Breakpad
 * allocate with them in signal handlers): the walk's state with its
 * TF_RM_WINDOW getdents64 buffers (some 66 KiB) and the path being split
 * are one anonymous mapping per walk, never the stack, which a handler on
 * a small sigaltstack or a thread with a small stack does not have. The
 * stack holds a few small frames (internal.h says how much). An empty
 * directory needs no walk and no mapping: one rmdir.
 *
 * Out of descriptors (EMFILE, ENFILE), the walk closes the shallowest level
 * it has open, the top last, records it as above, and tries again: it needs
 * two directories open at a time (the one it reads and the one it enters or
 * comes back to), one more for /proc/self/fdinfo where statx has no mount
 * ID. Below that it fails with the error, never removing less in silence.
 *
 * Needs getdents64 (the C library's: glibc >= 2.30, musl; else the system
 * call), O_PATH, and fchmodat2 or /proc/self/fd. posix_getdents would not
 * do: its records carry no position to resume from.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Directory descriptors open at once, the top included. */
#define TF_RM_WINDOW 16
/* One getdents64 buffer per open level: ~100 typical entries per call. */
#define TF_RM_BUFSIZE 4096
/* Tries at one entry that keeps changing kind under us. */
#define TF_RM_ATTEMPTS 4
/* Walks started again from the top after part of the tree moved away. */
#define TF_RM_RESTARTS 8
/* Levels recorded per mapping step (a record is ~290 bytes). */
#define TF_RM_SAVED_STEP 256

#define TF_RM_OPEN_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)

/* fchmodat2(2), Linux 6.6: the one way to chmod an O_PATH descriptor
 * without /proc. No C library wraps it with AT_EMPTY_PATH, and headers
 * older than the call lack SYS_fchmodat2: its number, 452, is the same on
 * these architectures. */
#if defined(SYS_fchmodat2)
#  define TF_SYS_FCHMODAT2 SYS_fchmodat2
#elif defined(__linux__) &&                                                            \
	(defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) ||            \
		defined(__arm__) || defined(__riscv) || defined(__powerpc__) ||         \
		defined(__s390__) || defined(__loongarch__))
#  define TF_SYS_FCHMODAT2 452
#endif

#ifdef TEMPFILE_TEST_SEAMS
static tf_test_rmtree_hook_fn *test_hook;
static void *test_hook_arg;
static bool test_no_fchmodat2;
static bool test_lose_position;

void tf_test_rmtree_hook(tf_test_rmtree_hook_fn *hook, void *arg)
{
	test_hook = hook;
	test_hook_arg = arg;
}

void tf_test_rmtree_no_fchmodat2(bool on)
{
	test_no_fchmodat2 = on;
}

void tf_test_rmtree_lose_position(bool on)
{
	test_lose_position = on;
}

#  define TEST_HOOK(event, fd, name)                                   \
	do {                                                          \
		if (test_hook)                                        \
			test_hook((event), (fd), (name), test_hook_arg); \
	} while (0)
#else
#  define TEST_HOOK(event, fd, name) ((void)0)
#endif

/* One directory entry, as the walk needs it. */
struct entry {
	const char *name;
	int64_t off; /* where the directory stream resumes after this entry */
	unsigned char type;
};

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
struct level {
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
struct saved_level {
	struct tf_file_id id;
	mode_t mode;
	bool chmodded, failed;
	int64_t resume_off;
	char name[NAME_MAX + 1]; /* the child being emptied */
};

/* All of it lives in the walk's mapping (struct walk_space). */
struct walk {
	struct tf_mount top_mount; /* nothing on another mount is entered */
	int error;         /* the first error (-errno), 0 if none */
	size_t depth;      /* of the current level; the top is 0 */
	size_t open_from;  /* levels open_from..depth are open (>= 1) */
	bool top_open;     /* level 0 is open (else saved[0] records it) */
	int anchor_fd;     /* where the top is reopened from after a restart: */
	const char *anchor_name; /* its name there */
	struct saved_level *saved; /* indexed by depth, mmap()ed */
	size_t saved_cap;
	struct level level[TF_RM_WINDOW];
};

/* The top keeps slot 0; the others take turns in the rest. */
static struct level *slot(struct walk *w, size_t depth)
{
	return &w->level[depth == 0 ? 0 : 1 + (depth - 1) % (TF_RM_WINDOW - 1)];
}

static void fail(struct walk *w, struct level *l, int err)
{
	if (!w->error)
		w->error = err;
	l->failed = true;
}

static bool is_dot_or_dotdot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* chmod through an O_PATH descriptor (fchmod refuses those): fchmodat2
 * with AT_EMPTY_PATH where the kernel has it, else the /proc/self/fd link,
 * which names exactly the open inode. 0 or -errno. */
static int chmod_opath(int fd, mode_t mode)
{
#ifdef TF_SYS_FCHMODAT2
	bool try_fchmodat2 = true;
#  ifdef TEMPFILE_TEST_SEAMS
	try_fchmodat2 = !test_no_fchmodat2;
#  endif
	if (try_fchmodat2) {
		if (syscall(TF_SYS_FCHMODAT2, fd, "", (unsigned)mode, AT_EMPTY_PATH) == 0)
			return 0;
		/* EPERM too: container seccomp filters answer it for system
		 * calls they do not know; a real EPERM comes back below. */
		if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP && errno != EPERM)
			return -errno;
	}
#endif
	char path[TF_PROC_FD_PATH_MAX];
	tf_os_proc_fd_path(path, "fd", fd);
	return fchmodat(AT_FDCWD, path, mode, 0) == 0 ? 0 : -errno;
}


/* The mount of the object open at fd, described by st: statx's mount ID,
 * else the one /proc/self/fdinfo gives, else none (no /proc, a kernel
 * before 3.15: the device alone). 0, or -errno when fdinfo could not be
 * read for another reason (EMFILE...): then nothing may be concluded. */
static int mount_of(int fd, const struct tf_os_stat *st, struct tf_mount *m)
{
	m->dev = st->id.dev;
	m->id = st->mnt_id;
	m->has_id = st->has_mnt_id;
	if (m->has_id)
		return 0;
	int r = tf_os_fd_mount_id(fd, &m->id);
	if (r == 0) {
		m->has_id = true;
		return 0;
	}
	return r == -ENOENT || r == -ENOSYS || r == -EACCES || r == -EPERM ? 0 : r;
}

/* Same device and, where either side has a mount ID, the same one: a side
 * without one (/proc gone since) is another mount, so that nothing is
 * entered on a guess. */
static bool same_mount(const struct tf_mount *a, const struct tf_mount *b)
{
	if (a->dev != b->dev || a->has_id != b->has_id)
		return false;
	return !a->has_id || a->id == b->id;
}

/* Whether the directory open at fd (described by st) is on mount m: 1 or
 * 0, or -errno if that cannot be told (see mount_of). */
static int on_mount(int fd, const struct tf_os_stat *st, const struct tf_mount *m)
{
	struct tf_mount here;
	int r = mount_of(fd, st, &here);
	return r < 0 ? r : same_mount(&here, m);
}

/* Permission refused to open `name` for reading: open it O_PATH (which
 * needs no permission on it), check it is what we expect and on mount `on`
 * if given (a mount point is not ours to chmod: EBUSY), make it u+rwx, and
 * reopen that very inode through the O_PATH descriptor. The descriptor,
 * or -errno. */
static int open_after_chmod(int at, const char *name, const struct tf_file_id *expect,
	const struct tf_mount *on, bool *chmodded)
{
	int path_fd, fd;
	struct tf_os_stat st;
	TF_RETRY_EINTR(path_fd, openat(at, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (path_fd < 0)
		return -errno;
	fd = tf_os_stat_at(path_fd, "", &st);
	if (fd < 0)
		goto done;
	fd = -ESTALE;
	if (expect && !tf_same_file(&st.id, expect))
		goto done;
	int same = on ? on_mount(path_fd, &st, on) : 1;
	if (same != 1) {
		fd = same == 0 ? -EBUSY : same;
		goto done;
	}
	fd = -EACCES; /* the reason we are here */
	if (chmod_opath(path_fd, (st.mode & 07777) | S_IRWXU) != 0)
		goto done;
	*chmodded = true;
	TF_RETRY_EINTR(fd, openat(path_fd, ".", TF_RM_OPEN_FLAGS));
	if (fd < 0)
		fd = -errno;
done:
	close(path_fd);
	return fd;
}

/* Open the directory `name` at `at` for reading, never through a link
 * (ELOOP or ENOTDIR then); st gets its fstat, which must match expect's
 * device and inode when expect is given (else ESTALE). An unreadable
 * directory is made u+rwx first, as Python's _resetperms does, but only
 * if it is on mount `on` when that is given (else EBUSY): whether a
 * readable one is, the caller checks. The descriptor, or -errno. */
static int open_dir(int at, const char *name, const struct tf_file_id *expect,
	const struct tf_mount *on, struct tf_os_stat *st, bool *chmodded)
{
	int fd;
	TF_RETRY_EINTR(fd, openat(at, name, TF_RM_OPEN_FLAGS));
	if (fd < 0)
		fd = errno == EACCES ? open_after_chmod(at, name, expect, on, chmodded) : -errno;
	if (fd < 0)
		return fd;
	int r = tf_os_stat_at(fd, "", st);
	if (r == 0 && expect && !tf_same_file(&st->id, expect))
		r = -ESTALE;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* After EACCES inside l: give l u+rwx once (its mode is known from its
 * fstat) so that the next try can list, search and unlink. */
static bool make_writable(struct level *l)
{
	if (l->chmodded)
		return false;
	l->chmodded = true;
	return fchmod(l->fd, (l->mode & 07777) | S_IRWXU) == 0;
}

/* unlinkat in l, retried once after making l writable. 0 or -errno. */
static int remove_in(struct level *l, const char *name, int flag)
{
	for (;;) {
		if (unlinkat(l->fd, name, flag) == 0)
			return 0;
		int err = -errno;
		if (err != -EACCES || !make_writable(l))
			return err;
	}
}

/* fstatat (no link followed) in l, retried once after making l
 * searchable. 0 or -errno. */
static int stat_in(struct level *l, const char *name, struct tf_os_stat *st)
{
	for (;;) {
		int err = tf_os_stat_at(l->fd, name, st);
		if (err != -EACCES || !make_writable(l))
			return err;
	}
}

static void init_level(struct level *l, int fd, const struct tf_os_stat *st, bool chmodded)
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
static bool next_entry(struct walk *w, struct level *l, struct entry *e)
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
					fail(w, l, -errno);
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
		if (!is_dot_or_dotdot(e->name))
			return true;
	}
}

/* Make room to record level `depth`: a bigger anonymous mapping. */
static int grow_saved(struct walk *w, size_t depth)
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
		return -errno;
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
static int save_level(struct walk *w, size_t depth)
{
	struct level *l = slot(w, depth);
	size_t name_len = strlen(l->pending);
	if (name_len > NAME_MAX)
		return -ENAMETOOLONG;
	int r = grow_saved(w, depth);
	if (r < 0)
		return r;
	struct saved_level *s = &w->saved[depth];
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
static int evict_shallowest(struct walk *w)
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
static bool make_room(struct walk *w)
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
static int open_dir_making_room(struct walk *w, int at, const char *name,
	const struct tf_file_id *expect, struct tf_os_stat *st, bool *chmodded)
{
	for (;;) {
		int fd = open_dir(at, name, expect, &w->top_mount, st, chmodded);
		if (fd >= 0 || !out_of_descriptors(fd) || !make_room(w))
			return fd;
	}
}

/* Enter the directory entry e of l, classified by st. 0, or -errno:
 * -ESTALE, -ELOOP or -ENOTDIR when it changed since st (not entered). */
static int descend(struct walk *w, struct level *l, const struct entry *e,
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
	while ((same = on_mount(fd, &now, &w->top_mount)) < 0 && out_of_descriptors(same) &&
		make_room(w))
		;
	if (same != 1) {
		close(fd);
		return same < 0 ? same : -EBUSY;
	}
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
static void handle_entry(struct walk *w, struct level *l, const struct entry *e)
{
	unsigned char type = e->type;
	int err = -EAGAIN; /* what stays if it never holds still */
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
static int ascend(struct walk *w)
{
	struct level *child = slot(w, w->depth);
	size_t depth = w->depth - 1;
	struct level *parent = slot(w, depth);
	if (depth == 0 ? !w->top_open : depth < w->open_from) {
		struct tf_os_stat st;
		bool chmodded = w->saved[depth].chmodded;
		int fd = open_dir_making_room(w, child->fd, "..", &w->saved[depth].id, &st,
			&chmodded);
		if (fd < 0) {
			fail(w, child, fd);
			return -1;
		}
		const struct saved_level *s = &w->saved[depth];
		init_level(parent, fd, &st, chmodded);
		parent->mode = s->mode;
		parent->failed = s->failed;
		/* Positions are not promised to survive a reopen (older tmpfs
		 * counts entries), so this pass is checked by another. */
		parent->resumed = true;
		parent->pending = s->name;
		if (lseek(fd, (off_t)s->resume_off, SEEK_SET) < 0 &&
			lseek(fd, 0, SEEK_SET) < 0) {
			fail(w, parent, -errno);
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
static void rewind_level(struct walk *w, struct level *l)
{
	l->resumed = false;
	l->pos = l->len = 0;
	l->eof = lseek(l->fd, 0, SEEK_SET) < 0;
	if (l->eof)
		fail(w, l, -errno);
}

/* Close every open level but the top; the top becomes current. */
static void close_open_levels(struct walk *w)
{
	for (; w->depth > 0 && w->depth >= w->open_from; w->depth--)
		close(slot(w, w->depth)->fd);
	w->depth = 0;
	w->open_from = 1;
}

/* After a restart: open the top again where it was first opened, if it
 * was closed for room, and only if it is still the same directory. */
static int reopen_top(struct walk *w)
{
	if (w->top_open)
		return 0;
	const struct saved_level *s = &w->saved[0];
	struct tf_os_stat st;
	bool chmodded = s->chmodded;
	int fd = open_dir(w->anchor_fd, w->anchor_name, &s->id, &w->top_mount, &st, &chmodded);
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
static int walk_tree(struct walk *w, int top_fd, const struct tf_os_stat *top,
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
	unsigned restarts = 0;
	init_level(&w->level[0], top_fd, top, chmodded);
	TEST_HOOK(TF_RMTREE_WALK_START, top_fd, "");
	for (;;) {
		struct level *l = slot(w, w->depth);
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

/* Everything a walk needs beyond a few small stack frames: one anonymous
 * mapping (mmap is async-signal-safe on Linux; malloc is not). */
struct walk_space {
	struct walk walk;
	char path[PATH_MAX]; /* tf_remove_tree's copy of its path, split */
};

/* A new walk_space in *out: 0, or -errno (-ENOMEM). */
static int map_walk_space(struct walk_space **out)
{
	*out = NULL;
	void *p = mmap(NULL, sizeof(struct walk_space), PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static void unmap_walk_space(struct walk_space *space)
{
	munmap(space, sizeof *space);
}

/* u+rwx on the directory open at fd, even O_PATH (resolving "." in it
 * needs search permission, so open_dir cannot do this one). 0 or -errno. */
static int make_fd_writable(int fd)
{
	struct tf_os_stat st;
	int r = tf_os_stat_at(fd, "", &st);
	if (r < 0)
		return r;
	mode_t mode = (st.mode & 07777) | S_IRWXU;
	if (fchmod(fd, mode) == 0)
		return 0;
	return errno == EBADF ? chmod_opath(fd, mode) : -errno;
}

/* Empty the directory open at dirfd with the walk state w. 0 or -errno. */
static int empty_contents(struct walk *w, int dirfd)
{
	struct tf_os_stat st;
	bool chmodded = false;
	/* Our own descriptor: readable even if dirfd is O_PATH, and with
	 * its own position. */
	int fd = open_dir(dirfd, ".", NULL, NULL, &st, &chmodded);
	if (fd == -EACCES && make_fd_writable(dirfd) == 0) {
		chmodded = true;
		fd = open_dir(dirfd, ".", NULL, NULL, &st, &chmodded);
	}
	if (fd < 0)
		return fd;
	struct tf_mount mount;
	int r = mount_of(fd, &st, &mount);
	if (r < 0) {
		close(fd);
		return r;
	}
	return walk_tree(w, fd, &st, &mount, chmodded, dirfd, ".");
}

int tf_rmtree_contents(int dirfd, unsigned flags)
{
	/* Signal handlers call this: the calls that fail inside write errno,
	 * and the interrupted code must find its own value there. */
	int saved_errno = errno;
	struct walk_space *space;
	int err = map_walk_space(&space);
	if (err == 0) {
		err = empty_contents(&space->walk, dirfd);
		unmap_walk_space(space);
	}
	errno = saved_errno;
	return (flags & TEMPFILE_IGNORE_CLEANUP_ERRORS) ? 0 : err;
}

/* Split path (copied to buf, PATH_MAX) into its parent directory and last
 * component, trailing slashes dropped. 0 or -errno. */
static int split_path(const char *path, char *buf, const char **parent, const char **base)
{
	size_t len = strlen(path);
	if (len == 0)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash) {
		*parent = ".";
		*base = buf;
	} else {
		*base = slash + 1;
		*parent = slash == buf ? "/" : buf;
		if (slash != buf)
			*slash = '\0';
	}
	if (**base == '\0')
		return -EBUSY; /* "/": rmdir says the same */
	if (is_dot_or_dotdot(*base))
		return -EINVAL;
	return 0;
}

/* Remove the directory base in parent_fd (O_PATH), checked against expect
 * if given, with the walk state w. The first error (-errno) or 0. */
static int remove_in_parent(struct walk *w, int parent_fd, const char *base,
	const struct tf_file_id *expect)
{
	/* path itself a mount point (of any file system, a bind mount
	 * included): its contents are not ours to empty, its mode not ours
	 * to change, and its rmdir could only fail. */
	struct tf_os_stat st, now, parent_st;
	struct tf_mount parent_mount, top_mount;
	int err = tf_os_stat_at(parent_fd, "", &parent_st);
	if (err == 0)
		err = mount_of(parent_fd, &parent_st, &parent_mount);
	if (err < 0)
		return err;
	bool chmodded = false;
	int fd = open_dir(parent_fd, base, expect, &parent_mount, &st, &chmodded);
	if (fd < 0)
		return fd == -ELOOP ? -ENOTDIR : fd;
	err = mount_of(fd, &st, &top_mount);
	if (err == 0 && !same_mount(&top_mount, &parent_mount))
		err = -EBUSY;
	if (err < 0) {
		close(fd);
		return err;
	}
	err = walk_tree(w, fd, &st, &top_mount, chmodded, parent_fd, base);
	/* Remove the top only while it is still the directory we emptied. */
	int r = tf_os_stat_at(parent_fd, base, &now);
	if (r == 0 && !tf_same_file(&now.id, &st.id))
		r = -ESTALE;
	else if (r == 0 && unlinkat(parent_fd, base, AT_REMOVEDIR) != 0)
		r = -errno;
	if (r < 0 && r != -ENOENT && !err)
		err = r;
	return err;
}

/* Remove the tree at path; the first error (-errno) or 0. */
int tf_remove_tree(const char *path, const struct tf_file_id *expect)
{
	if (!path)
		return -EINVAL;
	/* The empty directory costs one call. Not with expect: that rmdir
	 * could take a directory that replaced the expected one. */
	if (!expect) {
		if (rmdir(path) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR)
			return -errno;
	}
	struct walk_space *space;
	int err = map_walk_space(&space);
	if (err < 0)
		return err;
	const char *parent, *base;
	err = split_path(path, space->path, &parent, &base);
	if (!err) {
		int parent_fd;
		TF_RETRY_EINTR(parent_fd, open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC));
		if (parent_fd < 0) {
			err = -errno;
		} else {
			err = remove_in_parent(&space->walk, parent_fd, base, expect);
			close(parent_fd);
		}
	}
	unmap_walk_space(space);
	return err;
}
