/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_rmtree.c - the POSIX (Linux) removal under
 * tf_rmtree_path (src/rmtree.c), which tempfile_rmtree,
 * tempfile_dir_cleanup and the exit/signal registry share: the entry
 * points and the safe opening of a directory; the walk itself is
 * posix_rmtree_walk.c.
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
#include "platform/posix_rmtree.h"

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
static bool test_no_fchmodat2;

void tf_test_rmtree_no_fchmodat2(bool on)
{
	test_no_fchmodat2 = on;
}
#endif

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
			return tf_neg_errno();
	}
#endif
	char path[TF_PROC_FD_PATH_MAX];
	tf_os_proc_fd_path(path, "fd", fd);
	return fchmodat(AT_FDCWD, path, mode, 0) == 0 ? 0 : tf_neg_errno();
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
int tf_rm_on_mount(int fd, const struct tf_os_stat *st, const struct tf_mount *m)
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
		return tf_neg_errno();
	fd = tf_os_stat_at(path_fd, "", &st);
	if (fd < 0)
		goto done;
	fd = -ESTALE;
	if (expect && !tf_same_file(&st.id, expect))
		goto done;
	int same = on ? tf_rm_on_mount(path_fd, &st, on) : 1;
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
		fd = tf_neg_errno();
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
int tf_rm_open_dir(int at, const char *name, const struct tf_file_id *expect,
	const struct tf_mount *on, struct tf_os_stat *st, bool *chmodded)
{
	int fd;
	TF_RETRY_EINTR(fd, openat(at, name, TF_RM_OPEN_FLAGS));
	if (fd < 0)
		fd = errno == EACCES ? open_after_chmod(at, name, expect, on, chmodded) : tf_neg_errno();
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

/* Everything a walk needs beyond a few small stack frames: one anonymous
 * mapping (mmap is async-signal-safe on Linux; malloc is not). */
struct walk_space {
	struct tf_rm_walk walk;
	char path[PATH_MAX]; /* tf_remove_tree's copy of its path, split */
};

/* A new walk_space in *out: 0, or -errno (-ENOMEM). */
static int map_walk_space(struct walk_space **out)
{
	*out = NULL;
	void *p = mmap(NULL, sizeof(struct walk_space), PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return tf_neg_errno();
	*out = p;
	return p ? 0 : -ENOMEM; /* never NULL without MAP_FIXED */
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
	return errno == EBADF ? chmod_opath(fd, mode) : tf_neg_errno();
}

/* Empty the directory open at dirfd with the walk state w. 0 or -errno. */
static int empty_contents(struct tf_rm_walk *w, int dirfd)
{
	struct tf_os_stat st;
	bool chmodded = false;
	/* Our own descriptor: readable even if dirfd is O_PATH, and with
	 * its own position. */
	int fd = tf_rm_open_dir(dirfd, ".", NULL, NULL, &st, &chmodded);
	if (fd == -EACCES && make_fd_writable(dirfd) == 0) {
		chmodded = true;
		fd = tf_rm_open_dir(dirfd, ".", NULL, NULL, &st, &chmodded);
	}
	if (fd < 0)
		return fd;
	struct tf_mount mount;
	int r = mount_of(fd, &st, &mount);
	if (r < 0) {
		close(fd);
		return r;
	}
	tf_rm_test_hook(TF_RMTREE_WALK_START, fd, "");
	return tf_rm_walk_tree(w, fd, &st, &mount, chmodded, dirfd, ".");
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
	if (tf_rm_is_dot_or_dotdot(*base))
		return -EINVAL;
	return 0;
}

/* Remove the directory base in parent_fd (O_PATH), checked against expect
 * if given, with the walk state w, emptied by walk(..., arg) (NULL:
 * tf_rm_walk_tree). The first error (-errno) or 0. */
static int remove_in_parent(struct tf_rm_walk *w, int parent_fd, const char *base,
	const struct tf_file_id *expect, tf_rm_top_walk_fn *walk, void *arg)
{
	/* path itself a mount point (of any file system, a bind mount
	 * included): its contents are not ours to empty, its mode not ours
	 * to change, and its rmdir could only fail. */
	struct tf_os_stat st, now, parent_st;
	struct tf_mount parent_mount, top_mount;
	int err = tf_os_stat_at(parent_fd, "", &parent_st);
	if (err == 0)
		err = mount_of(parent_fd, &parent_st, &parent_mount);
	if (err != 0)
		return err;
	bool chmodded = false;
	int fd = tf_rm_open_dir(parent_fd, base, expect, &parent_mount, &st, &chmodded);
	if (fd < 0)
		return fd == -ELOOP ? -ENOTDIR : fd;
	err = mount_of(fd, &st, &top_mount);
	if (err == 0 && !same_mount(&top_mount, &parent_mount))
		err = -EBUSY;
	if (err < 0) {
		close(fd);
		return err;
	}
	tf_rm_test_hook(TF_RMTREE_WALK_START, fd, ""); /* once per removal, whoever walks */
	if (walk)
		err = walk(w, fd, &st, &top_mount, chmodded, parent_fd, base, arg);
	else
		err = tf_rm_walk_tree(w, fd, &st, &top_mount, chmodded, parent_fd, base);
	/* Remove the top only while it is still the directory we emptied. */
	int r = tf_os_stat_at(parent_fd, base, &now);
	if (r == 0 && !tf_same_file(&now.id, &st.id))
		r = -ESTALE;
	else if (r == 0 && unlinkat(parent_fd, base, AT_REMOVEDIR) != 0)
		r = tf_neg_errno();
	if (r < 0 && r != -ENOENT && !err)
		err = r;
	return err;
}

int tf_rm_remove_tree(const char *path, const struct tf_file_id *expect,
	tf_rm_top_walk_fn *walk, void *arg)
{
	if (!path)
		return -EINVAL;
	/* The empty directory costs one call. Not with expect: that rmdir
	 * could take a directory that replaced the expected one. */
	if (!expect) {
		if (rmdir(path) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR)
			return tf_neg_errno();
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
			err = tf_neg_errno();
		} else {
			err = remove_in_parent(&space->walk, parent_fd, base, expect, walk, arg);
			close(parent_fd);
		}
	}
	unmap_walk_space(space);
	return err;
}

/* Remove the tree at path; the first error (-errno) or 0. The sequential
 * walk alone: no offer is ever made (walk_space comes zeroed from mmap), so
 * no thread is started from here, a signal handler's path. */
int tf_remove_tree(const char *path, const struct tf_file_id *expect)
{
	return tf_rm_remove_tree(path, expect, NULL, NULL);
}
