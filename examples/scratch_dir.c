/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * scratch_dir.c - a scratch directory removed at exit and on Ctrl-C:
 * tempfile_dir() with TEMPFILE_AT_EXIT.
 *
 * Each line read from standard input is saved as a file in a private
 * directory. At the end of the input tempfile_dir_cleanup() removes the
 * directory and all in it; TEMPFILE_AT_EXIT also removes it if the program
 * ends early: exit() on an error path, or death by SIGINT (Ctrl-C), SIGTERM,
 * SIGHUP and the other signals that end a process. Not SIGKILL: nothing can
 * catch that one. (A program started in the background by a shell script
 * ignores SIGINT, and then so does this cleanup: the process goes on.)
 *
 * Try: ./scratch_dir, type a few lines, press Ctrl-C, and look for the
 * directory it printed.
 * Build: cc scratch_dir.c $(pkg-config --cflags --libs tempfile)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

/* Save line as dir/line-N.txt. 0, or -1 with errno set. */
static int save(const char *dir, int n, const char *line)
{
	char name[4096];
	if (snprintf(name, sizeof name, "%s/line-%d.txt", dir, n) >= (int)sizeof name) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(name, "w");
	if (!f)
		return -1;
	int failed = fputs(line, f) == EOF;
	/* fclose reports a write error the buffer was hiding. */
	if (fclose(f) != 0)
		failed = 1;
	return failed ? -1 : 0;
}

int main(void)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){
		.prefix = "scratch-", .flags = TEMPFILE_AT_EXIT });
	if (!d) {
		fprintf(stderr, "tempfile_dir: %s\n", strerror(errno));
		return 1;
	}
	const char *dir = tempfile_dir_path(d);
	printf("working in %s\n", dir);
	fflush(stdout); /* so that a pipe shows it at once */

	char line[1024];
	int lines = 0;
	while (fgets(line, sizeof line, stdin)) {
		if (save(dir, ++lines, line) != 0) {
			fprintf(stderr, "saving line %d in %s: %s\n", lines, dir, strerror(errno));
			/* The directory goes at exit all the same. */
			exit(1);
		}
		printf("saved line %d\n", lines);
		fflush(stdout);
	}

	/* The normal way out: remove the tree now and free the handle. */
	if (tempfile_dir_cleanup(d) != 0) { /* dir is freed with d */
		fprintf(stderr, "tempfile_dir_cleanup: %s\n", strerror(errno));
		return 1;
	}
	printf("%d lines saved, directory removed\n", lines);
	return 0;
}
