/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tmpf_posix.c - tmpf's OS layer on POSIX systems (see tmpf_os.h).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#  define _GNU_SOURCE /* unshare, mount, prctl, syscall: tmpf run's unit and private /tmp */
#elif !defined(__linux__)
#  define _XOPEN_SOURCE 700 /* POSIX.1-2008 with XSI */
#endif

#include "tmpf_os.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#  include <dirent.h>
#  include <sched.h>
#  include <sys/mount.h>
#  include <sys/prctl.h>
#  include <sys/syscall.h>
#  define TMPF_HAVE_UNIT 1 /* the subreaper and /proc: a unit beyond COMMAND */
#else
#  define TMPF_HAVE_UNIT 0
#endif

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

/* ---- tmpf run: the unit, as /proc shows it ----------------------------------- */

/* The signals passed on to the unit. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define FORWARDED_COUNT (sizeof forwarded_signals / sizeof forwarded_signals[0])

#if TMPF_HAVE_UNIT
/* One process as a pass over /proc saw it. */
struct proc_seen {
	pid_t pid, ppid, pgrp;
	unsigned long long start; /* clock ticks after boot: with pid, who it is */
	bool zombie, member;
};

/* Every process descended from tmpf, from the last pass over /proc. */
struct unit {
	struct proc_seen *procs;
	size_t count, capacity;
};

/* /proc/PID/stat: 0, or -1 when the process is gone or cannot be read. */
static int read_proc_stat(pid_t pid, struct proc_seen *p)
{
	char path[48], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	do
		n = read(fd, buf, sizeof buf - 1);
	while (n < 0 && errno == EINTR);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The name in parentheses may hold anything, ")" too: the fields go on
	 * after the last one. Then state, ppid, pgrp, 16 others, starttime. */
	const char *c = strrchr(buf, ')');
	if (!c || c[1] != ' ' || !c[2])
		return -1;
	char state = c[2];
	c += 3;
	char *end;
	long ppid = strtol(c, &end, 10);
	long pgrp = end != c ? strtol(end, &end, 10) : 0;
	for (int skipped = 0; skipped < 16 && end; skipped++)
		end = strchr(end + 1, ' ');
	if (!end)
		return -1;
	p->start = strtoull(end, &end, 10);
	if (*end != ' ' && *end != '\n')
		return -1;
	p->pid = pid;
	p->ppid = (pid_t)ppid;
	p->pgrp = (pid_t)pgrp;
	p->zombie = state == 'Z' || state == 'X';
	p->member = false;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const struct proc_seen *)a)->pid, y = ((const struct proc_seen *)b)->pid;
	return (x > y) - (x < y);
}

/* Every process on the system. A /proc without tmpf in it (none mounted,
 * another PID namespace's) shows nothing of the unit: ENOENT. */
