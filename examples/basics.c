/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * basics.c - where temporary files go, and the three low-level calls.
 * Build: cc basics.c $(pkg-config --cflags --libs tempfile)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <tempfile.h>

int main(void)
{
	const char *dir = tempfile_gettempdir();
	if (!dir) {
		fprintf(stderr, "no usable temporary directory: %s\n", strerror(errno));
		return 1;
	}
	printf("gettempdir:  %s\n", dir);

	/* mkstemp and mkdtemp leave the object to the caller: close, remove, free. */
	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .suffix = ".txt" }, &path);
	if (fd < 0) {
		fprintf(stderr, "mkstemp: %s\n", strerror(errno));
		return 1;
	}
	int failed = write(fd, "hello\n", 6) != 6;
	if (failed)
		fprintf(stderr, "write %s: %s\n", path, strerror(errno));
	else
		printf("mkstemp:     %s (fd %d, 6 bytes written)\n", path, fd);
	if (close(fd) != 0 || unlink(path) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		failed = 1;
	}
	free(path);
	if (failed)
		return 1;
	printf("             removed\n");

	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .prefix = "demo-" });
	if (!d) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	printf("mkdtemp:     %s\n", d);
	failed = rmdir(d) != 0;
	if (failed)
		fprintf(stderr, "rmdir %s: %s\n", d, strerror(errno));
	else
		printf("             removed\n");
	free(d);
	return failed;
}
