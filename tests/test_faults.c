/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_faults.c - every public operation under every injectable fault.
 *
 * The shim (faults/shim.c) and the driver (faults/driver.c) are compiled
 * into this program by #include, because the build makes one program of
 * each tests/test_*.c and the shim must be in the program itself to
 * interpose on the library linked into it. See faults/driver.h for what is
 * checked after each case. Each Test prints a summary line:
 *   <op>: P fault points, C cases: R reported, M mapped, T retried,
 *   A absorbed, S stuck, U unreached, B bad
 * and fails when B is not 0.
 */
#include "faults/shim.c"
#include "faults/driver.c"

#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- shared checks and releases ------------------------------------------------- */

static bool note(struct tfd_ctx *c, const char *what)
{
	snprintf(c->note, sizeof c->note, "%s", what);
	return false;
}

/* path is work/<prefix><8 random><suffix>, a regular file or directory. */
static bool check_created(struct tfd_ctx *c, const char *path, const char *prefix,
	const char *suffix, mode_t type, mode_t mode)
{
	size_t work_len = strlen(c->work), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	if (!path || strncmp(path, c->work, work_len) != 0 || path[work_len] != '/')
		return note(c, "path is not in the requested directory");
	const char *name = path + work_len + 1;
	if (strlen(name) != prefix_len + TF_NAME_LEN + suffix_len ||
		strncmp(name, prefix, prefix_len) != 0 ||
		strcmp(name + prefix_len + TF_NAME_LEN, suffix) != 0)
		return note(c, "name is not prefix + 8 + suffix");
	struct stat st;
	if (lstat(path, &st) != 0)
		return note(c, "the created entry does not exist");
	if ((st.st_mode & S_IFMT) != type || (st.st_mode & 07777) != mode)
		return note(c, "wrong type or mode");
	return true;
}

static bool fd_is_cloexec_rw(int fd)
{
	int flags = fcntl(fd, F_GETFD), status = fcntl(fd, F_GETFL);
	return flags >= 0 && (flags & FD_CLOEXEC) && status >= 0 && (status & O_ACCMODE) == O_RDWR;
}

/* Remove whatever run created in work (the operation's own cleanup is
 * tested elsewhere; here it must just leave the tree as it was). */
static void empty_work(struct tfd_ctx *c)
{
	DIR *d = opendir(c->work);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			(void)unlinkat(dirfd(d), e->d_name,
				e->d_type == DT_DIR ? AT_REMOVEDIR : 0);
	closedir(d);
}

static void release_fd_and_path(struct tfd_ctx *c, bool ok)
{
	if (ok) {
		close(c->fd);
		if (c->path)
			unlink(c->path);
		else
			empty_work(c);
	}
	free(c->path);
	c->path = NULL;
}

static void release_dir(struct tfd_ctx *c, bool ok)
{
	if (ok)
		rmdir(c->path);
	free(c->path);
	c->path = NULL;
}

/* ---- mkstemp ---------------------------------------------------------------------- */

static int run_mkstemp(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(
		&(struct tempfile_opts){ .dir = c->work, .prefix = "pre", .suffix = ".suf" }, &c->path);
	return c->fd < 0 ? -1 : 0;
}

static bool check_mkstemp(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return c->path == NULL || note(c, "path set on failure");
	if (!fd_is_cloexec_rw(c->fd))
		return note(c, "descriptor not O_RDWR|O_CLOEXEC");
	return check_created(c, c->path, "pre", ".suf", S_IFREG, 0600);
}

static int run_mkstemp_no_path(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = c->work }, NULL);
	return c->fd < 0 ? -1 : 0;
}

static bool check_one_entry(struct tfd_ctx *c, bool ok)
{
	long n = tft_count_entries(c->work);
	return n == (ok ? 1 : 0) || note(c, "wrong number of entries in the directory");
}

/* Default directory: set, so that no probe runs (the probe has its own op). */
static int setup_default_dir(struct tfd_ctx *c)
{
	return tempfile_settempdir(c->work);
}

static int run_mkstemp_default(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(NULL, &c->path);
	return c->fd < 0 ? -1 : 0;
}

static bool check_mkstemp_default(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	return check_created(c, c->path, "tmp", "", S_IFREG, 0600);
}

/* A relative directory: made absolute with getcwd. */
static int setup_relative(struct tfd_ctx *c)
{
	return chdir(c->root);
}

static int run_mkstemp_relative(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = "work", .prefix = "pre",
					 .suffix = ".suf" },
		&c->path);
	return c->fd < 0 ? -1 : 0;
}

static int run_mkstemp_at_exit(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = c->work, .prefix = "pre",
					 .suffix = ".suf", .flags = TEMPFILE_AT_EXIT },
		&c->path);
	return c->fd < 0 ? -1 : 0;
}

static void release_at_exit(struct tfd_ctx *c, bool ok)
{
	if (ok && tempfile_forget(c->path) != 0)
		fprintf(stderr, "forget %s: %s\n", c->path, strerror(errno));
	if (c->fd >= 0)
		release_fd_and_path(c, ok);
	else
		release_dir(c, ok);
}

/* ---- mkdtemp, mktemp ---------------------------------------------------------------- */

static int run_mkdtemp(struct tfd_ctx *c)
{
	c->path = tempfile_mkdtemp(
		&(struct tempfile_opts){ .dir = c->work, .prefix = "pre", .suffix = ".suf" });
	return c->path ? 0 : -1;
}

static bool check_mkdtemp(struct tfd_ctx *c, bool ok)
{
	return !ok || check_created(c, c->path, "pre", ".suf", S_IFDIR, 0700);
}

