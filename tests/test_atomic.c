/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_atomic.c - tempfile_atomic_*: atomic replacement of a file.
 *
 * Every behaviour runs in four places: on tmpfs (/dev/shm) and on the disk
 * file system of /tmp (ext4 here), each with O_TMPFILE and with the named
 * fallback forced through the seam. The calls the commit makes (fsync,
 * linkat, renameat) are interposed below to check their order.
 */
#include "support.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- where each test runs -------------------------------------------------- */

struct place {
	const char *base;
	bool fallback;
	char *dir;    /* a fresh directory under base */
	bool unnamed; /* O_TMPFILE really works there (else it falls back too) */
};

static bool o_tmpfile_works(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Run body once in each place, each in a fresh directory. */
static void each_place(void (*body)(struct place *p))
{
	static const char *const bases[] = {"/dev/shm", "/tmp"};
	for (size_t b = 0; b < 2; b++) {
		struct stat st;
		if (stat(bases[b], &st) != 0)
			continue; /* no /dev/shm: the disk alone */
		for (int fallback = 0; fallback < 2; fallback++) {
			struct place p = {.base = bases[b], .fallback = fallback != 0};
			p.dir = tft_format("%s/tfatomic.XXXXXX", bases[b]);
			cr_assert_not_null(mkdtemp(p.dir));
			cr_assert_eq(chmod(p.dir, 0755), 0);
			p.unnamed = !p.fallback && o_tmpfile_works(p.dir);
			tf_test_atomic_disable_o_tmpfile(p.fallback);
			body(&p);
			tf_test_atomic_disable_o_tmpfile(false);
			tft_remove_tree(p.dir);
			free(p.dir);
		}
	}
}

/* A test that runs body in each place; _SLOW: with two minutes for it. */
#define PLACE_TEST(name, body) \
	Test(atomic, name) { each_place(body); }
#define PLACE_TEST_SLOW(name, body) \
	Test(atomic, name, .timeout = 120) { each_place(body); }

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void assert_content(const char *path, const char *want)
{
	char *got = read_file(path);
	cr_assert_str_eq(got, want, "%s", path);
	free(got);
}

/* The names in dir, sorted, joined by '/': what "exactly as before" means. */
static char *listing(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
	char *out = tft_format("%s", "");
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 &&
			strcmp(names[i]->d_name, "..") != 0) {
			char *next = tft_format("%s/%s", out, names[i]->d_name);
			free(out);
			out = next;
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static void assert_listing(const char *dir, const char *want)
{
	char *got = listing(dir);
	cr_assert_str_eq(got, want, "in %s", dir);
	free(got);
}

/* tempfile_atomic_write / _commit fail with err. */
static void expect_write_error(const char *path, const char *text, size_t len, unsigned flags,
	unsigned mode, int err)
{
	errno = 0;
	cr_assert_eq(tempfile_atomic_write(path, text, len, flags, mode), -1, "%s", path);
	cr_assert_eq(errno, err, "%s: errno %d, not %d", path, errno, err);
}

static void expect_commit_error(struct tempfile_atomic *a, int err)
{
	errno = 0;
	cr_assert_eq(tempfile_atomic_commit(a), -1);
	cr_assert_eq(errno, err, "errno %d, not %d", errno, err);
}

/* Wait for child: its status. */
static int reap(pid_t child)
{
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	return status;
}

/* Wait for child, which must exit with status 0. */
static void assert_exits_0(pid_t child)
{
	int status = reap(child);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("the child could not become nobody");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

/* Run fn(path) in a child as nobody (as root) or as we are, which must
 * return 0 there. */
static void in_child_as_nobody(int (*fn)(const char *path), const char *path)
{
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		if (geteuid() == 0 && !tft_become_nobody())
			_exit(77);
		_exit(fn(path));
	}
	assert_exits_0(child);
}

/* The one entry of dir whose name starts with ".tmp", or NULL. */
static char *staged_name(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	char *found = NULL;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".tmp", 4) == 0) {
			cr_assert_null(found, "two staged names in %s", dir);
			found = tft_format("%s", e->d_name);
		}
	}
	closedir(d);
	return found;
}

