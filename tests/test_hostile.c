/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_hostile.c - the library in hostile surroundings: bad $TMPDIR values,
 * unwritable and full directories, no descriptors left, symbolic links
 * planted where the next name will be, world-writable directories without
 * the sticky bit, paths and names at the system's length limits, and an
 * attacker racing the removal of a tree it can write to.
 *
 * Each Criterion test runs in its own process, so environment, rlimits,
 * uid and mount namespace may be changed freely. CI runs as root: tests
 * where permissions must bite drop to nobody first.
 */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------ */

/* test_hostile_pool.c: the removals through the pool of threads, forced
 * on from the first directory. */
static void pool_if_asked(void)
{
#ifdef TF_RMTREE_POOLED
	tf_test_rmtree_pool(2, 0);
#endif
}

/* Only the given variables set (NULL: unset), and the cache forgotten. */
static void set_candidates(const char *tmpdir, const char *temp, const char *tmp)
{
	const char *vars[] = { "TMPDIR", "TEMP", "TMP" };
	const char *values[] = { tmpdir, temp, tmp };
	for (int i = 0; i < 3; i++) {
		if (values[i])
			cr_assert_eq(setenv(vars[i], values[i], 1), 0);
		else
			cr_assert_eq(unsetenv(vars[i]), 0);
	}
	cr_assert_eq(tempfile_settempdir(NULL), 0);
}

struct seen {
	int tmpdir_error;
	int tmpdir_chosen;
	const char *wanted; /* source whose error to record */
};

static int record_candidate(const struct tempfile_candidate *c, void *arg)
{
	struct seen *seen = arg;
	if (strcmp(c->source, seen->wanted) == 0) {
		seen->tmpdir_error = c->error;
		seen->tmpdir_chosen = c->chosen;
	}
	return 0;
}

/* The error explain() gives the candidate from source. */
static int candidate_error(const char *source)
{
	struct seen seen = { .tmpdir_error = -1, .wanted = source };
	(void)tempfile_gettempdir_explain(record_candidate, &seen);
	return seen.tmpdir_error;
}

static char *make_dir(const char *parent, const char *name, mode_t mode)
{
	char *path = tft_join(parent, name);
	cr_assert_eq(mkdir(path, 0700), 0, "mkdir %s: %s", path, strerror(errno));
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

/* ---- $TMPDIR and friends ---------------------------------------------------------- */

Test(hostile, tmpdir_naming_a_missing_directory_is_skipped)
{
	char *scratch = tft_scratch();
	char *missing = tft_join(scratch, "no/such/dir");
	set_candidates(missing, scratch, NULL);
	const char *dir = tempfile_gettempdir();
	cr_assert_not_null(dir);
	cr_assert_str_eq(dir, scratch);
	cr_assert_eq(candidate_error("TMPDIR"), ENOENT);
	tft_remove_tree(scratch);
	free(missing);
	free(scratch);
}

Test(hostile, tmpdir_naming_a_file_is_skipped)
{
	char *scratch = tft_scratch();
	char *file = tft_join(scratch, "file");
	tft_write_file(file, "not a directory\n");
	char *good = make_dir(scratch, "good", 0700);
	set_candidates(file, good, NULL);
	cr_assert_str_eq(tempfile_gettempdir(), good);
	cr_assert_eq(candidate_error("TMPDIR"), ENOTDIR);
	/* The file is untouched and nothing appeared beside it. */
	cr_assert_eq(tft_count_entries(scratch), 2);
	cr_assert_eq(tft_count_entries(good), 0);
	tft_remove_tree(scratch);
	free(good);
	free(file);
	free(scratch);
}

Test(hostile, tmpdir_unwritable_for_the_user_is_skipped_and_creating_there_fails_with_eacces)
{
	char *scratch = tft_scratch();
	char *locked = make_dir(scratch, "locked", 0755); /* root's, not nobody's */
	char *open_dir = make_dir(scratch, "open", 01777);
	/* nobody owns the scratch directory, so that it can remove the tree
	 * (both directories stay empty) after dropping privileges. */
	cr_assert_eq(chown(scratch, 65534, 65534), 0);
	tft_drop_privileges();
	set_candidates(locked, open_dir, NULL);
	cr_assert_str_eq(tempfile_gettempdir(), open_dir);
	cr_assert_eq(candidate_error("TMPDIR"), EACCES);

	char *path = NULL;
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = locked }, &path), -1);
	cr_assert_eq(errno, EACCES);
	cr_assert_null(path);
	errno = 0;
	cr_assert_null(tempfile_mkdtemp(&(struct tempfile_opts){ .dir = locked }));
	cr_assert_eq(errno, EACCES);
	cr_assert_eq(tft_count_entries(locked), 0);
	cr_assert_eq(tft_count_entries(open_dir), 0);
	tft_remove_tree(scratch);
	free(open_dir);
	free(locked);
	free(scratch);
}

