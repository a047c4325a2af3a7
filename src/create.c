/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * create.c - mkstemp, mkdtemp, mktemp, templates, and the one retry loop
 * they all share: lay out dir/prefix + random + suffix once, then fill in
 * new random characters and try again only while the answer is EEXIST.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* dir/prefix + TF_NAME_LEN X's + suffix into t->path (NEW). 0 or -ENOMEM. */
static int lay_out_path(struct tf_target *t, const char *dir, const char *prefix,
	const char *suffix)
{
	size_t dir_len = strlen(dir), prefix_len = strlen(prefix), suffix_len = strlen(suffix);
	/* "/" alone (or "C:\\") needs no separator after it. */
	size_t sep = tf_os_is_separator(dir[dir_len - 1]) ? 0 : 1;
	t->path = malloc(dir_len + sep + prefix_len + TF_NAME_LEN + suffix_len + 1);
	if (!t->path)
		return -ENOMEM;
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
	return 0;
}

int tf_target_init(struct tf_target *t, const struct tempfile_opts *o, mode_t default_mode,
	unsigned allowed_flags)
{
	static const struct tempfile_opts defaults;
	memset(t, 0, sizeof *t);
	int rc = tf_check_opts(o, allowed_flags); /* NULL: nothing to check */
	if (rc < 0)
		return rc;
	if (!o)
		o = &defaults;
	/* The defaults are copies: another thread's tempfile_settempdir() or
	 * tempfile_settempprefix() may free the strings they were copied from.
	 * A given dir is made absolute first, so that what we create and what
	 * we return are the same path whatever the cwd does later. */
	char *prefix_owned = NULL, *dir_owned = NULL;
	if (!o->prefix)
		rc = tf_default_prefix(&prefix_owned);
	if (rc == 0)
		rc = o->dir ? tf_absolute(o->dir, &dir_owned) : tf_default_dir(&dir_owned);
	if (rc == 0)
		rc = lay_out_path(t, dir_owned, o->prefix ? o->prefix : prefix_owned,
			o->suffix ? o->suffix : "");
	free(dir_owned);
	free(prefix_owned);
	if (rc < 0)
		return rc;
	t->alphabet = TF_NAME_ALPHABET;
	t->alphabet_len = sizeof TF_NAME_ALPHABET - 1;
	t->flags = o->flags;
	t->mode = (mode_t)(o->mode ? o->mode : default_mode);
	t->attempts = TEMPFILE_TMP_MAX;
	return 0;
}

void tf_target_release(struct tf_target *t)
{
	free(t->path);
	t->path = NULL;
}

/* One try at the current name: the fd, 0, or -errno (-EEXIST: taken). */
static int try_once(const struct tf_target *t, enum tf_create_kind kind, int open_flags)
{
	switch (kind) {
	case TF_CREATE_FILE:
		return tf_os_create_file(t->path, open_flags, t->flags, t->mode);
	case TF_CREATE_DIR:
		return tf_os_mkdir(t->path, t->mode);
	case TF_CREATE_NONE:
		return tf_os_name_free(t->path);
	}
	return -EINVAL;
}

/* Undo a creation after a later step failed (what that step met is what
 * the caller reports, not these). */
static void undo_create(const struct tf_target *t, enum tf_create_kind kind, int fd)
{
	if (kind == TF_CREATE_FILE) {
		(void)tf_os_close(fd);
		(void)tf_os_unlink(t->path);
	} else if (kind == TF_CREATE_DIR) {
		(void)tf_os_rmdir(t->path);
	}
}

/* TEMPFILE_AT_EXIT: record what was just made. 0 or -errno. */
static int register_at_exit(struct tf_target *t, enum tf_create_kind kind, int fd,
	const struct tf_creation_guard *guard)
{
	struct tf_file_id id;
	int r = tf_os_file_id(kind == TF_CREATE_FILE ? fd : -1, t->path, &id);
	char *absolute = NULL;
	if (r == 0 && !tf_os_is_absolute(t->path))
		r = tf_absolute(t->path, &absolute);
	if (r == 0)
		r = tf_register(absolute ? absolute : t->path,
			kind == TF_CREATE_DIR ? TF_REGISTERED_DIR : TF_REGISTERED_FILE, &id, guard,
			&t->registration);
	free(absolute);
	return r;
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

/* TEMPFILE_LEASE: hold what was just made; on failure it is undone. */
static int lease_created(struct tf_target *t, enum tf_create_kind kind, int result)
{
	int r = tf_lease_take(t->path, kind == TF_CREATE_FILE ? result : -1,
		kind == TF_CREATE_DIR, &t->lease);
	if (r < 0)
		undo_create(t, kind, result);
	return r < 0 ? r : result;
}

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
	if (result >= 0 && (t->flags & TEMPFILE_LEASE) && kind != TF_CREATE_NONE)
		result = lease_created(t, kind, result);
#ifdef TEMPFILE_TEST_SEAMS
	if (result >= 0 && at_exit && test_creation_hook)
		test_creation_hook(test_creation_hook_arg);
#endif
	if (result >= 0 && at_exit) {
		int r = register_at_exit(t, kind, result, &guard);
		if (r < 0) {
			undo_create(t, kind, result);
			tf_lease_release(t->lease, false);
			t->lease = NULL;
			result = r;
		}
	}
	if (at_exit)
		tf_creation_end(&guard);
	return result;
}