static int run_mkdtemp_at_exit(struct tfd_ctx *c)
{
	c->path = tempfile_mkdtemp(&(struct tempfile_opts){
		.dir = c->work, .prefix = "pre", .suffix = ".suf", .flags = TEMPFILE_AT_EXIT });
	return c->path ? 0 : -1;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int run_mktemp(struct tfd_ctx *c)
{
	c->path = tempfile_mktemp(
		&(struct tempfile_opts){ .dir = c->work, .prefix = "pre", .suffix = ".suf" });
	return c->path ? 0 : -1;
}
#pragma GCC diagnostic pop

static bool check_mktemp(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	struct stat st;
	if (lstat(c->path, &st) == 0)
		return note(c, "mktemp created something");
	return tft_count_entries(c->work) == 0 || note(c, "mktemp created something");
}

static void release_path(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	free(c->path);
	c->path = NULL;
}

/* ---- mktemplate ------------------------------------------------------------------------ */

/* In prepare: the template is the caller's, allocated and freed around the
 * call, so that its allocation balances. */
static int prepare_template(struct tfd_ctx *c)
{
	return asprintf(&c->path, "%s/fileXXXXXX.txt", c->work) < 0 ? -1 : 0;
}

static int run_template(struct tfd_ctx *c, enum tempfile_kind kind)
{
	c->number = kind;
	int result = tempfile_mktemplate(c->path, 4, kind, 0, 0);
	if (result >= 0 && kind == TEMPFILE_KIND_FILE)
		c->fd = result;
	return result < 0 ? -1 : 0;
}

static int run_template_file(struct tfd_ctx *c)
{
	return run_template(c, TEMPFILE_KIND_FILE);
}

static int run_template_dir(struct tfd_ctx *c)
{
	return run_template(c, TEMPFILE_KIND_DIR);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int run_template_name(struct tfd_ctx *c)
{
	return run_template(c, TEMPFILE_KIND_NAME);
}
#pragma GCC diagnostic pop

static bool check_template(struct tfd_ctx *c, bool ok)
{
	size_t len = strlen(c->path);
	const char *x = c->path + len - 10;
	bool untouched = strncmp(x, "XXXXXX.txt", 10) == 0;
	if (!ok)
		return untouched || note(c, "template changed on failure");
	if (untouched || strcmp(x + 6, ".txt") != 0 || !tft_all_in(x, 6, TF_TEMPLATE_ALPHABET))
		return note(c, "template not filled in");
	struct stat st;
	int rc = lstat(c->path, &st);
	switch (c->number) {
	case TEMPFILE_KIND_FILE:
		return (rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 &&
			       fd_is_cloexec_rw(c->fd)) ||
		       note(c, "no 0600 file");
	case TEMPFILE_KIND_DIR:
		return (rc == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700) ||
		       note(c, "no 0700 directory");
	default:
		return rc != 0 || note(c, "name-only template created something");
	}
}

static void release_template(struct tfd_ctx *c, bool ok)
{
	if (ok && c->number == TEMPFILE_KIND_FILE) {
		close(c->fd);
		unlink(c->path);
	} else if (ok && c->number == TEMPFILE_KIND_DIR) {
		rmdir(c->path);
	}
	free(c->path);
	c->path = NULL;
}

/* ---- gettempdir, explain, settempdir, settempprefix ------------------------------------ */

/* TMPDIR, TEMP and TMP each name a directory of the scratch tree, so that
 * the probe runs there (and a file it leaves would show). */
static int setup_candidates(struct tfd_ctx *c)
{
	static const char *const vars[] = { "TMPDIR", "TEMP", "TMP" };
	static const char *const names[] = { "a", "b", "c" };
	for (int i = 0; i < 3; i++) {
		char *dir = NULL;
		if (asprintf(&dir, "%s/%s", c->work, names[i]) < 0 || mkdir(dir, 0755) != 0 ||
			setenv(vars[i], dir, 1) != 0)
			return -1;
		free(dir);
	}
	return tempfile_settempdir(NULL);
}

static int run_gettempdir(struct tfd_ctx *c)
{
	c->text = tempfile_gettempdir();
	return c->text ? 0 : -1;
}

static bool check_gettempdir(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	size_t len = strlen(c->work);
	if (strncmp(c->text, c->work, len) != 0 || strlen(c->text) != len + 2 ||
		!strchr("abc", c->text[len + 1]))
		return note(c, "gettempdir chose no candidate of the scratch tree");
	return true;
}

static void release_nothing(struct tfd_ctx *c, bool ok)
{
	(void)c;
	(void)ok;
}

/* Stops the walk after the three variables: the defaults (/tmp, ...) are
 * outside the scratch tree, where a file left behind would not be seen. */
static int explain_stop_after_env(const struct tempfile_candidate *candidate, void *arg)
{
	struct tfd_ctx *c = arg;
	if (candidate->chosen)
		c->number++;
	return strcmp(candidate->source, "TMP") == 0 ? 1 : 0;
}

static int run_explain(struct tfd_ctx *c)
{
	c->number = 0;
	return tempfile_gettempdir_explain(explain_stop_after_env, c);
}

static bool check_explain(struct tfd_ctx *c, bool ok)
{
	return !ok || c->number == 1 || note(c, "not exactly one candidate chosen");
}

static int run_settempdir_relative(struct tfd_ctx *c)
{
	(void)c;
	return tempfile_settempdir("work//./");
}

static bool check_settempdir(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	const char *dir = tempfile_gettempdir();
	return (dir && strcmp(dir, c->work) == 0) || note(c, "settempdir did not take");
}

static int run_settempprefix(struct tfd_ctx *c)
{
	(void)c;
	return tempfile_settempprefix("custom");
}

static bool check_settempprefix(struct tfd_ctx *c, bool ok)
{
	return !ok || strcmp(tempfile_gettempprefix(), "custom") == 0 ||
	       note(c, "settempprefix did not take");
}

/* ---- components that may not be in this tree yet -------------------------------------------
 * Each block is compiled when its source file is part of the library
 * (src/ is on the include path): the tests light up as the components
 * are merged, without a build change. */

#if defined(__has_include)
#  if __has_include("file.c")
#    define TFT_HAVE_FILE 1
#  endif
#  if __has_include("spooled.c")
#    define TFT_HAVE_SPOOLED 1
#  endif
#  if __has_include("directory.c") && __has_include("rmtree.c")
#    define TFT_HAVE_DIRECTORY 1
#  endif
#  if __has_include("atomic.c") && __has_include("file.c")
#    define TFT_HAVE_ATOMIC 1
#  endif
#endif

/* NEW: the whole content of path, or NULL. */
__attribute__((unused)) static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	char buf[4096];
	size_t n;
	while (out && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
	if (out)
		fclose(out);
	return text;
}

#ifdef TFT_HAVE_FILE
/* TemporaryFile: no name left anywhere, success or failure. */
static int run_temporary_fd(struct tfd_ctx *c)
{
	c->fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = c->work });
	return c->fd < 0 ? -1 : 0;
}

static bool check_temporary_fd(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	struct stat st;
	if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 0)
		return note(c, "not an unnamed regular file");
	if (!fd_is_cloexec_rw(c->fd))
		return note(c, "descriptor not O_RDWR|O_CLOEXEC");
	return tft_count_entries(c->work) == 0 || note(c, "a name is left in the directory");
}

static void release_fd(struct tfd_ctx *c, bool ok)
{
	if (ok)
		close(c->fd);
}

static int run_temporary_stream(struct tfd_ctx *c)
{
	FILE *f = tempfile_temporary(&(struct tempfile_opts){ .dir = c->work }, "w+b");
	c->handle = f;
	if (!f)
		return -1;
	c->fd = fileno(f);
	return 0;
}

static void release_stream(struct tfd_ctx *c, bool ok)
{
	if (ok)
		fclose(c->handle);
}

/* NamedTemporaryFile written and closed: gone afterwards, success or not;
 * a failed flush must say so. */
static int run_named_close(struct tfd_ctx *c)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!t)
		return -1;
	FILE *f = tempfile_stream(t); /* made on first use: may fail (ENOMEM) */
	if (!f || fputs("some data\n", f) < 0) {
		int saved = errno;
		(void)tempfile_close(t);
		errno = saved;
		return -1;
	}
	return tempfile_close(t);
}

static bool check_nothing_left(struct tfd_ctx *c, bool ok)
{
	/* On failure the tree comparison judges (a failed unlink must leave
	 * the file: that is the fault). */
	return !ok || tft_count_entries(c->work) == 0 || note(c, "the named file is left");
}

/* With TEMPFILE_KEEP the file stays: on success with all its data. */
static int run_named_keep(struct tfd_ctx *c)
{
	struct tempfile *t =
		tempfile_named(&(struct tempfile_opts){ .dir = c->work, .flags = TEMPFILE_KEEP }, NULL);
	if (!t)
		return -1;
	c->path = strdup(tempfile_path(t));
	FILE *f = tempfile_stream(t);
	if (!c->path || !f || fputs("kept data\n", f) < 0) {
		int saved = errno;
		(void)tempfile_close(t);
		errno = saved;
		return -1;
	}
	return tempfile_close(t);
}

static bool check_named_keep(struct tfd_ctx *c, bool ok)
{
	if (!ok)
		return true;
	char *text = c->path ? read_all(c->path) : NULL;
	bool right = text && strcmp(text, "kept data\n") == 0;
	free(text);
	return right || note(c, "the kept file lost its data");
}

static void release_kept(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	empty_work(c); /* a failed close may keep the file too: it was asked to */
	free(c->path);
	c->path = NULL;
}

/* persist: the destination holds its old content or the new, never a mix,
 * and on failure the temporary file is still there (or, if only the final
 * directory fsync failed, already at the destination). */
#define OLD_CONTENT "old content\n"
static char new_content[3 * 4096 + 17];