Test(hostile, tmpdir_on_a_full_file_system_is_skipped)
{
	if (geteuid() != 0)
		cr_skip_test("mounting a small tmpfs needs root");
	/* A private mount namespace: the mount vanishes with this process,
	 * whatever happens to the test. */
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("cannot make a private mount namespace: %s", strerror(errno));
	char *scratch = tft_scratch();
	char *full = make_dir(scratch, "full", 0755);
	char *good = make_dir(scratch, "good", 0700);
	if (mount("tmpfs", full, "tmpfs", 0, "size=64k,mode=1777") != 0)
		cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
	/* Fill it: one file as large as it will grow. */
	char *filler = tft_join(full, "filler");
	int fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	char block[4096] = { 0 };
	while (write(fd, block, sizeof block) > 0)
		;
	cr_assert_eq(errno, ENOSPC);
	/* And the last partial page. */
	while (write(fd, block, 1) > 0)
		;
	close(fd);

	set_candidates(full, good, NULL);
	cr_assert_str_eq(tempfile_gettempdir(), good);
	cr_assert_eq(candidate_error("TMPDIR"), ENOSPC);
	cr_assert_eq(tft_count_entries(full), 1, "the probe left its file behind");
	cr_assert_eq(tft_count_entries(good), 0);
	cr_assert_eq(umount(full), 0);
	tft_remove_tree(scratch);
	free(filler);
	free(good);
	free(full);
	free(scratch);
}

/* ---- no descriptors left ------------------------------------------------------------ */

static struct rlimit original_nofile;
static int fillers[64];
static size_t filler_count;

/* Lower RLIMIT_NOFILE to what is open now and fill any gap below it. */
static void exhaust_descriptors(void)
{
	/* valgrind enforces the limit itself, after the kernel's open(2) has
	 * already created the file, which then looks left behind. */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		cr_skip_test("under valgrind, RLIMIT_NOFILE is emulated after open(2) creates");
	struct rlimit rl;
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	original_nofile = rl;
	rl.rlim_cur = (rlim_t)tft_count_fds() + 1;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	int fd;
	filler_count = 0;
	while (filler_count < 64 && (fd = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0)
		fillers[filler_count++] = fd;
	cr_assert_eq(fcntl(0, F_DUPFD_CLOEXEC, 0), -1);
	cr_assert_eq(errno, EMFILE);
}

/* Room again, to look at what was left. */
static void restore_descriptors(void)
{
	while (filler_count > 0)
		close(fillers[--filler_count]);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &original_nofile), 0);
}

Test(hostile, no_descriptor_left_makes_mkstemp_fail_with_emfile_and_leave_nothing)
{
	char *scratch = tft_scratch();
	exhaust_descriptors();
	char *path = NULL;
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = scratch }, &path), -1);
	cr_assert_eq(errno, EMFILE);
	cr_assert_null(path);
	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof tmpl, "%s/tXXXXXX", scratch);
	errno = 0;
	cr_assert_eq(tempfile_mktemplate(tmpl, 0, TEMPFILE_KIND_FILE, 0, 0), -1);
	cr_assert_eq(errno, EMFILE);
	/* A directory needs no descriptor. */
	char *made = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = scratch });
	cr_assert_not_null(made, "mkdtemp: %s", strerror(errno));
	cr_assert_eq(rmdir(made), 0);
	free(made);
	restore_descriptors();
	long entries = tft_count_entries(scratch);
	cr_assert_eq(entries, 0, "%ld entries in %s (%s)", entries, scratch, strerror(errno));
	tft_remove_tree(scratch);
	free(scratch);
}

Test(hostile, no_descriptor_left_makes_every_candidate_unusable)
{
	char *scratch = tft_scratch();
	set_candidates(scratch, NULL, NULL);
	exhaust_descriptors();
	errno = 0;
	cr_assert_null(tempfile_gettempdir());
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(candidate_error("TMPDIR"), EMFILE);
	restore_descriptors();
	long entries = tft_count_entries(scratch);
	cr_assert_eq(entries, 0, "%ld entries in %s (%s)", entries, scratch, strerror(errno));
	tft_remove_tree(scratch);
	free(scratch);
}

/* ---- a symbolic link planted at the next name ----------------------------------------- */

/* The first name tried will be <dir>/tmp + "planted0"; put a link there to
 * a victim file outside, and script the generator to offer that name. */
struct planted {
	char *scratch, *dir, *victim, *link;
};

static const char *const planted_names[] = { "planted0" };