/* ---- the calls a commit makes, recorded in order ---------------------------- */

static bool recording;
static int proc_links; /* linkat calls of a /proc/self/fd path */

/* The C library's function name into *slot, a function pointer of size
 * bytes (copied: ISO C has no cast from void * to one). */
static void next_symbol(const char *name, void *slot, size_t size)
{
	void *f = dlsym(RTLD_NEXT, name);
	cr_assert_not_null(f, "%s", name);
	memcpy(slot, &f, size);
}
static char calls[256];

static void record(const char *what)
{
	if (recording && strlen(calls) + strlen(what) + 2 < sizeof calls) {
		strcat(calls, what);
		strcat(calls, " ");
	}
}

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		next_symbol("fsync", &real, sizeof real);
	struct stat st;
	if (recording && fstat(fd, &st) == 0)
		record(S_ISDIR(st.st_mode) ? "fsync(dir)" : "fsync(file)");
	return real(fd);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	static int (*real)(int, const char *, int, const char *, int);
	if (!real)
		next_symbol("linkat", &real, sizeof real);
	record("linkat");
	if (fromfd == AT_FDCWD && strncmp(from, "/proc/self/fd/", 14) == 0)
		proc_links++;
	return real(fromfd, from, tofd, to, flags);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	static int (*real)(int, const char *, int, const char *);
	if (!real)
		next_symbol("renameat", &real, sizeof real);
	record("renameat");
	return real(fromfd, from, tofd, to);
}

/* Declared here too: musl's headers have no renameat2. */
int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags);
int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
	static int (*real)(int, const char *, int, const char *, unsigned);
	if (!real)
		next_symbol("renameat2", &real, sizeof real);
	record("renameat2");
	return real(fromfd, from, tofd, to, flags);
}

/* ---- content and visibility ------------------------------------------------- */

static void publishes_fd_and_stream_content(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	cr_assert_not_null(a, "%s", strerror(errno));
	cr_assert_eq(write(tempfile_atomic_fd(a), "by fd, ", 7), 7);
	FILE *f = tempfile_atomic_stream(a);
	cr_assert_not_null(f);
	cr_assert_eq(tempfile_atomic_stream(a), f, "the same stream on every call");
	fprintf(f, "by stream");
	cr_assert_eq(tempfile_atomic_commit(a), 0, "%s", strerror(errno));
	assert_content(path, "by fd, by stream");
	assert_listing(p->dir, "/out");
	free(path);
}

PLACE_TEST(publishes_what_was_written_by_fd_and_by_stream, publishes_fd_and_stream_content)

static void replaces_existing(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old and longer");
	cr_assert_eq(tempfile_atomic_write(path, "new", 3, 0, 0), 0, "%s", strerror(errno));
	assert_content(path, "new");
	cr_assert_eq(tempfile_atomic_write(path, "", 0, 0, 0), 0);
	assert_content(path, "");
	cr_assert_eq(tempfile_atomic_write(path, NULL, 0, 0, 0), 0);
	assert_listing(p->dir, "/out");
	free(path);
}

PLACE_TEST(write_replaces_an_existing_file_in_one_call, replaces_existing)

static void nothing_visible_before_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	cr_assert_not_null(a);
	cr_assert_eq(write(tempfile_atomic_fd(a), "new", 3), 3);
	char *staged = staged_name(p->dir);
	if (p->unnamed) {
		cr_assert_null(staged, "O_TMPFILE: no name before commit, found %s", staged);
		assert_listing(p->dir, "/out");
	} else {
		/* The named fallback: one hidden ".tmp" + 8 random characters. */
		cr_assert_not_null(staged);
		cr_assert_eq(strlen(staged), 12);
		cr_assert(tft_all_in(staged + 4, 8, TF_NAME_ALPHABET));
		free(staged);
	}
	assert_content(path, "old");
	cr_assert_eq(tempfile_atomic_commit(a), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "new");
	free(path);
}

