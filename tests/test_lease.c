/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_lease.c - TEMPFILE_LEASE and tempfile_reap: what a creator that
 * dies by any means leaves is reaped, and nothing else ever is (live
 * leases, plain objects, new objects at the same name, other users'
 * objects, links), with the attribute marker and the fallback one. The
 * "creator" of each case is a forked child, killed or left to exit.
 */
#include "support.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

TestSuite(lease, .init = tft_scratch_setup, .fini = tft_scratch_teardown, .timeout = 120);

/* How the creating child ends once it has made its object. */
enum ending { KILLED, EXITS, LIVES, EXECS };

enum what { A_FILE, A_DIR, A_NAMED, A_MKDTEMP, A_TEMPLATE };

struct creator {
	pid_t pid;
	char path[4096];
};

/* Make one leased object of kind what in dir (the child's work); its path
 * (NEW) or NULL. */
static char *make_leased(enum what what, const char *dir)
{
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_LEASE };
	char *path = NULL;
	switch (what) {
	case A_FILE: {
		int fd = tempfile_mkstemp(&o, &path);
		if (fd >= 0)
			(void)write(fd, "x", 1);
		return fd >= 0 ? path : NULL;
	}
	case A_NAMED: {
		struct tempfile *t = tempfile_named(&o, NULL);
		return t ? strdup(tempfile_path(t)) : NULL;
	}
	case A_DIR: {
		struct tempfile_dir *d = tempfile_dir(&o);
		if (!d)
			return NULL;
		path = strdup(tempfile_dir_path(d));
		char *inner = tft_format("%s/inner", path);
		(void)mkdir(inner, 0700);
		free(inner);
		inner = tft_format("%s/inner/file", path);
		int fd = open(inner, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		free(inner);
		return path;
	}
	case A_MKDTEMP:
		return tempfile_mkdtemp(&o);
	case A_TEMPLATE: {
		char *tmpl = tft_format("%s/tmplXXXXXX", dir);
		if (tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_DIR, TEMPFILE_LEASE, 0) != 0) {
			free(tmpl);
			return NULL;
		}
		return tmpl;
	}
	}
	return NULL;
}

/* Fork a child that makes a leased object in dir and then ends as told
 * (LIVES: waits to be killed). Returns once the object exists. */
static void start_creator(struct creator *c, enum what what, const char *dir, enum ending end,
	bool no_xattr, bool as_nobody)
{
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	fflush(NULL);
	c->pid = fork();
	cr_assert_neq(c->pid, -1);
	if (c->pid == 0) {
		close(pipefd[0]);
		/* A test that fails before stop_creator leaves no stray behind. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
			_exit(7);
		if (as_nobody && !tft_become_nobody())
			_exit(3);
		tf_test_lease_no_xattr(no_xattr);
		char *path = make_leased(what, dir);
		if (!path)
			_exit(2);
		size_t n = strlen(path) + 1;
		if (write(pipefd[1], path, n) != (ssize_t)n)
			_exit(4);
		close(pipefd[1]);
		switch (end) {
		case KILLED: raise(SIGKILL); break;
		case EXITS: exit(0); /* no cleanup of the object: its lease ends */
		case LIVES: for (;;) pause();
		case EXECS: execl("/bin/sleep", "sleep", "600", (char *)NULL); _exit(5);
		}
		_exit(6);
	}
	close(pipefd[1]);
	size_t got = 0;
	ssize_t n;
	while ((n = read(pipefd[0], c->path + got, sizeof c->path - 1 - got)) > 0)
		got += (size_t)n;
	close(pipefd[0]);
	c->path[got] = '\0';
	if (got == 0) {
		int status;
		waitpid(c->pid, &status, 0);
		cr_assert_fail("the creator failed (status %d)", status);
	}
	if (end == KILLED || end == EXITS) {
		int status;
		cr_assert_eq(waitpid(c->pid, &status, 0), c->pid);
		c->pid = -1;
	}
}

static void stop_creator(struct creator *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = -1;
	}
}

