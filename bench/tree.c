/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tree.c - the tree used by the removal benchmark, and the floor that
 * removes it: a plain recursive unlinkat walk that trusts d_type and checks
 * nothing (no st_dev, no link swap defence, no permission repair). That is
 * the least work any remover must do.
 */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* files empty files f0000... (width digits) in the directory open at dir.
 * 0 or -1/errno. */
static int make_files(int dir, size_t files, int width)
{
	char name[32];
	for (size_t f = 0; f < files; f++) {
		snprintf(name, sizeof name, "f%0*zu", width, f);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || close(fd) != 0)
			return -1;
	}
	return 0;
}

int bench_tree_build(const char *root, size_t dirs, size_t files)
{
	if (mkdir(root, 0700) != 0)
		return -1;
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	char name[32];
	int rc = 0;
	for (size_t d = 0; rc == 0 && d < dirs; d++) {
		snprintf(name, sizeof name, "d%04zu", d);
		int sub = mkdirat(rootfd, name, 0700) == 0 ?
			openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		rc = sub < 0 ? -1 : make_files(sub, files, 4);
		int saved = errno;
		if (sub >= 0)
			close(sub);
		errno = saved;
	}
	int saved = errno;
	close(rootfd);
	errno = saved;
	return rc;
}

int bench_tree_build_flat(const char *root, size_t files)
{
	if (mkdir(root, 0700) != 0)
		return -1;
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	int rc = make_files(rootfd, files, 6);
	int saved = errno;
	close(rootfd);
	errno = saved;
	return rc;
}

/* Deeper than PATH_MAX: built relative to each new level. */
int bench_tree_build_chain(const char *root, size_t depth)
{
	if (mkdir(root, 0700) != 0)
		return -1;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t d = 0; fd >= 0 && d < depth; d++) {
		int next = mkdirat(fd, "d", 0700) == 0 ?
			openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		int saved = errno;
		close(fd);
		errno = saved;
		fd = next;
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Remove what is inside the directory open at fd; closes fd. One
 * descriptor per level: a deep chain needs RLIMIT_NOFILE raised (tree_in). */
static int walk(int fd)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		const char *name = e->d_name;
		if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
			continue;
		if (e->d_type != DT_DIR && unlinkat(dirfd(d), name, 0) == 0)
			continue;
		if (e->d_type != DT_DIR && errno != EISDIR) {
			rc = -1;
			break;
		}
		int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0 || walk(sub) != 0 || unlinkat(dirfd(d), name, AT_REMOVEDIR) != 0)
			rc = -1;
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return rc;
}

int bench_tree_floor(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || walk(fd) != 0)
		return -1;
	return rmdir(root);
}