PLACE_TEST(no_other_name_is_visible_before_commit_with_o_tmpfile, nothing_visible_before_commit)

static void discard_leaves_path(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	cr_assert_not_null(a);
	fputs("new", tempfile_atomic_stream(a));
	cr_assert_eq(tempfile_atomic_discard(a), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	/* A new path: discard creates nothing. */
	char *fresh = tft_join(p->dir, "fresh");
	a = tempfile_atomic_open(fresh, TEMPFILE_NOREPLACE, 0);
	cr_assert_not_null(a);
	cr_assert_eq(tempfile_atomic_discard(a), 0);
	assert_listing(p->dir, "/out");
	free(fresh);
	free(path);
}

Test(atomic, discard_leaves_path_untouched_and_nothing_behind)
{
	each_place(discard_leaves_path);
	cr_assert_eq(tempfile_atomic_discard(NULL), 0);
}

static void readers_never_see_partial(struct place *p)
{
	enum { SIZE = 64 * 1024, COMMITS = 400 };
	char *path = tft_join(p->dir, "out");
	char *buf = malloc(SIZE);
	memset(buf, 'a', SIZE);
	cr_assert_eq(tempfile_atomic_write(path, buf, SIZE, 0, 0), 0);
	int go[2];
	cr_assert_eq(pipe(go), 0);
	pid_t reader = fork();
	cr_assert_geq(reader, 0);
	if (reader == 0) {
		/* Until the parent closes its end: every open must succeed and
		 * read SIZE equal bytes. */
		close(go[1]);
		fcntl(go[0], F_SETFL, O_NONBLOCK);
		char *got = malloc(SIZE + 1);
		long reads = 0;
		for (;;) {
			char c;
			if (read(go[0], &c, 1) == 0)
				_exit(reads > 0 ? 0 : 3);
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				_exit(1); /* missing */
			ssize_t n, total = 0;
			while ((n = read(fd, got + total, (size_t)(SIZE + 1 - total))) > 0)
				total += n;
			close(fd);
			if (total != SIZE)
				_exit(2); /* partial */
			for (ssize_t i = 1; i < total; i++)
				if (got[i] != got[0])
					_exit(2); /* a mix */
			reads++;
		}
	}
	close(go[0]);
	for (int i = 0; i < COMMITS; i++) {
		memset(buf, 'a' + i % 26, SIZE);
		cr_assert_eq(tempfile_atomic_write(path, buf, SIZE, 0, 0), 0, "%s",
			 strerror(errno));
	}
	close(go[1]);
	/* Else it saw a missing (1), partial (2) file or read nothing (3). */
	assert_exits_0(reader);
	assert_listing(p->dir, "/out");
	free(buf);
	free(path);
}

PLACE_TEST_SLOW(a_reader_never_sees_a_partial_or_missing_file_during_400_commits,
	readers_never_see_partial)

/* ---- crashes ---------------------------------------------------------------- */

/* The writer's handle, reachable (volatile: the store is kept), so that
 * LeakSanitizer sees no leak at the writer's exit. */
static struct tempfile_atomic *volatile abandoned;

/* Fork a writer that stages "new" for path: 0 in the child, which goes on
 * from there, the child's pid in the parent. */
static pid_t fork_writer(const char *path)
{
	pid_t writer = fork();
	cr_assert_geq(writer, 0);
	if (writer == 0) {
		abandoned = tempfile_atomic_open(path, 0, 0);
		if (!abandoned || write(tempfile_atomic_fd(abandoned), "new", 3) != 3)
			_exit(1);
	}
	return writer;
}

static void sigkill_before_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t writer = fork_writer(path);
	if (writer == 0) {
		(void)write(ready[1], "r", 1);
		pause();
		_exit(2);
	}
	close(ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "the writer failed");
	close(ready[0]);
	kill(writer, SIGKILL);
	cr_assert(WIFSIGNALED(reap(writer)));
	assert_content(path, "old");
	char *staged = staged_name(p->dir);
	if (p->unnamed) {
		assert_listing(p->dir, "/out"); /* exactly as before */
	} else {
		/* Documented: SIGKILL leaves the named fallback's file. */
		cr_assert_not_null(staged, "the fallback's staged file is left by SIGKILL");
		free(staged);
	}
	free(path);
}