static int scan_processes(struct unit *u)
{
	u->count = 0;
	DIR *proc = opendir("/proc");
	if (!proc)
		return errno;
	int error = 0;
	bool self_seen = false;
	for (;;) {
		errno = 0;
		struct dirent *entry = readdir(proc);
		if (!entry) {
			error = errno;
			break;
		}
		char *end;
		long pid = strtol(entry->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (u->count == u->capacity) {
			size_t grown = u->capacity ? 2 * u->capacity : 256;
			struct proc_seen *procs = realloc(u->procs, grown * sizeof *procs);
			if (!procs) {
				error = ENOMEM;
				break;
			}
			u->procs = procs;
			u->capacity = grown;
		}
		if (read_proc_stat((pid_t)pid, &u->procs[u->count]) == 0) {
			self_seen = self_seen || pid == (long)getpid();
			u->count++;
		}
	}
	(void)closedir(proc);
	return error ? error : self_seen ? 0 : ENOENT;
}

/* The descendants of tmpf, from the pass over /proc: 0, or an errno. */
static int scan_unit(struct unit *u)
{
	int error = scan_processes(u);
	if (error)
		return error;
	qsort(u->procs, u->count, sizeof *u->procs, by_pid);
	pid_t self = getpid();
	for (bool added = true; added;) {
		added = false;
		for (size_t i = 0; i < u->count; i++) {
			struct proc_seen *p = &u->procs[i], key = { .pid = p->ppid };
			if (p->member)
				continue;
			const struct proc_seen *parent =
				bsearch(&key, u->procs, u->count, sizeof *u->procs, by_pid);
			if (p->ppid == self || (parent && parent->member))
				added = p->member = true;
		}
	}
	size_t members = 0;
	for (size_t i = 0; i < u->count; i++)
		if (u->procs[i].member)
			u->procs[members++] = u->procs[i];
	u->count = members;
	return 0;
}

#  if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}
static int pidfd_signal(int fd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}
#  else
static int open_pidfd(pid_t pid)
{
	(void)pid;
	errno = ENOSYS;
	return -1;
}
static int pidfd_signal(int fd, int sig)
{
	(void)fd, (void)sig;
	errno = ENOSYS;
	return -1;
}
#  endif

/* Send sig to p if it is still the process the pass saw. A child of tmpf
 * keeps its pid until tmpf reaps it; any other pid may have been reused
 * since: a pidfd taken before its start time is checked again holds the
 * very process, where the kernel lets tmpf have pidfds. 0, or why it was
 * not sent (ESRCH: gone). */
static int signal_seen(const struct proc_seen *p, int sig)
{
	if (p->ppid == getpid())
		return kill(p->pid, sig) == 0 ? 0 : errno;
	int fd = open_pidfd(p->pid);
	if (fd < 0 && errno == ESRCH)
		return ESRCH;
	/* Other failures (ENOSYS; EPERM from a container's seccomp filter):
	 * kill by pid, right after the check, the best that is left. */
	int error = ESRCH;
	struct proc_seen now;
	if (read_proc_stat(p->pid, &now) == 0 && now.start == p->start)
		error = (fd >= 0 ? pidfd_signal(fd, sig) : kill(p->pid, sig)) == 0 ? 0 : errno;
	if (fd >= 0)
		(void)close(fd);
	return error;
}
#endif /* TMPF_HAVE_UNIT */

/* ---- tmpf run: starting COMMAND --------------------------------------------- */

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

#ifdef __linux__
/* Map the caller's own user and group to themselves in its new user
 * namespace, so that what COMMAND makes belongs to whoever ran tmpf. */
static int map_self(uid_t uid, gid_t gid)
{
	static const char *const files[] = { "/proc/self/setgroups", "/proc/self/uid_map",
		"/proc/self/gid_map" };
	char lines[3][48];
	snprintf(lines[0], sizeof lines[0], "deny"); /* gid_map needs it, unprivileged */
	snprintf(lines[1], sizeof lines[1], "%lu %lu 1", (unsigned long)uid, (unsigned long)uid);
	snprintf(lines[2], sizeof lines[2], "%lu %lu 1", (unsigned long)gid, (unsigned long)gid);
	for (size_t i = 0; i < 3; i++) {
		int fd = open(files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return errno;
		size_t len = strlen(lines[i]);
		ssize_t put = write(fd, lines[i], len);
		int error = put == (ssize_t)len ? 0 : put < 0 ? errno : EIO;
		(void)close(fd);
		if (error)
			return error;
	}
	return 0;
}

/* The calls that make a private /tmp, for the message when one fails. */
enum private_call { CALL_NEWNS, CALL_NEWUSER, CALL_MAP, CALL_PRIVATE, CALL_BIND_TMP, CALL_BIND_VAR_TMP };
static const char *const private_calls[] = { "unshare(CLONE_NEWNS)",
	"unshare(CLONE_NEWUSER|CLONE_NEWNS)", "writing the user namespace's maps",
	"mount --make-rprivate /", "mount --bind on /tmp", "mount --bind on /var/tmp" };

/* In the forked child: a mount namespace of its own (inside a new user
 * namespace when tmpf may not make one alone), where dir is bound on /tmp
 * and /var/tmp. 0, or an errno and the call that failed. */
static int make_private_tmp(const char *dir, enum private_call *call)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	*call = CALL_NEWNS;
	if (unshare(CLONE_NEWNS) != 0) {
		if (errno != EPERM)
			return errno;
		*call = CALL_NEWUSER;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return errno;
		*call = CALL_MAP;
		int error = map_self(uid, gid);
		if (error)
			return error;
	}
	/* Private: the binds below must not reach the rest of the system. */
	*call = CALL_PRIVATE;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return errno;
	*call = CALL_BIND_TMP;
	if (mount(dir, "/tmp", NULL, MS_BIND | MS_REC, NULL) != 0)
		return errno;
	struct stat st;
	*call = CALL_BIND_VAR_TMP;
	if (stat("/var/tmp", &st) == 0 && S_ISDIR(st.st_mode) &&
		mount("/tmp", "/var/tmp", NULL, MS_BIND | MS_REC, NULL) != 0)
		return errno;
	return 0;
}

/* What the forked child tells tmpf when it cannot go on. */
struct child_failure {
	int error;
	enum tmpf_run_step step;
	enum private_call call;
};

/* Fork, make the private /tmp, exec COMMAND. A failure before the exec
 * comes back through a pipe that the exec closes. 0, or an errno. */
static int spawn_private(struct tmpf_run *run, const sigset_t *mask, pid_t *pid)
{
	int report[2];
	if (pipe2(report, O_CLOEXEC) != 0)
		return errno;
	*pid = fork();
	if (*pid < 0) {
		int error = errno;
		(void)close(report[0]);
		(void)close(report[1]);
		return error;
	}
	if (*pid == 0) {
		struct child_failure f = { .step = TMPF_RUN_PRIVATE_TMP };
		f.error = make_private_tmp(run->dir, &f.call);
		if (!f.error) {
			(void)sigprocmask(SIG_SETMASK, mask, NULL);
			execvp(run->command[0], run->command);
			f.error = errno;
			f.step = TMPF_RUN_SPAWN;
		}
		(void)!write(report[1], &f, sizeof f);
		_exit(127);
	}
	(void)close(report[1]);
	struct child_failure f;
	ssize_t got;
	do
		got = read(report[0], &f, sizeof f);
	while (got < 0 && errno == EINTR);
	(void)close(report[0]);
	if (got != (ssize_t)sizeof f)
		return 0; /* closed by the exec: COMMAND runs */
	while (waitpid(*pid, &(int){ 0 }, 0) < 0 && errno == EINTR)
		continue;
	run->step = f.step;
	if (f.step == TMPF_RUN_PRIVATE_TMP)
		run->failed_call = private_calls[f.call];
	return f.error;
}
#endif /* __linux__ */

/* ---- tmpf run: the loop ----------------------------------------------------- */

/* Passes of SIGKILL, 20 ms apart, before tmpf gives up on what it cannot
 * end (a process it may not signal, or cannot see): 10 s. */
#define KILL_ROUNDS 500

/* What the loop knows while COMMAND and its unit run. */
struct run_loop {
	struct tmpf_run *run;
	pid_t pid;                /* COMMAND, until reaped */
	bool terminating;         /* SIGTERM sent to the unit: deadline ends the grace */
	bool killing;             /* SIGKILL sent to the unit until none of it is left */
	bool counted;             /* what COMMAND left was counted when it ended */
	bool has_deadline;        /* the timeout's, then the grace's */
	int scan_error;           /* the last pass over /proc failed: an errno */
	int kill_error;           /* why a signal could not be sent, if one could not */
	unsigned kill_rounds;     /* passes of SIGKILL so far */
	struct timespec deadline; /* CLOCK_MONOTONIC */
#if TMPF_HAVE_UNIT
	struct unit unit;
#endif
};

static void set_deadline(struct run_loop *l, double seconds)
{
	struct timespec now;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	time_t whole = (time_t)seconds; /* >= 0: truncation is floor */
	l->deadline.tv_sec = now.tv_sec + whole;
	l->deadline.tv_nsec = now.tv_nsec + (long)((seconds - (double)whole) * 1e9);
	if (l->deadline.tv_nsec >= 1000000000L) {
		l->deadline.tv_sec++;
		l->deadline.tv_nsec -= 1000000000L;
	}
	l->has_deadline = true;
}

/* How long until the deadline: 0 once it has passed. */
static struct timespec until_deadline(const struct run_loop *l)
{
	struct timespec now;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	time_t sec = l->deadline.tv_sec - now.tv_sec;
	long nsec = l->deadline.tv_nsec - now.tv_nsec;
	if (nsec < 0) {
		sec--;
		nsec += 1000000000L;
	}
	return sec < 0 ? (struct timespec){ 0, 0 } : (struct timespec){ sec, nsec };
}

static bool deadline_reached(const struct run_loop *l)
{
	struct timespec left = until_deadline(l);
	return l->has_deadline && left.tv_sec == 0 && left.tv_nsec == 0;
}

/* Send sig to the unit (COMMAND alone without run->contain, or where there
 * is no unit): the number of processes that got it besides COMMAND (sig 0:
 * only count them). A terminal's signal (from_terminal) has reached its
 * foreground process group, tmpf's: only the unit's processes outside it
 * get it from tmpf. */
static unsigned signal_unit(struct run_loop *l, int sig, bool from_terminal)
{
	unsigned others = 0;
	bool command_done = l->pid == 0;
#if TMPF_HAVE_UNIT
	if (l->run->contain) {
		l->scan_error = scan_unit(&l->unit);
		if (!l->scan_error) {
			pid_t group = getpgrp();
			for (size_t i = 0; i < l->unit.count; i++) {
				const struct proc_seen *p = &l->unit.procs[i];
				if (from_terminal && p->pgrp == group)
					continue;
				int error = sig ? signal_seen(p, sig) : 0;
				if (error && error != ESRCH)
					l->kill_error = error; /* EPERM: a set-user-ID program, say */
				if (sig == SIGTERM)
					(void)signal_seen(p, SIGCONT); /* a stopped process acts on it only then */
				if (p->pid != l->pid && !p->zombie)
					others++;
			}
			return others;
		}
	}
#endif
	if (!command_done && !from_terminal && sig)
		(void)kill(l->pid, sig); /* not reaped yet: the pid is still COMMAND's */
	return others;
}

/* Reap what ended: COMMAND's status when it is among them. 1 while some
 * child of tmpf is left, 0 when none is, -1 with errno on failure. */
static int reap(struct run_loop *l)
{
	for (;;) {
		int status;
		pid_t done = waitpid(-1, &status, WNOHANG);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return errno == ECHILD ? 0 : -1;
		if (done == 0)
			return 1;
		if (done != l->pid)
			continue; /* a straggler of the unit */
		l->pid = 0;
		if (WIFEXITED(status))
			l->run->status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			l->run->status = 128 + WTERMSIG(status);
		else
			l->run->status = 125; /* neither: report it as tmpf's own failure */
	}
}

/* The deadline passed: the timeout's (SIGTERM to the unit, then the grace)
 * or the grace's (SIGKILL). */
static void deadline_passed(struct run_loop *l)
{
	if (!l->terminating) {
		l->run->timed_out = true;
		l->terminating = true;
		(void)signal_unit(l, SIGTERM, false);
		set_deadline(l, l->run->kill_after);
	} else {
		l->killing = true;
		l->has_deadline = false;
	}
}

/* Wait for COMMAND and then for the rest of the unit, passing signals on. */
static int run_loop(struct run_loop *l, const sigset_t *waited)
{
	for (;;) {
		int left = reap(l);
		if (left < 0)
			return errno;
		if (l->pid == 0 && (left == 0 || !l->run->contain))
			return 0;
		if (l->pid == 0 && !l->counted) {
			/* COMMAND is done and some of its unit runs on (after a
			 * timeout, it has had its SIGTERM already). */
			l->counted = true;
			l->run->left_running = signal_unit(l, l->terminating ? 0 : SIGTERM, false);
			if (!l->terminating) {
				l->terminating = true;
				set_deadline(l, l->run->kill_after);
			}
		}
		if (l->killing) {
			unsigned killed = signal_unit(l, SIGKILL, false);
			if (killed > l->run->killed)
				l->run->killed = killed;
			l->kill_rounds++;
		}
		if (l->pid == 0 && l->scan_error) {
			l->run->unit_error = l->scan_error; /* what is left cannot be found */
			return 0;
		}
		if (l->pid == 0 && l->kill_rounds > KILL_ROUNDS) {
			/* Still there after all that SIGKILL: not tmpf's to end. */
			l->run->unit_error = l->kill_error ? l->kill_error : ESRCH;
			return 0;
		}
		/* While killing, look again soon: SIGKILL is final, but a process
		 * forked meanwhile or just reparented is found on the next pass. */
		struct timespec wait = l->killing ? (struct timespec){ 0, 20000000L } : until_deadline(l);
		siginfo_t info;
		memset(&info, 0, sizeof info);
		int sig = sigtimedwait(waited, &info, l->killing || l->has_deadline ? &wait : NULL);
		if (sig < 0) {
			if (errno == EAGAIN && !l->killing && deadline_reached(l))
				deadline_passed(l);
			continue;
		}
		if (sig == SIGCHLD)
			continue;
		if (l->pid == 0) {
			l->killing = true; /* interrupted again while the unit ends: no more grace */
			continue;
		}
#ifdef SI_KERNEL
		bool from_terminal = info.si_code == SI_KERNEL;
#else
		bool from_terminal = false;
#endif
		(void)signal_unit(l, sig, from_terminal);
	}
}

/* A descriptor of dir with a shared flock on it, inherited by COMMAND and
 * all it starts: while any of them runs, tempfile_reap (and
 * systemd-tmpfiles) find the directory held, even once tmpf itself is
 * gone (SIGKILL), when its own lease ends. -1 where it cannot be had: then
 * tmpf's lease alone holds it, while tmpf lives. */
static int hold_for_unit(const char *dir)
{
#ifdef LOCK_SH
	int fd;
	do
		fd = open(dir, O_RDONLY | O_DIRECTORY);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 && flock(fd, LOCK_SH) != 0) {
		(void)close(fd);
		fd = -1;
	}
	return fd;
#else
	(void)dir;
	return -1;
#endif
}