static int setup_destination(struct tfd_ctx *c)
{
	if (!new_content[0])
		for (size_t i = 0; i < sizeof new_content - 1; i++)
			new_content[i] = (char)('a' + i % 26);
	/* A static buffer: made before allocations are balanced, freed never. */
	static char dest[PATH_MAX];
	snprintf(dest, sizeof dest, "%s/dest", c->work);
	c->path = dest;
	if (c->number == 0) { /* replace: a destination exists */
		FILE *f = fopen(c->path, "w");
		if (!f || fputs(OLD_CONTENT, f) < 0 || fclose(f) != 0)
			return -1;
	}
	return 0;
}

static int prepare_persist(struct tfd_ctx *c)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!t)
		return -1;
	c->handle = t;
	/* Larger than stdio's buffer: part is written, part still buffered. */
	FILE *f = tempfile_stream(t);
	return !f || fputs(new_content, f) < 0 ? -1 : 0;
}

static int run_persist_with(struct tfd_ctx *c, unsigned flags)
{
	return tempfile_persist(c->handle, c->path, flags);
}

/* Is the destination the new content (*is_new) or the old? Else, or
 * when ok (the operation succeeded) and it is not new, false and a note. */
static bool old_or_new(struct tfd_ctx *c, bool ok, bool *is_new)
{
	char *text = read_all(c->path);
	*is_new = text && strcmp(text, new_content) == 0;
	bool is_old = c->number == 0 ? text && strcmp(text, OLD_CONTENT) == 0 : text == NULL;
	free(text);
	if (!*is_new && !is_old)
		return note(c, "the destination is neither the old content nor the new");
	if (ok && !*is_new)
		return note(c, "it succeeded but the destination is not the new content");
	return true;
}

static bool check_persist(struct tfd_ctx *c, bool ok)
{
	bool is_new;
	if (!old_or_new(c, ok, &is_new))
		return false;
	const char *now = tempfile_path(c->handle);
	if (is_new && strcmp(now, c->path) != 0)
		return note(c, "persisted, but the handle does not say so");
	if (!ok && !is_new && access(now, F_OK) != 0)
		return note(c, "persist failed and the temporary file is gone");
	return true;
}

static void release_persist(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	if (tempfile_close(c->handle) != 0 && errno != ENOENT)
		fprintf(stderr, "close after persist: %s\n", strerror(errno));
	if (c->number == 1) /* noreplace into a new name: back to nothing */
		(void)unlink(c->path);
	else {
		(void)unlink(c->path); /* back to the old content, and mode */
		FILE *f = fopen(c->path, "w");
		if (f) {
			fputs(OLD_CONTENT, f);
			fclose(f);
		}
	}
}

static int setup_replace(struct tfd_ctx *c)
{
	c->number = 0;
	return setup_destination(c);
}

static int setup_new_name(struct tfd_ctx *c)
{
	c->number = 1;
	return setup_destination(c);
}

static int run_persist(struct tfd_ctx *c)
{
	return run_persist_with(c, 0);
}

static int run_persist_sync(struct tfd_ctx *c)
{
	return run_persist_with(c, TEMPFILE_SYNC);
}

static int run_persist_noreplace(struct tfd_ctx *c)
{
	return run_persist_with(c, TEMPFILE_NOREPLACE | TEMPFILE_SYNC);
}

/* close_stream then close: the Windows-friendly delete_on_close=False. */
static int run_close_stream(struct tfd_ctx *c)
{
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!t)
		return -1;
	FILE *f = tempfile_stream(t);
	int rc = !f || fputs("data", f) < 0 ? -1 : tempfile_close_stream(t);
	int saved = errno;
	int rc2 = tempfile_close(t);
	if (rc != 0) {
		errno = saved;
		return -1;
	}
	return rc2;
}
#endif /* TFT_HAVE_FILE */

#ifdef TFT_HAVE_ATOMIC
/* Atomic replacement: path holds its old content or the new, never a mix,
 * nothing else is left in the directory (the snapshot), and a failure
 * leaves the old content, except after TEMPFILE_SYNC's final directory
 * fsync, the one failure that comes after the name is given. The
 * destination and new_content are persist's (setup_replace: it exists;
 * setup_new_name: it does not). */
static bool check_atomic(struct tfd_ctx *c, bool ok)
{
	bool is_new;
	if (!old_or_new(c, ok, &is_new))
		return false;
	if (!ok && is_new && !((unsigned)c->fd & TEMPFILE_SYNC))
		return note(c, "commit failed but published the new content");
	struct stat st;
	if (ok && c->number == 0 && (stat(c->path, &st) != 0 || (st.st_mode & 07777) != 0640))
		return note(c, "mode 0 did not keep the old permission bits");
	/* The owner and group are kept, or (fchown failed with EPERM: not
	 * ours to give) the writer's. */
	bool owned = c->text && strcmp(c->text, "owned") == 0;
	if (ok && owned && ((st.st_uid != 65534 && st.st_uid != geteuid()) ||
				   (st.st_gid != 65534 && st.st_gid != getegid())))
		return note(c, "mode 0 gave the file an owner or group it never had");
	return true;
}

/* Back to the old content and mode, or to no destination; staged files
 * left behind stay for the snapshot to see. */
static void release_atomic(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	(void)unlink(c->path);
	if (c->number == 0) {
		FILE *f = fopen(c->path, "w");
		if (f) {
			fputs(OLD_CONTENT, f);
			fclose(f);
		}
		(void)chmod(c->path, 0640);
	}
}

/* c->fd carries the flags of the case; mode 0640 marks the old file. */
static int setup_atomic(struct tfd_ctx *c, unsigned flags, bool exists, bool named)
{
	c->number = exists ? 0 : 1;
	c->fd = (int)flags;
	tf_test_atomic_disable_o_tmpfile(named);
	if (setup_destination(c) != 0)
		return -1;
	return exists ? chmod(c->path, 0640) : 0;
}

static int setup_atomic_replace(struct tfd_ctx *c)
{
	return setup_atomic(c, 0, true, false);
}

static int setup_atomic_replace_sync(struct tfd_ctx *c)
{
	return setup_atomic(c, TEMPFILE_SYNC, true, false);
}

static int setup_atomic_noreplace_sync(struct tfd_ctx *c)
{
	return setup_atomic(c, TEMPFILE_NOREPLACE | TEMPFILE_SYNC, false, false);
}

static int setup_atomic_named_replace_sync(struct tfd_ctx *c)
{
	return setup_atomic(c, TEMPFILE_SYNC, true, true);
}

static int setup_atomic_named_noreplace_sync(struct tfd_ctx *c)
{
	return setup_atomic(c, TEMPFILE_NOREPLACE | TEMPFILE_SYNC, false, true);
}

/* Another owner's file (as root): mode 0 keeps owner and group (fchown). */
static int setup_atomic_owned(struct tfd_ctx *c)
{
	if (setup_atomic(c, TEMPFILE_SYNC, true, false) != 0)
		return -1;
	c->text = "owned";
	return geteuid() == 0 ? chown(c->path, 65534, 65534) : 0;
}

static int setup_atomic_proc_link(struct tfd_ctx *c)
{
	tf_test_atomic_no_empty_path(true);
	return setup_atomic(c, TEMPFILE_SYNC, true, false);
}

static int run_atomic_write(struct tfd_ctx *c)
{
	return tempfile_atomic_write(c->path, new_content, strlen(new_content), (unsigned)c->fd, 0);
}

/* Open, then the stream (larger than its buffer: part written, part
 * flushed by the commit), then commit: every step under the fault. */
static int run_atomic_stream(struct tfd_ctx *c)
{
	struct tempfile_atomic *a = tempfile_atomic_open(c->path, (unsigned)c->fd, 0);
	if (!a)
		return -1;
	FILE *f = tempfile_atomic_stream(a);
	if (!f || fputs(new_content, f) < 0) {
		int saved = errno;
		(void)tempfile_atomic_discard(a);
		errno = saved;
		return -1;
	}
	return tempfile_atomic_commit(a);
}