static int reap_here(void)
{
	return tempfile_reap(tft_dir, 0);
}

/* Whether identities carry a birth time here (statx): the fallback marker
 * is reaped only then. */
static bool have_btime(void)
{
	struct tf_file_id id;
	cr_assert_eq(tf_os_file_id(-1, tft_dir, &id), 0);
	return id.has_btime;
}

static void check_reaped(enum what what, enum ending end, bool no_xattr)
{
	struct creator c;
	start_creator(&c, what, tft_dir, end, no_xattr, false);
	cr_assert(tft_exists(c.path));
	if (no_xattr && !have_btime()) {
		cr_assert_eq(reap_here(), 0, "reaped on device and inode alone");
		cr_assert(tft_exists(c.path));
		tft_remove_tree(tft_dir);
		cr_assert_eq(mkdir(tft_dir, 0700), 0);
		return;
	}
	cr_assert_eq(reap_here(), 1, "reap: %s", strerror(errno));
	cr_assert(!tft_exists(c.path), "%s is still there", c.path);
	cr_assert_eq(tft_count_entries(tft_dir), 0, "the marker or something else stayed");
	cr_assert_eq(reap_here(), 0);
}

Test(lease, sigkilled_creators_file_is_reaped)
{
	check_reaped(A_FILE, KILLED, false);
}

Test(lease, sigkilled_creators_directory_tree_is_reaped)
{
	check_reaped(A_DIR, KILLED, false);
}

Test(lease, sigkilled_creators_named_file_is_reaped)
{
	check_reaped(A_NAMED, KILLED, false);
}

Test(lease, mkdtemp_and_mktemplate_leases_are_reaped)
{
	check_reaped(A_MKDTEMP, KILLED, false);
	check_reaped(A_TEMPLATE, KILLED, false);
}

Test(lease, plain_exit_without_cleanup_ends_the_lease)
{
	check_reaped(A_FILE, EXITS, false);
	check_reaped(A_DIR, EXITS, false);
}

Test(lease, fallback_marker_file_and_directory_are_reaped)
{
	check_reaped(A_FILE, KILLED, true);
	check_reaped(A_DIR, KILLED, true);
	check_reaped(A_NAMED, EXITS, true);
}

static void check_live_kept(bool no_xattr)
{
	struct creator file, dir;
	start_creator(&file, A_FILE, tft_dir, LIVES, no_xattr, false);
	start_creator(&dir, A_DIR, tft_dir, LIVES, no_xattr, false);
	int reaped = reap_here();
	bool there = tft_exists(file.path) && tft_exists(dir.path);
	stop_creator(&file);
	stop_creator(&dir);
	cr_assert_eq(reaped, 0);
	cr_assert(there);
	cr_assert_eq(reap_here(), no_xattr && !have_btime() ? 0 : 2);
}

Test(lease, without_a_birth_time_a_fallback_lease_is_never_reaped)
{
	tf_test_os_no_statx(true); /* the creator (forked) and the reaper */
	struct creator c;
	start_creator(&c, A_FILE, tft_dir, KILLED, true, false);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(c.path));
	tf_test_os_no_statx(false);
}

Test(lease, live_creators_objects_are_never_reaped)
{
	check_live_kept(false);
}

Test(lease, live_creators_objects_are_never_reaped_fallback)
{
	check_live_kept(true);
}

Test(lease, the_attribute_marker_is_the_objects_name)
{
	struct creator c;
	start_creator(&c, A_FILE, tft_dir, LIVES, false, false);
	char value[256];
	ssize_t n = getxattr(c.path, "user.tempfile.lease", value, sizeof value);
	stop_creator(&c);
	cr_assert_gt(n, 0, "no attribute: %s", strerror(errno));
	const char *name = strrchr(c.path, '/') + 1;
	cr_assert_eq((size_t)n, strlen(name));
	cr_assert_eq(memcmp(value, name, (size_t)n), 0);
}

