/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_rmtree_pool.c - the removal by a pool of threads
 * (platform/posix_rmtree_pool.c): every test of test_rmtree.c once more
 * with the pool forced on (two threads, started at the first directory, so
 * each removal of a tree with a subdirectory runs pthread_create), then the
 * pool's own tests.
 */
#define TF_RMTREE_POOLED 1
#include "test_rmtree.c"

/* Its trees are big and many: on tmpfs, not on /tmp's disk (the sequential
 * program runs the same tests there). */
__attribute__((constructor)) static void scratch_on_tmpfs(void)
{
	tft_prefer_tmpfs();
}

#include <dirent.h>

/* ---- the pool's own tests ------------------------------------------------------ */

/* A tree of `dirs` directories of `files` files under a new directory
 * `name`, and a second level below each of the first five. */
static char *make_wide(const char *name, int dirs, int files)
{
	char *top = make_dir(name);
	int fd = open_dir_path(top);
	char entry[32];
	for (int d = 0; d < dirs; d++) {
		snprintf(entry, sizeof entry, "d%d", d);
		if (mkdirat(fd, entry, 0755) != 0)
			cr_assert_fail("mkdirat %s: %s", entry, strerror(errno));
		int sub = openat(fd, entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			cr_assert_fail("openat %s: %s", entry, strerror(errno));
		for (int f = 0; f < files; f++) {
			snprintf(entry, sizeof entry, "f%d", f);
			int file = openat(sub, entry, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (file < 0)
				cr_assert_fail("creating %s: %s", entry, strerror(errno));
			close(file);
		}
		if (d < 5)
			make_chain(sub, 3, "deeper", "f");
		close(sub);
	}
	close(fd);
	return top;
}

/* The threads that met a directory: at most 16 told apart. */
struct threads_seen {
	pthread_mutex_t lock;
	pthread_t seen[16];
	int n;
};

static void note_thread(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)event;
	(void)dirfd;
	(void)name;
	struct threads_seen *t = arg;
	pthread_t me = pthread_self();
	pthread_mutex_lock(&t->lock);
	bool known = false;
	for (int i = 0; i < t->n; i++)
		known = known || pthread_equal(t->seen[i], me);
	if (!known && t->n < 16)
		t->seen[t->n++] = me;
	pthread_mutex_unlock(&t->lock);
}

/* The threads of this process, as /proc/self/task lists them. */
static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Joined threads leave /proc a moment after pthread_join returns (the
 * kernel clears the thread id before it releases the task): wait for that,
 * up to a second. */
static int tasks_settled_to(int expected)
{
	int n = count_tasks();
	for (int i = 0; i < 100 && n != expected; i++) {
		usleep(10000);
		n = count_tasks();
	}
	return n;
}

/* Remove top, which must succeed and leave errno alone; the threads that
 * took part. */
static int remove_counting_threads(const char *top)
{
	struct threads_seen t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	tf_test_rmtree_hook(note_thread, &t);
	errno = 0;
	cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
	cr_assert_eq(errno, 0, "errno changed to %s", strerror(errno));
	tf_test_rmtree_hook(NULL, NULL);
	cr_assert_not(tft_exists(top));
	return t.n;
}

Test(rmtree, pool_removes_a_big_tree_completely_with_the_builtin_threshold)
{
	tf_test_rmtree_pool(2, SIZE_MAX); /* two threads even on one CPU */
	char *top = make_wide("top", 200, 100);
	cr_assert_eq(remove_counting_threads(top), 2, "the pool's thread did its share");
	cr_assert_eq(tft_count_entries(scratch), 0);
	free(top);
}

Test(rmtree, pool_small_tree_starts_no_thread)
{
	tf_test_rmtree_pool(2, SIZE_MAX);
	char *top = make_wide("top", 10, 10);
	cr_assert_eq(remove_counting_threads(top), 1, "a thread started for 150 entries");
	free(top);
}

/* A worker that lingers on its way out: the call must wait for it. */
static void linger_at_exit(enum tf_rmtree_event event, int dirfd, const char *name, void *arg)
{
	(void)dirfd;
	(void)name;
	(void)arg;
	if (event == TF_RMTREE_WORKER_EXIT)
		usleep(1500 * 1000);
}

Test(rmtree, pool_leaves_no_thread_running_when_it_returns)
{
	/* One removal first: ThreadSanitizer starts a thread of its own at
	 * the first pthread_create. */
	char *first = make_wide("first", 40, 20);
	cr_assert_eq(tempfile_rmtree(first, 0), 0, "%s", strerror(errno));
	free(first);
	int before = count_tasks();
	for (int i = 0; i < 3; i++) {
		char *top = make_wide("top", 40, 20);
		tf_test_rmtree_hook(i == 0 ? linger_at_exit : NULL, NULL);
		cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
		/* Under the lingering worker's 1.5 s, well over the kernel's
		 * moment: a thread not joined is still there. */
		cr_assert_eq(tasks_settled_to(before), before, "a thread of the pool outlived the call");
		cr_assert_not(tft_exists(top));
		free(top);
	}
}

Test(rmtree, pool_thread_creation_failure_falls_back_to_the_sequential_walk)
{
	tf_test_rmtree_pool_thread_error(EAGAIN);
	char *top = make_wide("top", 40, 20);
	int before = count_tasks();
	cr_assert_eq(remove_counting_threads(top), 1, "removed alone, the failure not reported");
	cr_assert_eq(count_tasks(), before);
	free(top);
}

/* RLIMIT_NPROC for real: a non-root uid at its limit cannot make a thread. */
Test(rmtree, pool_at_rlimit_nproc_removes_the_tree_alone)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to become a uid whose RLIMIT_NPROC can bite");
	char *top = make_wide("top", 40, 20);
	char *cmd = tft_format("chown -R %d:%d '%s'", NOBODY, NOBODY, scratch);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		gid_t gid = NOBODY;
		struct rlimit none = { 0, 0 };
		if (setgroups(1, &gid) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
			setresuid(NOBODY, NOBODY, NOBODY) != 0 || setrlimit(RLIMIT_NPROC, &none) != 0)
			_exit(255);
		pthread_t probe;
		if (pthread_create(&probe, NULL, removal_thread, NULL) != EAGAIN)
			_exit(253); /* the limit does not bite here */
		errno = 0;
		int rc = tempfile_rmtree(top, 0);
		_exit(rc == 0 ? (errno == 0 ? 0 : 254) : errno);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 255)
		cr_skip_test("cannot become nobody with RLIMIT_NPROC 0");
	if (WEXITSTATUS(status) == 253)
		cr_skip_test("RLIMIT_NPROC does not stop pthread_create here");
	cr_assert_eq(WEXITSTATUS(status), 0, "the removal failed: %s", strerror(WEXITSTATUS(status)));
	cr_assert_not(tft_exists(top));
	free(top);
}