/* Discard after writing: never publishes, never leaves anything. */
static int run_atomic_discard(struct tfd_ctx *c)
{
	struct tempfile_atomic *a = tempfile_atomic_open(c->path, (unsigned)c->fd, 0);
	if (!a)
		return -1;
	int fd = tempfile_atomic_fd(a);
	ssize_t n;
	do /* the test's own write: EINTR is not the library's to retry */
		n = write(fd, new_content, strlen(new_content));
	while (n < 0 && errno == EINTR);
	int saved = errno;
	int rc = tempfile_atomic_discard(a);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	return rc;
}

static bool check_atomic_discard(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	char *text = read_all(c->path);
	bool is_old = text && strcmp(text, OLD_CONTENT) == 0;
	free(text);
	return is_old || note(c, "discard changed the destination");
}
#endif /* TFT_HAVE_ATOMIC */

#ifdef TFT_HAVE_SPOOLED
/* In memory, then past max_size onto disk; the data must read back. */
static int run_spooled(struct tfd_ctx *c, size_t max_size)
{
	struct tempfile_spooled *s =
		tempfile_spooled(max_size, &(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!s)
		return -1;
	char big[300];
	memset(big, 'x', sizeof big);
	int rc = -1, saved = 0;
	char back[sizeof big + 5];
	if (tempfile_spooled_write(s, "head:", 5) != 5 ||
		tempfile_spooled_write(s, big, sizeof big) != (ssize_t)sizeof big ||
		tempfile_spooled_seek(s, 0, SEEK_SET) != 0 ||
		tempfile_spooled_read(s, back, sizeof back) != (ssize_t)sizeof back) {
		saved = errno;
	} else if (memcmp(back, "head:", 5) != 0 || memcmp(back + 5, big, sizeof big) != 0) {
		saved = EILSEQ; /* reported as a wrong errno: the data changed */
	} else {
		rc = 0;
	}
	c->number = tempfile_spooled_rolled(s);
	if (tempfile_spooled_close(s) != 0 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	errno = saved;
	return rc;
}

static int run_spooled_in_memory(struct tfd_ctx *c)
{
	return run_spooled(c, 4096);
}

static int run_spooled_rollover(struct tfd_ctx *c)
{
	return run_spooled(c, 16);
}

static bool check_spooled(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	return tft_count_entries(c->work) == 0 || note(c, "the rolled-over file has a name left");
}

static int run_spooled_fileno(struct tfd_ctx *c)
{
	struct tempfile_spooled *s =
		tempfile_spooled(0, &(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!s)
		return -1;
	int rc = tempfile_spooled_write(s, "abc", 3) == 3 && tempfile_spooled_fileno(s) >= 0 ? 0 : -1;
	int saved = errno;
	if (tempfile_spooled_close(s) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

static int run_spooled_stream(struct tfd_ctx *c)
{
	struct tempfile_spooled *s =
		tempfile_spooled(64, &(struct tempfile_opts){ .dir = c->work }, NULL);
	if (!s)
		return -1;
	FILE *f = tempfile_spooled_stream(s);
	int rc = f && fprintf(f, "%d %s\n", 42, "forty-two") > 0 && fflush(f) == 0 ? 0 : -1;
	int saved = errno;
	if (tempfile_spooled_close(s) != 0 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}
#endif /* TFT_HAVE_SPOOLED */

#ifdef TFT_HAVE_DIRECTORY
/* A small tree: files, a subdirectory, a read-only directory, a link. */
static int fill_tree(const char *top)
{
	char *p = NULL;
	int rc = 0;
	const char *dirs[] = { "a", "a/b", "ro" };
	const char *files[] = { "f", "a/g", "a/b/h", "ro/i" };
	for (size_t i = 0; rc == 0 && i < 3; i++)
		rc = asprintf(&p, "%s/%s", top, dirs[i]) < 0 || mkdir(p, 0755) != 0 ? -1 : 0,
		free(p);
	for (size_t i = 0; rc == 0 && i < 4; i++) {
		rc = asprintf(&p, "%s/%s", top, files[i]) < 0 ? -1 : 0;
		FILE *f = rc == 0 ? fopen(p, "w") : NULL;
		rc = f && fputs("x", f) >= 0 && fclose(f) == 0 ? 0 : -1;
		free(p);
	}
	if (rc == 0 && asprintf(&p, "%s/link", top) >= 0) {
		rc = symlink("/etc", p);
		free(p);
	}
	if (rc == 0 && asprintf(&p, "%s/ro", top) >= 0) {
		rc = chmod(p, 0555);
		free(p);
	}
	return rc;
}

static int prepare_dir(struct tfd_ctx *c)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = c->work });
	c->handle = d;
	return d && fill_tree(tempfile_dir_path(d)) == 0 ? 0 : -1;
}

static int run_dir_cleanup(struct tfd_ctx *c)
{
	return tempfile_dir_cleanup(c->handle);
}

static bool check_tree_gone(struct tfd_ctx *c, bool ok)
{
	if (access("/etc/passwd", F_OK) != 0)
		return note(c, "the removal followed the link");
	return !ok || tft_count_entries(c->work) == 0 || note(c, "success, but the tree is left");
}

static void release_tree(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	remove_tree(c->work); /* whatever a failed removal left */
	(void)mkdir(c->work, 0755);
}

static int setup_tree(struct tfd_ctx *c)
{
	static char tree[PATH_MAX]; /* made before allocations are balanced */
	snprintf(tree, sizeof tree, "%s/tree", c->work);
	c->path = tree;
	if (mkdir(c->path, 0755) != 0)
		return -1;
	return fill_tree(c->path);
}

static int run_rmtree(struct tfd_ctx *c)
{
	return tempfile_rmtree(c->path, 0);
}

/* Ignoring errors: 0 always, and as much removed as possible; a tree left
 * after a fault is what the flag asks for. */
static bool check_link_not_followed(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	return access("/etc/passwd", F_OK) == 0 || note(c, "the removal followed the link");
}

static int run_rmtree_ignoring_errors(struct tfd_ctx *c)
{
	return tempfile_rmtree(c->path, TEMPFILE_IGNORE_CLEANUP_ERRORS);
}

/* Through the pool, its threads never started (so the calls come in one
 * order): the top's directories handed over, and the caller taking them. */
static int run_rmtree_pooled(struct tfd_ctx *c)
{
	tf_test_rmtree_pool(2, SIZE_MAX - 1);
	int rc = tempfile_rmtree(c->path, 0);
	tf_test_rmtree_pool(0, SIZE_MAX);
	return rc;
}

/* The pool's start, its threads failing to start (EAGAIN, as at
 * RLIMIT_NPROC): the walk goes on alone. */
static int run_rmtree_pool_no_threads(struct tfd_ctx *c)
{
	tf_test_rmtree_pool(2, 0);
	tf_test_rmtree_pool_thread_error(EAGAIN);
	int rc = tempfile_rmtree(c->path, 0);
	tf_test_rmtree_pool_thread_error(0);
	tf_test_rmtree_pool(0, SIZE_MAX);
	return rc;
}

static void release_rmtree(struct tfd_ctx *c, bool ok)
{
	release_tree(c, ok);
	/* The fixture is part of the snapshot: make it again. */
	if (mkdir(c->path, 0755) != 0 || fill_tree(c->path) != 0)
		fprintf(stderr, "cannot make the tree again: %s\n", strerror(errno));
}

/* dir_persist: work/dest is the old tree (marker "old"), the new old or
 * absent (c->number 1); afterwards dest is the old tree or the new, the
 * handle says which, and nothing but dest and, on failure, the handle's
 * directory (the new tree not published, or the old tree's remains after
 * a failed removal) is in work. */
static int write_marker(const char *top, const char *text)
{
	char *p = NULL;
	if (asprintf(&p, "%s/marker", top) < 0)
		return -1;
	FILE *f = fopen(p, "w");
	free(p);
	return f && fputs(text, f) >= 0 && fclose(f) == 0 ? 0 : -1;
}

static char *marker_of(const char *top)
{
	char *p = NULL;
	if (asprintf(&p, "%s/marker", top) < 0)
		return NULL;
	char *text = read_all(p);
	free(p);
	return text;
}

static int setup_dir_dest(struct tfd_ctx *c)
{
	static char dest[PATH_MAX]; /* made before allocations are balanced */
	snprintf(dest, sizeof dest, "%s/dest", c->work);
	c->path = dest;
	if (c->number == 1)
		return 0;
	if (mkdir(dest, 0755) != 0 || fill_tree(dest) != 0)
		return -1;
	return write_marker(dest, "old");
}

static int setup_dir_replace(struct tfd_ctx *c)
{
	c->number = 0;
	return setup_dir_dest(c);
}

static int setup_dir_new_name(struct tfd_ctx *c)
{
	c->number = 1;
	return setup_dir_dest(c);
}

/* The new tree's name before the persist: where the old tree's remains
 * go when its removal fails. */
static char dir_former[PATH_MAX];

static int prepare_dir_persist(struct tfd_ctx *c)
{
	int rc = prepare_dir(c);
	if (rc == 0)
		snprintf(dir_former, sizeof dir_former, "%s", tempfile_dir_path(c->handle));
	return rc == 0 ? write_marker(tempfile_dir_path(c->handle), "new") : rc;
}

/* Nothing in work but dest and the former name (no old tree aside). */
static bool only_dest_and_former(struct tfd_ctx *c)
{
	DIR *d = opendir(c->work);
	if (!d)
		return false;
	const char *former = strrchr(dir_former, '/') + 1;
	bool only = true;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			strcmp(e->d_name, "dest") && strcmp(e->d_name, former))
			only = false;
	closedir(d);
	return only;
}

static int prepare_dir_persist_without_exchange(struct tfd_ctx *c)
{
	tf_test_dir_rename_fallback(1);
	return prepare_dir_persist(c);
}

static int run_dir_persist(struct tfd_ctx *c)
{
	return tempfile_dir_persist(c->handle, c->path, TEMPFILE_SYNC);
}

static bool check_dir_persist(struct tfd_ctx *c, bool ok)
{
	if (access("/etc/passwd", F_OK) != 0)
		return note(c, "the removal followed the link");
	char *text = marker_of(c->path);
	bool is_new = text && strcmp(text, "new") == 0;
	bool is_old = c->number == 1 ? !tft_exists(c->path) : text && strcmp(text, "old") == 0;
	free(text);
	const char *now = tempfile_dir_path(c->handle);
	long entries = tft_count_entries(c->work);
	if (!is_new && !is_old)
		return note(c, "dest is neither the old tree nor the new");
	if (ok && !is_new)
		return note(c, "persist succeeded but dest is not the new tree");
	if (is_new && strcmp(now, c->path) != 0)
		return note(c, "published, but the handle does not say so");
	if (is_old) {
		char *mine = marker_of(now);
		bool intact = mine && strcmp(mine, "new") == 0;
		free(mine);
		if (!intact)
			return note(c, "persist failed and the new tree is not where the handle says");
	}
	if (ok && entries != 1)
		return note(c, "success, but more than dest is left");
	if (!only_dest_and_former(c))
		return note(c, "something else than dest and the directory's former name is left");
	return true;
}

static void release_dir_persist(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	if (tempfile_dir_cleanup(c->handle) != 0)
		fprintf(stderr, "cleanup after dir_persist: %s\n", strerror(errno));
	/* Back to the fixture: whatever is in work goes, dest made again. */
	remove_tree(c->work);
	if (mkdir(c->work, 0755) != 0 || setup_dir_dest(c) != 0)
		fprintf(stderr, "cannot make the fixture again: %s\n", strerror(errno));
}
#endif /* TFT_HAVE_DIRECTORY */

/* ---- the table ----------------------------------------------------------------------------- */

static const int enoent_only[] = { ENOENT, 0 };
/* Without renameat2 an lstat's EOVERFLOW means "something is there": a
 * name taken between the old tree's move aside and the new one's in. */
static const int eexist_only[] = { EEXIST, 0 };
static const int close_may_report_eintr[] = { TFF_close, 0 };

/* ---- leases and reaping -------------------------------------------------------------- */

/* Leases: on success the object exists and is held (one descriptor more
 * until release forgets it or closes the handle); on failure nothing is
 * left, the lease's descriptor included. */
static int setup_no_xattr(struct tfd_ctx *c)
{
	(void)c;
	tf_test_lease_no_xattr(true); /* this case's child only */
	return 0;
}

static int run_mkstemp_lease(struct tfd_ctx *c)
{
	c->fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = c->work, .prefix = "pre",
					 .suffix = ".suf", .flags = TEMPFILE_LEASE },
		&c->path);
	return c->fd < 0 ? -1 : 0;
}

