/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * remove_tree.c - safe recursive removal: tempfile_rmtree().
 *
 * `rm -rf` on a tree that someone else can write to is dangerous: an entry
 * swapped for a symbolic link at the wrong moment sends the removal out of
 * the tree. tempfile_rmtree() never follows a link, never leaves the tree
 * and never enters a mount point; it also empties read-only directories.
 *
 * This program builds a tree with a read-only directory and a link to a
 * file outside, removes the tree, and shows that the file the link pointed
 * to is still there.
 *
 * Build: cc remove_tree.c $(pkg-config --cflags --libs tempfile)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tempfile.h>

/* buf = dir + "/" + name; 0, or -1 with errno set. */
static int join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The tree, made in this order: a read-only directory with a file in it
 * (tempfile_rmtree makes it writable to empty it), and a link out. */
enum kind { MAKE_DIR, MAKE_FILE, MAKE_READ_ONLY, MAKE_LINK_OUT };
static const struct entry {
	enum kind kind;
	const char *name;
} tree[] = {
	{ MAKE_DIR, "sub" },
	{ MAKE_DIR, "sub/deeper" },
	{ MAKE_FILE, "sub/deeper/file.txt" },
	{ MAKE_DIR, "readonly" },
	{ MAKE_FILE, "readonly/kept.txt" },
	{ MAKE_READ_ONLY, "readonly" },
	{ MAKE_LINK_OUT, "link" },
};

/* Make one entry at path. 0, or -1 with errno set. */
static int make(enum kind kind, const char *path, const char *outside)
{
	FILE *f;
	switch (kind) {
	case MAKE_DIR:
		return mkdir(path, 0700);
	case MAKE_FILE:
		f = fopen(path, "w");
		return f && fclose(f) == 0 ? 0 : -1;
	case MAKE_READ_ONLY:
		return chmod(path, 0500);
	case MAKE_LINK_OUT:
		return symlink(outside, path);
	}
	errno = EINVAL;
	return -1;
}

/* 0, or -1 with a message printed. */
static int build_tree(const char *root, const char *outside)
{
	char path[4096];
	for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++) {
		if (join(path, sizeof path, root, tree[i].name) != 0 ||
		    make(tree[i].kind, path, outside) != 0) {
			fprintf(stderr, "%s in %s: %s\n", tree[i].name, root, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(void)
{
	int status = 1;
	char *root = NULL;
	/* The file the link points to: made, and removed at the end, here. */
	char *outside = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .prefix = "precious-" }, &outside);
	if (fd < 0) {
		fprintf(stderr, "tempfile_mkstemp: %s\n", strerror(errno));
		return 1;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "close: %s\n", strerror(errno));
		goto out;
	}

	root = tempfile_mkdtemp(&(struct tempfile_opts){ .prefix = "tree-" });
	if (!root) {
		fprintf(stderr, "tempfile_mkdtemp: %s\n", strerror(errno));
		goto out;
	}
	if (build_tree(root, outside) != 0) {
		/* Remove what was built, as well as can be: the error is reported. */
		(void)tempfile_rmtree(root, TEMPFILE_IGNORE_CLEANUP_ERRORS);
		goto out;
	}

	/* flags 0: on error, -1 with the first error after removing all it can. */
	if (tempfile_rmtree(root, 0) != 0) {
		fprintf(stderr, "tempfile_rmtree %s: %s\n", root, strerror(errno));
		goto out;
	}
	printf("removed %s\n", root);
	struct stat st;
	if (stat(outside, &st) != 0) {
		fprintf(stderr, "%s: %s\n", outside, strerror(errno));
		goto out;
	}
	printf("%s, the link's target, is still there\n", outside);
	status = 0;

out:
	if (unlink(outside) != 0) {
		fprintf(stderr, "unlink %s: %s\n", outside, strerror(errno));
		status = 1;
	}
	free(outside);
	free(root);
	return status;
}