/* A root-owned directory with a root-owned file in several subtrees, the
 * rest nobody's: nobody's removal through the pool reports EACCES after
 * removing everything else. All below one directory, which the walk of the
 * top hands over at once: every error is met by a walk of the pool's. */
Test(rmtree, pool_errors_in_several_subtrees_report_the_first_and_remove_the_rest)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to build a tree with root-owned parts");
	char *top = make_dir("top");
	char *wide = make_wide("top/only", 40, 20);
	char *cmd = tft_format("chown -R %d:%d '%s'", NOBODY, NOBODY, scratch);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	int stubborn[] = { 3, 17, 38 };
	for (size_t i = 0; i < sizeof stubborn / sizeof *stubborn; i++) {
		char *dir = tft_format("%s/d%d/root", wide, stubborn[i]);
		cr_assert_eq(mkdir(dir, 0755), 0);
		char *f = tft_join(dir, "f");
		tft_write_file(f, "x");
		free(f);
		free(dir);
	}
	int err = rmtree_as_nobody(top, 0);
	cr_assert_eq(err, EACCES, "got %s", strerror(err));
	cr_assert_eq(tft_count_entries(wide), 3, "all but the three stubborn subtrees are gone");
	for (size_t i = 0; i < sizeof stubborn / sizeof *stubborn; i++) {
		char *dir = tft_format("%s/d%d", wide, stubborn[i]);
		cr_assert_eq(tft_count_entries(dir), 1, "%s keeps only its stubborn part", dir);
		char *f = tft_format("%s/root/f", dir);
		cr_assert(tft_exists(f));
		free(f);
		free(dir);
	}
	cr_assert_eq(rmtree_as_nobody(top, TEMPFILE_IGNORE_CLEANUP_ERRORS), 0);
	cr_assert(tft_exists(top));
	free(wide);
	free(top);
}