int tf_create(struct tf_target *t, enum tf_create_kind kind, int open_flags)
{
	t->registration = NULL;
	t->lease = NULL;
	for (unsigned attempt = 0; attempt < t->attempts; attempt++) {
		int rc = tf_random_chars(t->path + t->random_at, t->random_len, t->alphabet,
			t->alphabet_len);
		if (rc < 0)
			return rc;
		rc = try_and_register(t, kind, open_flags);
		if (rc != -EEXIST)
			return rc;
	}
	return -EEXIST;
}

int tempfile_mkstemp(const struct tempfile_opts *o, char **path)
{
	struct tf_target t;
	int fd = tf_target_init(&t, o, 0600, TEMPFILE_TEXT | TEMPFILE_AT_EXIT | TEMPFILE_LEASE);
	if (fd == 0) /* initialised: now the descriptor, or -errno */
		fd = tf_create(&t, TF_CREATE_FILE, TF_FILE_OPEN_FLAGS);
	if (fd >= 0 && t.lease)
		tf_lease_adopt(t.lease); /* no handle: held until tempfile_forget or exit */
	if (fd >= 0 && path)
		*path = t.path; /* handed over */
	else
		tf_target_release(&t);
	return tf_public_result(fd);
}

/* mkdtemp and mktemp: the path of what tf_create made (or found free). */
static char *create_path(const struct tempfile_opts *o, mode_t default_mode, unsigned allowed_flags,
	enum tf_create_kind kind)
{
	struct tf_target t;
	int rc = tf_target_init(&t, o, default_mode, allowed_flags);
	if (rc == 0)
		rc = tf_create(&t, kind, 0);
	if (rc == 0 && t.lease)
		tf_lease_adopt(t.lease);
	if (rc < 0)
		tf_target_release(&t);
	return tf_public_pointer(rc, t.path);
}

char *tempfile_mkdtemp(const struct tempfile_opts *o)
{
	return create_path(o, 0700, TEMPFILE_AT_EXIT | TEMPFILE_LEASE, TF_CREATE_DIR);
}

char *tempfile_mktemp(const struct tempfile_opts *o)
{
	return create_path(o, 0600, TEMPFILE_TEXT, TF_CREATE_NONE);
}

/* TEMPFILE_KIND_NAME is deprecated for callers, not here. */
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
/* The X run of a template: 0 and its bounds, or -EINVAL. */
static int find_x_run(const char *tmpl, size_t suffix_len, size_t *start, size_t *end)
{
	size_t len = strlen(tmpl);
	if (suffix_len > len)
		return -EINVAL;
	size_t x_end = len - suffix_len, x_start = x_end;
	while (x_start > 0 && tmpl[x_start - 1] == 'X')
		x_start--;
	if (x_end - x_start < TF_TEMPLATE_MIN_X)
		return -EINVAL;
	*start = x_start;
	*end = x_end;
	return 0;
}

int tempfile_mktemplate(char *tmpl, size_t suffix_len, enum tempfile_kind kind, unsigned flags,
	unsigned mode)
{
	size_t x_start, x_end;
	if (!tmpl || (kind != TEMPFILE_KIND_FILE && kind != TEMPFILE_KIND_DIR &&
			     kind != TEMPFILE_KIND_NAME) ||
		!flags_and_mode_ok(flags, TEMPFILE_TEXT | TEMPFILE_AT_EXIT | TEMPFILE_LEASE, mode) ||
		((flags & TEMPFILE_LEASE) && kind == TEMPFILE_KIND_NAME)) /* nothing to hold */
		return tf_public_result(-EINVAL);
	int result = find_x_run(tmpl, suffix_len, &x_start, &x_end);
	if (result < 0)
		return tf_public_result(result);
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
	result = tf_create(&t, kinds[kind], TF_FILE_OPEN_FLAGS);
	if (result >= 0 && t.lease)
		tf_lease_adopt(t.lease);
	if (result < 0)
		memset(tmpl + x_start, 'X', x_end - x_start);
	return tf_public_result(result);
}
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif
