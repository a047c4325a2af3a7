/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_cleanup.c - TEMPFILE_AT_EXIT: removal at exit and on fatal signals.
 *
 * Every scenario runs in a child process that is this same binary run again
 * as a plain program (`test_cleanup --tf-scenario NAME DIR READY_FD GO_FD`,
 * see main() at the bottom): a clean process whose exit() and return from
 * main() are real, with no Criterion state in it. The test in the parent
 * drives it through two pipes (the child writes progress bytes to READY_FD
 * and waits for bytes on GO_FD) and checks the disk and the wait status
 * afterwards.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#ifdef __GLIBC__
#  include <malloc.h>
#endif
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const int fatal_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGXCPU, SIGXFSZ, SIGALRM,
};
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])

/* How many objects make_objects() leaves in a directory. */
#define OBJECTS 5

/* ======================================================================
 * The child side: scenarios, run as a program by main()
 * ====================================================================== */

struct scenario_env {
	const char *dir;
	int ready_fd; /* child -> parent progress bytes */
	int go_fd;    /* parent -> child */
};

static int ready_fd_for_handlers = -1;

static void say(int fd, char c)
{
	ssize_t n;
	do
		n = write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
}

static char hear(int fd)
{
	char c = 0;
	ssize_t n;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? c : 0;
}

static void write_small(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		_exit(70);
	if (write(fd, text, strlen(text)) < 0)
		_exit(71);
	close(fd);
}

static char *join(const char *a, const char *b)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", a, b) < 0)
		_exit(72);
	return p;
}

/* Handles kept reachable, so that the leak checker does not count them. */
static struct tempfile_dir *kept_dirs[16];
static size_t kept_dir_count;
static struct tempfile *kept_named[16];
static size_t kept_named_count;

/* One of each registered kind: a file from tempfile_mkstemp, a directory
 * tree from tempfile_mkdtemp, a file from a template, a TemporaryDirectory
 * with a file in it, a NamedTemporaryFile left open. Exits the process (status 73..79) on error. */
static void make_objects(const char *dir)
{
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	if (fd < 0)
		_exit(73);
	if (write(fd, "data", 4) != 4)
		_exit(74);
	close(fd);
	free(path);

	char *tree = tempfile_mkdtemp(&o);
	if (!tree)
		_exit(75);
	char *sub = join(tree, "sub"), *file = join(tree, "file"), *deep = join(sub, "deep");
	if (mkdir(sub, 0700) != 0)
		_exit(76);
	write_small(file, "x");
	write_small(deep, "y");
	free(sub);
	free(file);
	free(deep);
	free(tree);

	char *tmpl = join(dir, "tmplXXXXXX.txt");
	fd = tempfile_mktemplate(tmpl, 4, TEMPFILE_KIND_FILE, TEMPFILE_AT_EXIT, 0);
	if (fd < 0)
		_exit(77);
	close(fd);
	free(tmpl);

	struct tempfile_dir *d = tempfile_dir(&o);
	if (!d || kept_dir_count == sizeof kept_dirs / sizeof kept_dirs[0])
		_exit(78);
	char *inside = join(tempfile_dir_path(d), "inside");
	write_small(inside, "z");
	free(inside);
	kept_dirs[kept_dir_count++] = d;

	struct tempfile *named = tempfile_named(&o, NULL);
	if (!named || kept_named_count == sizeof kept_named / sizeof kept_named[0])
		_exit(79);
	if (fputs("open named file", tempfile_stream(named)) < 0)
		_exit(79);
	kept_named[kept_named_count++] = named;
}

static void wait_forever(void)
{
	for (;;)
		pause();
}

static int scenario_exit(struct scenario_env *env)
{
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	exit(0);
}

static int scenario_return(struct scenario_env *env)
{
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	return 0; /* from main */
}