Test(lease, the_fallback_marker_is_a_link_recording_the_identity)
{
	struct creator c;
	start_creator(&c, A_FILE, tft_dir, LIVES, true, false);
	const char *name = strrchr(c.path, '/') + 1;
	char *marker = tft_format("%s/.tempfile-lease.%s", tft_dir, name);
	char target[128];
	ssize_t n = readlink(marker, target, sizeof target - 1);
	stop_creator(&c);
	cr_assert_gt(n, 0, "no marker link: %s", strerror(errno));
	target[n] = '\0';
	struct stat st;
	cr_assert_eq(lstat(c.path, &st), 0);
	char *prefix = tft_format("tfl1:%ju:%ju:", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	cr_assert_eq(strncmp(target, prefix, strlen(prefix)), 0, "%s", target);
	free(prefix);
	free(marker);
}

Test(lease, objects_without_a_lease_are_never_reaped)
{
	struct tempfile_opts o = { .dir = tft_dir };
	char *path;
	int fd = tempfile_mkstemp(&o, &path);
	cr_assert_geq(fd, 0);
	close(fd);
	char *dir = tempfile_mkdtemp(&o);
	cr_assert(dir);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(path) && tft_exists(dir));
	free(path);
	free(dir);
}

Test(lease, closing_through_the_library_ends_the_lease_and_removes)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	int before = tft_count_fds();
	struct tempfile *t = tempfile_named(&o, NULL);
	struct tempfile_dir *d = tempfile_dir(&o);
	cr_assert(t && d);
	cr_assert_eq(tft_count_fds(), before + 3, "one descriptor per lease, plus the file's");
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(tft_count_fds(), before, "the lease descriptors are closed");
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

static void check_kept_is_plain(bool no_xattr)
{
	tf_test_lease_no_xattr(no_xattr);
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE | TEMPFILE_KEEP };
	struct tempfile *t = tempfile_named(&o, NULL);
	struct tempfile_dir *d = tempfile_dir(&o);
	cr_assert(t && d);
	char *file = strdup(tempfile_path(t)), *dir = strdup(tempfile_dir_path(d));
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 2, "the kept objects, no marker");
	cr_assert_eq(getxattr(file, "user.tempfile.lease", NULL, 0), -1);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(file) && tft_exists(dir));
	free(file);
	free(dir);
	tf_test_lease_no_xattr(false);
}

Test(lease, kept_objects_lose_their_marker)
{
	check_kept_is_plain(false);
}

Test(lease, kept_objects_lose_their_fallback_marker)
{
	check_kept_is_plain(true);
}

Test(lease, persisted_objects_are_no_leases)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	struct tempfile *t = tempfile_named(&o, NULL);
	struct tempfile_dir *d = tempfile_dir(&o);
	cr_assert(t && d);
	char *file = tft_join(tft_dir, "published"), *dir = tft_join(tft_dir, "published-dir");
	cr_assert_eq(tempfile_persist(t, file, 0), 0);
	cr_assert_eq(tempfile_dir_persist(d, dir, 0), 0);
	cr_assert_eq(getxattr(file, "user.tempfile.lease", NULL, 0), -1);
	cr_assert_eq(getxattr(dir, "user.tempfile.lease", NULL, 0), -1);
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tempfile_dir_cleanup(d), 0);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(file) && tft_exists(dir));
	free(file);
	free(dir);
}

Test(lease, forget_ends_a_handleless_lease)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	int before = tft_count_fds();
	char *dir = tempfile_mkdtemp(&o);
	cr_assert(dir);
	cr_assert_eq(tft_count_fds(), before + 1);
	cr_assert_eq(tempfile_forget(dir), 0);
	cr_assert_eq(tft_count_fds(), before);
	cr_assert_eq(getxattr(dir, "user.tempfile.lease", NULL, 0), -1);
	errno = 0;
	cr_assert_eq(tempfile_forget(dir), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(dir));
	free(dir);
}

