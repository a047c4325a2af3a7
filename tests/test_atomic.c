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

Test(atomic, publishes_what_was_written_by_fd_and_by_stream)
{
	each_place(publishes_fd_and_stream_content);
}

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

Test(atomic, write_replaces_an_existing_file_in_one_call)
{
	each_place(replaces_existing);
}

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

Test(atomic, no_other_name_is_visible_before_commit_with_o_tmpfile)
{
	each_place(nothing_visible_before_commit);
}

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
	int status;
	cr_assert_eq(waitpid(reader, &status, 0), reader);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"the reader saw a missing (1), partial (2) file or read nothing "
		"(3): status %d",
		status);
	assert_listing(p->dir, "/out");
	free(buf);
	free(path);
}

Test(atomic, a_reader_never_sees_a_partial_or_missing_file_during_400_commits, .timeout = 120)
{
	each_place(readers_never_see_partial);
}

/* ---- crashes ---------------------------------------------------------------- */

static void sigkill_before_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	int ready[2];
	cr_assert_eq(pipe(ready), 0);
	pid_t writer = fork();
	cr_assert_geq(writer, 0);
	if (writer == 0) {
		struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
		if (!a || write(tempfile_atomic_fd(a), "new", 3) != 3)
			_exit(1);
		(void)write(ready[1], "r", 1);
		pause();
		_exit(2);
	}
	close(ready[1]);
	char c;
	cr_assert_eq(read(ready[0], &c, 1), 1, "the writer failed");
	close(ready[0]);
	kill(writer, SIGKILL);
	int status;
	cr_assert_eq(waitpid(writer, &status, 0), writer);
	cr_assert(WIFSIGNALED(status));
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

Test(atomic, sigkill_before_commit_leaves_the_directory_as_it_was_with_o_tmpfile)
{
	each_place(sigkill_before_commit);
}

static void exit_before_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	for (int how = 0; how < 2; how++) {
		pid_t writer = fork();
		cr_assert_geq(writer, 0);
		if (writer == 0) {
			struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
			if (!a || write(tempfile_atomic_fd(a), "new", 3) != 3)
				_exit(1);
			if (how == 0)
				exit(0);
			raise(SIGTERM); /* a fatal signal: the registry cleans up too */
			_exit(2);
		}
		int status;
		cr_assert_eq(waitpid(writer, &status, 0), writer);
		cr_assert((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
			(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM),
			"status %d", status);
		assert_listing(p->dir, "/out");
		assert_content(path, "old");
	}
	free(path);
}

Test(atomic, exit_or_a_fatal_signal_before_commit_leaves_nothing_on_either_path)
{
	each_place(exit_before_commit);
}

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

Test(atomic, the_named_fallback_is_registered_for_cleanup)
{
	each_place(cleanup_now_removes_staged);
}

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

Test(atomic, mode_0_keeps_the_old_bits_and_a_new_file_gets_0666_minus_umask)
{
	each_place(mode_rules);
}

static void owner_kept_as_root(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_eq(chown(path, 65534, 65534), 0);
	cr_assert_eq(chmod(path, 0640), 0);
	cr_assert_eq(tempfile_atomic_write(path, "new", 3, 0, 0), 0);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, 65534, "owner kept");
	cr_assert_eq(st.st_gid, 65534, "group kept");
	cr_assert_eq(st.st_mode & 07777, 0640);
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
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_eq(chown(path, 0, 100), 0);
	cr_assert_eq(chmod(path, 0664), 0);
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
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, 65534, "the owner could not be kept: the writer's");
	cr_assert_eq(st.st_gid, 100, "the group could: kept");
	cr_assert_eq(st.st_mode & 07777, 0664);
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

Test(atomic, a_symbolic_link_at_path_is_replaced_itself_and_its_target_untouched)
{
	each_place(symlink_replaced);
}

/* ---- NOREPLACE -------------------------------------------------------------- */

static void noreplace_existing(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	cr_assert_eq(tempfile_atomic_write(path, "first", 5, TEMPFILE_NOREPLACE, 0), 0);
	errno = 0;
	cr_assert_eq(tempfile_atomic_write(path, "second", 6, TEMPFILE_NOREPLACE, 0), -1);
	cr_assert_eq(errno, EEXIST);
	assert_content(path, "first");
	assert_listing(p->dir, "/out");
	/* A dangling link exists too. */
	char *link = tft_join(p->dir, "link");
	cr_assert_eq(symlink("nowhere", link), 0);
	errno = 0;
	cr_assert_eq(tempfile_atomic_write(link, "x", 1, TEMPFILE_NOREPLACE, 0), -1);
	cr_assert_eq(errno, EEXIST);
	assert_listing(p->dir, "/link/out");
	free(link);
	free(path);
}

Test(atomic, noreplace_fails_with_eexist_and_leaves_path_and_nothing_else)
{
	each_place(noreplace_existing);
}

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
			int status;
			cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
			cr_assert(WIFEXITED(status) && WEXITSTATUS(status) <= 1, "status %d",
				status);
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

Test(atomic, noreplace_two_racing_writers_exactly_one_wins, .timeout = 120)
{
	each_place(noreplace_race);
}

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

Test(atomic, bad_input_fails_with_einval_and_creates_nothing)
{
	each_place(bad_input);
}