static struct planted plant(const char *link_name, bool victim_exists)
{
	struct planted p;
	p.scratch = tft_scratch();
	p.dir = make_dir(p.scratch, "dir", 0755);
	p.victim = tft_join(p.scratch, "victim");
	if (victim_exists)
		tft_write_file(p.victim, "precious\n");
	p.link = tft_join(p.dir, link_name);
	cr_assert_eq(symlink(p.victim, p.link), 0);
	tf_test_script_names(planted_names, 1);
	return p;
}

/* The link is still a link to the victim, and the victim as it was. */
static void assert_not_followed(const struct planted *p, bool victim_exists)
{
	struct stat st;
	cr_assert_eq(lstat(p->link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the planted link was replaced");
	if (victim_exists) {
		FILE *f = fopen(p->victim, "r");
		cr_assert_not_null(f);
		char buf[32] = "";
		cr_assert_not_null(fgets(buf, sizeof buf, f));
		fclose(f);
		cr_assert_str_eq(buf, "precious\n", "the victim was written through the link");
		cr_assert_eq(lstat(p->victim, &st), 0);
		cr_assert_eq(st.st_mode & 07777, 0644, "victim mode changed");
	} else {
		cr_assert_neq(lstat(p->victim, &st), 0, "the victim was created through the link");
	}
}

static void release_planted(struct planted *p)
{
	tf_test_script_names(NULL, 0);
	tft_remove_tree(p->scratch);
	free(p->link);
	free(p->victim);
	free(p->dir);
	free(p->scratch);
}

Test(hostile, mkstemp_does_not_follow_a_link_planted_at_its_name)
{
	for (int exists = 0; exists < 2; exists++) {
		umask(022);
		struct planted p = plant("tmpplanted0", exists);
		char *path = NULL;
		int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = p.dir }, &path);
		cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
		cr_assert_str_neq(path, p.link, "the planted name was used");
		cr_assert_eq(write(fd, "mine\n", 5), 5);
		close(fd);
		assert_not_followed(&p, exists);
		unlink(path);
		free(path);
		release_planted(&p);
	}
}

Test(hostile, mkdtemp_does_not_follow_a_link_planted_at_its_name)
{
	for (int exists = 0; exists < 2; exists++) {
		umask(022);
		struct planted p = plant("tmpplanted0", exists);
		char *path = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = p.dir });
		cr_assert_not_null(path, "mkdtemp: %s", strerror(errno));
		cr_assert_str_neq(path, p.link);
		assert_not_followed(&p, exists);
		rmdir(path);
		free(path);
		release_planted(&p);
	}
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Test(hostile, mktemp_does_not_offer_a_name_taken_by_a_dangling_link)
{
	struct planted p = plant("tmpplanted0", false);
	char *path = tempfile_mktemp(&(struct tempfile_opts){ .dir = p.dir });
	cr_assert_not_null(path);
	cr_assert_str_neq(path, p.link, "a dangling link's name was offered as free");
	assert_not_followed(&p, false);
	free(path);
	release_planted(&p);
}
#pragma GCC diagnostic pop

Test(hostile, mktemplate_does_not_follow_a_link_planted_at_its_name)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	static const enum tempfile_kind kinds[] = { TEMPFILE_KIND_FILE, TEMPFILE_KIND_DIR,
		TEMPFILE_KIND_NAME };
#pragma GCC diagnostic pop

	for (size_t k = 0; k < 3; k++) {
		umask(022);
		/* Six X's take the first six scripted characters: "plante". */
		struct planted p = plant("fileplante", true);
		char *tmpl = tft_join(p.dir, "fileXXXXXX");
		int result = tempfile_mktemplate(tmpl, 0, kinds[k], 0, 0);
		cr_assert_geq(result, 0, "mktemplate: %s", strerror(errno));
		cr_assert_str_neq(tmpl, p.link);
		if (kinds[k] == TEMPFILE_KIND_FILE) {
			cr_assert_eq(write(result, "mine\n", 5), 5);
			close(result);
		}
		assert_not_followed(&p, true);
		free(tmpl);
		release_planted(&p);
	}
}

/* Every name offered is taken by a link: EEXIST after TEMPFILE_TMP_MAX
 * tries, nothing created, nothing followed. */
Test(hostile, names_all_taken_by_links_give_eexist_promptly)
{
	struct planted p = plant("tmpplanted0", true);
	static const char *many[TEMPFILE_TMP_MAX];
	for (size_t i = 0; i < TEMPFILE_TMP_MAX; i++)
		many[i] = "planted0";
	tf_test_script_names(many, TEMPFILE_TMP_MAX);
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = p.dir }, NULL), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(tft_count_entries(p.dir), 1);
	assert_not_followed(&p, true);
	release_planted(&p);
}

/* ---- a world-writable directory without the sticky bit ---------------------------------- */

/* Another user may rename and replace entries there (no sticky bit). What
 * mkstemp still promises: the file is ours alone (0600), and the returned
 * descriptor keeps writing to it even after the name is swapped for a
 * link to someone else's file. */