PLACE_TEST(sigkill_before_commit_leaves_the_directory_as_it_was_with_o_tmpfile,
	sigkill_before_commit)

static void exit_before_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	for (int how = 0; how < 2; how++) {
		pid_t writer = fork_writer(path);
		if (writer == 0) {
			if (how == 0)
				exit(0);
			raise(SIGTERM); /* a fatal signal: the registry cleans up too */
			_exit(2);
		}
		int status = reap(writer);
		cr_assert((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
			(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM),
			"status %d", status);
		assert_listing(p->dir, "/out");
		assert_content(path, "old");
	}
	free(path);
}

PLACE_TEST(exit_or_a_fatal_signal_before_commit_leaves_nothing_on_either_path, exit_before_commit)

static void cleanup_now_removes_staged(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	cr_assert_not_null(a);
	cr_assert_eq(tempfile_cleanup_now(), 0);
	assert_listing(p->dir, "");
	/* The staged file is gone: the commit fails (the named fallback) or
	 * publishes the unnamed file, and leaves nothing else either way. */
	int rc = tempfile_atomic_commit(a);
	assert_listing(p->dir, rc == 0 ? "/out" : "");
	cr_assert_eq(rc == 0, p->unnamed);
	free(path);
}

PLACE_TEST(the_named_fallback_is_registered_for_cleanup, cleanup_now_removes_staged)

/* ---- mode and owner --------------------------------------------------------- */

static mode_t mode_of(const char *path)
{
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	return st.st_mode;
}

static void mode_rules(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	umask(022);
	cr_assert_eq(tempfile_atomic_write(path, "x", 1, 0, 0), 0);
	cr_assert_eq(mode_of(path) & 07777, 0644, "new file: 0666 & ~umask");
	umask(077);
	unlink(path);
	cr_assert_eq(tempfile_atomic_write(path, "x", 1, 0, 0), 0);
	cr_assert_eq(mode_of(path) & 07777, 0600, "new file: 0666 & ~umask");
	cr_assert_eq(chmod(path, 0751), 0);
	umask(022);
	cr_assert_eq(tempfile_atomic_write(path, "y", 1, 0, 0), 0);
	cr_assert_eq(mode_of(path) & 07777, 0751, "mode 0 keeps the old bits");
	cr_assert_eq(tempfile_atomic_write(path, "z", 1, 0, 0666), 0);
	cr_assert_eq(mode_of(path) & 07777, 0644, "a mode is applied minus umask");
	umask(0);
	cr_assert_eq(tempfile_atomic_write(path, "z", 1, 0, 0604), 0);
	cr_assert_eq(mode_of(path) & 07777, 0604);
	free(path);
}

PLACE_TEST(mode_0_keeps_the_old_bits_and_a_new_file_gets_0666_minus_umask, mode_rules)

/* p->dir/out, holding "old", owned by uid:gid with mode bits (NEW path). */
static char *owned_file(struct place *p, uid_t uid, gid_t gid, mode_t bits)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_eq(chown(path, uid, gid), 0);
	cr_assert_eq(chmod(path, bits), 0);
	return path;
}

static void assert_owned(const char *path, uid_t uid, gid_t gid, mode_t bits)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, uid, "owner %u", (unsigned)st.st_uid);
	cr_assert_eq(st.st_gid, gid, "group %u", (unsigned)st.st_gid);
	cr_assert_eq(st.st_mode & 07777, bits);
}

