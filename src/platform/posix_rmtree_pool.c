/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_rmtree_pool.c - the removal of a large tree by a few
 * threads (tf_remove_tree_pooled), for the callers that are not signal
 * handlers: tempfile_rmtree, tempfile_dir_cleanup, dir_persist's old tree.
 *
 * It is the sequential walk of posix_rmtree_walk.c, the same function per
 * directory, with one difference: a directory met at the top of a walk
 * (after the same fstatat, openat(O_NOFOLLOW), identity and mount checks)
 * may be offered to the pool instead of entered. A taker walks it as its
 * own tree with its own walk state, anchored at its parent for restarts,
 * and the last one out of a directory removes it in its parent; a failure
 * inside keeps every ancestor, as in the sequential walk. So every rule of
 * that walk holds in each thread; what the pool adds is only who walks.
 *
 * No thread starts before the walks met TF_RM_POOL_THRESHOLD entries, and
 * then only when a directory is there to hand over: until then the caller
 * takes what it queued itself, so small trees, flat directories and chains
 * cost what the sequential walk costs (the same calls per entry). Descriptors:
 * each thread's walk keeps its own TF_RM_WINDOW at most, and each
 * directory handed over holds one or two until it is removed, of which
 * there are TF_RM_POOL_NODES per thread at most. No global state, no global lock: the
 * pool lives in one call, so a fork() while it runs leaves the child
 * nothing to deadlock on. All threads are joined before the call returns.
 */
#include "internal.h"
#include "platform/posix_rmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Threads at most, the caller's included (TEMPFILE_RMTREE_THREADS may ask
 * for up to TF_RM_MAX_THREADS). */
#define TF_RM_DEFAULT_THREADS 8
#define TF_RM_MAX_THREADS 64
/* Entries the walk removes alone before it starts threads. Measured on 2
 * CPUs (load 2), tmpfs, 10 directories of N files, the pool from the first
 * directory against the sequential walk (× sequential, medians of 21-41
 * interleaved runs):
 *   CFLAGS=-DTF_RM_POOL_THRESHOLD=0 TEMPFILE_BENCH_BUILD=build-bench-t0 \
 *   bench/run.sh --only tree --dir /dev/shm --tree-dirs 10 --tree-files N \
 *   --tree-reps 41 --no-counts --python none
 * 50-250 entries 1.00-1.18, 500 1.09-1.26, 750 0.69, 1,000 0.80-0.94,
 * 1,500 0.98, 3,000 0.71: thread start-up is paid back from about 750. */
#ifndef TF_RM_POOL_THRESHOLD
#  define TF_RM_POOL_THRESHOLD 1000
#endif
/* Directories handed over and not yet removed, per thread at most: each
 * holds one or two descriptors. */
#define TF_RM_POOL_NODES 4
/* Below this soft RLIMIT_NOFILE the walk stays alone: the threads' windows
 * would take what the program may need. */
#define TF_RM_POOL_MIN_NOFILE 256

struct pool;

/* A directory handed over, or the top. */
struct node {
	struct pool *pool;
	struct node *parent; /* NULL: the top */
	struct node *next;   /* in the queue */
	int fd;              /* as the offering walk opened it; its taker's walk closes it */
	int kept_fd;         /* a duplicate for its own handed-over children, or -1 */
	struct tf_os_stat st;
	bool chmodded;
	bool failed;      /* something in it stays: no rmdir, nor of any ancestor */
	unsigned pending; /* its walk, and each child handed over and not yet removed */
	char name[NAME_MAX + 1]; /* in the parent */
};

/* A worker thread and its own walk state. */
struct worker {
	struct pool *pool;
	struct tf_rm_walk *walk;
	pthread_t thread;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* work queued, the top's children all gone, or stop */
	struct tf_mount mount;
	struct node top;
	struct node *head, *tail;
	size_t queued, live; /* nodes queued; nodes not yet removed (the top aside) */
	size_t entries;      /* met by the walks that are over */
	size_t queue_cap, node_cap;
	size_t threshold;
	unsigned threads; /* wanted, the caller's included */
	unsigned started;
	bool sized;   /* threads and caps set: at the first offer (size_pool) */
	bool tried, stop;
	bool alone;   /* tried, and no worker started: set before any could read it */
	bool offered; /* a node was queued: finish_pool has work */
	int error; /* the first error of a taker (-errno), 0 if none */
	struct worker workers[TF_RM_MAX_THREADS - 1];
};

#ifdef TEMPFILE_TEST_SEAMS
static unsigned test_threads;
static size_t test_threshold = SIZE_MAX;
static int test_thread_error;

void tf_test_rmtree_pool(unsigned threads, size_t threshold)
{
	test_threads = threads;
	test_threshold = threshold;
}

void tf_test_rmtree_pool_thread_error(int err)
{
	test_thread_error = err;
}
#endif

static void note_error(struct pool *p, struct node *n, int err)
{
	pthread_mutex_lock(&p->lock);
	if (!p->error)
		p->error = err;
	n->failed = true;
	pthread_mutex_unlock(&p->lock);
}