Test(hostile, world_writable_directory_without_sticky_bit_keeps_the_file_private)
{
	char *scratch = tft_scratch();
	char *shared = make_dir(scratch, "shared", 0777);
	char *victim = tft_join(scratch, "victim");
	tft_write_file(victim, "precious\n");
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = shared }, &path);
	cr_assert_geq(fd, 0);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_uid, geteuid());

	/* The attacker, as nobody: can read nothing, but can swap the name. */
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		gid_t gid = 65534;
		if (setgroups(1, &gid) != 0 || setresgid(65534, 65534, 65534) != 0 ||
			setresuid(65534, 65534, 65534) != 0)
			_exit(3);
		if (open(path, O_RDONLY) >= 0 || errno != EACCES)
			_exit(4); /* could read our file */
		char *moved = NULL;
		if (asprintf(&moved, "%s.moved", path) < 0 || rename(path, moved) != 0 ||
			symlink(victim, path) != 0)
			_exit(5);
		_exit(0);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		cr_skip_test("cannot become nobody");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "attacker step %d failed",
		WEXITSTATUS(status));

	cr_assert_eq(write(fd, "secret\n", 7), 7);
	close(fd);
	FILE *f = fopen(victim, "r");
	char buf[32] = "";
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "precious\n", "a write went through the swapped name");
	tft_remove_tree(scratch);
	free(path);
	free(victim);
	free(shared);
	free(scratch);
}

/* ---- lengths at the limits -------------------------------------------------------------- */

/* A directory whose absolute path is exactly len characters long, made
 * relative step by step (no single call sees a path over PATH_MAX). */
static char *deep_directory(const char *base, size_t len)
{
	char *path = malloc(len + 1);
	cr_assert_not_null(path);
	size_t at = strlen(base);
	cr_assert_lt(at, len);
	memcpy(path, base, at);
	int dirfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dirfd, 0);
	while (at < len) {
		size_t left = len - at - 1; /* minus the '/' */
		size_t component = left > 200 ? 200 : left;
		if (left > 200 && left - 200 < 2)
			component = left - 2; /* keep the last component non-trivial */
		cr_assert_gt(component, 0);
		path[at++] = '/';
		memset(path + at, 'd', component);
		char name[256];
		memcpy(name, path + at, component);
		name[component] = '\0';
		at += component;
		cr_assert_eq(mkdirat(dirfd, name, 0755), 0, "mkdirat: %s", strerror(errno));
		int next = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cr_assert_geq(next, 0);
		close(dirfd);
		dirfd = next;
	}
	close(dirfd);
	path[len] = '\0';
	return path;
}

Test(hostile, a_path_one_short_of_path_max_works_and_one_more_fails_cleanly)
{
	char *scratch = tft_scratch();
	/* dir + "/" + "tmp" + 8 characters: 12 more. PATH_MAX counts the NUL. */
	size_t fits = PATH_MAX - 1 - 12;
	char *dir = deep_directory(scratch, fits);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	cr_assert_geq(fd, 0, "a %zu-character path failed: %s", fits + 12, strerror(errno));
	cr_assert_eq(strlen(path), (size_t)PATH_MAX - 1);
	close(fd);
	cr_assert_eq(unlink(path), 0);
	free(path);

	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .suffix = "x" }, &path),
		-1);
	cr_assert_eq(errno, ENAMETOOLONG);
	errno = 0;
	cr_assert_null(tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .suffix = "x" }));
	cr_assert_eq(errno, ENAMETOOLONG);
	cr_assert_eq(tft_count_entries(dir), 0);
	free(dir);
	tft_remove_tree(scratch);
	free(scratch);
}

Test(hostile, a_name_of_name_max_works_and_one_more_fails_cleanly)
{
	char *scratch = tft_scratch();
	char prefix[NAME_MAX + 2];
	size_t prefix_len = NAME_MAX - TF_NAME_LEN - 4; /* 4: ".suf" */
	memset(prefix, 'p', prefix_len);
	prefix[prefix_len] = '\0';
	char *path = NULL;
	int fd = tempfile_mkstemp(
		&(struct tempfile_opts){ .dir = scratch, .prefix = prefix, .suffix = ".suf" }, &path);
	cr_assert_geq(fd, 0, "a %d-character name failed: %s", NAME_MAX, strerror(errno));
	cr_assert_eq(strlen(strrchr(path, '/') + 1), (size_t)NAME_MAX);
	close(fd);
	cr_assert_eq(unlink(path), 0);
	free(path);
	char *made = tempfile_mkdtemp(
		&(struct tempfile_opts){ .dir = scratch, .prefix = prefix, .suffix = ".suf" });
	cr_assert_not_null(made);
	cr_assert_eq(rmdir(made), 0);
	free(made);

	prefix[prefix_len] = 'p';
	prefix[prefix_len + 1] = '\0';
	path = NULL;
	errno = 0;
	cr_assert_eq(tempfile_mkstemp(&(struct tempfile_opts){ .dir = scratch, .prefix = prefix,
				      .suffix = ".suf" },
			     &path),
		-1);
	cr_assert_eq(errno, ENAMETOOLONG);
	cr_assert_null(path);
	errno = 0;
	cr_assert_null(tempfile_mkdtemp(
		&(struct tempfile_opts){ .dir = scratch, .prefix = prefix, .suffix = ".suf" }));
	cr_assert_eq(errno, ENAMETOOLONG);
	cr_assert_eq(tft_count_entries(scratch), 0);
	tft_remove_tree(scratch);
	free(scratch);
}