/* fork() from another thread while the pool runs: the child's own
 * removal through a pool must not wait on anything the parent held. */
struct forker {
	const char *child_tree;
	pid_t pid;
};

static void *fork_during_removal(void *arg)
{
	struct forker *f = arg;
	usleep(2000);
	f->pid = fork();
	if (f->pid == 0) {
		alarm(60); /* a deadlock ends the child, and the test says so */
		int rc = tempfile_rmtree(f->child_tree, 0);
		_exit(rc == 0 ? 0 : 1);
	}
	return NULL;
}

Test(rmtree, pool_fork_while_it_runs_leaves_the_child_free_to_remove)
{
	if (tft_under_sanitizer())
		cr_skip_test("ThreadSanitizer cannot start threads in a child forked by a threaded process");
	for (int round = 0; round < 5; round++) {
		char *top = make_wide("top", 200, 50);
		char *theirs = make_wide("theirs", 40, 20);
		struct forker f = { .child_tree = theirs, .pid = -1 };
		pthread_t thread;
		fflush(NULL);
		cr_assert_eq(pthread_create(&thread, NULL, fork_during_removal, &f), 0);
		cr_assert_eq(tempfile_rmtree(top, 0), 0, "%s", strerror(errno));
		cr_assert_eq(pthread_join(thread, NULL), 0);
		cr_assert_gt(f.pid, 0);
		int status;
		cr_assert_eq(waitpid(f.pid, &status, 0), f.pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"the child's removal failed or hung (status %d)", status);
		cr_assert_not(tft_exists(top));
		cr_assert_not(tft_exists(theirs));
		free(theirs);
		free(top);
	}
}

/* TEMPFILE_RMTREE_THREADS: 1 keeps the walk alone; 2 gives it a thread on
 * any machine, past the built-in threshold. */
Test(rmtree, pool_threads_from_the_environment)
{
	tf_test_rmtree_pool(0, SIZE_MAX); /* no seam: what the environment says */
	tft_setenv("TEMPFILE_RMTREE_THREADS", "1");
	char *top = make_wide("top", 200, 100);
	cr_assert_eq(remove_counting_threads(top), 1);
	free(top);
	tft_setenv("TEMPFILE_RMTREE_THREADS", "2");
	top = make_wide("top", 200, 100);
	cr_assert_eq(remove_counting_threads(top), 2);
	free(top);
}

/* A wide tree in d's directory; a copy of that directory's path. */
static char *fill_handle(const struct tempfile_dir *d, int dirs, int files)
{
	char *path = strdup(tempfile_dir_path(d));
	char *inside = tft_join(path + strlen(scratch) + 1, "tree");
	free(make_wide(inside, dirs, files));
	free(inside);
	return path;
}

/* The exit registry's removal (signal handlers, exit) is the sequential
 * walk by construction: even with the pool forced on, no thread. */
Test(rmtree, pool_is_never_used_by_the_exit_registry)
{
	struct tempfile_dir *d = tempfile_dir(
		&(struct tempfile_opts){ .dir = scratch, .flags = TEMPFILE_AT_EXIT | TEMPFILE_KEEP });
	cr_assert_not_null(d);
	char *registered = fill_handle(d, 40, 20);
	struct threads_seen t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	tf_test_rmtree_hook(note_thread, &t);
	cr_assert_eq(tempfile_cleanup_now(), 0, "%s", strerror(errno));
	tf_test_rmtree_hook(NULL, NULL);
	cr_assert_not(tft_exists(registered));
	cr_assert_eq(t.n, 1, "the exit registry's removal ran on %d threads", t.n);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(registered);
}

/* The threads a removal of a big tree uses in a child whose CPUs are the
 * first `cpus` of this process's (0: all of them), with no seam: what the
 * CPUs say. -1 if the affinity cannot be set. */