int tmpf_os_run(struct tmpf_run *run)
{
	/* Signals are taken synchronously (sigtimedwait): blocked here, with
	 * their dispositions left alone, so that one ignored when tmpf started
	 * stays ignored, for COMMAND too. A blocked signal is queued even when
	 * ignored, so those are not blocked. SIGCHLD must not be ignored, or
	 * the kernel reaps COMMAND before tmpf sees its status. */
	sigset_t waited, original;
	sigemptyset(&waited);
	sigaddset(&waited, SIGCHLD);
	run->step = TMPF_RUN_FORWARDING;
	for (size_t i = 0; i < FORWARDED_COUNT; i++) {
		struct sigaction old;
		if (sigaction(forwarded_signals[i], NULL, &old) != 0)
			return errno;
		if (old.sa_handler != SIG_IGN)
			sigaddset(&waited, forwarded_signals[i]);
	}
	struct sigaction child = { 0 };
	child.sa_handler = SIG_DFL;
	sigemptyset(&child.sa_mask);
	if (sigaction(SIGCHLD, &child, NULL) != 0 || sigprocmask(SIG_BLOCK, &waited, &original) != 0)
		return errno;
#if TMPF_HAVE_UNIT
	/* Orphans of the unit (a double fork, setsid) become tmpf's children,
	 * not init's: found, signalled and reaped here. Without it (before
	 * Linux 3.4) the unit is what is still linked to COMMAND. */
	if (run->contain)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
	struct run_loop l = { .run = run };
	int error;
	run->step = TMPF_RUN_SPAWN;
	int hold = hold_for_unit(run->dir);
	if (run->private_tmp) {
#ifdef __linux__
		error = spawn_private(run, &original, &l.pid);
#else
		run->step = TMPF_RUN_PRIVATE_TMP;
		error = ENOSYS;
#endif
	} else {
		error = spawn_command(run->command, &original, &l.pid);
	}
	if (hold >= 0)
		(void)close(hold); /* COMMAND has it now */
	/* The signals stay blocked: one that comes later, while tmpf removes
	 * the directory, must not end it before it is done. */
	if (error)
		return error;
	if (run->timeout > 0)
		set_deadline(&l, run->timeout);
	error = run_loop(&l, &waited);
#if TMPF_HAVE_UNIT
	free(l.unit.procs);
#endif
	if (error) {
		run->step = TMPF_RUN_WAIT;
		return error;
	}
	if (run->timed_out)
		run->status = run->status == 128 + SIGKILL ? run->status : 124;
	return 0;
}
