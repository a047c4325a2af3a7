/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tmpf_posix.c - tmpf's OS layer on POSIX systems (see tmpf_os.h).
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with XSI: waitid's WNOWAIT */

#include "tmpf_os.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void tmpf_os_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
}

ssize_t tmpf_os_read(int fd, void *buf, size_t n)
{
	return read(fd, buf, n);
}

ssize_t tmpf_os_write(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n);
}

int tmpf_os_close(int fd)
{
	return close(fd);
}

bool tmpf_os_utf8_quotes(void)
{
	return strcasecmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

bool tmpf_os_is_separator(char c)
{
	return c == '/';
}

int tmpf_os_kind(const char *path, enum tmpf_os_kind *kind)
{
	struct stat st, root;
	if (lstat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		*kind = TMPF_OS_OTHER;
	else if (stat("/", &root) == 0 && root.st_dev == st.st_dev && root.st_ino == st.st_ino)
		*kind = TMPF_OS_ROOT;
	else
		*kind = TMPF_OS_DIRECTORY;
	return 0;
}

int tmpf_os_unlink(const char *path)
{
	return unlink(path);
}

int tmpf_os_rmdir(const char *path)
{
	return rmdir(path);
}

int tmpf_os_setenv(const char *name, const char *value)
{
	return setenv(name, value, 1);
}

/* The command's pid while it runs, for the signal handler; 0 otherwise. */
static volatile sig_atomic_t command_pid;

static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define FORWARDED_COUNT (sizeof forwarded_signals / sizeof forwarded_signals[0])

static void forward_signal(int sig, siginfo_t *info, void *context)
{
	(void)context;
	int saved = errno;
#ifdef SI_KERNEL
	/* Sent by the terminal (Ctrl-C, hangup) to the whole foreground
	 * process group, COMMAND included: do not deliver it twice. */
	if (info && info->si_code == SI_KERNEL) {
		errno = saved;
		return;
	}
#else
	(void)info;
#endif
	pid_t pid = command_pid;
	if (pid > 0)
		(void)kill(pid, sig);
	errno = saved;
}

/* Forward the signals that were not ignored when tmpf started (an ignored
 * one stays ignored, for COMMAND too), and let wait see COMMAND's end even
 * if SIGCHLD was inherited as ignored. Call with the signals blocked. */
static int install_forwarding(void)
{
	struct sigaction forward = { 0 };
	forward.sa_sigaction = forward_signal;
	forward.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&forward.sa_mask);
	for (size_t i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(&forward.sa_mask, forwarded_signals[i]);
	for (size_t i = 0; i < FORWARDED_COUNT; i++) {
		struct sigaction old;
		if (sigaction(forwarded_signals[i], NULL, &old) != 0)
			return -1;
		if (old.sa_handler != SIG_IGN && sigaction(forwarded_signals[i], &forward, NULL) != 0)
			return -1;
	}
	struct sigaction child = { 0 };
	child.sa_handler = SIG_DFL;
	sigemptyset(&child.sa_mask);
	return sigaction(SIGCHLD, &child, NULL);
}

/* Start COMMAND with the signal mask tmpf started with. 0, or an errno. */
static int spawn_command(char **command, const sigset_t *mask, pid_t *pid)
{
	posix_spawnattr_t attr;
	int error = posix_spawnattr_init(&attr);
	if (error)
		return error;
	error = posix_spawnattr_setsigmask(&attr, mask);
	if (!error)
		error = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	if (!error)
		error = posix_spawnp(pid, command[0], NULL, &attr, command, environ);
	posix_spawnattr_destroy(&attr);
	return error;
}

/* Wait for COMMAND; its shell-style status (128+N for signal N), or -1. */
static int wait_command(pid_t pid)
{
#ifdef WNOWAIT
	/* Wait without reaping first: until it is reaped the pid cannot be
	 * reused, so the handler never signals a stranger. */
	siginfo_t info;
	int rc;
	do {
		memset(&info, 0, sizeof info);
		rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
	} while (rc != 0 && errno == EINTR);
#endif
	command_pid = 0;
	int status;
	pid_t done;
	do
		done = waitpid(pid, &status, 0);
	while (done < 0 && errno == EINTR);
	if (done < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125; /* neither: report it as tmpf's own failure */
}

int tmpf_os_run(char **command, int *status, enum tmpf_run_step *step)
{
	sigset_t block, original;
	sigemptyset(&block);
	for (size_t i = 0; i < FORWARDED_COUNT; i++)
		sigaddset(&block, forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &block, &original) != 0 || install_forwarding() != 0) {
		*step = TMPF_RUN_FORWARDING;
		return errno;
	}
	pid_t pid;
	int error = spawn_command(command, &original, &pid);
	if (!error)
		command_pid = pid;
	/* Signals that came in meanwhile are delivered, and forwarded, now. */
	(void)sigprocmask(SIG_SETMASK, &original, NULL);
	if (error) {
		*step = TMPF_RUN_SPAWN;
		return error;
	}
	*status = wait_command(pid);
	if (*status < 0) {
		*step = TMPF_RUN_WAIT;
		return errno;
	}
	return 0;
}