static void owner_kept_as_root(struct place *p)
{
	char *path = owned_file(p, 65534, 65534, 0640);
	cr_assert_eq(tempfile_atomic_write(path, "new", 3, 0, 0), 0);
	assert_owned(path, 65534, 65534, 0640);
	free(path);
}

Test(atomic, mode_0_keeps_owner_and_group_where_the_caller_may_set_them)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to chown");
	each_place(owner_kept_as_root);
}

static void group_alone_unprivileged(struct place *p)
{
	/* root:100, mode 0664, in a directory nobody may write: nobody
	 * cannot give the file to root but can keep the group (one of its). */
	char *path = owned_file(p, 0, 100, 0664);
	cr_assert_eq(chmod(p->dir, 0777), 0);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* nobody, with group 100 as a supplementary group only: kept
		 * only if the group is set on its own. */
		gid_t groups[] = {65534, 100};
		if (setgroups(2, groups) != 0 || setresgid(65534, 65534, 65534) != 0 ||
			setresuid(65534, 65534, 65534) != 0)
			_exit(77);
		_exit(tempfile_atomic_write(path, "new", 3, 0, 0) == 0 ? 0 : 1);
	}
	assert_exits_0(child);
	/* The owner could not be kept (the writer's), the group could. */
	assert_owned(path, 65534, 100, 0664);
	assert_content(path, "new");
	free(path);
}

Test(atomic, without_privilege_the_owner_is_the_writer_and_the_group_is_kept)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to set up another user's file");
	each_place(group_alone_unprivileged);
}

static void symlink_replaced(struct place *p)
{
	char *path = tft_join(p->dir, "link");
	char *target = tft_join(p->dir, "target");
	tft_write_file(target, "target");
	cr_assert_eq(chmod(target, 0600), 0);
	cr_assert_eq(symlink("target", path), 0);
	umask(022);
	cr_assert_eq(tempfile_atomic_write(path, "new", 3, 0, 0), 0);
	cr_assert(S_ISREG(mode_of(path)), "the link itself is replaced by a file");
	cr_assert_eq(mode_of(path) & 07777, 0644, "with a new file's mode");
	assert_content(path, "new");
	assert_content(target, "target");
	cr_assert_eq(mode_of(target) & 07777, 0600);
	/* A dangling link too. */
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(symlink("nowhere", path), 0);
	cr_assert_eq(tempfile_atomic_write(path, "new", 3, 0, 0), 0);
	cr_assert(S_ISREG(mode_of(path)));
	assert_listing(p->dir, "/link/target");
	free(target);
	free(path);
}

PLACE_TEST(a_symbolic_link_at_path_is_replaced_itself_and_its_target_untouched, symlink_replaced)

/* ---- NOREPLACE -------------------------------------------------------------- */

static void noreplace_existing(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	cr_assert_eq(tempfile_atomic_write(path, "first", 5, TEMPFILE_NOREPLACE, 0), 0);
	expect_write_error(path, "second", 6, TEMPFILE_NOREPLACE, 0, EEXIST);
	assert_content(path, "first");
	assert_listing(p->dir, "/out");
	/* A dangling link exists too. */
	char *link = tft_join(p->dir, "link");
	cr_assert_eq(symlink("nowhere", link), 0);
	expect_write_error(link, "x", 1, TEMPFILE_NOREPLACE, 0, EEXIST);
	assert_listing(p->dir, "/link/out");
	free(link);
	free(path);
}

PLACE_TEST(noreplace_fails_with_eexist_and_leaves_path_and_nothing_else, noreplace_existing)