static int scenario_wait(struct scenario_env *env)
{
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* A handler of the program's that ends the process the classic way. */
static void handler_then_default(int sig)
{
	say(ready_fd_for_handlers, 'H');
	signal(sig, SIG_DFL);
	raise(sig);
}

static int scenario_handler_before(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	signal(SIGINT, handler_then_default);
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

static volatile sig_atomic_t handled;

static void counting_handler(int sig)
{
	(void)sig;
	handled = handled + 1;
	say(ready_fd_for_handlers, 'H');
}

/* The program's handler returns: the process goes on, and the next signal
 * still finds our handler (it was put back). */
static int scenario_handler_returns(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	struct sigaction sa = { .sa_handler = counting_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	while (handled < 1)
		sigsuspend(&old);
	say(env->ready_fd, 'A');
	hear(env->go_fd);
	make_objects(env->dir);
	say(env->ready_fd, 'B');
	while (handled < 2)
		sigsuspend(&old);
	say(env->ready_fd, 'C');
	return 10 + handled;
}

static void cleanup_now_then_exit(int sig)
{
	(void)sig;
	say(ready_fd_for_handlers, tempfile_cleanup_now() == 0 ? '0' : 'E');
	_exit(3);
}

/* The program's handler comes after ours: ours never runs, the program
 * calls tempfile_cleanup_now() itself. */
static int scenario_handler_after(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	make_objects(env->dir);
	signal(SIGINT, cleanup_now_then_exit);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

static int scenario_ignore_sigint(struct scenario_env *env)
{
	signal(SIGINT, SIG_IGN);
	make_objects(env->dir);
	struct sigaction now;
	if (sigaction(SIGINT, NULL, &now) != 0 || now.sa_handler != SIG_IGN)
		return 91;
	say(env->ready_fd, 'R');
	hear(env->go_fd);
	return 0;
}

static pid_t fork_or_die(void)
{
	pid_t pid = fork();
	if (pid < 0)
		_exit(79);
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(80);
	return status;
}

/* dir/mine holds this process's objects; grandchildren make theirs in
 * dir/theirs and end three ways, none of which may touch ours. */
static int scenario_grandchild(struct scenario_env *env)
{
	char *mine = join(env->dir, "mine"), *theirs = join(env->dir, "theirs");
	if (mkdir(mine, 0700) != 0 || mkdir(theirs, 0700) != 0)
		return 81;
	make_objects(mine);

	pid_t pid = fork_or_die();
	if (pid == 0) {
		make_objects(theirs);
		exit(0);
	}
	int status = wait_status(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 82;
	if (tft_count_entries(theirs) != 0 || tft_count_entries(mine) != OBJECTS)
		return 83;

	pid = fork_or_die();
	if (pid == 0) {
		make_objects(theirs);
		raise(SIGTERM);
		_exit(84);
	}
	status = wait_status(pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
		return 85;
	if (tft_count_entries(theirs) != 0 || tft_count_entries(mine) != OBJECTS)
		return 86;

	pid = fork_or_die();
	if (pid == 0)
		_exit(tempfile_cleanup_now() == 0 ? 0 : 1);
	status = wait_status(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || tft_count_entries(mine) != OBJECTS)
		return 87;
	free(mine);
	free(theirs);
	say(env->ready_fd, 'R');
	return 0; /* now ours go */
}

static int scenario_noop(struct scenario_env *env)
{
	(void)env;
	return 0;
}

/* This program's path: readlink("/proc/self/exe"), which valgrind answers
 * with the program it runs, while exec of /proc/self/exe itself would start
 * valgrind's own tool binary there. */
static const char *self_exe(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return "/proc/self/exe";
	path[n] = '\0';
	return path;
}

static int scenario_exec(struct scenario_env *env)
{
	make_objects(env->dir);
	char *argv[] = { "test_cleanup", "--tf-scenario", "noop", (char *)env->dir, "-1", "-1",
		NULL };
	execv(self_exe(), argv);
	return 88;
}

/* Objects with handles that were persisted or closed normally: at exit
 * the published file and a file made again at a closed one's path stay,
 * and a spooled file rolled over with TEMPFILE_AT_EXIT leaves nothing. */
static int scenario_handles_done(struct scenario_env *env)
{
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	struct tempfile *published = tempfile_named(&o, NULL);
	char *target = join(env->dir, "published");
	if (!published || fputs("final", tempfile_stream(published)) < 0 ||
		tempfile_persist(published, target, 0) != 0)
		return 50;
	free(target);
	kept_named[kept_named_count++] = published; /* still open at exit */

	struct tempfile *closed = tempfile_named(&o, NULL);
	if (!closed)
		return 51;
	char *again = strdup(tempfile_path(closed));
	if (!again || tempfile_close(closed) != 0)
		return 52;
	write_small(again, "made again, not ours");
	free(again);

	struct tempfile_spooled *spool = tempfile_spooled(4, &o, NULL);
	if (!spool || tempfile_spooled_write(spool, "rolled over", 11) != 11 ||
		!tempfile_spooled_rolled(spool))
		return 53;
	say(env->ready_fd, 'R');
	exit(0); /* spool left open on purpose: its file has no name */
}


/* An object closed normally leaves the registry at once: a new object made
 * at the same path afterwards is not touched at exit. */
static int scenario_forget_then_recreate(struct scenario_env *env)
{
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	if (fd < 0 || close(fd) != 0 || unlink(path) != 0 || tempfile_forget(path) != 0)
		return 60;
	if (tempfile_forget(path) != -1 || errno != ENOENT)
		return 61;
	write_small(path, "new file, not ours");
	free(path);

	char *tree = tempfile_mkdtemp(&o);
	if (!tree || rmdir(tree) != 0 || tempfile_forget(tree) != 0 || mkdir(tree, 0700) != 0)
		return 62;
	free(tree);

	struct tempfile_dir *d = tempfile_dir(&o);
	if (!d)
		return 63;
	char *again = strdup(tempfile_dir_path(d));
	if (!again || tempfile_dir_cleanup(d) != 0 || mkdir(again, 0700) != 0)
		return 64;
	free(again);

	/* A handle's registration, the way file.c and spooled.c use it. */
	char *named = join(env->dir, "by-handle");
	write_small(named, "h");
	struct tf_file_id id;
	if (tf_os_file_id(-1, named, &id) != 0)
		return 65;
	struct tf_registration *r;
	if (tf_register(named, TF_REGISTERED_FILE, &id, NULL, &r) != 0)
		return 66;
	tf_unregister(r);
	free(named);
	say(env->ready_fd, 'R');
	return 0;
}

/* The registered path now names another object (the program renamed ours
 * away and made a new one there without forgetting): not ours, kept. The
 * old inodes stay alive meanwhile, so their numbers cannot be reused. */
static int scenario_replaced(struct scenario_env *env)
{
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	if (fd < 0)
		return 50;
	char *moved = join(env->dir, "moved-file");
	if (rename(path, moved) != 0)
		return 51;
	write_small(path, "replacement");

	char *tree = tempfile_mkdtemp(&o);
	if (!tree)
		return 52;
	char *moved_dir = join(env->dir, "moved-dir");
	if (rename(tree, moved_dir) != 0 || mkdir(tree, 0700) != 0)
		return 53;
	char *inside = join(tree, "keep-me");
	write_small(inside, "k");
	free(inside);
	free(path);
	free(tree);
	free(moved);
	free(moved_dir);
	say(env->ready_fd, 'R');
	return 0; /* fd stays open until the process is gone */
}

static void become_nobody(void)
{
	gid_t gid = 65534;
	if (setgroups(1, &gid) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		setresuid(65534, 65534, 65534) != 0)
		_exit(40);
}

/* As an unprivileged user: a tree with read-only directories and symbolic
 * links to a directory and a file outside it, removed from the signal
 * handler. dir/work is ours to create in; dir/outside must survive. */
static int scenario_tree(struct scenario_env *env)
{
	become_nobody();
	char *work = join(env->dir, "work"), *outside = join(env->dir, "outside");
	struct tempfile_opts o = { .dir = work, .flags = TEMPFILE_AT_EXIT };
	char *tree = tempfile_mkdtemp(&o);
	if (!tree)
		return 41;
	char *a = join(tree, "a"), *ro = join(a, "ro"), *f1 = join(ro, "f1"), *f2 = join(a, "f2");
	char *link_dir = join(tree, "to-outside"), *link_file = join(ro, "to-outside-file");
	char *outside_file = join(outside, "precious");
	if (mkdir(a, 0700) != 0 || mkdir(ro, 0700) != 0)
		return 42;
	write_small(f1, "1");
	write_small(f2, "2");
	if (symlink(outside, link_dir) != 0 || symlink(outside_file, link_file) != 0)
		return 43;
	if (chmod(ro, 0500) != 0 || chmod(a, 0500) != 0 || chmod(tree, 0500) != 0)
		return 44;
	free(a);
	free(ro);
	free(f1);
	free(f2);
	free(link_dir);
	free(link_file);
	free(outside_file);
	free(tree);
	free(work);
	free(outside);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* As an unprivileged user: a removal that fails is reported by
 * tempfile_cleanup_now, and the object stays registered so that a later
 * call (or exit) removes it. */
static int scenario_cleanup_error(struct scenario_env *env)
{
	become_nobody();
	char *work = join(env->dir, "work");
	struct tempfile_opts o = { .dir = work, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	if (fd < 0)
		return 30;
	close(fd);
	if (chmod(work, 0500) != 0)
		return 31;
	errno = 0;
	if (tempfile_cleanup_now() != -1 || errno != EACCES)
		return 32;
	if (access(path, F_OK) != 0)
		return 33;
	if (chmod(work, 0700) != 0)
		return 34;
	errno = 1234;
	if (tempfile_cleanup_now() != 0 || errno != 1234)
		return 35;
	if (access(path, F_OK) == 0 || errno != ENOENT)
		return 36;
	free(path);
	free(work);
	say(env->ready_fd, 'R');
	return 0;
}

/* ---- threads ---------------------------------------------------------------- */

#define CHURN_THREADS 8

struct churn {
	const char *dir;
	int iterations; /* < 0: -iterations, keeping every object */
	atomic_int kept;
	atomic_int lost; /* a forget that found no entry */
	atomic_int failed;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	struct tempfile_opts o = { .dir = c->dir, .flags = TEMPFILE_AT_EXIT };
	int limit = c->iterations < 0 ? -c->iterations : c->iterations;
	for (int i = 0; i < limit; i++) {
		char *path = NULL;
		int fd = tempfile_mkstemp(&o, &path);
		if (fd < 0) {
			atomic_fetch_add(&c->failed, 1);
			continue;
		}
		close(fd);
		if (c->iterations < 0 || i % 2 == 0) {
			atomic_fetch_add(&c->kept, 1);
		} else {
			/* May be gone already: tempfile_cleanup_now() runs in
			 * the signal handler below. The entry must be there. */
			if (unlink(path) != 0 && errno != ENOENT)
				atomic_fetch_add(&c->failed, 1);
			if (tempfile_forget(path) != 0)
				atomic_fetch_add(&c->lost, 1);
		}
		free(path);
	}
	return NULL;
}

static atomic_int usr1_count;

static void usr1_handler(int sig)
{
	(void)sig;
	if (atomic_fetch_add(&usr1_count, 1) % 8 == 0)
		tempfile_cleanup_now();
}

/* 8 threads register and forget while SIGUSR1 keeps interrupting them
 * (and now and then cleans up from the handler); afterwards every kept
 * object is still registered and the parent's SIGTERM removes them all. */
static int scenario_threads_churn(struct scenario_env *env)
{
	signal(SIGUSR1, usr1_handler);
	struct churn c = { .dir = env->dir, .iterations = tft_under_sanitizer() ? 300 : 1500 };
	pthread_t threads[CHURN_THREADS];
	for (int i = 0; i < CHURN_THREADS; i++)
		if (pthread_create(&threads[i], NULL, churn_thread, &c) != 0)
			return 20;
	for (int round = 0; round < 2000; round++) {
		pthread_kill(threads[round % CHURN_THREADS], SIGUSR1);
		sched_yield();
	}
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(threads[i], NULL);
	if (atomic_load(&c.lost) != 0)
		return 21;
	if (atomic_load(&c.failed) != 0)
		return 22;
	if (tf_test_registry_entries() != (size_t)atomic_load(&c.kept))
		return 23;
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* 8 threads create and keep objects (up to 5000 each, then they stop);
 * the parent's SIGTERM lands while they do, in whichever thread the
 * kernel picks. */
static int scenario_threads_die(struct scenario_env *env)
{
	struct churn c = { .dir = env->dir, .iterations = -5000 };
	pthread_t threads[CHURN_THREADS];
	for (int i = 0; i < CHURN_THREADS; i++)
		if (pthread_create(&threads[i], NULL, churn_thread, &c) != 0)
			return 20;
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* ---- the safety issue's red-team scenarios ---- */

/* A file and a directory made with TEMPFILE_AT_EXIT are removed behind the
 * registry's back and new ones made at the same paths: on ext4 they often
 * get the freed inode numbers at once (tried until they do, and those that
 * did not are forgotten). exit() must leave the new ones. Reports 'S'
 * instead of 'R' when the file system never reused the numbers (the test
 * cannot tell then). */
static int scenario_inode_reuse(struct scenario_env *env)
{
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	bool file_reused = false, dir_reused = false;
	for (int attempt = 0; attempt < 200 && !file_reused; attempt++) {
		char *file = NULL;
		int fd = tempfile_mkstemp(&o, &file);
		struct stat before, after;
		if (fd < 0 || fstat(fd, &before) != 0)
			return 30;
		close(fd);
		/* Someone else (a script, a tmp cleaner) removes it, and a new
		 * file appears at the same path. */
		if (unlink(file) != 0)
			return 31;
		write_small(file, "new file");
		if (stat(file, &after) != 0)
			return 32;
		file_reused = after.st_ino == before.st_ino;
		if (!file_reused && (unlink(file) != 0 || tempfile_forget(file) != 0))
			return 33;
		free(file);
	}
	for (int attempt = 0; attempt < 200 && !dir_reused; attempt++) {
		char *dir = tempfile_mkdtemp(&o);
		struct stat before, after;
		if (!dir || stat(dir, &before) != 0)
			return 34;
		if (rmdir(dir) != 0 || mkdir(dir, 0700) != 0)
			return 35;
		char *inside = join(dir, "precious");
		write_small(inside, "new tree");
		if (stat(dir, &after) != 0)
			return 36;
		dir_reused = after.st_ino == before.st_ino;
		if (!dir_reused && (unlink(inside) != 0 || rmdir(dir) != 0 || tempfile_forget(dir) != 0))
			return 37;
		free(inside);
		free(dir);
	}
	say(env->ready_fd, file_reused && dir_reused ? 'R' : 'S');
	exit(0);
}

/* LeakSanitizer's documented hook. Its leak check cannot stop the world
 * in a PID namespace of its own (it ptraces threads by their
 * outer-namespace ids, read from /proc) nor after unshare(CLONE_NEWPID)
 * (its tracer would be born in the new, dead namespace), nor with no
 * descriptor free, and its abort() cannot end a pid 1: those processes
 * turn it off. */
static volatile int leak_check_off;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return getpid() == 1 || leak_check_off;
}

/* unshare(CLONE_NEWPID): the next child is pid 1 of a new namespace. */
static bool new_pid_namespace(void)
{
	if (unshare(CLONE_NEWPID) != 0)
		return false;
	leak_check_off = 1;
	return true;
}

/* Run as pid 1 of a PID namespace (the parent test arranges it): a child
 * in a PID namespace of its own is pid 1 too, and its exit() must not
 * remove its parent's objects. */
static int scenario_pidns_child(struct scenario_env *env)
{
	if (getpid() != 1)
		return 40;
	make_objects(env->dir);
	if (!new_pid_namespace())
		return 41;
	pid_t pid = fork_or_die();
	if (pid == 0) {
		if (getpid() != 1)
			_exit(42);
		exit(0); /* the atexit cleanup runs here */
	}
	int status = wait_status(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 43;
	if (tft_count_entries(env->dir) != OBJECTS)
		return 44;
	say(env->ready_fd, 'R');
	hear(env->go_fd);
	return 0; /* now ours go */
}

static sigjmp_buf repl_loop;

static void longjmp_handler(int sig)
{
	(void)sig;
	say(ready_fd_for_handlers, 'J');
	siglongjmp(repl_loop, 1);
}

/* A REPL: its SIGINT handler, installed before our first registration,
 * leaves by siglongjmp back to the prompt. Later creations must not hang,
 * the objects must survive the Ctrl-C (the process goes on), and a SIGTERM
 * later must still find our handler. */
static int scenario_longjmp_handler(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	struct sigaction sa = { .sa_handler = longjmp_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	static volatile int rounds;
	make_objects(env->dir);
	if (sigsetjmp(repl_loop, 1) != 0) {
		rounds = rounds + 1;
		make_objects(env->dir); /* hung forever before */
		say(env->ready_fd, (char)('0' + rounds));
		if (rounds == 2) {
			say(env->ready_fd, 'T');
			wait_forever(); /* the parent's SIGTERM ends it */
		}
	}
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* A vfork() child dies of SIGPIPE before it could exec. It shares our
 * memory: it must neither remove our objects nor leave the registry
 * believing a handler still runs (the next creation spun forever). */
static int scenario_vfork_sigpipe(struct scenario_env *env)
{
	make_objects(env->dir);
	int p[2];
	if (pipe(p) != 0)
		return 50;
	close(p[0]);
	pid_t pid = vfork();
	if (pid == 0) {
		(void)!write(p[1], "x", 1); /* SIGPIPE: no reader */
		_exit(51);
	}
	if (pid < 0)
		return 52;
	close(p[1]);
	int status = wait_status(pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE)
		return 53;
	if (tft_count_entries(env->dir) != OBJECTS)
		return 54;
	make_objects(env->dir); /* hung forever before */
	say(env->ready_fd, 'R');
	exit(0);
}

static pthread_t sigterm_taker;

/* Between the creation of the first object and its registration: SIGTERM
 * goes to another thread, and this one waits until our handler runs there
 * (before the handlers were installed at the first registration, the
 * process died of the default action here, the object left behind). */
static void sigterm_to_other_thread(void *arg)
{
	(void)arg;
	pthread_kill(sigterm_taker, SIGTERM);
	for (int i = 0; i < 20000 && tf_test_handlers_running() == 0; i++)
		usleep(1000);
}

static void *wait_for_signals(void *arg)
{
	(void)arg;
	wait_forever();
	return NULL;
}

static int scenario_first_registration_sigterm(struct scenario_env *env)
{
	if (pthread_create(&sigterm_taker, NULL, wait_for_signals, NULL) != 0)
		return 60;
	say(env->ready_fd, 'R');
	tf_test_creation_hook(sigterm_to_other_thread, NULL);
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	if (fd < 0)
		return 61;
	wait_forever(); /* the handler in the other thread ends the process */
	return 62;
}

/* exit() with no descriptor free: the directories still go. */
static int scenario_no_free_descriptors(struct scenario_env *env)
{
	make_objects(env->dir);
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
		return 63;
	/* Fill every descriptor below a small soft limit. */
	limit.rlim_cur = 64;
	if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
		return 64;
	leak_check_off = 1;
	while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0)
		;
	if (errno != EMFILE)
		return 65;
	say(env->ready_fd, 'R');
	exit(0);
}

/* The program's SIGTERM handler, installed before ours with SA_SIGINFO,
 * SA_RESETHAND, SA_NODEFER and SIGUSR2 in its mask: it reports what it
 * sees ('I' for the right siginfo, 'M' for SIGUSR2 and SIGTERM blocked but
 * not SIGINT, which the interrupted code had open) and
 * returns. The process goes on with its objects; SA_RESETHAND makes the
 * next SIGTERM take the default action, which removes them and kills. */
static void flags_handler(int sig, siginfo_t *info, void *context)
{
	(void)context;
	say(ready_fd_for_handlers, info && info->si_signo == sig ? 'I' : 'i');
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	say(ready_fd_for_handlers,
		sigismember(&now, SIGUSR2) == 1 && sigismember(&now, sig) == 1 &&
				sigismember(&now, SIGINT) == 0
			? 'M'
			: 'm');
}

static int scenario_handler_flags(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	struct sigaction sa = { .sa_sigaction = flags_handler,
		.sa_flags = (int)(SA_SIGINFO | SA_RESETHAND | SA_NODEFER) };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGTERM, &sa, NULL);
	make_objects(env->dir);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

static struct sigaction chained;

/* Installed after ours, keeping ours to chain to, as libraries do. */
static void chaining_handler(int sig, siginfo_t *info, void *context)
{
	if (chained.sa_flags & SA_SIGINFO)
		chained.sa_sigaction(sig, info, context);
	else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN)
		chained.sa_handler(sig);
	say(ready_fd_for_handlers, 'C');
	_exit(5);
}

static int scenario_chain_to_ours(struct scenario_env *env)
{
	ready_fd_for_handlers = env->ready_fd;
	make_objects(env->dir);
	struct sigaction sa = { .sa_sigaction = chaining_handler, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &chained);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}


/* Go's runtime and others run every handler on a small alternate signal
 * stack: ours inherits SA_ONSTACK and must remove a deep tree there. */
static int scenario_altstack(struct scenario_env *env)
{
	stack_t ss = { .ss_size = 32 * 1024 };
	ss.ss_sp = mmap(NULL, ss.ss_size + 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ss.ss_sp == MAP_FAILED)
		return 90;
	/* A guard page below it: an overrun crashes instead of corrupting. */
	if (mprotect(ss.ss_sp, 4096, PROT_NONE) != 0)
		return 91;
	ss.ss_sp = (char *)ss.ss_sp + 4096;
	if (sigaltstack(&ss, NULL) != 0)
		return 92;
	struct sigaction sa = { .sa_handler = SIG_DFL, .sa_flags = SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	make_objects(env->dir);
	/* A tree deeper than the walk's descriptor window. */
	struct tempfile_opts o = { .dir = env->dir, .flags = TEMPFILE_AT_EXIT };
	char *top = tempfile_mkdtemp(&o);
	if (!top || chdir(top) != 0)
		return 93;
	for (int i = 0; i < 40; i++) {
		write_small("f", "x");
		if (mkdir("d", 0700) != 0 || chdir("d") != 0)
			return 94;
	}
	if (chdir("/") != 0)
		return 95;
	free(top);
	say(env->ready_fd, 'R');
	wait_forever();
	return 1;
}

/* Goes on after a SIGTERM when that does not end it (pid 1 of a PID
 * namespace): 'A', then exits when told. */
static int scenario_survive_sigterm(struct scenario_env *env)
{
	make_objects(env->dir);
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	say(env->ready_fd, 'R');
	sigsuspend(&old); /* returns once a handler has run */
	say(env->ready_fd, 'A');
	hear(env->go_fd);
	return 0;
}

struct scenario {
	const char *name;
	int (*run)(struct scenario_env *env);
};

static const struct scenario scenarios[] = {
	{ "exit", scenario_exit },
	{ "return", scenario_return },
	{ "wait", scenario_wait },
	{ "handler-before", scenario_handler_before },
	{ "handler-returns", scenario_handler_returns },
	{ "handler-after", scenario_handler_after },
	{ "ignore-sigint", scenario_ignore_sigint },
	{ "grandchild", scenario_grandchild },
	{ "noop", scenario_noop },
	{ "exec", scenario_exec },
	{ "forget-then-recreate", scenario_forget_then_recreate },
	{ "handles-done", scenario_handles_done },
	{ "replaced", scenario_replaced },
	{ "tree", scenario_tree },
	{ "cleanup-error", scenario_cleanup_error },
	{ "threads-churn", scenario_threads_churn },
	{ "threads-die", scenario_threads_die },
	{ "inode-reuse", scenario_inode_reuse },
	{ "pidns-child", scenario_pidns_child },
	{ "longjmp-handler", scenario_longjmp_handler },
	{ "vfork-sigpipe", scenario_vfork_sigpipe },
	{ "first-registration-sigterm", scenario_first_registration_sigterm },
	{ "no-free-descriptors", scenario_no_free_descriptors },
	{ "handler-flags", scenario_handler_flags },
	{ "chain-to-ours", scenario_chain_to_ours },
	{ "survive-sigterm", scenario_survive_sigterm },
	{ "altstack", scenario_altstack },
};

/* A fresh program: the fatal signals at their defaults (the test runner
 * may have changed some), none blocked, no core files. */
static int run_scenario(const char *name, const char *dir, int ready_fd, int go_fd)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		signal(fatal_signals[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	struct scenario_env env = { .dir = dir, .ready_fd = ready_fd, .go_fd = go_fd };
	for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		if (strcmp(scenarios[i].name, name) == 0)
			return scenarios[i].run(&env);
	return 99;
}

/* ======================================================================
 * The parent side
 * ====================================================================== */

struct child {
	pid_t pid;
	int ready; /* read end */
	int go;    /* write end */
};

static struct child start(const char *scenario, const char *dir)
{
	int ready[2], go[2];
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	fflush(NULL);
	pid_t pid = fork();
	/* No Criterion call in the child: each one talks to the runner. */
	if (pid == 0) {
		/* A test that fails leaves no scenario behind to hold the runner. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(go[1]);
		char ready_arg[16], go_arg[16];
		snprintf(ready_arg, sizeof ready_arg, "%d", ready[1]);
		snprintf(go_arg, sizeof go_arg, "%d", go[0]);
		char *argv[] = { "test_cleanup", "--tf-scenario", (char *)scenario, (char *)dir,
			ready_arg, go_arg, NULL };
		/* Otherwise Criterion's sandbox code in the new image takes it
		 * for one of its workers. */
		unsetenv("BXFI_MAP");
		execv(self_exe(), argv);
		_exit(127);
	}
	cr_assert_geq(pid, 0);
	close(ready[1]);
	close(go[0]);
	return (struct child){ .pid = pid, .ready = ready[0], .go = go[1] };
}

/* The next progress byte; 0 if the child closed the pipe (it ended). */
static char next_byte(struct child *c)
{
	return hear(c->ready);
}

static void expect_byte(struct child *c, char expected)
{
	char got = next_byte(c);
	cr_assert_eq(got, expected, "child sent '%c' (0: ended), expected '%c'", got ? got : '0',
		expected);
}

static int finish(struct child *c)
{
	int status;
	pid_t r;
	do
		r = waitpid(c->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	cr_assert_eq(r, c->pid);
	close(c->ready);
	close(c->go);
	return status;
}

/* The next progress byte within a generous bound: a child that hangs
 * (spinning on a stuck registry) is killed and the test fails. */
/* Whether the child sent something or ended within 60 s (generous: the
 * tests that use it would otherwise hang on a failure). */
static bool child_speaks_soon(struct child *c)
{
	struct pollfd p = { .fd = c->ready, .events = POLLIN };
	int ready;
	do
		ready = poll(&p, 1, 60 * 1000);
	while (ready < 0 && errno == EINTR);
	return ready > 0;
}

static void expect_byte_soon(struct child *c, char expected)
{
	if (!child_speaks_soon(c)) {
		kill(c->pid, SIGKILL);
		cr_assert_fail("child hung waiting for '%c' (killed after 60 s)", expected);
	}
	expect_byte(c, expected);
}

/* The child ends (closes its end) within a generous bound, sending
 * nothing more; else it is killed and the test fails. */
static void expect_end_soon(struct child *c)
{
	bool spoke = child_speaks_soon(c);
	char got = spoke ? next_byte(c) : 0;
	if (!spoke || got != 0) {
		kill(c->pid, SIGKILL);
		cr_assert_fail("child went on (sent '%c') instead of ending", got ? got : '?');
	}
}

static void expect_exit(int status, int code)
{
	cr_assert(WIFEXITED(status), "child did not exit normally (signal %d)",
		WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_eq(WEXITSTATUS(status), code, "child exit status %d, expected %d",
		WEXITSTATUS(status), code);
}

static void expect_killed_by(int status, int sig)
{
	cr_assert(WIFSIGNALED(status), "child was not killed by a signal (exit %d)",
		WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	cr_assert_eq(WTERMSIG(status), sig, "child killed by %d, expected %d", WTERMSIG(status),
		sig);
}

/* Run a scenario that reports 'R' and exits 0 by itself. */
static void run_to_clean_exit(const char *scenario, const char *dir)
{
	struct child c = start(scenario, dir);
	char got = next_byte(&c);
	int status = finish(&c);
	cr_assert_eq(got, 'R', "scenario %s failed with status %d", scenario,
		WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	expect_exit(status, 0);
}

static void expect_empty(const char *dir)
{
	cr_assert_eq(tft_count_entries(dir), 0, "%ld entries left in %s", tft_count_entries(dir),
		dir);
}

/* A scratch directory on tmpfs when there is one: the tests that create
 * thousands of files would spend seconds in ext4's unlink otherwise. */
static char *fast_scratch(void)
{
	struct stat st;
	const char *root = getenv("TF_TEST_ROOT");
	if ((!root || !*root) && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		access("/dev/shm", W_OK) == 0)
		setenv("TF_TEST_ROOT", "/dev/shm", 1);
	return tft_scratch();
}

/* Run scenario "wait" and kill it with sig once its objects exist. */
static void expect_signal_removes_objects(int sig)
{
	char *dir = tft_scratch();
	struct child c = start("wait", dir);
	expect_byte(&c, 'R');
	cr_assert_eq(tft_count_entries(dir), OBJECTS);
	cr_assert_eq(kill(c.pid, sig), 0);
	expect_killed_by(finish(&c), sig);
	expect_empty(dir);
	tft_remove_tree(dir);
	free(dir);
}

TestSuite(cleanup, .init = tft_scratch_setup, .fini = tft_scratch_teardown);

Test(cleanup, objects_removed_after_exit_zero)
{
	struct child c = start("exit", tft_dir);
	expect_byte(&c, 'R');
	expect_exit(finish(&c), 0);
	expect_empty(tft_dir);
}

Test(cleanup, objects_removed_after_return_from_main)
{
	struct child c = start("return", tft_dir);
	expect_byte(&c, 'R');
	expect_exit(finish(&c), 0);
	expect_empty(tft_dir);
}

Test(cleanup, sigint_removes_objects_and_child_dies_by_sigint)
{
	expect_signal_removes_objects(SIGINT);
}

Test(cleanup, sigterm_removes_objects_and_child_dies_by_sigterm)
{
	expect_signal_removes_objects(SIGTERM);
}

Test(cleanup, every_fatal_signal_removes_objects_and_kills_by_that_signal)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		expect_signal_removes_objects(fatal_signals[i]);
}

Test(cleanup, program_handler_installed_before_still_runs_and_child_dies_by_signal)
{
	struct child c = start("handler-before", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGINT), 0);
	expect_byte(&c, 'H');
	expect_killed_by(finish(&c), SIGINT);
	expect_empty(tft_dir);
}

/* A daemon's SIGHUP reload, a REPL's Ctrl-C: the process survives its
 * signal, so its objects must not vanish under it. They go at exit. */
Test(cleanup, program_handler_that_returns_keeps_child_alive_with_its_objects)
{
	struct child c = start("handler-returns", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_byte(&c, 'H');
	expect_byte(&c, 'A');
	cr_assert_eq(tft_count_entries(tft_dir), OBJECTS, "the process lives on: objects stay");
	say(c.go, 'G');
	expect_byte(&c, 'B');
	cr_assert_eq(tft_count_entries(tft_dir), 2 * OBJECTS);
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_byte(&c, 'H'); /* the program's handler runs again: ours stayed */
	expect_byte(&c, 'C');
	expect_exit(finish(&c), 12);
	expect_empty(tft_dir); /* return from main: all removed */
}

Test(cleanup, program_handler_installed_after_can_call_cleanup_now)
{
	struct child c = start("handler-after", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGINT), 0);
	expect_byte(&c, '0');
	expect_exit(finish(&c), 3);
	expect_empty(tft_dir);
}

Test(cleanup, ignored_sigint_stays_ignored_and_objects_stay_until_exit)
{
	struct child c = start("ignore-sigint", tft_dir);
	expect_byte(&c, 'R');
	/* An ignored signal is discarded when sent: no wait is needed. */
	cr_assert_eq(kill(c.pid, SIGINT), 0);
	cr_assert_eq(tft_count_entries(tft_dir), OBJECTS);
	say(c.go, 'G');
	expect_exit(finish(&c), 0);
	expect_empty(tft_dir);
}

Test(cleanup, forked_grandchild_never_removes_the_childs_objects)
{
	struct child c = start("grandchild", tft_dir);
	char got = next_byte(&c);
	int status = finish(&c);
	cr_assert_eq(got, 'R', "grandchild scenario failed with status %d",
		WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	expect_exit(status, 0);
	char *mine = tft_join(tft_dir, "mine"), *theirs = tft_join(tft_dir, "theirs");
	expect_empty(mine);
	expect_empty(theirs);
	free(mine);
	free(theirs);
}

Test(cleanup, exec_drops_nothing_on_disk)
{
	struct child c = start("exec", tft_dir);
	expect_exit(finish(&c), 0);
	cr_assert_eq(tft_count_entries(tft_dir), OBJECTS);
}

Test(cleanup, object_closed_normally_is_not_touched_at_exit)
{
	run_to_clean_exit("forget-then-recreate", tft_dir);
	/* mkstemp's file, mkdtemp's and tempfile_dir's directories and the
	 * handle's file, all made again at the same paths. */
	cr_assert_eq(tft_count_entries(tft_dir), 4);
}

Test(cleanup, persisted_and_closed_handles_are_not_touched_at_exit)
{
	run_to_clean_exit("handles-done", tft_dir);
	/* The published file and the file made again; nothing of the spool. */
	cr_assert_eq(tft_count_entries(tft_dir), 2);
	char *published = tft_join(tft_dir, "published");
	FILE *f = fopen(published, "r");
	cr_assert_not_null(f, "the persisted file was removed at exit");
	char buf[16] = "";
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	cr_assert_str_eq(buf, "final");
	fclose(f);
	free(published);
}

Test(cleanup, path_replaced_by_another_object_is_not_removed)
{
	run_to_clean_exit("replaced", tft_dir);
	/* The replacement file and directory (with its file), and the two
	 * objects renamed away. */
	cr_assert_eq(tft_count_entries(tft_dir), 4);
}

Test(cleanup, tree_with_readonly_dirs_and_outside_links_removed_from_signal_handler)
{
	char *work = tft_join(tft_dir, "work"), *outside = tft_join(tft_dir, "outside");
	char *precious = tft_join(outside, "precious");
	cr_assert_eq(mkdir(work, 0700), 0);
	cr_assert_eq(mkdir(outside, 0700), 0);
	tft_write_file(precious, "keep");
	/* Everything writable by the unprivileged child, so that following a
	 * link would really destroy something. */
	cr_assert_eq(chown(work, 65534, 65534), 0);
	cr_assert_eq(chown(outside, 65534, 65534), 0);
	cr_assert_eq(chown(precious, 65534, 65534), 0);
	struct child c = start("tree", tft_dir);
	char got = next_byte(&c);
	if (got != 'R') {
		int status = finish(&c);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 40)
			cr_skip_test("cannot become nobody");
		cr_assert_fail("tree scenario failed: status %d", status);
	}
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(work);
	cr_assert_eq(tft_count_entries(outside), 1);
	cr_assert_eq(access(precious, F_OK), 0);
	free(work);
	free(outside);
	free(precious);
}

Test(cleanup, failed_removal_is_reported_and_retried_later)
{
	char *work = tft_join(tft_dir, "work");
	cr_assert_eq(mkdir(work, 0700), 0);
	cr_assert_eq(chown(work, 65534, 65534), 0);
	struct child c = start("cleanup-error", tft_dir);
	char got = next_byte(&c);
	int status = finish(&c);
	if (got != 'R' && WIFEXITED(status) && WEXITSTATUS(status) == 40)
		cr_skip_test("cannot become nobody");
	cr_assert_eq(got, 'R', "scenario failed with status %d",
		WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	expect_exit(status, 0);
	expect_empty(work);
	free(work);
}

Test(cleanup, eight_threads_registering_while_signals_arrive_lose_nothing)
{
	char *dir = fast_scratch();
	struct child c = start("threads-churn", dir);
	char got = next_byte(&c);
	if (got != 'R') {
		int status = finish(&c);
		cr_assert_fail("churn scenario failed: status %d (exit %d)", status,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(dir);
	tft_remove_tree(dir);
	free(dir);
}

Test(cleanup, sigterm_while_eight_threads_create_leaves_nothing)
{
	struct child c = start("threads-die", tft_dir);
	expect_byte(&c, 'R');
	/* Let them get going; how far they get does not matter. On a slow
	 * file system (not tmpfs) creations take long, so the signal is
	 * likely to find some of them between creation and registration. */
	while (tft_count_entries(tft_dir) < 200)
		sched_yield();
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(tft_dir);
}

/* ---- in this process ------------------------------------------------------------ */

static void mkstemp_close_forget(const char *dir)
{
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(tempfile_forget(path), 0);
	free(path);
}

Test(cleanup, ten_thousand_register_close_cycles_keep_registry_memory_flat)
{
	char *dir = fast_scratch();
	size_t chunks_before = tf_test_registry_chunks();
	for (int i = 0; i < 1000; i++)
		mkstemp_close_forget(dir);
#ifdef __GLIBC__ /* mallinfo2: the heap in use (musl has no such call) */
	struct mallinfo2 warm = mallinfo2();
#endif
	for (int i = 0; i < 9000; i++)
		mkstemp_close_forget(dir);
#ifdef __GLIBC__
	struct mallinfo2 after = mallinfo2();
#endif
	cr_assert_eq(tf_test_registry_entries(), 0);
	cr_assert_eq(tf_test_registry_chunks(), chunks_before);
	cr_assert_eq(tf_test_registry_chunks(), 1);
#ifdef __GLIBC__
	if (!tft_under_sanitizer())
		cr_assert_leq(after.uordblks, warm.uordblks + 1024,
			"heap in use grew from %zu to %zu bytes", warm.uordblks, after.uordblks);
#endif
	expect_empty(dir);
	tft_remove_tree(dir);
	free(dir);
}

Test(cleanup, released_slots_are_reused_so_chunks_track_peak_not_total)
{
	char *dir = fast_scratch();
	enum { LIVE = 1000 };
	static char *paths[LIVE];
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_AT_EXIT };
	size_t peak = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < LIVE; i++) {
			int fd = tempfile_mkstemp(&o, &paths[i]);
			cr_assert_geq(fd, 0);
			close(fd);
		}
		cr_assert_eq(tf_test_registry_entries(), LIVE);
		if (round == 0)
			peak = tf_test_registry_chunks();
		cr_assert_eq(tf_test_registry_chunks(), peak);
		for (int i = 0; i < LIVE; i++) {
			cr_assert_eq(unlink(paths[i]), 0);
			cr_assert_eq(tempfile_forget(paths[i]), 0);
			free(paths[i]);
		}
	}
	cr_assert_eq(peak, (LIVE + 63) / 64);
	cr_assert_eq(tf_test_registry_entries(), 0);
	tft_remove_tree(dir);
	free(dir);
}

Test(cleanup, cleanup_now_removes_everything_and_entries_stay_forgettable)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	close(fd);
	char *tree = tempfile_mkdtemp(&o);
	cr_assert_not_null(tree);
	char *inside = tft_join(tree, "inside");
	tft_write_file(inside, "x");
	errno = 4321;
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_eq(errno, 4321, "errno is kept on success");
	expect_empty(tft_dir);
	cr_assert_eq(tempfile_cleanup_now(), 0, "a second call has nothing to do");
	cr_assert_eq(tf_test_registry_entries(), 2);
	cr_assert_eq(tempfile_forget(path), 0);
	cr_assert_eq(tempfile_forget(tree), 0);
	cr_assert_eq(tf_test_registry_entries(), 0);
	free(inside);
	free(path);
	free(tree);
}

Test(cleanup, cleanup_now_in_forked_child_leaves_parent_objects)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	close(fd);
	pid_t pid = fork();
	if (pid == 0)
		_exit(tempfile_cleanup_now() == 0 && access(path, F_OK) == 0 ? 0 : 1);
	cr_assert_geq(pid, 0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	expect_exit(status, 0);
	cr_assert_eq(access(path, F_OK), 0);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_neq(access(path, F_OK), 0);
	cr_assert_eq(tempfile_forget(path), 0);
	free(path);
}

Test(cleanup, forget_of_unknown_path_fails_with_enoent_and_null_with_einval)
{
	errno = 0;
	cr_assert_eq(tempfile_forget("/nonexistent/never-registered"), -1);
	cr_assert_eq(errno, ENOENT);
	errno = 0;
	cr_assert_eq(tempfile_forget(NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(cleanup, forgotten_object_stays_on_disk_after_cleanup_now)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(tempfile_forget(path), 0);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_eq(access(path, F_OK), 0);
	free(path);
}

Test(cleanup, register_rejects_relative_path_with_einval)
{
	struct tf_file_id id = { 0 };
	struct tf_registration *r;
	cr_assert_eq(tf_register("relative/path", TF_REGISTERED_FILE, &id, NULL, &r), -EINVAL);
	cr_assert_null(r);
	tf_unregister(NULL); /* ignored */
}

Test(cleanup, registration_keeps_an_ignored_signal_ignored_and_installs_the_rest)
{
	cr_assert_neq(signal(SIGHUP, SIG_IGN), SIG_ERR);
	cr_assert_neq(signal(SIGTERM, SIG_DFL), SIG_ERR);
	char *dir = tft_scratch();
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_AT_EXIT };
	char *path = NULL;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	close(fd);
	struct sigaction hup, term;
	cr_assert_eq(sigaction(SIGHUP, NULL, &hup), 0);
	cr_assert_eq(sigaction(SIGTERM, NULL, &term), 0);
	cr_assert_eq(hup.sa_handler, SIG_IGN);
	cr_assert(term.sa_handler != SIG_DFL && term.sa_handler != SIG_IGN);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	cr_assert_eq(tempfile_forget(path), 0);
	free(path);
	tft_remove_tree(dir);
	free(dir);
}

/* Criterion's main, unless run as a scenario program. */

/* ---- the safety issue's red-team tests ---- */

Test(cleanup, a_new_object_that_got_the_freed_inode_number_survives_exit)
{
	char *dir = tft_scratch(); /* /tmp: ext4 on the project's machines */
	struct tf_os_stat st;
	cr_assert_eq(tf_os_stat_at(AT_FDCWD, dir, &st), 0);
	if (!st.id.has_btime) {
		tft_remove_tree(dir);
		cr_skip_test("no birth time for %s (no statx in the C library, as musl 1.2.3, or "
			     "the file system): device and inode alone decide, as the header says",
			dir);
	}
	struct child c = start("inode-reuse", dir);
	char got = next_byte(&c);
	int status = finish(&c);
	if (got == 'S') {
		tft_remove_tree(dir);
		cr_skip_test("%s does not hand out freed inode numbers at once", dir);
	}
	cr_assert_eq(got, 'R', "scenario failed with status %d", WEXITSTATUS(status));
	expect_exit(status, 0);
	cr_assert_eq(tft_count_entries(dir), 2, "the new file and directory stay");
	tft_remove_tree(dir);
	free(dir);
}

Test(cleanup, identity_compares_birth_time_where_known)
{
	struct tf_file_id a = { .dev = 1, .ino = 2, .btime_sec = 3, .btime_nsec = 4, .has_btime = true };
	struct tf_file_id b = a;
	cr_assert(tf_same_file(&a, &b));
	b.btime_nsec = 5;
	cr_assert_not(tf_same_file(&a, &b), "same inode number, born later: another object");
	b.has_btime = false;
	cr_assert(tf_same_file(&a, &b), "no birth time on one side: inode alone");
	b = a;
	b.ino = 3;
	cr_assert_not(tf_same_file(&a, &b));
}

Test(cleanup, a_descendant_with_the_same_pid_in_a_new_pid_namespace_removes_nothing)
{
	if (!new_pid_namespace())
		cr_skip_test("no PID namespace here (%s): needs root or a user namespace",
			strerror(errno));
	char *dir = tft_scratch();
	struct child c = start("pidns-child", dir); /* pid 1 of the new namespace */
	char got = next_byte(&c);
	if (got != 'R') {
		int status = finish(&c);
		cr_assert_fail("scenario failed: status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	cr_assert_eq(tft_count_entries(dir), OBJECTS);
	say(c.go, 'G');
	expect_exit(finish(&c), 0);
	expect_empty(dir);
	tft_remove_tree(dir);
	free(dir);
}

Test(cleanup, a_handler_that_leaves_by_siglongjmp_hangs_nothing_and_keeps_the_objects)
{
	struct child c = start("longjmp-handler", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGINT), 0);
	expect_byte_soon(&c, 'J');
	expect_byte_soon(&c, '1');
	expect_byte_soon(&c, 'R');
	cr_assert_eq(tft_count_entries(tft_dir), 2 * OBJECTS, "Ctrl-C in a REPL removes nothing");
	cr_assert_eq(kill(c.pid, SIGINT), 0);
	expect_byte_soon(&c, 'J');
	expect_byte_soon(&c, '2');
	expect_byte_soon(&c, 'T');
	cr_assert_eq(tft_count_entries(tft_dir), 3 * OBJECTS);
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(tft_dir);
}

Test(cleanup, a_vfork_child_killed_by_sigpipe_neither_removes_nor_blocks_the_parent)
{
	struct child c = start("vfork-sigpipe", tft_dir);
	expect_byte_soon(&c, 'R');
	expect_exit(finish(&c), 0);
	expect_empty(tft_dir);
}

Test(cleanup, sigterm_in_another_thread_during_the_first_registration_removes_the_object)
{
	struct child c = start("first-registration-sigterm", tft_dir);
	expect_byte(&c, 'R');
	expect_end_soon(&c);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(tft_dir);
}

Test(cleanup, exit_with_no_descriptor_free_still_removes_directories)
{
	run_to_clean_exit("no-free-descriptors", tft_dir);
	expect_empty(tft_dir);
}


Test(cleanup, program_handler_before_ours_gets_its_flags_mask_and_siginfo)
{
	struct child c = start("handler-flags", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_byte(&c, 'I');
	expect_byte(&c, 'M');
	cr_assert_eq(tft_count_entries(tft_dir), OBJECTS, "the handler returned: objects stay");
	/* SA_RESETHAND: the next one takes the default action. */
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_end_soon(&c);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(tft_dir);
}

Test(cleanup, handler_installed_after_that_chains_to_ours_gets_the_objects_removed)
{
	struct child c = start("chain-to-ours", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_byte_soon(&c, 'C');
	expect_exit(finish(&c), 5);
	expect_empty(tft_dir);
}


Test(cleanup, removal_runs_on_a_32_kib_alternate_signal_stack)
{
	struct child c = start("altstack", tft_dir);
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_killed_by(finish(&c), SIGTERM);
	expect_empty(tft_dir);
}

Test(cleanup, sigterm_to_pid_1_of_a_pid_namespace_removes_nothing_and_it_goes_on)
{
	if (!new_pid_namespace())
		cr_skip_test("no PID namespace here (%s): needs root or a user namespace",
			strerror(errno));
	char *dir = tft_scratch();
	struct child c = start("survive-sigterm", dir); /* pid 1 of the new namespace */
	expect_byte(&c, 'R');
	cr_assert_eq(kill(c.pid, SIGTERM), 0);
	expect_byte_soon(&c, 'A'); /* the default action does not end pid 1 */
	cr_assert_eq(tft_count_entries(dir), OBJECTS, "it lives on: objects stay");
	say(c.go, 'G');
	expect_exit(finish(&c), 0);
	expect_empty(dir);
	tft_remove_tree(dir);
	free(dir);
}

int main(int argc, char *argv[])
{
	if (argc == 6 && strcmp(argv[1], "--tf-scenario") == 0)
		return run_scenario(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
