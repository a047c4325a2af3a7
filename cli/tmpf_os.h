/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tmpf_os.h - what tmpf needs from the OS beyond the C library and
 * libtempfile: cli/tmpf_posix.c or cli/tmpf_win32.c (CMake picks one).
 * Paths and arguments are UTF-8 on every platform.
 */
#ifndef TMPF_OS_H
#define TMPF_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Process start: on Windows, replace argv with the UTF-8 form of the wide
 * command line (the C runtime's argv is in the ANSI code page). */
void tmpf_os_init(int *argc, char ***argv);

/* read(2) (tmpf write's standard input), EINTR retried by the caller; on
 * Windows in binary mode, so that no byte is translated: count, 0 at end of
 * file, or -1/errno. */
ssize_t tmpf_os_read(int fd, void *buf, size_t n);
/* write(2), EINTR retried by the caller as before: count or -1/errno. */
ssize_t tmpf_os_write(int fd, const void *buf, size_t n);
/* close(2). */
int tmpf_os_close(int fd);

/* Whether messages may use the UTF-8 quotes ‘’ (the locale's, or on
 * Windows the console's, character set is UTF-8). */
bool tmpf_os_utf8_quotes(void);

/* Whether c separates path components ('/'; Windows also '\\'). */
bool tmpf_os_is_separator(char c);

/* What tmpf rm finds at path, not following a final link. */
enum tmpf_os_kind {
	TMPF_OS_DIRECTORY, /* a real directory (not a link or junction)   */
	TMPF_OS_ROOT,      /* the root directory ("/", a drive's root)     */
	TMPF_OS_OTHER      /* a file, a link, a junction, anything else     */
};
/* 0 and *kind, or -1 with errno (ENOENT when nothing is there). */
int tmpf_os_kind(const char *path, enum tmpf_os_kind *kind);
/* Remove a non-directory (a link itself, not its target). 0 or -1/errno. */
int tmpf_os_unlink(const char *path);
/* Remove an empty directory. 0 or -1/errno. */
int tmpf_os_rmdir(const char *path);

/* setenv(name, value, 1). 0 or -1/errno. */
int tmpf_os_setenv(const char *name, const char *value);

/* Where tmpf_os_run failed. */
enum tmpf_run_step {
	TMPF_RUN_FORWARDING,  /* setting up the forwarding of interrupts      */
	TMPF_RUN_PRIVATE_TMP, /* giving command its own /tmp (--private-tmp)  */
	TMPF_RUN_SPAWN,       /* starting command                              */
	TMPF_RUN_WAIT         /* waiting for it                                */
};

/* One tmpf run: what to run and how (filled in by run.c), what happened
 * (filled in by tmpf_os_run). */
struct tmpf_run {
	char **command;       /* argv style, searched in PATH */
	const char *dir;      /* the run's directory (bound on /tmp with private_tmp) */
	bool contain;         /* the unit is command and all it starts, not command alone */
	bool private_tmp;     /* command sees dir as /tmp and /var/tmp */
	double timeout;       /* seconds command may run; 0: no limit */
	double kill_after;    /* seconds between SIGTERM and SIGKILL */

	int status;            /* command's status, or 128+N for signal N */
	bool timed_out;        /* the timeout ended it */
	unsigned left_running; /* processes of the unit alive when command ended */
	unsigned killed;       /* how many of them needed SIGKILL */
	int unit_error;        /* errno: the unit's leftovers could not be found */
	enum tmpf_run_step step; /* where a failure happened */
	const char *failed_call; /* at TMPF_RUN_PRIVATE_TMP: what failed */
};

/* tmpf run: run command and wait for it. With contain, the unit is command
 * and every process descended from it (POSIX: Linux's child subreaper
 * catches what double-forks and setsid; Windows: a job object); interrupts
 * (POSIX: SIGINT, SIGTERM, SIGHUP, SIGQUIT; Windows: Ctrl-C, Ctrl-Break)
 * reach the unit and leave tmpf alive to clean up. When command ends, what
 * is left of the unit gets SIGTERM, then SIGKILL after kill_after; returns
 * once none of it runs. Returns 0 and the results (status: the command's
 * exit status, or 128+N if signal N killed it; on Windows, a process ended
 * by Ctrl-C/Ctrl-Break is 130), or an errno value (ENOENT: command not
 * found; ENOSYS: no private /tmp on this system) and step. */
int tmpf_os_run(struct tmpf_run *run);

#endif