static void noreplace_race(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	for (int round = 0; round < 40; round++) {
		unlink(path);
		int go[2];
		cr_assert_eq(pipe(go), 0);
		pid_t pids[2];
		for (int w = 0; w < 2; w++) {
			pids[w] = fork();
			cr_assert_geq(pids[w], 0);
			if (pids[w] == 0) {
				close(go[1]);
				const char *text = w ? "writer 1" : "writer 0";
				struct tempfile_atomic *a =
					tempfile_atomic_open(path, TEMPFILE_NOREPLACE, 0);
				if (!a || write(tempfile_atomic_fd(a), text, 8) != 8)
					_exit(3);
				char c;
				(void)read(go[0], &c, 1); /* both staged: commit together */
				if (tempfile_atomic_commit(a) == 0)
					_exit(0);
				_exit(errno == EEXIST ? 1 : 2);
			}
		}
		close(go[0]);
		close(go[1]);
		int won = 0, lost = 0;
		for (int w = 0; w < 2; w++) {
			int status = reap(pids[w]);
			cr_assert(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "status %d", status);
			if (WEXITSTATUS(status) == 0)
				won++;
			else
				lost++;
		}
		cr_assert_eq(won, 1);
		cr_assert_eq(lost, 1);
		assert_listing(p->dir, "/out");
		char *got = read_file(path);
		cr_assert(strcmp(got, "writer 0") == 0 || strcmp(got, "writer 1") == 0, "%s", got);
		free(got);
	}
	free(path);
}

PLACE_TEST_SLOW(noreplace_two_racing_writers_exactly_one_wins, noreplace_race)

/* ---- errors ----------------------------------------------------------------- */

static void bad_input(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	TFT_ASSERT_EINVAL(tempfile_atomic_open(NULL, 0, 0), NULL);
	TFT_ASSERT_EINVAL(tempfile_atomic_open(path, TEMPFILE_KEEP, 0), NULL);
	TFT_ASSERT_EINVAL(tempfile_atomic_open(path, 0, 010000), NULL);
	TFT_ASSERT_EINVAL(tempfile_atomic_write(NULL, "x", 1, 0, 0), -1);
	TFT_ASSERT_EINVAL(tempfile_atomic_write(path, NULL, 1, 0, 0), -1);
	TFT_ASSERT_EINVAL(tempfile_atomic_write(path, "x", 1, TEMPFILE_AT_EXIT, 0), -1);
	TFT_ASSERT_EINVAL(tempfile_atomic_fd(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_atomic_stream(NULL), NULL);
	TFT_ASSERT_EINVAL(tempfile_atomic_commit(NULL), -1);
	assert_listing(p->dir, "");
	free(path);
}

PLACE_TEST(bad_input_fails_with_einval_and_creates_nothing, bad_input)

static void expect_open_error(const char *path, int err)
{
	errno = 0;
	cr_assert_null(tempfile_atomic_open(path, 0, 0), "%s", path);
	cr_assert_eq(errno, err, "%s: errno %d, not %d", path, errno, err);
	expect_write_error(path, "x", 1, TEMPFILE_SYNC, 0, err);
}

static void path_errors(struct place *p)
{
	char *missing = tft_format("%s/no/such/out", p->dir);
	expect_open_error(missing, ENOENT);
	char *sub = tft_join(p->dir, "sub");
	cr_assert_eq(mkdir(sub, 0755), 0);
	expect_open_error(sub, EISDIR);
	char *slash = tft_format("%s/", sub);
	expect_open_error(slash, EISDIR);
	char *dot = tft_format("%s/.", sub);
	expect_open_error(dot, EISDIR);
	expect_open_error("/", EISDIR);
	assert_listing(p->dir, "/sub");
	assert_listing(sub, "");
	free(dot);
	free(slash);
	free(sub);
	free(missing);
}

PLACE_TEST(missing_directory_is_enoent_and_a_directory_at_path_is_eisdir, path_errors)

static void directory_at_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	struct tempfile_atomic *b = tempfile_atomic_open(path, TEMPFILE_NOREPLACE, 0);
	cr_assert(a && b);
	cr_assert_eq(mkdir(path, 0755), 0);
	expect_commit_error(a, EISDIR);
	expect_commit_error(b, EEXIST);
	assert_listing(p->dir, "/out");
	assert_listing(path, "");
	free(path);
}

PLACE_TEST(a_directory_that_took_the_path_fails_the_commit_with_eisdir, directory_at_commit)