/* ---- the components, when they are in the tree ------------------------------------------ */

#if defined(__has_include)
#  if __has_include("file.c")
#    define HOSTILE_FILE 1
#  endif
#  if __has_include("directory.c") && __has_include("rmtree.c")
#    define HOSTILE_DIRECTORY 1
#  endif
#  if __has_include("rmtree.c")
#    define HOSTILE_RMTREE 1
#  endif
#endif

#ifdef HOSTILE_FILE
/* persist onto a name that is a symbolic link replaces the link itself,
 * never the file it points to; NOREPLACE refuses even a dangling link. */
Test(hostile, persist_replaces_a_planted_link_and_never_writes_through_it)
{
	umask(022);
	char *scratch = tft_scratch();
	char *victim = tft_join(scratch, "victim");
	tft_write_file(victim, "precious\n");
	char *dest = tft_join(scratch, "dest");
	cr_assert_eq(symlink(victim, dest), 0);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = scratch }, NULL);
	cr_assert_not_null(t);
	cr_assert_not_null(tempfile_stream(t));
	fputs("new\n", tempfile_stream(t));
	cr_assert_eq(tempfile_persist(t, dest, 0), 0, "persist: %s", strerror(errno));
	cr_assert_eq(tempfile_close(t), 0);
	struct stat st;
	cr_assert_eq(lstat(dest, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the link is still there");
	FILE *f = fopen(victim, "r");
	char buf[32] = "";
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "precious\n", "persist wrote through the link");
	tft_remove_tree(scratch);
	free(dest);
	free(victim);
	free(scratch);
}

Test(hostile, persist_noreplace_refuses_a_dangling_link)
{
	char *scratch = tft_scratch();
	char *victim = tft_join(scratch, "not-yet");
	char *dest = tft_join(scratch, "dest");
	cr_assert_eq(symlink(victim, dest), 0);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = scratch }, NULL);
	cr_assert_not_null(t);
	cr_assert_not_null(tempfile_stream(t));
	fputs("new\n", tempfile_stream(t));
	errno = 0;
	cr_assert_eq(tempfile_persist(t, dest, TEMPFILE_NOREPLACE), -1);
	cr_assert_eq(errno, EEXIST);
	struct stat st;
	cr_assert_neq(lstat(victim, &st), 0, "the link was followed");
	cr_assert_eq(tempfile_close(t), 0);
	cr_assert_eq(tft_count_entries(scratch), 1, "only the link is left");
	tft_remove_tree(scratch);
	free(dest);
	free(victim);
	free(scratch);
}
#endif

#ifdef HOSTILE_DIRECTORY
/* A temporary directory holding links to someone else's tree, a
 * read-only subdirectory, and a world-writable one without the sticky bit:
 * cleanup removes all of it and nothing outside. */
Test(hostile, directory_cleanup_never_leaves_the_tree)
{
	pool_if_asked();
	char *scratch = tft_scratch();
	char *victim = make_dir(scratch, "victim", 0755);
	char *victim_file = tft_join(victim, "file");
	tft_write_file(victim_file, "precious\n");
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = scratch });
	cr_assert_not_null(d);
	const char *top = tempfile_dir_path(d);
	char *link_dir = tft_join(top, "to-victim");
	char *link_file = tft_join(top, "to-file");
	cr_assert_eq(symlink(victim, link_dir), 0);
	cr_assert_eq(symlink(victim_file, link_file), 0);
	char *ro = make_dir(top, "readonly", 0755);
	char *inner = tft_join(ro, "inner");
	tft_write_file(inner, "x");
	cr_assert_eq(chmod(ro, 0555), 0);
	char *open_dir = make_dir(top, "open", 0777);
	char *open_link = tft_join(open_dir, "escape");
	cr_assert_eq(symlink("../../victim", open_link), 0);
	cr_assert_eq(tempfile_dir_cleanup(d), 0, "cleanup: %s", strerror(errno));
	cr_assert_eq(tft_count_entries(scratch), 1, "the temporary directory is left");
	cr_assert_eq(tft_count_entries(victim), 1, "the victim's tree was touched");
	FILE *f = fopen(victim_file, "r");
	char buf[32] = "";
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "precious\n");
	tft_remove_tree(scratch);
	free(open_link);
	free(open_dir);
	free(inner);
	free(ro);
	free(link_file);
	free(link_dir);
	free(victim_file);
	free(victim);
	free(scratch);
}
#endif

