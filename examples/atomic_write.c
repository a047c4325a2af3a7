/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * atomic_write.c - replace a file atomically: tempfile_named() in the
 * target's directory, then tempfile_persist().
 *
 * Readers of FILE see the old content or the new one, never half of it, and
 * a crash or a full disk while writing leaves the old file as it was: the
 * new content goes to a temporary file next to FILE, which is renamed over
 * FILE only once it is complete. Next to it, because a rename cannot cross
 * file systems (tempfile_persist says EXDEV).
 *
 * Usage: atomic_write FILE
 * Build: cc atomic_write.c $(pkg-config --cflags --libs tempfile)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

/* The directory part of path ("." for a bare name): NEW, free() it. */
static char *directory_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		path = ".";
		slash = path + 1;
	}
	size_t len = slash == path ? 1 : (size_t)(slash - path); /* "/x": "/" */
	char *dir = malloc(len + 1);
	if (dir) {
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	return dir;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	const char *target = argv[1];

	char *dir = directory_of(target);
	if (!dir) {
		fprintf(stderr, "%s\n", strerror(errno));
		return 1;
	}
	/* A dot prefix keeps the unfinished file out of a plain `ls`. */
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir, .prefix = ".new-" }, "w");
	if (!t) {
		fprintf(stderr, "cannot create a temporary file in %s: %s\n", dir, strerror(errno));
		free(dir);
		return 1;
	}
	free(dir); /* the handle keeps its own absolute path */

	FILE *f = tempfile_stream(t);
	if (!f || fprintf(f, "name = example\nstate = complete\n") < 0) {
		fprintf(stderr, "writing %s: %s\n", tempfile_path(t), strerror(errno));
		goto fail;
	}
	/* TEMPFILE_SYNC: the data reaches the disk before the rename, and the
	 * rename before we report success, so even power loss cannot leave an
	 * empty FILE behind. */
	if (tempfile_persist(t, target, TEMPFILE_SYNC) != 0) {
		fprintf(stderr, "cannot replace %s: %s\n", target, strerror(errno));
		goto fail;
	}
	/* After persist the handle never deletes; close frees it. */
	if (tempfile_close(t) != 0) {
		fprintf(stderr, "closing %s: %s\n", target, strerror(errno));
		return 1;
	}
	printf("replaced %s\n", target);
	return 0;

fail:
	tempfile_close(t); /* removes the temporary file: FILE is untouched */
	return 1;
}