static void expect_open_error(const char *path, int err)
{
	errno = 0;
	cr_assert_null(tempfile_atomic_open(path, 0, 0), "%s", path);
	cr_assert_eq(errno, err, "%s: errno %d, not %d", path, errno, err);
	errno = 0;
	cr_assert_eq(tempfile_atomic_write(path, "x", 1, TEMPFILE_SYNC, 0), -1);
	cr_assert_eq(errno, err, "%s: errno %d, not %d", path, errno, err);
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

Test(atomic, missing_directory_is_enoent_and_a_directory_at_path_is_eisdir)
{
	each_place(path_errors);
}

static void directory_at_commit(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	struct tempfile_atomic *b = tempfile_atomic_open(path, TEMPFILE_NOREPLACE, 0);
	cr_assert(a && b);
	cr_assert_eq(mkdir(path, 0755), 0);
	errno = 0;
	cr_assert_eq(tempfile_atomic_commit(a), -1);
	cr_assert_eq(errno, EISDIR);
	errno = 0;
	cr_assert_eq(tempfile_atomic_commit(b), -1);
	cr_assert_eq(errno, EEXIST);
	assert_listing(p->dir, "/out");
	assert_listing(path, "");
	free(path);
}

Test(atomic, a_directory_that_took_the_path_fails_the_commit_with_eisdir)
{
	each_place(directory_at_commit);
}

static void read_only_directory(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	cr_assert_eq(chmod(p->dir, 0555), 0);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		if (geteuid() == 0 && !tft_become_nobody())
			_exit(77);
		if (tempfile_atomic_open(path, 0, 0) != NULL || errno != EACCES)
			_exit(1);
		if (tempfile_atomic_write(path, "x", 1, 0, 0) != -1 || errno != EACCES)
			_exit(2);
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_eq(chmod(p->dir, 0755), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	free(path);
}

Test(atomic, a_read_only_directory_fails_with_eacces_at_open)
{
	each_place(read_only_directory);
}

static void unreadable_directory(struct place *p)
{
	/* Writable but not readable (0333): usable, except for SYNC, whose
	 * fsync of the directory needs a readable descriptor. */
	char *path = tft_join(p->dir, "out");
	cr_assert_eq(chmod(p->dir, 0333), 0);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		if (geteuid() == 0 && !tft_become_nobody())
			_exit(77);
		if (tempfile_atomic_write(path, "x", 1, TEMPFILE_SYNC, 0) != -1 || errno != EACCES)
			_exit(1);
		if (tempfile_atomic_write(path, "plain", 5, 0, 0) != 0)
			_exit(2);
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_eq(chmod(p->dir, 0755), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "plain");
	free(path);
}

Test(atomic, an_unreadable_directory_works_but_not_with_sync)
{
	each_place(unreadable_directory);
}

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
	errno = 0;
	cr_assert_eq(tempfile_atomic_commit(a), -1);
	cr_assert_eq(errno, EFBIG);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	/* The one-shot's write error, too. */
	char big[8192];
	memset(big, 'x', sizeof big);
	errno = 0;
	cr_assert_eq(tempfile_atomic_write(path, big, sizeof big, 0, 0), -1);
	cr_assert_eq(errno, EFBIG);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_listing(p->dir, "/out");
	assert_content(path, "old");
	free(path);
}

Test(atomic, a_write_or_flush_error_fails_the_commit_and_leaves_path_as_it_was)
{
	each_place(write_error_fails_commit);
}

/* ---- SYNC and the commit's calls -------------------------------------------- */

static void sync_order(struct place *p)
{
	char *path = tft_join(p->dir, "out");
	tft_write_file(path, "old");
	calls[0] = '\0';
	recording = true;
	int rc = tempfile_atomic_write(path, "new", 3, TEMPFILE_SYNC, 0);
	recording = false;
	cr_assert_eq(rc, 0);
	const char *want = p->unnamed ? "fsync(file) linkat renameat fsync(dir) "
		: "fsync(file) renameat fsync(dir) ";
	cr_assert_str_eq(calls, want);
	calls[0] = '\0';
	recording = true;
	rc = tempfile_atomic_write(path, "newer", 5, 0, 0);
	recording = false;
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(calls, p->unnamed ? "linkat renameat " : "renameat ",
		 "no fsync without SYNC");
	unlink(path);
	calls[0] = '\0';
	recording = true;
	rc = tempfile_atomic_write(path, "x", 1, TEMPFILE_SYNC | TEMPFILE_NOREPLACE, 0);
	recording = false;
	cr_assert_eq(rc, 0);
	/* NOREPLACE: a link straight to path (or renameat2(RENAME_NOREPLACE)). */
	cr_assert_str_eq(calls, p->unnamed ? "fsync(file) linkat fsync(dir) "
		 : "fsync(file) renameat2 fsync(dir) ");
	assert_content(path, "x");
	assert_listing(p->dir, "/out");
	free(path);
}

Test(atomic, sync_fsyncs_the_data_before_the_link_and_the_directory_after)
{
	each_place(sync_order);
}

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

Test(atomic, the_proc_self_fd_link_works_where_at_empty_path_is_refused)
{
	each_place(proc_fd_link);
}