Test(lease, lease_descriptors_do_not_survive_exec)
{
	struct creator c;
	start_creator(&c, A_DIR, tft_dir, EXECS, false, false);
	/* The exec'd sleep still runs, but holds nothing. */
	for (int i = 0; i < 200 && reap_here() == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 }; /* the exec may not have happened yet */
		nanosleep(&ts, NULL);
	}
	cr_assert(!tft_exists(c.path));
	cr_assert_eq(kill(c.pid, 0), 0, "sleep was still running");
	stop_creator(&c);
}

Test(lease, a_forked_child_keeps_its_parents_lease)
{
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	fflush(NULL);
	pid_t parent = fork();
	cr_assert_neq(parent, -1);
	if (parent == 0) {
		char *path = make_leased(A_FILE, tft_dir);
		if (!path)
			_exit(2);
		pid_t child = fork();
		if (child == 0) {
			close(pipefd[1]); /* the test reads until the parent is gone */
			for (;;)
				pause();
		}
		dprintf(pipefd[1], "%d %s", (int)child, path);
		close(pipefd[1]);
		raise(SIGKILL);
	}
	close(pipefd[1]);
	char buf[4200] = { 0 };
	size_t got = 0;
	ssize_t n;
	while ((n = read(pipefd[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(pipefd[0]);
	waitpid(parent, NULL, 0);
	int child;
	char path[4096];
	cr_assert_eq(sscanf(buf, "%d %4095s", &child, path), 2);
	cr_assert_gt(child, 1);
	int kept = reap_here();
	bool there = tft_exists(path);
	kill(child, SIGKILL);
	/* Not our child: wait until it is gone (it has been reparented). */
	for (int i = 0; i < 1000 && kill(child, 0) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(kept, 0);
	cr_assert(there);
	int reaped = 0;
	for (int i = 0; i < 500 && (reaped = reap_here()) == 0; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 }; /* a zombie still holds its descriptors */
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(reaped, 1);
}

/* ---- threads ----------------------------------------------------------------- */

static void *lease_churn(void *arg)
{
	(void)arg;
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	for (int i = 0; i < 50; i++) {
		char *path = NULL;
		int fd = tempfile_mkstemp(&o, &path);
		struct tempfile_dir *d = tempfile_dir(&o);
		if (fd < 0 || !d || close(fd) != 0 || unlink(path) != 0 || tempfile_forget(path) != 0 ||
			tempfile_dir_cleanup(d) != 0)
			return (void *)1;
		free(path);
	}
	return NULL;
}

Test(lease, threads_take_and_end_leases_at_once)
{
	int before = tft_count_fds();
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, lease_churn, NULL), 0);
	bool failed = false;
	for (int i = 0; i < 4; i++) {
		void *result;
		cr_assert_eq(pthread_join(th[i], &result), 0);
		failed |= result != NULL;
	}
	cr_assert(!failed);
	cr_assert_eq(tft_count_fds(), before, "a lease descriptor stayed open");
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

/* The next free descriptor number. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	close(fd);
	return fd;
}

Test(lease, out_of_descriptors_fails_with_emfile_leaving_nothing)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	/* Room for the file's descriptor, none for the lease's. */
	struct rlimit limit = { .rlim_cur = (rlim_t)lowest_free_fd() + 1, .rlim_max = RLIM_INFINITY };
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &limit) == 0 && 1, 1);
	limit.rlim_cur = (rlim_t)lowest_free_fd() + 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	char *path = NULL;
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&o, &path), -1);
	cr_assert_eq(errno, EMFILE);
	/* None at all: the directory is made, its lease cannot be. */
	limit.rlim_cur = (rlim_t)lowest_free_fd();
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	errno = 0;
	cr_assert_null(tempfile_mkdtemp(&o));
	cr_assert_eq(errno, EMFILE);
	limit.rlim_cur = limit.rlim_max < 1024 ? limit.rlim_max : 1024;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

/* An object replaced at the same name (ext4 hands a freed inode number
 * out again at once) is a new object: never reaped. */
