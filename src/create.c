/*
 * create.c - mkstemp, mkdtemp, mktemp, templates, and the one retry loop
 * they all share: lay out dir/prefix + random + suffix once, then fill in
 * new random characters and try again only while the answer is EEXIST.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* glibc's and GNU mktemp's bound for templates: 62^3. */
#define TF_TEMPLATE_ATTEMPTS (62u * 62u * 62u)
#define TF_TEMPLATE_MIN_X 3

static bool flags_and_mode_ok(unsigned flags, unsigned allowed_flags, unsigned mode)
{
	return (flags & ~allowed_flags) == 0 && mode <= 07777;
}

/* Reserved fields are refused unless zero, so that when a later version
 * gives one a meaning no program already passes garbage there. */
static bool reserved_zero(const struct tempfile_opts *o)
{
	for (size_t i = 0; i < sizeof o->reserved / sizeof *o->reserved; i++)
		if (o->reserved[i] != 0)
			return false;
	for (size_t i = 0; i < sizeof o->reserved_ptr / sizeof *o->reserved_ptr; i++)
		if (o->reserved_ptr[i] != NULL)
			return false;
	return true;
}

int tf_check_opts(const struct tempfile_opts *o, unsigned allowed_flags)
{
	if (!o)
		return 0;
	if (!flags_and_mode_ok(o->flags, allowed_flags, o->mode) || tf_os_bad_in_name(o->prefix) ||
		tf_os_bad_in_name(o->suffix) || (o->dir && !*o->dir) || !reserved_zero(o))
		return -EINVAL;
	return 0;
}

int tf_target_init(struct tf_target *t, const struct tempfile_opts *o, mode_t default_mode,
	unsigned allowed_flags)
{
	static const struct tempfile_opts defaults;
	if (!o)
		o = &defaults;
	memset(t, 0, sizeof *t);
	int rc = tf_check_opts(o, allowed_flags);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	/* The defaults are copies: another thread's tempfile_settempdir() or
	 * tempfile_settempprefix() may free the strings they were copied from. */
	char *prefix_owned = NULL, *dir_owned = NULL;
	const char *prefix = o->prefix;
	if (!prefix && !(prefix = prefix_owned = tf_default_prefix()))
		return -1;
	const char *suffix = o->suffix ? o->suffix : "";
	/* A given dir is made absolute first, so that what we create and what
	 * we return are the same path whatever the cwd does later. */
	if (o->dir) {
		int r = tf_absolute(o->dir, &dir_owned);
		if (r < 0)
			errno = -r;
	} else {
		dir_owned = tf_default_dir();
	}
	const char *dir = dir_owned;
	if (!dir)
		goto fail;
	size_t dir_len = strlen(dir), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	/* "/" alone (or "C:\\") needs no separator after it. */
	size_t sep = tf_os_is_separator(dir[dir_len - 1]) ? 0 : 1;
	t->path = malloc(dir_len + sep + prefix_len + TF_NAME_LEN + suffix_len + 1);
	if (!t->path)
		goto fail;
	char *p = t->path;
	memcpy(p, dir, dir_len);
	p += dir_len;
	if (sep)
		*p++ = tf_os_separator();
	memcpy(p, prefix, prefix_len);
	p += prefix_len;
	t->random_at = (size_t)(p - t->path);
	t->random_len = TF_NAME_LEN;
	memset(p, 'X', TF_NAME_LEN);
	p += TF_NAME_LEN;
	memcpy(p, suffix, suffix_len + 1);
	free(dir_owned);
	free(prefix_owned);
	t->alphabet = TF_NAME_ALPHABET;
	t->alphabet_len = sizeof TF_NAME_ALPHABET - 1;
	t->flags = o->flags;
	t->mode = (mode_t)(o->mode ? o->mode : default_mode);
	t->attempts = TEMPFILE_TMP_MAX;
	return 0;

fail:;
	int saved = errno;
	free(dir_owned);
	free(prefix_owned);
	errno = saved;
	return -1;
}

void tf_target_release(struct tf_target *t)
{
	int saved = errno;
	free(t->path);
	t->path = NULL;
	errno = saved;
}