static void directory_at_path_with_a_mode(struct place *p)
{
	/* A mode other than 0 does not look at path: the directory there is
	 * found by the commit, and nothing is left either way. */
	char *path = tft_join(p->dir, "sub");
	cr_assert_eq(mkdir(path, 0755), 0);
	for (unsigned flags = 0; flags <= TEMPFILE_SYNC; flags += TEMPFILE_SYNC) {
		struct tempfile_atomic *a = tempfile_atomic_open(path, flags, 0600);
		cr_assert_not_null(a, "%s", strerror(errno));
		cr_assert_eq(write(tempfile_atomic_fd(a), "x", 1), 1);
		expect_commit_error(a, EISDIR);
		expect_write_error(path, "x", 1, flags, 0644, EISDIR);
		expect_write_error(path, "x", 1, flags | TEMPFILE_NOREPLACE, 0644, EEXIST);
	}
	assert_listing(p->dir, "/sub");
	assert_listing(path, "");
	free(path);
}

PLACE_TEST(with_a_mode_a_directory_at_path_fails_the_commit_with_eisdir,
	directory_at_path_with_a_mode)

/* Open path, move its directory aside to aside and make a new one at its
 * path, commit: where the new content went. */
static void commit_after_directory_moved(const char *dir, const char *aside, unsigned flags)
{
	char *path = tft_join(dir, "out");
	struct tempfile_atomic *a = tempfile_atomic_open(path, flags, 0644);
	cr_assert_not_null(a, "%s", strerror(errno));
	cr_assert_eq(write(tempfile_atomic_fd(a), "new", 3), 3);
	cr_assert_eq(rename(dir, aside), 0);
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(tempfile_atomic_commit(a), 0, "%s", strerror(errno));
	free(path);
}

static void held_directory(struct place *p)
{
	char *dir = tft_join(p->dir, "d");
	char *aside = tft_join(p->dir, "aside");
	char *in_dir = tft_join(dir, "out");
	char *in_aside = tft_join(aside, "out");
	cr_assert_eq(mkdir(dir, 0755), 0);
	/* SYNC holds the directory it opened: the name goes there. */
	commit_after_directory_moved(dir, aside, TEMPFILE_SYNC);
	assert_content(in_aside, "new");
	assert_listing(aside, "/out");
	assert_listing(dir, "");
	tft_remove_tree(aside);
	/* Without SYNC an O_TMPFILE commit names path as it resolves then; a
	 * named staged file holds its directory as SYNC does. */
	commit_after_directory_moved(dir, aside, 0);
	assert_content(p->unnamed ? in_dir : in_aside, "new");
	assert_listing(p->unnamed ? dir : aside, "/out");
	assert_listing(p->unnamed ? aside : dir, "");
	free(in_aside);
	free(in_dir);
	free(aside);
	free(dir);
}

PLACE_TEST(sync_commits_into_the_directory_it_held_and_a_plain_commit_into_path_as_it_is,
	held_directory)

static int refused_in_read_only_directory(const char *path)
{
	if (tempfile_atomic_open(path, 0, 0) != NULL || errno != EACCES)
		return 1;
	return tempfile_atomic_write(path, "x", 1, 0, 0) != -1 || errno != EACCES ? 2 : 0;
}