static int run_mkdtemp_lease(struct tfd_ctx *c)
{
	c->path = tempfile_mkdtemp(&(struct tempfile_opts){
		.dir = c->work, .prefix = "pre", .suffix = ".suf", .flags = TEMPFILE_LEASE });
	return c->path ? 0 : -1;
}

/* The marker, if it is the fallback link, is the one entry besides. */
static bool check_leased(struct tfd_ctx *c, bool ok, mode_t type, mode_t mode)
{
	if (!ok)
		return c->path == NULL || note(c, "path set on failure");
	struct stat st;
	if (!check_created(c, c->path, "pre", ".suf", type, mode))
		return false;
	const char *name = strrchr(c->path, '/') + 1;
	char *marker = tft_format("%s/.tempfile-lease.%s", c->work, name);
	bool beside = lstat(marker, &st) == 0;
	free(marker);
	long want = beside ? 2 : 1;
	return tft_count_entries(c->work) == want || note(c, "wrong entries beside the lease");
}

static bool check_mkstemp_lease(struct tfd_ctx *c, bool ok)
{
	return check_leased(c, ok, S_IFREG, 0600);
}

static bool check_mkdtemp_lease(struct tfd_ctx *c, bool ok)
{
	return check_leased(c, ok, S_IFDIR, 0700);
}

static int run_named_lease_close(struct tfd_ctx *c)
{
	struct tempfile *t = tempfile_named(
		&(struct tempfile_opts){ .dir = c->work, .flags = TEMPFILE_LEASE }, NULL);
	if (!t)
		return -1;
	return tempfile_close(t);
}

static int run_dir_lease_cleanup(struct tfd_ctx *c)
{
	struct tempfile_dir *d =
		tempfile_dir(&(struct tempfile_opts){ .dir = c->work, .flags = TEMPFILE_LEASE });
	if (!d)
		return -1;
	return tempfile_dir_cleanup(d);
}

/* On failure the tree comparison judges: a failed removal leaves the
 * object (now an abandoned lease), which is that fault's effect. */
static bool check_work_empty(struct tfd_ctx *c, bool ok)
{
	return !ok || tft_count_entries(c->work) == 0 || note(c, "something was left");
}

/* Reaping: work holds an abandoned leased file and directory (made by a
 * child that exited, under fixed names so that release can make them
 * again) and a plain file, which stays. */
static int make_abandoned(const char *work, bool no_xattr)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static const char *const names[] = { "leasefil", "leasedir" };
		tf_test_script_names(names, 2);
		tf_test_lease_no_xattr(no_xattr);
		struct tempfile_opts o = { .dir = work, .prefix = "", .flags = TEMPFILE_LEASE };
		int fd = tempfile_mkstemp(&o, NULL);
		char *dir = tempfile_mkdtemp(&o);
		char *inner = dir ? tft_join(dir, "inner") : NULL;
		bool made = fd >= 0 && inner && mkdir(inner, 0700) == 0;
		free(inner); /* memcheck checks this child's heap too */
		free(dir);
		_exit(made ? 0 : 1);
	}
	int status;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0
		       ? 0
		       : -1;
}