/* One try at the current name: the fd, 0, or -1/errno (EEXIST: taken). */
static int try_once(const struct tf_target *t, enum tf_create_kind kind, int open_flags)
{
	int r = -EINVAL;
	switch (kind) {
	case TF_CREATE_FILE:
		r = tf_os_create_file(t->path, open_flags, t->flags, t->mode);
		break;
	case TF_CREATE_DIR:
		r = tf_os_mkdir(t->path, t->mode);
		break;
	case TF_CREATE_NONE:
		r = tf_os_name_free(t->path);
		break;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

/* Undo a creation after a later step failed; errno is preserved. */
static void undo_create(const struct tf_target *t, enum tf_create_kind kind, int fd)
{
	int saved = errno;
	if (kind == TF_CREATE_FILE) {
		tf_os_close(fd);
		tf_os_unlink(t->path);
	} else if (kind == TF_CREATE_DIR) {
		tf_os_rmdir(t->path);
	}
	errno = saved;
}

/* TEMPFILE_AT_EXIT: record what was just made. 0 or -1/errno. */
static int register_at_exit(struct tf_target *t, enum tf_create_kind kind, int fd)
{
	struct tf_file_id id;
	int r = tf_os_file_id(kind == TF_CREATE_FILE ? fd : -1, t->path, &id);
	char *absolute = NULL;
	if (r == 0 && !tf_os_is_absolute(t->path))
		r = tf_absolute(t->path, &absolute);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	t->registration = tf_register(absolute ? absolute : t->path,
		kind == TF_CREATE_DIR ? TF_REGISTERED_DIR : TF_REGISTERED_FILE, &id);
	free(absolute);
	return t->registration ? 0 : -1;
}

#ifdef TEMPFILE_TEST_SEAMS
static void (*test_creation_hook)(void *arg);
static void *test_creation_hook_arg;

void tf_test_creation_hook(void (*hook)(void *arg), void *arg)
{
	test_creation_hook = hook;
	test_creation_hook_arg = arg;
}
#endif

/* One try and, with TEMPFILE_AT_EXIT, its registration, with the fatal
 * signals held off in between so that none can leave the new object on
 * disk unregistered. */
static int try_and_register(struct tf_target *t, enum tf_create_kind kind, int open_flags)
{
	bool at_exit = (t->flags & TEMPFILE_AT_EXIT) && kind != TF_CREATE_NONE;
	struct tf_creation_guard guard;
	if (at_exit)
		tf_creation_begin(&guard);
	int result = try_once(t, kind, open_flags);
#ifdef TEMPFILE_TEST_SEAMS
	if (result >= 0 && at_exit && test_creation_hook)
		test_creation_hook(test_creation_hook_arg);
#endif
	if (result >= 0 && at_exit && register_at_exit(t, kind, result) != 0) {
		undo_create(t, kind, result);
		result = -1;
	}
	if (at_exit)
		tf_creation_end(&guard);
	return result;
}

int tf_create(struct tf_target *t, enum tf_create_kind kind, int open_flags)
{
	t->registration = NULL;
	for (unsigned attempt = 0; attempt < t->attempts; attempt++) {
		int rc = tf_random_chars(t->path + t->random_at, t->random_len, t->alphabet,
			t->alphabet_len);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
		int result = try_and_register(t, kind, open_flags);
		if (result < 0 && errno == EEXIST)
			continue;
		return result;
	}
	errno = EEXIST;
	return -1;
}

int tempfile_mkstemp(const struct tempfile_opts *o, char **path)
{
	struct tf_target t;
	if (tf_target_init(&t, o, 0600, TEMPFILE_TEXT | TEMPFILE_AT_EXIT) != 0)
		return -1;
	int fd = tf_create(&t, TF_CREATE_FILE, TF_FILE_OPEN_FLAGS);
	if (fd >= 0 && path) {
		*path = t.path; /* handed over */
		return fd;
	}
	tf_target_release(&t);
	return fd;
}

char *tempfile_mkdtemp(const struct tempfile_opts *o)
{
	struct tf_target t;
	if (tf_target_init(&t, o, 0700, TEMPFILE_AT_EXIT) != 0)
		return NULL;
	if (tf_create(&t, TF_CREATE_DIR, 0) != 0) {
		tf_target_release(&t);
		return NULL;
	}
	return t.path;
}

char *tempfile_mktemp(const struct tempfile_opts *o)
{
	struct tf_target t;
	if (tf_target_init(&t, o, 0600, TEMPFILE_TEXT) != 0)
		return NULL;
	if (tf_create(&t, TF_CREATE_NONE, 0) != 0) {
		tf_target_release(&t);
		return NULL;
	}
	return t.path;
}

/* TEMPFILE_KIND_NAME is deprecated for callers, not here. */
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
int tempfile_mktemplate(char *tmpl, size_t suffix_len, enum tempfile_kind kind, unsigned flags,
	unsigned mode)
{
	if (!tmpl || (kind != TEMPFILE_KIND_FILE && kind != TEMPFILE_KIND_DIR &&
			     kind != TEMPFILE_KIND_NAME) ||
		!flags_and_mode_ok(flags, TEMPFILE_TEXT | TEMPFILE_AT_EXIT, mode)) {
		errno = EINVAL;
		return -1;
	}
	size_t len = strlen(tmpl);
	if (suffix_len > len) {
		errno = EINVAL;
		return -1;
	}
	size_t x_end = len - suffix_len, x_start = x_end;
	while (x_start > 0 && tmpl[x_start - 1] == 'X')
		x_start--;
	if (x_end - x_start < TF_TEMPLATE_MIN_X) {
		errno = EINVAL;
		return -1;
	}
	/* Randomized in place, as mkstemp(3) does: no allocation, so that
	 * mktemp(1) needs no malloc (glibc's first one costs 3 syscalls). On
	 * failure the run, all X's before, is put back. */
	struct tf_target t = {
		.path = tmpl,
		.random_at = x_start,
		.random_len = x_end - x_start,
		.alphabet = TF_TEMPLATE_ALPHABET,
		.alphabet_len = sizeof TF_TEMPLATE_ALPHABET - 1,
		.flags = flags,
		.mode = (mode_t)(mode ? mode : kind == TEMPFILE_KIND_DIR ? 0700 : 0600),
		.attempts = TF_TEMPLATE_ATTEMPTS,
	};
	static const enum tf_create_kind kinds[] = {
		[TEMPFILE_KIND_FILE] = TF_CREATE_FILE,
		[TEMPFILE_KIND_DIR] = TF_CREATE_DIR,
		[TEMPFILE_KIND_NAME] = TF_CREATE_NONE,
	};
	int result = tf_create(&t, kinds[kind], TF_FILE_OPEN_FLAGS);
	if (result < 0) {
		int saved = errno;
		memset(tmpl + x_start, 'X', x_end - x_start);
		errno = saved;
	}
	return result;
}
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif
