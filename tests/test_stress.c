/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_stress.c - 8 threads creating, closing, forking and changing the
 * settings at once, for a bounded time (about 1.5 s, or 20000 names,
 * whichever comes first; the outcome is checked, never the time).
 *
 * Roles: 4 creators (mkstemp, mkdtemp, mktemplate, each name handed to a
 * queue), 2 closers (close and remove what the queue holds), 1 forker (a
 * child creates names too: it must never repeat its parent's), 1 settings
 * thread (settempprefix, gettempprefix, gettempdir).
 * Afterwards: no name was handed out twice, every call succeeded, the
 * directory is empty, no descriptor is left open. Run under
 * ThreadSanitizer by .ci/tsan.sh and under valgrind by .ci/valgrind.sh.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STRESS_THREADS 8
#define STRESS_CREATORS 4
#define STRESS_CLOSERS 2
#define STRESS_MAX_NAMES 20000
#define STRESS_QUEUE 256
#define STRESS_CHILD_NAMES 4

/* A name as recorded: a kind letter, then its random characters. */
#define KEY_LEN (1 + TF_NAME_LEN)

struct item {
	int fd; /* -1: a directory */
	char *path;
};

struct stress {
	char *dir;
	size_t dir_len;
	struct timespec deadline;
	atomic_bool stop;
	atomic_int producers_left;

	/* Held for reading across a check that cleanup_now must not disturb,
	 * for writing by cleanup_now's caller. */
	pthread_rwlock_t cleaning;

	/* Held across stdio calls and fork() where a fork child's exit()
	 * needs it (stdio_fork_lock). */
	pthread_mutex_t stdio_fork;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t changed;
	struct item queue[STRESS_QUEUE];
	size_t queue_head, queue_len;
	char (*keys)[KEY_LEN + 1];
	size_t key_count;
	unsigned long errors;
	char first_error[256];
};

static bool past_deadline(struct stress *s)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > s->deadline.tv_sec ||
	       (now.tv_sec == s->deadline.tv_sec && now.tv_nsec >= s->deadline.tv_nsec);
}

static bool should_stop(struct stress *s)
{
	if (atomic_load(&s->stop))
		return true;
	if (past_deadline(s)) {
		atomic_store(&s->stop, true);
		return true;
	}
	return false;
}

static void record_error(struct stress *s, const char *what)
{
	int saved = errno;
	pthread_mutex_lock(&s->lock);
	if (s->errors++ == 0)
		snprintf(s->first_error, sizeof s->first_error, "%s: %s", what, strerror(saved));
	pthread_mutex_unlock(&s->lock);
}

/* Record one name (kind letter + random part); false when the cap is hit. */
static bool record_key(struct stress *s, char kind, const char *random_part, size_t len)
{
	bool room;
	pthread_mutex_lock(&s->lock);
	room = s->key_count < STRESS_MAX_NAMES;
	if (room) {
		char *key = s->keys[s->key_count++];
		key[0] = kind;
		memset(key + 1, '-', TF_NAME_LEN);
		memcpy(key + 1, random_part, len < TF_NAME_LEN ? len : TF_NAME_LEN);
		key[KEY_LEN] = '\0';
	}
	pthread_mutex_unlock(&s->lock);
	if (!room)
		atomic_store(&s->stop, true);
	return room;
}

/* The random part of a default name: after dir/ and a 3-letter prefix. */
static const char *random_part(struct stress *s, const char *path)
{
	return path + s->dir_len + 1 + 3;
}

static void enqueue(struct stress *s, int fd, char *path)
{
	pthread_mutex_lock(&s->lock);
	while (s->queue_len == STRESS_QUEUE && !atomic_load(&s->stop))
		pthread_cond_wait(&s->changed, &s->lock);
	if (s->queue_len < STRESS_QUEUE) {
		size_t at = (s->queue_head + s->queue_len++) % STRESS_QUEUE;
		s->queue[at] = (struct item){ .fd = fd, .path = path };
		path = NULL;
	}
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	if (path) { /* stopped while the queue was full: release it here */
		if (fd >= 0) {
			close(fd);
			unlink(path);
		} else {
			rmdir(path);
		}
		free(path);
	}
}

/* A thread that enqueues is done: the closers stop once all are done and
 * the queue is empty. */
static void producer_done(struct stress *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_fetch_sub(&s->producers_left, 1);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

static void *creator(void *arg)
{
	struct stress *s = arg;
	for (unsigned i = 0; !should_stop(s); i++) {
		char *path = NULL;
		int fd = -1;
		if (i % 8 == 7) {
			if (asprintf(&path, "%s/tplXXXXXXXX", s->dir) < 0)
				break;
			fd = tempfile_mktemplate(path, 0, TEMPFILE_KIND_FILE, 0, 0);
			if (fd < 0) {
				record_error(s, "mktemplate");
				free(path);
				continue;
			}
			(void)record_key(s, 'T', path + s->dir_len + 4, TF_NAME_LEN);
		} else if (i % 4 == 3) {
			path = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = s->dir });
			if (!path) {
				record_error(s, "mkdtemp");
				continue;
			}
			(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
		} else {
			fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = s->dir }, &path);
			if (fd < 0) {
				record_error(s, "mkstemp");
				continue;
			}
			(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
		}
		enqueue(s, fd, path);
	}
	producer_done(s);
	return NULL;
}

static void *closer(void *arg)
{
	struct stress *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->queue_len == 0 && atomic_load(&s->producers_left) > 0)
			pthread_cond_wait(&s->changed, &s->lock);
		if (s->queue_len == 0) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		struct item it = s->queue[s->queue_head];
		s->queue_head = (s->queue_head + 1) % STRESS_QUEUE;
		s->queue_len--;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
		if (it.fd >= 0) {
			if (close(it.fd) != 0)
				record_error(s, "close");
			if (unlink(it.path) != 0)
				record_error(s, "unlink");
		} else if (rmdir(it.path) != 0) {
			record_error(s, "rmdir");
		}
		free(it.path);
	}
}

/* In the child: create, report and remove STRESS_CHILD_NAMES names. Only
 * what a forked child of a threaded process may do: the library, write,
 * _exit. */
static void forked_child(struct stress *s, int out)
{
	for (int i = 0; i < STRESS_CHILD_NAMES; i++) {
		char *path = NULL;
		int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = s->dir }, &path);
		if (fd < 0)
			_exit(10);
		if (write(out, random_part(s, path), TF_NAME_LEN) != TF_NAME_LEN)
			_exit(11);
		if (close(fd) != 0 || unlink(path) != 0)
			_exit(12);
		free(path);
	}
	_exit(0);
}

/* One name made in this thread and handed to the closers. */
static void create_here(struct stress *s)
{
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = s->dir }, &path);
	if (fd < 0) {
		record_error(s, "mkstemp");
		return;
	}
	(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
	enqueue(s, fd, path);
}

/* The forking thread makes names itself before and after each fork: a
 * child that inherited its generator state and did not reseed would make
 * the very names its parent makes next. */