static void check_replaced_not_reaped(bool no_xattr)
{
	struct creator c;
	start_creator(&c, A_FILE, tft_dir, KILLED, no_xattr, false);
	struct stat old;
	cr_assert_eq(lstat(c.path, &old), 0);
	cr_assert_eq(unlink(c.path), 0);
	int fd = open(c.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	struct stat now;
	cr_assert_eq(lstat(c.path, &now), 0);
	if (now.st_ino != old.st_ino)
		cr_log_info("the new file has another inode number (%ju, was %ju)",
			(uintmax_t)now.st_ino, (uintmax_t)old.st_ino);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(c.path));
}

Test(lease, a_new_object_at_the_same_name_is_not_reaped)
{
	check_replaced_not_reaped(false);
}

Test(lease, a_new_object_at_the_same_name_is_not_reaped_fallback)
{
	check_replaced_not_reaped(true);
	/* The orphaned marker went (kept where no birth time tells), the new
	 * file stayed. */
	cr_assert_eq(tft_count_entries(tft_dir), have_btime() ? 1 : 2);
}

Test(lease, bad_directories)
{
	char *missing = tft_join(tft_dir, "missing");
	errno = 0;
	cr_assert_eq(tempfile_reap(missing, 0), -1);
	cr_assert_eq(errno, ENOENT);
	char *file = tft_join(tft_dir, "file");
	tft_write_file(file, "x");
	errno = 0;
	cr_assert_eq(tempfile_reap(file, 0), -1);
	cr_assert_eq(errno, ENOTDIR);
	TFT_ASSERT_EINVAL(tempfile_reap(tft_dir, 1), -1);
	TFT_ASSERT_EINVAL(tempfile_reap("", 0), -1);
	TFT_ASSERT_EINVAL(tempfile_reap_explain(tft_dir, TEMPFILE_LEASE, NULL, NULL), -1);
	free(missing);
	free(file);
}

Test(lease, unreadable_directory_is_eacces)
{
	char *locked = tft_join(tft_dir, "locked");
	cr_assert_eq(mkdir(locked, 0300), 0);
	cr_assert_eq(chmod(tft_dir, 0755), 0);
	/* In a child as nobody where we are root, who reads everything. */
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (geteuid() == 0 && !tft_become_nobody())
			_exit(3);
		_exit(tempfile_reap(locked, 0) == -1 && errno == EACCES ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	free(locked);
}

Test(lease, lease_is_refused_where_nothing_is_held)
{
	struct tempfile_opts o = { .dir = tft_dir, .flags = TEMPFILE_LEASE };
	errno = 0;
	cr_assert_null(tempfile_temporary(&o, NULL));
	cr_assert_eq(errno, EINVAL);
	TFT_ASSERT_EINVAL(tempfile_temporary_fd(&o), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled(10, &o, NULL), NULL);
	char *tmpl = tft_format("%s/nameXXXXXX", tft_dir);
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
	TFT_ASSERT_EINVAL(tempfile_mktemp(&o), NULL);
	TFT_ASSERT_EINVAL(tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_NAME, TEMPFILE_LEASE, 0), -1);
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif
	TFT_ASSERT_EINVAL(tempfile_atomic_open(tmpl, TEMPFILE_LEASE, 0), NULL);
	free(tmpl);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

/* ---- entries that change while the reaper looks ------------------------------ */

struct swap {
	const char *dir;
	bool make_new; /* put a new object of the same kind at the name */
	int calls;
};

static void swap_away(const char *name, void *arg)
{
	struct swap *s = arg;
	s->calls++;
	char *from = tft_join(s->dir, name), *to = tft_format("%s/moved-%d", s->dir, s->calls);
	if (rename(from, to) != 0)
		cr_log_error("rename: %s", strerror(errno));
	struct stat st;
	bool was_dir = lstat(to, &st) == 0 && S_ISDIR(st.st_mode);
	if (s->make_new && was_dir && mkdir(from, 0700) != 0)
		cr_log_error("mkdir: %s", strerror(errno));
	if (s->make_new && !was_dir)
		tft_write_file(from, "new");
	free(from);
	free(to);
}

static void check_changed_mid_reap(enum what what, bool make_new)
{
	static int round;
	char *dir = tft_format("%s/round-%d", tft_dir, ++round);
	cr_assert_eq(mkdir(dir, 0700), 0);
	struct creator c;
	start_creator(&c, what, dir, KILLED, false, false);
	struct swap s = { .dir = dir, .make_new = make_new };
	tf_test_reap_hook(swap_away, &s);
	int reaped = tempfile_reap(dir, 0);
	tf_test_reap_hook(NULL, NULL);
	cr_assert_eq(s.calls, 1);
	cr_assert_eq(reaped, 0, "what changed was reaped");
	char *moved = tft_join(dir, "moved-1");
	cr_assert(tft_exists(moved), "the moved object was touched");
	cr_assert_eq(tft_exists(c.path), make_new);
	free(moved);
	free(dir);
}

Test(lease, an_entry_that_vanishes_mid_reap_is_skipped)
{
	check_changed_mid_reap(A_FILE, false);
	check_changed_mid_reap(A_DIR, false);
}

Test(lease, an_entry_replaced_mid_reap_is_left)
{
	check_changed_mid_reap(A_DIR, true);
	check_changed_mid_reap(A_FILE, true);
}

Test(lease, a_marker_naming_another_entry_is_no_lease)
{
	/* What a copy with its attributes, or a rename, looks like. */
	char *copy = tft_join(tft_dir, "copy");
	tft_write_file(copy, "x");
	cr_assert_eq(setxattr(copy, "user.tempfile.lease", "tmporiginal", 11, 0), 0);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(copy));
	cr_assert_eq(setxattr(copy, "user.tempfile.lease", "copy", 4, 0), 0);
	cr_assert_eq(reap_here(), 1, "the same marker with its own name is an abandoned lease");
	free(copy);
}