#ifdef HOSTILE_RMTREE
/* ---- an attacker racing tempfile_rmtree ------------------------------------------------ */

/* The real-world danger: root removes a tree that another user can write
 * to, in a sticky world-writable directory like /tmp, next to something of
 * root's (here "outside", a directory of files). The attacker swaps the
 * tree's directories, and the tree itself, for symbolic links to outside
 * (rename then symlink, or renameat2 RENAME_EXCHANGE), and moves parts of
 * the tree out next to outside, as fast as it can while the removal runs.
 * After every round outside must be exactly as it was. */

#define RACE_ROUNDS 10000
#define OUTSIDE_FILES 8
#define OUTSIDE_SUB_FILES 4

struct race_shared {
	_Atomic int stop;      /* the removal of this round has returned */
	_Atomic long swaps;    /* attacker operations that took effect */
};

/* A small tree: 6 directories, 7 files, at sticky/tree; owned by uid. */
static void build_race_tree(int sticky, uid_t uid)
{
	static const char *const dirs[] = { "tree", "tree/a", "tree/a/x", "tree/b", "tree/c",
		"tree/c/y" };
	static const char *const files[] = { "tree/f", "tree/a/f", "tree/a/x/f1", "tree/a/x/f2",
		"tree/b/f", "tree/c/f", "tree/c/y/f" };
	/* Plain checks: --full-stats reports every assertion. */
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (mkdirat(sticky, dirs[i], 0755) != 0 || fchownat(sticky, dirs[i], uid, uid, 0) != 0)
			cr_assert_fail("mkdir %s: %s", dirs[i], strerror(errno));
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		int fd = openat(sticky, files[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || fchown(fd, uid, uid) != 0 || close(fd) != 0)
			cr_assert_fail("create %s: %s", files[i], strerror(errno));
	}
}

/* outside: OUTSIDE_FILES files and sub/ with OUTSIDE_SUB_FILES more, root's. */
static void build_outside(int sticky)
{
	cr_assert_eq(mkdirat(sticky, "outside", 0755), 0);
	cr_assert_eq(mkdirat(sticky, "outside/sub", 0755), 0);
	char name[64];
	for (int i = 0; i < OUTSIDE_FILES + OUTSIDE_SUB_FILES; i++) {
		if (i < OUTSIDE_FILES)
			snprintf(name, sizeof name, "outside/f%d", i);
		else
			snprintf(name, sizeof name, "outside/sub/g%d", i - OUTSIDE_FILES);
		int fd = openat(sticky, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, "keep\n", 5), 5);
		close(fd);
	}
}