static void read_only_directory(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_eq(chmod(p->dir, 0555), 0);
	in_child_as_nobody(refused_in_read_only_directory, path);
	cr_assert_eq(chmod(p->dir, 0755), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	free(path);
}

PLACE_TEST(a_read_only_directory_fails_with_eacces_at_open, read_only_directory)

static int sync_refused_in_unreadable_directory(const char *path)
{
	if (tempfile_atomic_write(path, "x", 1, TEMPFILE_SYNC, 0) != -1 || errno != EACCES)
		return 1;
	return tempfile_atomic_write(path, "plain", 5, 0, 0) != 0 ? 2 : 0;
}

static void unreadable_directory(struct place *p)
{
	/* Writable but not readable (0333): usable, except for SYNC, whose
	 * fsync of the directory needs a readable descriptor. */
	char *path = tft_join(p->dir, "out");
	cr_assert_eq(chmod(p->dir, 0333), 0);
	in_child_as_nobody(sync_refused_in_unreadable_directory, path);
	cr_assert_eq(chmod(p->dir, 0755), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "plain");
	free(path);
}

PLACE_TEST(an_unreadable_directory_works_but_not_with_sync, unreadable_directory)

static void write_error_fails_commit(struct place *p)
{
	/* A stream flush error (EFBIG past RLIMIT_FSIZE, as ENOSPC would be):
	 * the commit fails and frees, path as before, nothing left. */
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit saved;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
	struct rlimit small = {4096, saved.rlim_max}; /* the soft limit: it can go back */
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	cr_assert_not_null(a);
	FILE *f = tempfile_atomic_stream(a);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (int i = 0; i < 1000; i++)
		fputs("0123456789", f);
	expect_commit_error(a, EFBIG);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	/* The one-shot's write error, too. */
	char big[8192];
	memset(big, 'x', sizeof big);
	expect_write_error(path, big, sizeof big, 0, 0, EFBIG);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	free(path);
}

PLACE_TEST(a_write_or_flush_error_fails_the_commit_and_leaves_path_as_it_was,
	write_error_fails_commit)

/* ---- SYNC and the commit's calls -------------------------------------------- */

/* The calls tempfile_atomic_write(path, text, ..., flags, 0) made, which
 * must succeed. */
static const char *calls_of_write(const char *path, const char *text, unsigned flags)
{
	calls[0] = '\0';
	recording = true;
	int rc = tempfile_atomic_write(path, text, strlen(text), flags, 0);
	recording = false;
	cr_assert_eq(rc, 0, "%s", strerror(errno));
	return calls;
}

static void sync_order(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_str_eq(calls_of_write(path, "new", TEMPFILE_SYNC),
		p->unnamed ? "fsync(file) linkat renameat fsync(dir) "
			   : "fsync(file) renameat fsync(dir) ");
	cr_assert_str_eq(calls_of_write(path, "newer", 0),
		p->unnamed ? "linkat renameat " : "renameat ", "no fsync without SYNC");
	unlink(path);
	/* NOREPLACE: a link straight to path (or renameat2(RENAME_NOREPLACE),
	 * which musl's library makes through syscall(2), unseen here). */
#ifdef __GLIBC__
	const char *renameat2_seen = "renameat2 ";
#else
	const char *renameat2_seen = "";
#endif
	char *named = tft_format("fsync(file) %sfsync(dir) ", renameat2_seen);
	cr_assert_str_eq(calls_of_write(path, "x", TEMPFILE_SYNC | TEMPFILE_NOREPLACE),
		p->unnamed ? "fsync(file) linkat fsync(dir) " : named);
	free(named);
	assert_content(path, "x");
	assert_listing(p->dir, "/out");
	free(path);
}

PLACE_TEST(sync_fsyncs_the_data_before_the_link_and_the_directory_after, sync_order)

static void proc_fd_link(struct place *p)
{
	if (!p->unnamed)
		return;
	char *path = tft_join(p->dir, "out");
	tf_test_atomic_no_empty_path(true);
	proc_links = 0;
	cr_assert_eq(tempfile_atomic_write(path, "via proc", 8, 0, 0), 0, "%s", strerror(errno));
	cr_assert_eq(proc_links, 1);
	cr_assert_eq(tempfile_atomic_write(path, "x", 1, TEMPFILE_NOREPLACE, 0), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(proc_links, 2);
	tf_test_atomic_no_empty_path(false);
	assert_content(path, "via proc");
	assert_listing(p->dir, "/out");
	free(path);
}

PLACE_TEST(the_proc_self_fd_link_works_where_at_empty_path_is_refused, proc_fd_link)