static int threads_on_cpus(int cpus)
{
	char *top = make_wide("top", 200, 100);
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		tf_test_rmtree_pool(0, SIZE_MAX);
		unsetenv("TEMPFILE_RMTREE_THREADS");
		cpu_set_t have, want;
		CPU_ZERO(&want);
		if (sched_getaffinity(0, sizeof have, &have) != 0)
			_exit(1);
		int taken = 0;
		for (size_t c = 0; c < CPU_SETSIZE && (cpus == 0 || taken < cpus); c++)
			if (CPU_ISSET(c, &have)) {
				CPU_SET(c, &want);
				taken++;
			}
		if (sched_setaffinity(0, sizeof want, &want) != 0)
			_exit(1);
		struct threads_seen t = { .lock = PTHREAD_MUTEX_INITIALIZER };
		tf_test_rmtree_hook(note_thread, &t);
		int rc = tempfile_rmtree(top, 0);
		unsigned char n = rc == 0 ? (unsigned char)t.n : 0;
		_exit(write(pipefd[1], &n, 1) == 1 ? 0 : 1);
	}
	close(pipefd[1]);
	unsigned char n = 0;
	ssize_t got = read(pipefd[0], &n, 1);
	close(pipefd[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	free(top);
	if (got != 1)
		return -1;
	cr_assert_gt(n, 0, "the removal failed");
	return n;
}

static int cpus_of_this_process(void)
{
	cpu_set_t set;
	cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
	return CPU_COUNT(&set);
}

Test(rmtree, pool_on_one_cpu_starts_no_thread)
{
	int n = threads_on_cpus(1);
	if (n < 0)
		cr_skip_test("cannot set the CPU affinity");
	cr_assert_eq(n, 1);
}

Test(rmtree, pool_has_a_thread_per_cpu)
{
	if (cpus_of_this_process() < 2)
		cr_skip_test("one CPU here");
	int n = threads_on_cpus(2);
	if (n < 0)
		cr_skip_test("cannot set the CPU affinity");
	cr_assert_eq(n, 2);
}

Test(rmtree, pool_has_at_most_8_threads)
{
	if (cpus_of_this_process() <= 8)
		cr_skip_test("8 CPUs or fewer here: the cap cannot show");
	int n = threads_on_cpus(0);
	if (n < 0)
		cr_skip_test("cannot set the CPU affinity");
	cr_assert_leq(n, 8);
	cr_assert_geq(n, 2);
}

Test(rmtree, pool_starts_no_thread_under_a_soft_rlimit_nofile_of_255)
{
	if (under_valgrind())
		cr_skip_test("RLIMIT_NOFILE cannot be lowered under valgrind");
	tf_test_rmtree_pool(0, SIZE_MAX);
	tft_setenv("TEMPFILE_RMTREE_THREADS", "2");
	char *top = make_wide("top", 200, 100);
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 255;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(remove_counting_threads(top), 1);
	free(top);
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	top = make_wide("top", 200, 100);
	cr_assert_eq(remove_counting_threads(top), 2);
	free(top);
}

Test(rmtree, pool_removes_for_tempfile_dir_cleanup_too)
{
	tf_test_rmtree_pool(2, SIZE_MAX);
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = scratch });
	cr_assert_not_null(d);
	char *path = fill_handle(d, 200, 100);
	struct threads_seen t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	tf_test_rmtree_hook(note_thread, &t);
	cr_assert_eq(tempfile_dir_cleanup(d), 0, "%s", strerror(errno));
	tf_test_rmtree_hook(NULL, NULL);
	cr_assert_not(tft_exists(path));
	cr_assert_eq(t.n, 2);
	free(path);
}

Test(rmtree, pool_removes_the_tree_tempfile_dir_persist_replaces)
{
	tf_test_rmtree_pool(2, SIZE_MAX);
	char *old = make_wide("old", 200, 100);
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = scratch });
	cr_assert_not_null(d);
	struct threads_seen t = { .lock = PTHREAD_MUTEX_INITIALIZER };
	tf_test_rmtree_hook(note_thread, &t);
	cr_assert_eq(tempfile_dir_persist(d, old, 0), 0, "%s", strerror(errno));
	tf_test_rmtree_hook(NULL, NULL);
	cr_assert_eq(tft_count_entries(old), 0, "the new, empty directory is at old's name");
	cr_assert_eq(tft_count_entries(scratch), 1, "the old tree is gone");
	cr_assert_eq(t.n, 2);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	free(old);
}