/* The walk of n is over, or one of its children is removed: the last one
 * out removes n in its parent, and so on up. The top is the caller's. */
static void release(struct pool *p, struct node *n)
{
	for (;;) {
		pthread_mutex_lock(&p->lock);
		bool last = --n->pending == 0;
		bool failed = n->failed;
		if (n == &p->top && n->pending == 1)
			pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
		if (!last)
			return;
		struct node *parent = n->parent;
		if (n->kept_fd >= 0)
			close(n->kept_fd);
		int err = 0;
		if (!failed) {
			bool chmodded = false;
			err = tf_rm_unlink_in(parent->kept_fd, parent->st.mode, &chmodded, n->name,
				AT_REMOVEDIR);
			if (err == -ENOENT)
				err = 0;
		}
		pthread_mutex_lock(&p->lock);
		if (err && !p->error)
			p->error = err;
		if (failed || err)
			parent->failed = true;
		p->live--;
		pthread_mutex_unlock(&p->lock);
		free(n);
		n = parent;
	}
}

static bool offer(struct tf_rm_walk *w, int fd, const struct tf_os_stat *st, bool chmodded,
	const char *name);

/* Walk the directory n was handed over as, with the walk state w. */
static void run_node(struct pool *p, struct tf_rm_walk *w, struct node *n)
{
	w->offer = offer;
	w->offer_arg = n;
	int err = tf_rm_walk_tree(w, n->fd, &n->st, &p->mount, n->chmodded, n->parent->kept_fd,
		n->name);
	pthread_mutex_lock(&p->lock);
	p->entries += w->entries;
	pthread_mutex_unlock(&p->lock);
	if (err)
		note_error(p, n, err);
	release(p, n);
}

/* The queue's first node, the lock held; NULL if empty. */
static struct node *dequeue(struct pool *p)
{
	struct node *n = p->head;
	if (n) {
		p->head = n->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
	}
	return n;
}

static void *work(void *arg)
{
	struct worker *me = arg;
	struct pool *p = me->pool;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct node *n = dequeue(p);
		if (n) {
			pthread_mutex_unlock(&p->lock);
			run_node(p, me->walk, n);
			pthread_mutex_lock(&p->lock);
		} else if (p->stop) {
			break;
		} else {
			pthread_cond_wait(&p->wake, &p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	tf_rm_test_hook(TF_RMTREE_WORKER_EXIT, -1, "");
	return NULL;
}

static int create_thread(pthread_t *thread, struct worker *w)
{
#ifdef TEMPFILE_TEST_SEAMS
	if (test_thread_error)
		return test_thread_error;
#endif
	return pthread_create(thread, NULL, work, w);
}

/* Start the workers, with every signal blocked in them: a signal for the
 * process goes to a thread of the program's. False if none started (the
 * walk then goes on alone, as if there were one CPU). */
static bool start_workers(struct pool *p)
{
	p->tried = true;
	sigset_t all, old;
	sigfillset(&all);
	if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0) {
		p->alone = true;
		return false;
	}
	for (unsigned i = 0; i + 1 < p->threads; i++) {
		struct worker *w = &p->workers[i];
		w->pool = p;
		w->walk = calloc(1, sizeof *w->walk);
		if (!w->walk)
			break;
		if (create_thread(&w->thread, w) != 0) { /* EAGAIN: RLIMIT_NPROC, ... */
			free(w->walk);
			break;
		}
		p->started++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->alone = p->started == 0;
	return p->started > 0;
}

/* tf_rm_offer_fn: queue the directory while the pool has room. Before the
 * walks met the threshold's entries no thread runs: the caller takes the
 * queue itself after its walk, and so reaches the next level's directories
 * as handed-over tops too (a tree in one subdirectory splits as well as one
 * that starts wide). Past it the workers start, once. */
static bool size_pool(struct pool *p);

static bool offer(struct tf_rm_walk *w, int fd, const struct tf_os_stat *st, bool chmodded,
	const char *name)
{
	struct node *parent = w->offer_arg;
	struct pool *p = parent->pool;
	if (!p->sized && !size_pool(p))
		return false;
	/* Workers read only what was written before they started. */
	if (p->alone)
		return false; /* no thread could be made: the walk alone */
	/* Only the caller runs before the workers start: no lock for entries. */
	if (!p->tried && p->entries + w->entries >= p->threshold)
		(void)start_workers(p); /* if none starts, what is queued is the caller's */
	size_t len = strlen(name);
	if (len > NAME_MAX)
		return false;
	pthread_mutex_lock(&p->lock);
	bool room = p->queued < p->queue_cap && p->live < p->node_cap;
	pthread_mutex_unlock(&p->lock);
	if (!room)
		return false;
	/* Its removal, after the walk closed its own descriptor, needs one. */
	if (parent->kept_fd < 0) {
		int kept = fcntl(w->level[0].fd, F_DUPFD_CLOEXEC, 0);
		if (kept < 0)
			return false;
		parent->kept_fd = kept;
	}
	struct node *n = malloc(sizeof *n);
	if (!n)
		return false;
	*n = (struct node){ .pool = p, .parent = parent, .fd = fd, .kept_fd = -1, .st = *st,
		.chmodded = chmodded, .pending = 1 };
	memcpy(n->name, name, len + 1);
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = n;
	else
		p->head = n;
	p->tail = n;
	p->queued++;
	p->live++;
	p->offered = true;
	parent->pending++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return true;
}

/* After the caller's own walk of the top: take queued work too until every
 * directory handed over is gone, then stop and join the workers. */
static int finish_pool(struct pool *p, struct tf_rm_walk *w, int err)
{
	pthread_mutex_lock(&p->lock);
	if (err && !p->error)
		p->error = err;
	for (;;) {
		struct node *n = dequeue(p);
		if (n) {
			pthread_mutex_unlock(&p->lock);
			run_node(p, w, n);
			pthread_mutex_lock(&p->lock);
		} else if (p->top.pending == 1) {
			break;
		} else {
			pthread_cond_wait(&p->wake, &p->lock);
		}
	}
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	err = p->error;
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->started; i++) {
		(void)pthread_join(p->workers[i].thread, NULL);
		free(p->workers[i].walk);
	}
	return err;
}

/* tf_rm_top_walk_fn: the top's walk, offering as it goes. */
static int pooled_walk(struct tf_rm_walk *w, int top_fd, const struct tf_os_stat *top,
	const struct tf_mount *top_mount, bool chmodded, int anchor_fd, const char *anchor_name,
	void *arg)
{
	struct pool *p = arg;
	p->mount = *top_mount;
	p->top = (struct node){ .pool = p, .fd = top_fd, .kept_fd = -1, .st = *top, .pending = 1 };
	w->offer = offer;
	w->offer_arg = &p->top;
	int err = tf_rm_walk_tree(w, top_fd, top, top_mount, chmodded, anchor_fd, anchor_name);
	/* Workers may have started for an offer that then found no room.
	 * Without workers only this thread wrote offered: no lock to read it. */
	if (p->started || p->offered)
		err = finish_pool(p, w, err);
	w->offer = NULL;
	if (p->top.kept_fd >= 0)
		close(p->top.kept_fd);
	return err;
}

/* The CPUs this process may run on: 1 if that cannot be told. */
static unsigned cpus_available(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 1 ? (unsigned)n : 1;
}

/* TEMPFILE_RMTREE_THREADS=N (1..64), or 0 where it does not say. */
static unsigned threads_asked(void)
{
	const char *v = getenv("TEMPFILE_RMTREE_THREADS");
	if (v && *v) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (*end == '\0' && n >= 1 && n <= TF_RM_MAX_THREADS)
			return (unsigned)n;
	}
	return 0;
}