static void *forker(void *arg)
{
	struct stress *s = arg;
	while (!should_stop(s)) {
		create_here(s);
		int pipefd[2];
		if (pipe2(pipefd, O_CLOEXEC) != 0) {
			record_error(s, "pipe");
			break;
		}
		pid_t pid = fork();
		if (pid == 0)
			forked_child(s, pipefd[1]);
		close(pipefd[1]);
		if (pid < 0) {
			record_error(s, "fork");
			close(pipefd[0]);
			break;
		}
		char names[STRESS_CHILD_NAMES * TF_NAME_LEN];
		size_t got = 0;
		while (got < sizeof names) {
			ssize_t n = read(pipefd[0], names + got, sizeof names - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(pipefd[0]);
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != sizeof names) {
			errno = ECHILD;
			record_error(s, "forked child");
			continue;
		}
		for (size_t i = 0; i < STRESS_CHILD_NAMES; i++)
			(void)record_key(s, 'N', names + i * TF_NAME_LEN, TF_NAME_LEN);
		for (size_t i = 0; i < STRESS_CHILD_NAMES; i++)
			create_here(s);
	}
	producer_done(s);
	return NULL;
}

static void *settings(void *arg)
{
	struct stress *s = arg;
	for (unsigned i = 0; !should_stop(s); i++) {
		if (tempfile_settempprefix(i % 2 ? "alt" : "tmp") != 0)
			record_error(s, "settempprefix");
		const char *prefix = tempfile_gettempprefix();
		if (strcmp(prefix, "alt") != 0 && strcmp(prefix, "tmp") != 0) {
			errno = EINVAL;
			record_error(s, "gettempprefix returned a torn value");
		}
		if (!tempfile_gettempdir())
			record_error(s, "gettempdir");
		/* Paced: a change every 0.2 ms races the creators often enough
		 * and leaves them the machine. */
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
	return NULL;
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void stress_init(struct stress *s)
{
	memset(s, 0, sizeof *s);
	s->dir = tft_scratch();
	s->dir_len = strlen(s->dir);
	s->keys = calloc(STRESS_MAX_NAMES, sizeof *s->keys);
	cr_assert_not_null(s->keys);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	pthread_rwlock_init(&s->cleaning, NULL);
	pthread_mutex_init(&s->stdio_fork, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_nsec += 500000000L;
	s->deadline.tv_sec += 1 + s->deadline.tv_nsec / 1000000000L;
	s->deadline.tv_nsec %= 1000000000L;
}

static void run_roles(struct stress *s, void *(*const roles[STRESS_THREADS])(void *))
{
	pthread_t threads[STRESS_THREADS];
	for (int i = 0; i < STRESS_THREADS; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, roles[i], s), 0);
	for (int i = 0; i < STRESS_THREADS; i++)
		cr_assert_eq(pthread_join(threads[i], NULL), 0);
}

/* No call failed, no name twice, nothing left, no descriptor open. */
static void stress_verdict(struct stress *s, int fds_before)
{
	cr_log_info("stress: %zu names", s->key_count);
	cr_assert_eq(s->errors, 0, "%lu calls failed, first: %s", s->errors, s->first_error);
	cr_assert_gt(s->key_count, STRESS_CREATORS, "the threads made almost nothing");
	qsort(s->keys, s->key_count, sizeof *s->keys, compare_keys);
	for (size_t i = 1; i < s->key_count; i++)
		cr_assert_str_neq(s->keys[i - 1], s->keys[i], "name %s handed out twice", s->keys[i]);
	cr_assert_eq(tft_count_entries(s->dir), 0, "entries left in %s", s->dir);
	cr_assert_eq(tft_count_fds(), fds_before, "descriptors leaked");
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
	pthread_rwlock_destroy(&s->cleaning);
	pthread_mutex_destroy(&s->stdio_fork);
	free(s->keys);
	tft_remove_tree(s->dir);
	free(s->dir);
}

Test(stress, eight_threads_creating_closing_and_forking_never_repeat_a_name)
{
	struct stress s;
	int fds_before = tft_count_fds();
	stress_init(&s);
	atomic_store(&s.producers_left, STRESS_CREATORS + 1); /* and the forker */
	void *(*const roles[STRESS_THREADS])(void *) = { creator, creator, creator, creator, closer,
		closer, forker, settings };
	run_roles(&s, roles);
	stress_verdict(&s, fds_before);
}

#if defined(__has_include)
#  if __has_include("file.c") && __has_include("spooled.c") && __has_include("directory.c")
#    define STRESS_COMPONENTS 1
#  endif
#endif

#ifdef STRESS_COMPONENTS
/* A child of a threaded process may call only async-signal-safe
 * functions, and exit() is not one: it flushes every stream, locking each.
 * glibc resets all stream locks in the child, so exit() works there; musl
 * leaves a lock another thread held at fork() held for good, and the
 * child's exit() waits on it forever. Where the C library is not glibc, no
 * thread holds a stream across fork(). */
#ifdef __GLIBC__
#  define STDIO_FORK_GUARD 0
#else
#  define STDIO_FORK_GUARD 1
#endif

static void stdio_fork_lock(struct stress *s)
{
	if (STDIO_FORK_GUARD)
		pthread_mutex_lock(&s->stdio_fork);
}

static void stdio_fork_unlock(struct stress *s)
{
	if (STDIO_FORK_GUARD)
		pthread_mutex_unlock(&s->stdio_fork);
}

/* Every kind of object at once: named files (with TEMPFILE_AT_EXIT, so
 * that the exit registry is hammered too), unnamed files, spooled files
 * rolled over, temporary directories with content; a thread calling
 * tempfile_cleanup_now() meanwhile; a forker whose children exit() (the
 * registry's handler runs there and must not touch the parent's files). */
static void *named_worker(void *arg)
{
	struct stress *s = arg;
	while (!should_stop(s)) {
		struct tempfile *t = tempfile_named(
			&(struct tempfile_opts){ .dir = s->dir, .flags = TEMPFILE_AT_EXIT }, NULL);
		if (!t) {
			record_error(s, "tempfile_named");
			continue;
		}
		(void)record_key(s, 'N', random_part(s, tempfile_path(t)), TF_NAME_LEN);
		stdio_fork_lock(s);
		FILE *f = tempfile_stream(t);
		if (!f || fputs("named\n", f) < 0)
			record_error(s, "fputs");
		/* cleanup_now may have removed it meanwhile: ENOENT is fine. */
		int closed = tempfile_close(t);
		int close_errno = errno;
		stdio_fork_unlock(s);
		if (closed != 0 && close_errno != ENOENT) {
			errno = close_errno;
			record_error(s, "tempfile_close");
		}
	}
	return NULL;
}

static void *unnamed_worker(void *arg)
{
	struct stress *s = arg;
	for (unsigned i = 0; !should_stop(s); i++) {
		if (i % 2) {
			int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = s->dir });
			if (fd < 0 || close(fd) != 0)
				record_error(s, "tempfile_temporary_fd");
			continue;
		}
		struct tempfile_spooled *sp =
			tempfile_spooled(16, &(struct tempfile_opts){ .dir = s->dir }, NULL);
		if (!sp) {
			record_error(s, "tempfile_spooled");
			continue;
		}
		char buf[64] = { 0 };
		if (tempfile_spooled_write(sp, buf, sizeof buf) != (ssize_t)sizeof buf ||
			tempfile_spooled_rolled(sp) != 1)
			record_error(s, "tempfile_spooled_write");
		if (tempfile_spooled_close(sp) != 0)
			record_error(s, "tempfile_spooled_close");
	}
	return NULL;
}

static void *dir_worker(void *arg)
{
	struct stress *s = arg;
	while (!should_stop(s)) {
		struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = s->dir });
		if (!d) {
			record_error(s, "tempfile_dir");
			continue;
		}
		const char *path = tempfile_dir_path(d);
		(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
		char *inner = NULL;
		int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = path }, &inner);
		if (fd < 0)
			record_error(s, "mkstemp in a temporary directory");
		else
			close(fd);
		free(inner);
		if (tempfile_dir_cleanup(d) != 0)
			record_error(s, "tempfile_dir_cleanup");
	}
	return NULL;
}