Test(lease, a_symbolic_link_to_an_abandoned_lease_is_not_followed)
{
	char *elsewhere = tft_join(tft_dir, "elsewhere"), *reaped = tft_join(tft_dir, "reaped");
	cr_assert_eq(mkdir(elsewhere, 0700), 0);
	cr_assert_eq(mkdir(reaped, 0700), 0);
	struct creator c;
	start_creator(&c, A_DIR, elsewhere, KILLED, false, false);
	char *link = tft_join(reaped, "link");
	cr_assert_eq(symlink(c.path, link), 0);
	char *marker = tft_join(reaped, ".tempfile-lease.link");
	cr_assert_eq(symlink("tfl1:1:2:0:0:0", marker), 0);
	cr_assert_eq(tempfile_reap(reaped, 0), 0);
	cr_assert(tft_exists(c.path), "the link was followed");
	cr_assert(tft_exists(link));
	free(elsewhere);
	free(reaped);
	free(link);
	free(marker);
}

/* ---- an age-based cleaner ------------------------------------------------------ */

#define TMPFILES "/usr/bin/systemd-tmpfiles"

/* systemd-tmpfiles --clean conf: its exit status. */
static int run_tmpfiles(const char *conf)
{
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execl(TMPFILES, "systemd-tmpfiles", "--clean", conf, (char *)NULL);
		_exit(127);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(lease, systemd_tmpfiles_cleans_a_stale_plain_directory_and_keeps_a_live_lease)
{
	if (access(TMPFILES, X_OK) != 0)
		cr_skip_test(TMPFILES " not installed (Debian: apt-get install systemd)");
	char *cleaned = tft_join(tft_dir, "cleaned"), *plain = tft_join(cleaned, "plain");
	cr_assert_eq(mkdir(cleaned, 0755), 0);
	cr_assert_eq(mkdir(plain, 0700), 0);
	char *plain_file = tft_join(plain, "file");
	tft_write_file(plain_file, "old");
	struct creator c;
	start_creator(&c, A_DIR, cleaned, LIVES, false, false);
	/* Age 0: everything in it is old enough; only the lock can keep it. */
	char *conf = tft_join(tft_dir, "test.conf"), *line = tft_format("d %s - - - 0\n", cleaned);
	tft_write_file(conf, line);
	int status = run_tmpfiles(conf);
	bool plain_gone = !tft_exists(plain);
	char *inner = tft_format("%s/inner/file", c.path);
	bool lease_kept = tft_exists(c.path) && tft_exists(inner);
	stop_creator(&c);
	cr_assert_eq(status, 0, "systemd-tmpfiles --clean: status %d", status);
	cr_assert(plain_gone, "the stale plain directory was not cleaned");
	cr_assert(lease_kept, "the live leased directory was cleaned");
	cr_assert_eq(tempfile_reap(cleaned, 0), 1);
	free(cleaned);
	free(plain);
	free(plain_file);
	free(conf);
	free(line);
	free(inner);
}

Test(lease, only_the_entries_of_dir_are_looked_at)
{
	char *sub = tft_join(tft_dir, "sub");
	cr_assert_eq(mkdir(sub, 0700), 0);
	struct creator c;
	start_creator(&c, A_FILE, sub, KILLED, false, false);
	cr_assert_eq(reap_here(), 0);
	cr_assert(tft_exists(c.path));
	cr_assert_eq(tempfile_reap(sub, 0), 1);
	free(sub);
}

/* A removal that fails (a read-only directory, as nobody where we are
 * root) is reported, and the lease stays for a later reap. */
struct failed_seen {
	int count, error;
};

static void note_error(const struct tempfile_reaped *e, void *arg)
{
	struct failed_seen *s = arg;
	s->count++;
	s->error = e->error;
}

Test(lease, a_lease_that_cannot_be_removed_is_reported)
{
	char *dir = tft_join(tft_dir, "ro");
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(tft_dir, 0755), 0);
	bool root = geteuid() == 0;
	if (root)
		cr_assert_eq(chown(dir, 65534, 65534), 0);
	struct creator c;
	start_creator(&c, A_FILE, dir, KILLED, false, root);
	cr_assert_eq(chmod(dir, 0500), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (root && !tft_become_nobody())
			_exit(3);
		struct failed_seen s = { 0 };
		int rc = tempfile_reap_explain(dir, 0, note_error, &s);
		_exit(rc == -1 && errno == EACCES && s.count == 1 && s.error == EACCES ? 0 : 1);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(chmod(dir, 0700), 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert(tft_exists(c.path));
	free(dir);
}

/* ---- explain and dry run --------------------------------------------------- */

struct seen {
	int count;
	int dirs;
	char name[256];
};

static void note(const struct tempfile_reaped *e, void *arg)
{
	struct seen *s = arg;
	s->count++;
	s->dirs += e->is_dir;
	cr_assert_eq(e->error, 0);
	snprintf(s->name, sizeof s->name, "%s", e->name);
}

Test(lease, dry_run_reports_and_removes_nothing)
{
	struct creator c;
	start_creator(&c, A_DIR, tft_dir, KILLED, false, false);
	struct seen s = { 0 };
	cr_assert_eq(tempfile_reap_explain(tft_dir, TEMPFILE_DRY_RUN, note, &s), 1);
	cr_assert_eq(s.count, 1);
	cr_assert_eq(s.dirs, 1);
	cr_assert_str_eq(s.name, strrchr(c.path, '/') + 1);
	cr_assert(tft_exists(c.path));
	memset(&s, 0, sizeof s);
	cr_assert_eq(tempfile_reap_explain(tft_dir, 0, note, &s), 1);
	cr_assert_eq(s.count, 1);
	cr_assert(!tft_exists(c.path));
	cr_assert_eq(tempfile_reap_explain(tft_dir, 0, NULL, NULL), 0);
}

Test(lease, reap_null_is_the_default_directory)
{
	tft_setenv("TMPDIR", tft_dir);
	cr_assert_eq(tempfile_settempdir(NULL), 0);
	struct creator c;
	start_creator(&c, A_FILE, tft_dir, KILLED, false, false);
	cr_assert_eq(tempfile_reap(NULL, 0), 1);
	cr_assert(!tft_exists(c.path));
}

/* ---- other users ------------------------------------------------------------- */

/* Run reap in dir as uid (a child); its result. */
static int reap_as(uid_t uid, const char *dir)
{
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (uid != 0 && (setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0))
			_exit(3);
		int n = tempfile_reap(dir, 0);
		(void)!write(pipefd[1], &n, sizeof n);
		_exit(0);
	}
	close(pipefd[1]);
	int n = -2;
	(void)!read(pipefd[0], &n, sizeof n);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return n;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (to act as other users)");
}

Test(lease, another_users_lease_is_never_reaped)
{
	need_root();
	cr_assert_eq(chmod(tft_dir, 01777), 0);
	struct creator file, dir;
	start_creator(&file, A_FILE, tft_dir, KILLED, false, true);
	start_creator(&dir, A_DIR, tft_dir, KILLED, have_btime(), true); /* the fallback where it can be reaped */
	cr_assert_eq(reap_as(0, tft_dir), 0, "root reaped nobody's leases");
	cr_assert_eq(reap_as(65533, tft_dir), 0, "another user reaped nobody's leases");
	cr_assert(tft_exists(file.path) && tft_exists(dir.path));
	cr_assert_eq(reap_as(65534, tft_dir), 2);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

Test(lease, a_marker_planted_by_another_user_does_nothing)
{
	need_root();
	cr_assert_eq(chmod(tft_dir, 01777), 0);
	/* nobody's plain file, and a fallback marker for it made by root
	 * recording its true identity. */
	char *victim = tft_join(tft_dir, "victim");
	tft_write_file(victim, "x");
	cr_assert_eq(chown(victim, 65534, 65534), 0);
	struct stat st;
	cr_assert_eq(lstat(victim, &st), 0);
	char *target = tft_format("tfl1:%ju:%ju:0:0:0", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	char *marker = tft_join(tft_dir, ".tempfile-lease.victim");
	cr_assert_eq(symlink(target, marker), 0);
	/* And an attribute marker on a root file that nobody may not touch. */
	char *planted = tft_join(tft_dir, "planted");
	tft_write_file(planted, "x");
	cr_assert_eq(setxattr(planted, "user.tempfile.lease", "planted", 7, 0), 0);
	cr_assert_eq(reap_as(65534, tft_dir), 0);
	cr_assert(tft_exists(victim) && tft_exists(marker) && tft_exists(planted));
	free(victim);
	free(target);
	free(marker);
	free(planted);
}

/* The co-tenant: in the reaper's hook, a process of another user tries to
 * swap the entry being reaped in the sticky directory. */
static void co_tenant_swaps(const char *name, void *arg)
{
	int *refused = arg;
	pid_t pid = fork();
	if (pid == 0) {
		/* The reaper kept root as its saved uid for this. */
		if (setresuid(0, 0, 0) != 0 || setresgid(65533, 65533, 65533) != 0 ||
			setresuid(65533, 65533, 65533) != 0)
			_exit(3);
		char *from = tft_join(tft_dir, name), *to = tft_join(tft_dir, "swapped");
		bool renamed = rename(from, to) == 0, removed = !renamed && rmdir(from) == 0;
		_exit(renamed || removed ? 1 : 0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	*refused = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

Test(lease, a_co_tenant_cannot_swap_entries_in_a_sticky_directory)
{
	need_root();
	cr_assert_eq(chmod(tft_dir, 01777), 0);
	struct creator c;
	start_creator(&c, A_DIR, tft_dir, KILLED, false, true);
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int refused = 0;
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 0) != 0)
			_exit(3);
		tf_test_reap_hook(co_tenant_swaps, &refused);
		int result[2] = { tempfile_reap(tft_dir, 0), 0 };
		result[1] = refused;
		(void)!write(pipefd[1], result, sizeof result);
		_exit(0);
	}
	close(pipefd[1]);
	int result[2] = { -2, -2 };
	(void)!read(pipefd[0], result, sizeof result);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	cr_assert_eq(result[1], 1, "the co-tenant could swap the entry");
	cr_assert_eq(result[0], 1);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}