/* outside as build_outside made it: entries, sizes, modes. */
static bool outside_intact(int sticky, char *why, size_t why_size)
{
	static const char *const dirs[] = { "outside", "outside/sub" };
	static const long counts[] = { OUTSIDE_FILES + 1, OUTSIDE_SUB_FILES };
	struct stat st;
	for (int d = 0; d < 2; d++) {
		if (fstatat(sticky, dirs[d], &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
			(st.st_mode & 07777) != 0755 || st.st_uid != 0) {
			snprintf(why, why_size, "%s changed", dirs[d]);
			return false;
		}
		int fd = openat(sticky, dirs[d], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		long n = 0;
		struct dirent *e;
		while (dir && (e = readdir(dir)))
			n += e->d_name[0] != '.';
		if (dir)
			closedir(dir);
		if (n != counts[d]) {
			snprintf(why, why_size, "%s has %ld entries, not %ld", dirs[d], n, counts[d]);
			return false;
		}
	}
	char name[64];
	for (int i = 0; i < OUTSIDE_FILES + OUTSIDE_SUB_FILES; i++) {
		if (i < OUTSIDE_FILES)
			snprintf(name, sizeof name, "outside/f%d", i);
		else
			snprintf(name, sizeof name, "outside/sub/g%d", i - OUTSIDE_FILES);
		if (fstatat(sticky, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
			st.st_size != 5 || (st.st_mode & 07777) != 0644) {
			snprintf(why, why_size, "%s changed or gone", name);
			return false;
		}
	}
	return true;
}

/* Remove name in dirfd without following links; no assertion (the race
 * leaves anything). The removal under test is not used to clean up. */
static void scrub(int at, const char *name)
{
	if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
		return;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			scrub(dirfd(d), e->d_name);
	if (d)
		closedir(d);
	(void)unlinkat(at, name, AT_REMOVEDIR);
}

/* Everything in sticky but outside. */
static void scrub_all_but_outside(int sticky)
{
	int fd = openat(sticky, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	cr_assert_not_null(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, "outside") != 0)
			scrub(sticky, e->d_name);
	closedir(d);
}

/* The directory name in at, never through a link (the attacker's own
 * steps must not write into outside by following its own links). */
static int open_nofollow(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* rename from then symlink target in its place: a directory swapped for
 * a link in two steps. */
static bool swap_for_link(int at, const char *from, int to_at, const char *to,
	const char *target)
{
	return renameat(at, from, to_at, to) == 0 && symlinkat(target, at, from) == 0;
}

#ifdef __GLIBC__
#  define exchange_names(at, a, b) renameat2(at, a, at, b, RENAME_EXCHANGE)
#else /* musl has no renameat2(), musl-gcc no <linux/fs.h> */
#  include <sys/syscall.h>
#  define RENAME_EXCHANGE (1 << 1)
#  define exchange_names(at, a, b) (int)syscall(SYS_renameat2, at, a, at, b, RENAME_EXCHANGE)
#endif

/* A link to target made at link, then exchanged with name in one step. */
static bool exchange_with_link(int at, const char *name, const char *link, const char *target)
{
	(void)symlinkat(target, at, link);
	return exchange_names(at, name, link) == 0;
}

/* One attack on sticky/tree, chosen by k; each is a swap that a naive
 * removal would follow into outside. Returns true if it took effect. */
static bool attack(int sticky, const char *outside, unsigned k)
{
	if (k % 9 == 5) /* the tree itself swapped for a link */
		return swap_for_link(sticky, "tree", sticky, "tree.moved", outside);
	if (k % 9 == 6)
		return exchange_with_link(sticky, "tree", "tree.link", outside);
	int tree = open_nofollow(sticky, "tree");
	if (tree < 0)
		return false;
	int sub = -1;
	bool done = false;
	switch (k % 9) {
	case 0: /* a directory swapped for a link, by rename then symlink */
		done = swap_for_link(tree, "a", tree, "a.moved", outside);
		break;
	case 1: /* a directory and a link exchanged in one step */
		done = exchange_with_link(tree, "b", "lb", outside);
		break;
	case 2: /* deeper, a relative link */
		if ((sub = open_nofollow(tree, "a")) >= 0)
			done = swap_for_link(sub, "x", tree, "x.moved", "../../outside");
		break;
	case 3:
		if ((sub = open_nofollow(tree, "c")) >= 0)
			done = exchange_with_link(sub, "y", "ly", "../../outside/sub");
		break;
	case 4: /* a part moved out of the tree next to outside (its ".." is
		 * now the directory that holds outside), a link in its place */
		done = swap_for_link(tree, "c", sticky, "escaped", outside);
		break;
	case 7:
		if ((sub = open_nofollow(tree, "a")) >= 0)
			done = swap_for_link(sub, "x", sticky, "escaped.x", "../../outside");
		break;
	default: /* links planted to be unlinked, never followed */
		if ((sub = open_nofollow(tree, "a")) >= 0)
			done = symlinkat(outside, sub, "link") == 0;
		break;
	}
	if (sub >= 0)
		close(sub);
	close(tree);
	return done;
}

/* The attacker's life: a round starts with a byte on go; a few attacks at
 * random moments while the removal runs (it stops early when shared->stop
 * says the removal returned), then a byte on ack once it has. Ends when go
 * is closed. */
static void attacker(int sticky, const char *outside, int go, int ack,
	struct race_shared *shared)
{
	uint32_t x = (uint32_t)getpid() * 2654435761u;
	char byte;
	while (read(go, &byte, 1) == 1) {
		for (int n = 0; n < 3 && !atomic_load(&shared->stop); n++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			for (volatile unsigned spin = (x >> 22) & 1023; spin; spin--)
				;
			if (attack(sticky, outside, x))
				atomic_fetch_add(&shared->swaps, 1);
		}
		while (!atomic_load(&shared->stop))
			sched_yield();
		if (write(ack, "a", 1) != 1)
			_exit(2);
	}
	_exit(0);
}

/* Between the fstatat that saw a directory and the open: give the attacker
 * a moment, sometimes the CPU (so that it races even on one core). The
 * pool's threads call it too: each its own sequence. */
static void widen_the_window(enum tf_rmtree_event event, int fd, const char *name, void *arg)
{
	(void)fd;
	(void)name;
	static _Thread_local uint32_t state; /* 0: this thread starts from *arg */
	if (event != TF_RMTREE_BEFORE_OPEN)
		return;
	uint32_t x = state ? state : *(const uint32_t *)arg;
	state = x = x * 1103515245u + 12345u;
	if ((x >> 16) & 1)
		sched_yield();
	for (volatile unsigned spin = (x >> 20) & 1023; spin; spin--)
		;
}

/* Descriptors held to leave a chosen number free under a low limit. */
struct fd_budget {
	int fds[64];
	int n;
};

/* Take every descriptor the limit allows, then give back `free_fds`. */
static void budget_leave(struct fd_budget *b, int free_fds)
{
	int fd;
	while (b->n < 64 && (fd = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0)
		b->fds[b->n++] = fd;
	for (int i = 0; i < free_fds && b->n > 0; i++)
		close(b->fds[--b->n]);
}

/* free_fds: descriptors left free for each removal, -1 for no limit. */
static void race_rmtree(bool attacker_is_nobody, int free_fds)
{
	pool_if_asked();
	if (geteuid() != 0)
		cr_skip_test("the attacker's victim is root's: needs root");
	const char *preload = getenv("LD_PRELOAD");
	if (free_fds >= 0 && preload && strstr(preload, "vgpreload"))
		cr_skip_test("RLIMIT_NOFILE cannot be lowered under valgrind");
	/* A private tmpfs: the rounds make and remove 130,000 entries, which
	 * a disk mounted with discard turns into minutes. */
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		cr_skip_test("no private mount namespace: %s", strerror(errno));
	char *scratch = tft_scratch();
	if (mount("tmpfs", scratch, "tmpfs", 0, "size=16m,mode=0755") != 0)
		cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
	char *sticky_path = make_dir(scratch, "sticky", 01777);
	char *outside = tft_join(sticky_path, "outside");
	int sticky = open(sticky_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(sticky, 0);
	build_outside(sticky);
	uid_t owner = attacker_is_nobody ? 65534 : 0;

	struct race_shared *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(shared, MAP_FAILED);
	int go[2], ack[2];
	cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(ack, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(go[1]);
		close(ack[0]);
		if (attacker_is_nobody && !tft_become_nobody())
			_exit(3);
		/* A removal that dies mid-round (a sanitizer's report) must not
		 * leave the attacker spinning: set after the uid change, which
		 * clears it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(4);
		attacker(sticky, outside, go[0], ack[1], shared);
	}
	close(go[0]);
	close(ack[1]);

	char *tree = tft_join(sticky_path, "tree");
	struct fd_budget budget = { .n = 0 };
	if (free_fds >= 0) {
		int highest = dup(0);
		cr_assert_geq(highest, 0);
		close(highest);
		struct rlimit rl;
		cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
		rl.rlim_cur = (rlim_t)highest + 32;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
		budget_leave(&budget, 16); /* for building, checking, cleaning */
	}
	static const uint32_t seed = 1;
	tf_test_rmtree_hook(widen_the_window, (void *)&seed);
	int removed = 0, failed = 0;
	char why[256] = "";
	for (int round = 0; round < RACE_ROUNDS; round++) {
		build_race_tree(sticky, owner);
		atomic_store(&shared->stop, 0);
		cr_assert_eq(write(go[1], "g", 1), 1);
		if (free_fds >= 0)
			budget_leave(&budget, free_fds);
		int rc = tempfile_rmtree(tree, 0);
		atomic_store(&shared->stop, 1);
		if (free_fds >= 0)
			budget_leave(&budget, 16);
		char byte;
		if (read(ack[0], &byte, 1) != 1)
			cr_assert_fail("the attacker died in round %d", round);
		if (rc == 0)
			removed++;
		else
			failed++;
		if (!outside_intact(sticky, why, sizeof why))
			cr_assert_fail("round %d: %s", round, why);
		scrub_all_but_outside(sticky);
	}
	tf_test_rmtree_hook(NULL, NULL);
	budget_leave(&budget, 64);
	close(go[1]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
		cr_skip_test("cannot become nobody");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "attacker status %d", status);
	cr_log_info("%d rounds: %d removed whole, %d with an error; %ld swaps took effect",
		RACE_ROUNDS, removed, failed, atomic_load(&shared->swaps));
	close(ack[0]);
	close(sticky);
	cr_assert_eq(umount(scratch), 0);
	tft_remove_tree(scratch);
	free(tree);
	free(outside);
	free(sticky_path);
	free(scratch);
}

Test(hostile, rmtree_as_root_never_leaves_a_tree_its_owner_races_10000_times)
{
	race_rmtree(true, -1);
}

Test(hostile, rmtree_never_leaves_a_tree_that_root_races_10000_times)
{
	race_rmtree(false, -1);
}

/* With 3 descriptors free the removal closes the levels it is not reading
 * and comes back through "..": a part moved out next to outside must not
 * lead it there. */
Test(hostile, rmtree_short_of_descriptors_never_leaves_a_tree_its_owner_races_10000_times)
{
	race_rmtree(true, 3);
}
#endif