static int setup_reap_with(struct tfd_ctx *c, bool no_xattr)
{
	char *plain = tft_join(c->work, "plain");
	int fd = open(plain, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	free(plain);
	if (fd < 0)
		return -1;
	close(fd);
	c->number = no_xattr;
	return make_abandoned(c->work, no_xattr);
}

static int setup_reap(struct tfd_ctx *c)
{
	return setup_reap_with(c, false);
}

static int setup_reap_fallback(struct tfd_ctx *c)
{
	return setup_reap_with(c, true);
}

static int run_reap(struct tfd_ctx *c)
{
	int n = tempfile_reap(c->work, 0);
	c->fd = -1;
	c->path = NULL;
	c->handle = (void *)(intptr_t)n;
	return n < 0 ? -1 : 0;
}

static bool check_reaped(struct tfd_ctx *c, bool ok)
{
	char *plain = tft_join(c->work, "plain");
	bool kept = access(plain, F_OK) == 0;
	free(plain);
	if (!kept)
		return note(c, "the plain file was reaped");
	if (!ok)
		return true;
	if ((intptr_t)c->handle != 2)
		return note(c, "success, but not both leases counted");
	return tft_count_entries(c->work) == 1 || note(c, "success, but a lease is left");
}

/* What a failed reap left goes; the fixture is made again. */
static void release_reap(struct tfd_ctx *c, bool ok)
{
	(void)ok;
	static const char *const names[] = { "leasefil", "leasedir", ".tempfile-lease.leasefil",
		".tempfile-lease.leasedir" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char *path = tft_join(c->work, names[i]);
		remove_tree(path);
		free(path);
	}
	if (make_abandoned(c->work, c->number != 0) != 0)
		fprintf(stderr, "cannot make the abandoned leases again\n");
}

/* release_at_exit's tempfile_forget ends a lease too. */
static const struct tfd_op lease_ops[] = {
	{ .name = "mkstemp_lease", .run = run_mkstemp_lease, .check = check_mkstemp_lease,
		.release = release_at_exit },
	{ .name = "mkstemp_lease_fallback", .setup = setup_no_xattr, .run = run_mkstemp_lease,
		.check = check_mkstemp_lease, .release = release_at_exit },
	{ .name = "mkdtemp_lease", .run = run_mkdtemp_lease, .check = check_mkdtemp_lease,
		.release = release_at_exit },
	{ .name = "mkdtemp_lease_fallback", .setup = setup_no_xattr, .run = run_mkdtemp_lease,
		.check = check_mkdtemp_lease, .release = release_at_exit },
	{ .name = "named_lease_close", .run = run_named_lease_close, .check = check_work_empty,
		.release = release_nothing },
	{ .name = "dir_lease_cleanup", .run = run_dir_lease_cleanup, .check = check_work_empty,
		.release = release_nothing, .leftover_ok_on_error = true },
	{ .name = "reap", .setup = setup_reap, .run = run_reap, .check = check_reaped,
		.release = release_reap, .leftover_ok_on_error = true },
	{ .name = "reap_fallback", .setup = setup_reap_fallback, .run = run_reap,
		.check = check_reaped, .release = release_reap, .leftover_ok_on_error = true },
};

#define LEASE_OP(name) op_named(lease_ops, sizeof lease_ops / sizeof *lease_ops, name)

static const struct tfd_op core_ops[] = {
	{ .name = "mkstemp", .run = run_mkstemp, .check = check_mkstemp,
		.release = release_fd_and_path },
	{ .name = "mkstemp_without_path", .run = run_mkstemp_no_path, .check = check_one_entry,
		.release = release_fd_and_path },
	{ .name = "mkstemp_default_dir", .setup = setup_default_dir, .run = run_mkstemp_default,
		.check = check_mkstemp_default, .release = release_fd_and_path },
	{ .name = "mkstemp_relative_dir", .setup = setup_relative, .run = run_mkstemp_relative,
		.check = check_mkstemp, .release = release_fd_and_path },
	{ .name = "mkstemp_at_exit", .run = run_mkstemp_at_exit, .check = check_mkstemp,
		.release = release_at_exit },
	{ .name = "mkstemp_urandom_fallback", .run = run_mkstemp, .check = check_mkstemp,
		.release = release_fd_and_path, .always_fn = TFF_getrandom, .always_error = ENOSYS },
	{ .name = "mkdtemp", .run = run_mkdtemp, .check = check_mkdtemp, .release = release_dir },
	{ .name = "mkdtemp_at_exit", .run = run_mkdtemp_at_exit, .check = check_mkdtemp,
		.release = release_at_exit },
	{ .name = "mktemp", .run = run_mktemp, .check = check_mktemp, .release = release_path },
	{ .name = "mktemplate_file", .prepare = prepare_template, .run = run_template_file,
		.check = check_template, .release = release_template },
	{ .name = "mktemplate_dir", .prepare = prepare_template, .run = run_template_dir,
		.check = check_template, .release = release_template },
	{ .name = "mktemplate_name", .prepare = prepare_template, .run = run_template_name,
		.check = check_template, .release = release_template },
	{ .name = "gettempdir_probe", .setup = setup_candidates, .run = run_gettempdir,
		.check = check_gettempdir, .release = release_nothing, .other_errnos = enoent_only,
		.kept_allocations = 1, .eintr_reported_ok = close_may_report_eintr },
	{ .name = "gettempdir_explain", .setup = setup_candidates, .run = run_explain,
		.check = check_explain, .release = release_nothing, .other_errnos = enoent_only,
		.eintr_reported_ok = close_may_report_eintr },
	{ .name = "settempdir_relative", .setup = setup_relative, .run = run_settempdir_relative,
		.check = check_settempdir, .release = release_nothing, .kept_allocations = 1 },
	{ .name = "settempprefix", .run = run_settempprefix, .check = check_settempprefix,
		.release = release_nothing, .kept_allocations = 1 },
};


__attribute__((unused)) static const struct tfd_op component_ops[] = {
#ifdef TFT_HAVE_FILE
	{ .name = "temporary_fd", .run = run_temporary_fd, .check = check_temporary_fd,
		.release = release_fd },
	{ .name = "temporary_fd_without_o_tmpfile", .run = run_temporary_fd,
		.check = check_temporary_fd, .release = release_fd, .always_fn = TFF_open_tmpfile,
		.always_error = EOPNOTSUPP },
	{ .name = "temporary_stream", .run = run_temporary_stream, .check = check_temporary_fd,
		.release = release_stream },
	{ .name = "named_write_close", .run = run_named_close, .check = check_nothing_left,
		.release = release_nothing },
	{ .name = "named_keep_close", .run = run_named_keep, .check = check_named_keep,
		.release = release_kept },
	{ .name = "named_close_stream_then_close", .run = run_close_stream,
		.check = check_nothing_left, .release = release_nothing },
	{ .name = "persist_replace", .setup = setup_replace, .prepare = prepare_persist,
		.run = run_persist, .check = check_persist, .release = release_persist },
	{ .name = "persist_replace_sync", .setup = setup_replace, .prepare = prepare_persist,
		.run = run_persist_sync, .check = check_persist, .release = release_persist },
	{ .name = "persist_noreplace_sync", .setup = setup_new_name, .prepare = prepare_persist,
		.run = run_persist_noreplace, .check = check_persist, .release = release_persist },
	{ .name = "persist_noreplace_without_renameat2", .setup = setup_new_name,
		.prepare = prepare_persist, .run = run_persist_noreplace, .check = check_persist,
		.release = release_persist, .always_fn = TFF_renameat2, .always_error = ENOSYS },
#endif
#ifdef TFT_HAVE_ATOMIC
	{ .name = "atomic_write_replace", .setup = setup_atomic_replace, .run = run_atomic_write,
		.check = check_atomic, .release = release_atomic },
	{ .name = "atomic_write_replace_sync", .setup = setup_atomic_replace_sync,
		.run = run_atomic_write, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_write_noreplace_sync", .setup = setup_atomic_noreplace_sync,
		.run = run_atomic_write, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_write_replace_sync_via_proc_link", .setup = setup_atomic_proc_link,
		.run = run_atomic_write, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_stream_replace_sync", .setup = setup_atomic_replace_sync,
		.run = run_atomic_stream, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_stream_noreplace_sync", .setup = setup_atomic_noreplace_sync,
		.run = run_atomic_stream, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_write_replace_without_o_tmpfile", .setup = setup_atomic_replace_sync,
		.run = run_atomic_write, .check = check_atomic, .release = release_atomic,
		.always_fn = TFF_open_tmpfile, .always_error = EOPNOTSUPP },
	{ .name = "atomic_stream_named_replace_sync", .setup = setup_atomic_named_replace_sync,
		.run = run_atomic_stream, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_stream_named_noreplace_sync", .setup = setup_atomic_named_noreplace_sync,
		.run = run_atomic_stream, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_named_noreplace_without_renameat2",
		.setup = setup_atomic_named_noreplace_sync, .run = run_atomic_write,
		.check = check_atomic, .release = release_atomic, .always_fn = TFF_renameat2,
		.always_error = ENOSYS },
	{ .name = "atomic_write_over_another_owner_s_file", .setup = setup_atomic_owned,
		.run = run_atomic_write, .check = check_atomic, .release = release_atomic },
	{ .name = "atomic_discard", .setup = setup_atomic_replace, .run = run_atomic_discard,
		.check = check_atomic_discard, .release = release_atomic },
	{ .name = "atomic_named_discard", .setup = setup_atomic_named_replace_sync,
		.run = run_atomic_discard, .check = check_atomic_discard, .release = release_atomic },
#endif
#ifdef TFT_HAVE_SPOOLED
	{ .name = "spooled_in_memory", .run = run_spooled_in_memory, .check = check_spooled,
		.release = release_nothing },
	{ .name = "spooled_rollover", .run = run_spooled_rollover, .check = check_spooled,
		.release = release_nothing },
	{ .name = "spooled_fileno", .run = run_spooled_fileno, .check = check_spooled,
		.release = release_nothing },
	{ .name = "spooled_stream", .run = run_spooled_stream, .check = check_spooled,
		.release = release_nothing },
#endif
#ifdef TFT_HAVE_DIRECTORY
	{ .name = "dir_cleanup", .prepare = prepare_dir, .run = run_dir_cleanup,
		.check = check_tree_gone, .release = release_tree, .leftover_ok_on_error = true },
	{ .name = "rmtree", .setup = setup_tree, .run = run_rmtree, .check = check_tree_gone,
		.release = release_rmtree, .leftover_ok_on_error = true },
	{ .name = "rmtree_pooled", .setup = setup_tree, .run = run_rmtree_pooled, .check = check_tree_gone,
		.release = release_rmtree, .leftover_ok_on_error = true },
	{ .name = "rmtree_pool_no_threads", .setup = setup_tree, .run = run_rmtree_pool_no_threads,
		.check = check_tree_gone, .release = release_rmtree, .leftover_ok_on_error = true },
	{ .name = "rmtree_ignoring_errors", .setup = setup_tree, .run = run_rmtree_ignoring_errors,
		.check = check_link_not_followed, .release = release_rmtree, .leftover_ok_on_error = true },
	{ .name = "dir_persist_new_name", .setup = setup_dir_new_name, .prepare = prepare_dir_persist,
		.run = run_dir_persist, .check = check_dir_persist, .release = release_dir_persist },
	{ .name = "dir_persist_new_name_without_renameat2", .setup = setup_dir_new_name,
		.prepare = prepare_dir_persist, .run = run_dir_persist, .check = check_dir_persist,
		.release = release_dir_persist, .always_fn = TFF_renameat2, .always_error = ENOSYS },
	{ .name = "dir_persist_replace", .setup = setup_dir_replace, .prepare = prepare_dir_persist,
		.run = run_dir_persist, .check = check_dir_persist, .release = release_dir_persist },
	{ .name = "dir_persist_replace_without_exchange", .setup = setup_dir_replace,
		.prepare = prepare_dir_persist_without_exchange, .run = run_dir_persist,
		.check = check_dir_persist, .release = release_dir_persist },
	{ .name = "dir_persist_replace_without_renameat2", .setup = setup_dir_replace,
		.prepare = prepare_dir_persist, .run = run_dir_persist, .check = check_dir_persist,
		.release = release_dir_persist, .always_fn = TFF_renameat2, .always_error = EINVAL,
		.other_errnos = eexist_only },
#endif
	{ .name = NULL },
};

static void run_op(const struct tfd_op *op)
{
	struct tfd_totals t;
	bool ran = tfd_run_all(op, &t, stderr);
	if (!ran && op->release == release_at_exit)
		cr_skip_test("%s: TEMPFILE_AT_EXIT cannot work yet (cleanup.c)", op->name);
	cr_assert(ran, "%s could not run without faults", op->name);
	if (t.cases == 0 && !tff_allocation_interposed())
		cr_skip_test("%s: allocation is its only fault point, and valgrind or a "
			     "sanitizer owns malloc here", op->name);
	cr_assert_gt(t.cases, 0, "%s: no fault point found", op->name);
	cr_assert_eq(t.bad, 0, "%s: %lu of %lu fault cases broke a promise (see BAD lines)",
		op->name, t.bad, t.cases);
}

static const struct tfd_op *op_named(const struct tfd_op *ops, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	cr_assert_fail("no operation %s", name);
	return NULL;
}

#define CORE_OP(name) op_named(core_ops, sizeof core_ops / sizeof *core_ops, name)

Test(faults, mkstemp_survives_every_fault) { run_op(CORE_OP("mkstemp")); }
Test(faults, mkstemp_without_path_survives_every_fault) { run_op(CORE_OP("mkstemp_without_path")); }
Test(faults, mkstemp_in_default_dir_survives_every_fault) { run_op(CORE_OP("mkstemp_default_dir")); }
Test(faults, mkstemp_in_relative_dir_survives_every_fault) { run_op(CORE_OP("mkstemp_relative_dir")); }
Test(faults, mkstemp_at_exit_survives_every_fault) { run_op(CORE_OP("mkstemp_at_exit")); }
Test(faults, mkstemp_with_urandom_fallback_survives_every_fault) { run_op(CORE_OP("mkstemp_urandom_fallback")); }
Test(faults, mkdtemp_survives_every_fault) { run_op(CORE_OP("mkdtemp")); }
Test(faults, mkdtemp_at_exit_survives_every_fault) { run_op(CORE_OP("mkdtemp_at_exit")); }
Test(faults, mktemp_survives_every_fault) { run_op(CORE_OP("mktemp")); }
Test(faults, mktemplate_file_survives_every_fault) { run_op(CORE_OP("mktemplate_file")); }
Test(faults, mktemplate_dir_survives_every_fault) { run_op(CORE_OP("mktemplate_dir")); }
Test(faults, mktemplate_name_survives_every_fault) { run_op(CORE_OP("mktemplate_name")); }
Test(faults, gettempdir_probe_survives_every_fault) { run_op(CORE_OP("gettempdir_probe")); }
Test(faults, gettempdir_explain_survives_every_fault) { run_op(CORE_OP("gettempdir_explain")); }
Test(faults, settempdir_relative_survives_every_fault) { run_op(CORE_OP("settempdir_relative")); }
Test(faults, settempprefix_survives_every_fault) { run_op(CORE_OP("settempprefix")); }


#define COMPONENT_OP(name) \
	op_named(component_ops, sizeof component_ops / sizeof *component_ops - 1, name)

#ifdef TFT_HAVE_FILE
Test(faults, temporary_fd_survives_every_fault) { run_op(COMPONENT_OP("temporary_fd")); }
Test(faults, temporary_fd_without_o_tmpfile_survives_every_fault) { run_op(COMPONENT_OP("temporary_fd_without_o_tmpfile")); }
Test(faults, temporary_stream_survives_every_fault) { run_op(COMPONENT_OP("temporary_stream")); }
Test(faults, named_write_close_survives_every_fault) { run_op(COMPONENT_OP("named_write_close")); }
Test(faults, named_keep_close_survives_every_fault) { run_op(COMPONENT_OP("named_keep_close")); }
Test(faults, named_close_stream_then_close_survives_every_fault) { run_op(COMPONENT_OP("named_close_stream_then_close")); }
Test(faults, persist_replace_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("persist_replace")); }
Test(faults, persist_replace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("persist_replace_sync")); }
Test(faults, persist_noreplace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("persist_noreplace_sync")); }
Test(faults, persist_noreplace_without_renameat2_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("persist_noreplace_without_renameat2")); }
#endif
#ifdef TFT_HAVE_ATOMIC
Test(faults, atomic_write_replace_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_replace")); }
Test(faults, atomic_write_replace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_replace_sync")); }
Test(faults, atomic_write_noreplace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_noreplace_sync")); }
Test(faults, atomic_write_replace_sync_via_proc_link_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_replace_sync_via_proc_link")); }
Test(faults, atomic_stream_replace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_stream_replace_sync")); }
Test(faults, atomic_stream_noreplace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_stream_noreplace_sync")); }
Test(faults, atomic_write_replace_without_o_tmpfile_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_replace_without_o_tmpfile")); }
Test(faults, atomic_stream_named_replace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_stream_named_replace_sync")); }
Test(faults, atomic_stream_named_noreplace_sync_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_stream_named_noreplace_sync")); }
Test(faults, atomic_named_noreplace_without_renameat2_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_named_noreplace_without_renameat2")); }
Test(faults, atomic_write_over_another_owner_s_file_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_write_over_another_owner_s_file")); }
Test(faults, atomic_discard_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_discard")); }
Test(faults, atomic_named_discard_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("atomic_named_discard")); }
#endif
#ifdef TFT_HAVE_SPOOLED
Test(faults, spooled_in_memory_survives_every_fault) { run_op(COMPONENT_OP("spooled_in_memory")); }
Test(faults, spooled_rollover_survives_every_fault) { run_op(COMPONENT_OP("spooled_rollover")); }
Test(faults, spooled_fileno_survives_every_fault) { run_op(COMPONENT_OP("spooled_fileno")); }
Test(faults, spooled_stream_survives_every_fault) { run_op(COMPONENT_OP("spooled_stream")); }
#endif
#ifdef TFT_HAVE_DIRECTORY
Test(faults, dir_cleanup_survives_every_fault) { run_op(COMPONENT_OP("dir_cleanup")); }
Test(faults, rmtree_survives_every_fault) { run_op(COMPONENT_OP("rmtree")); }
Test(faults, rmtree_pooled_survives_every_fault) { run_op(COMPONENT_OP("rmtree_pooled")); }
Test(faults, rmtree_pool_no_threads_survives_every_fault) { run_op(COMPONENT_OP("rmtree_pool_no_threads")); }
Test(faults, rmtree_ignoring_errors_survives_every_fault) { run_op(COMPONENT_OP("rmtree_ignoring_errors")); }
Test(faults, dir_persist_new_name_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("dir_persist_new_name")); }
Test(faults, dir_persist_new_name_without_renameat2_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("dir_persist_new_name_without_renameat2")); }
Test(faults, dir_persist_replace_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("dir_persist_replace")); }
Test(faults, dir_persist_replace_without_exchange_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("dir_persist_replace_without_exchange")); }
Test(faults, dir_persist_replace_without_renameat2_is_old_or_new_under_every_fault) { run_op(COMPONENT_OP("dir_persist_replace_without_renameat2")); }
#endif

Test(faults, mkstemp_lease_survives_every_fault) { run_op(LEASE_OP("mkstemp_lease")); }
Test(faults, mkstemp_lease_fallback_survives_every_fault) { run_op(LEASE_OP("mkstemp_lease_fallback")); }
Test(faults, mkdtemp_lease_survives_every_fault) { run_op(LEASE_OP("mkdtemp_lease")); }
Test(faults, mkdtemp_lease_fallback_survives_every_fault) { run_op(LEASE_OP("mkdtemp_lease_fallback")); }
Test(faults, named_lease_close_survives_every_fault) { run_op(LEASE_OP("named_lease_close")); }
Test(faults, dir_lease_cleanup_survives_every_fault) { run_op(LEASE_OP("dir_lease_cleanup")); }
Test(faults, reap_survives_every_fault) { run_op(LEASE_OP("reap")); }
Test(faults, reap_fallback_survives_every_fault) { run_op(LEASE_OP("reap_fallback")); }

/* The shim itself: a test that cannot fail proves nothing, so prove that
 * it really fails what it is told to, and only that. */
Test(faults, shim_fails_exactly_the_nth_call)
{
	char *dir = tft_scratch();
	char *path = tft_join(dir, "f");
	tff_arm(TFF_open, 2, EDQUOT);
	int first = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int second = open(path, O_RDWR | O_CLOEXEC);
	int saved = errno;
	int third = open(path, O_RDWR | O_CLOEXEC);
	unsigned long calls = tff_calls(TFF_open);
	bool was_fired = tff_fired();
	tff_disarm();
	cr_assert_geq(first, 0);
	cr_assert_eq(second, -1);
	cr_assert_eq(saved, EDQUOT);
	cr_assert_geq(third, 0);
	cr_assert_eq(calls, 3);
	cr_assert(was_fired);
	close(first);
	close(third);
	tft_remove_tree(dir);
	free(path);
	free(dir);
}

Test(faults, shim_fails_the_library_s_own_calls)
{
	char *dir = tft_scratch();
	tff_arm(TFF_open, 1, ENOSPC);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	int saved = errno;
	tff_disarm();
	cr_assert_eq(fd, -1);
	cr_assert_eq(saved, ENOSPC);
	cr_assert_null(path);
	cr_assert_eq(tft_count_entries(dir), 0);
	tft_remove_tree(dir);
	free(dir);
}

#ifdef TFT_HAVE_DIRECTORY
/* TEMPFILE_SYNC's promise, counted: the directory itself is fsynced
 * before the rename and path's parent after it; without it, no fsync. */
Test(faults, dir_persist_sync_fsyncs_the_directory_then_the_parent)
{
	char *dir = tft_scratch();
	char *dest = tft_join(dir, "dest");
	for (int sync = 0; sync < 2; sync++) {
		struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .dir = dir });
		cr_assert_not_null(d);
		tff_arm(TFF_NONE, 0, 0);
		int rc = tempfile_dir_persist(d, dest, sync ? TEMPFILE_SYNC : 0);
		unsigned long fsyncs = tff_calls(TFF_fsync);
		tff_disarm();
		cr_assert_eq(rc, 0, "%s", strerror(errno));
		cr_assert_eq(fsyncs, sync ? 2u : 0u, "sync %d: %lu fsyncs", sync, fsyncs);
		cr_assert_eq(tempfile_dir_cleanup(d), 0);
	}
	tft_remove_tree(dir);
	free(dest);
	free(dir);
}
#endif
