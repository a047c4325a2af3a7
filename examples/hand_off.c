/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * hand_off.c - a file handed to another program by name: tempfile_named()
 * and tempfile_close_stream().
 *
 * The file is written here, its stream closed (flushed, so the other program
 * sees every byte) while the file stays, and its name given to `wc -c`.
 * tempfile_close() deletes it afterwards, whatever the other program did.
 *
 * Build: cc hand_off.c $(pkg-config --cflags --libs tempfile)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <tempfile.h>

extern char **environ;

/* Run argv[0] (looked up in $PATH) and wait for it; 0 if it exited with 0. */
static int run(char *const argv[])
{
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (err != 0) {
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(err));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "waitpid: %s\n", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

int main(void)
{
	/* A suffix, for programs that go by the file's extension. */
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .suffix = ".txt" }, "w");
	if (!t) {
		fprintf(stderr, "tempfile_named: %s\n", strerror(errno));
		return 1;
	}

	FILE *f = tempfile_stream(t);
	if (!f || fputs("twenty bytes of text", f) == EOF) {
		fprintf(stderr, "writing %s: %s\n", tempfile_path(t), strerror(errno));
		goto fail;
	}
	/* Flush and close our stream, keep the file: a write error shows here. */
	if (tempfile_close_stream(t) != 0) {
		fprintf(stderr, "writing %s: %s\n", tempfile_path(t), strerror(errno));
		goto fail;
	}

	/* posix_spawnp takes char *const[], but does not modify the strings. */
	char *argv[] = { "wc", "-c", (char *)tempfile_path(t), NULL };
	if (run(argv) != 0)
		goto fail;

	/* Deletes the file; -1 only if that failed. */
	if (tempfile_close(t) != 0) {
		fprintf(stderr, "tempfile_close: %s\n", strerror(errno));
		return 1;
	}
	return 0;

fail:
	tempfile_close(t); /* deletes the file on the error path too */
	return 1;
}