/* The threads asked for, else the CPUs available, at most 8. */
static unsigned pool_threads(void)
{
	unsigned n = threads_asked();
	if (n)
		return n;
	n = cpus_available();
	return n < TF_RM_DEFAULT_THREADS ? n : TF_RM_DEFAULT_THREADS;
}

static bool descriptors_to_spare(void)
{
	struct rlimit limit;
	return getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
		(limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= TF_RM_POOL_MIN_NOFILE);
}

/* Set the pool's threads and caps, at the first directory offered: a tree
 * with no subdirectory (an empty tempfile_dir, a flat one) never pays the
 * two system calls. False, and the walk alone from then on, where one
 * thread is all there is or descriptors are short. */
static bool size_pool(struct pool *p)
{
	p->sized = true;
	unsigned threads = p->threads;
	if (threads == 0) {
		threads = pool_threads();
		if (threads <= 1 || !descriptors_to_spare()) {
			p->alone = true;
			return false;
		}
	}
	p->threads = threads;
	p->queue_cap = 2 * (size_t)threads;
	p->node_cap = TF_RM_POOL_NODES * (size_t)threads;
	return true;
}

int tf_remove_tree_pooled(const char *path, const struct tf_file_id *expect)
{
	/* 1: the walk alone; 0: sized by size_pool at the first offer. */
	unsigned threads = threads_asked() == 1 ? 1 : 0;
	size_t threshold = TF_RM_POOL_THRESHOLD;
#ifdef TEMPFILE_TEST_SEAMS
	if (test_threads)
		threads = test_threads;
	if (test_threshold != SIZE_MAX)
		threshold = test_threshold;
#endif
	if (threads == 1)
		return tf_remove_tree(path, expect);
	struct pool *p = calloc(1, sizeof *p);
	if (!p)
		return tf_remove_tree(path, expect);
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return tf_remove_tree(path, expect);
	}
	if (pthread_cond_init(&p->wake, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return tf_remove_tree(path, expect);
	}
	p->threads = threads;
	p->threshold = threshold;
	int err = tf_rm_remove_tree(path, expect, pooled_walk, p);
	bool started = p->started > 0;
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
	/* The workers' descriptors may be what was missing: what is left goes
	 * as the sequential walk alone would remove it. */
	if (started && (err == -EMFILE || err == -ENFILE))
		err = tf_remove_tree(path, expect);
	return err;
}