static void *registry_worker(void *arg)
{
	struct stress *s = arg;
	for (unsigned i = 0; !should_stop(s); i++) {
		char *path = NULL;
		int fd = tempfile_mkstemp(
			&(struct tempfile_opts){ .dir = s->dir, .flags = TEMPFILE_AT_EXIT }, &path);
		if (fd < 0) {
			record_error(s, "mkstemp AT_EXIT");
			continue;
		}
		(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
		close(fd);
		/* Either we take it back and remove it, or cleanup_now beat us. */
		if (tempfile_forget(path) == 0) {
			if (unlink(path) != 0 && errno != ENOENT)
				record_error(s, "unlink");
		} else if (errno != ENOENT) {
			record_error(s, "tempfile_forget");
		}
		free(path);
		if (i % 16 == 0) {
			pthread_rwlock_wrlock(&s->cleaning);
			if (tempfile_cleanup_now() != 0 && errno != ENOENT)
				record_error(s, "tempfile_cleanup_now");
			pthread_rwlock_unlock(&s->cleaning);
		}
	}
	return NULL;
}

/* LeakSanitizer's documented hook: a forked child of a threaded process
 * sees the other threads' live objects as leaked at its exit(), so the
 * children below turn the leak check off (the parent keeps it). */
int __lsan_is_turned_off(void);
static volatile int leak_check_off;
int __lsan_is_turned_off(void)
{
	return leak_check_off;
}

/* A parent's TEMPFILE_AT_EXIT file survives its child's exit(). The
 * check holds off cleanup_now (which would rightly remove the file). */
static void *exiting_forker(void *arg)
{
	struct stress *s = arg;
	while (!should_stop(s)) {
		pthread_rwlock_rdlock(&s->cleaning);
		char *path = NULL;
		int fd = tempfile_mkstemp(
			&(struct tempfile_opts){ .dir = s->dir, .flags = TEMPFILE_AT_EXIT }, &path);
		if (fd < 0) {
			record_error(s, "mkstemp AT_EXIT");
			pthread_rwlock_unlock(&s->cleaning);
			continue;
		}
		(void)record_key(s, 'N', random_part(s, path), TF_NAME_LEN);
		stdio_fork_lock(s);
		pid_t pid = fork();
		if (pid == 0) {
			leak_check_off = 1;
			exit(0); /* runs the registry's atexit handler */
		}
		stdio_fork_unlock(s);
		int status;
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		struct stat st;
		if (pid < 0) {
			record_error(s, "fork");
		} else if (fstat(fd, &st) != 0 || st.st_nlink != 1) {
			errno = EXDEV;
			record_error(s, "a forked child removed its parent's file at exit");
		}
		if (tempfile_forget(path) != 0)
			record_error(s, "tempfile_forget");
		if (unlink(path) != 0 && errno != ENOENT)
			record_error(s, "unlink");
		pthread_rwlock_unlock(&s->cleaning);
		close(fd);
		free(path);
	}
	return NULL;
}

static void *idle_producer_done(void *arg)
{
	(void)arg;
	return NULL;
}

Test(stress, every_kind_of_object_from_eight_threads_with_cleanup_now_and_exiting_children)
{
	struct stress s;
	int fds_before = tft_count_fds();
	stress_init(&s);
	void *(*const roles[STRESS_THREADS])(void *) = { named_worker, named_worker,
		unnamed_worker, unnamed_worker, dir_worker, registry_worker, exiting_forker,
		idle_producer_done };
	run_roles(&s, roles);
	stress_verdict(&s, fds_before);
}
#endif
