/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tempdir.c - where temporary files go: the candidate directories, the
 * probe that proves one usable, the process-wide cache, the default prefix.
 *
 * The strings handed out (the directory, the prefix) are BORROWED: each
 * stays valid while it is in force and, after a change, while it is one of
 * the last TF_REPLACED_KEPT different ones replaced, so that a thread that
 * read it just before another thread's change is not left with freed
 * memory; then it is freed. Setting a kept value again reuses its string,
 * so memory stays bounded however often the settings change. The library's
 * own users take copies made under the lock (tf_default_dir,
 * tf_default_prefix), which no change can free.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Replaced strings each setting keeps valid (tempfile.h promises 8). */
#define TF_REPLACED_KEPT 8

/* One setting: the string in force (NULL: the directory is to be searched
 * for; the prefix is the built-in one), which the get functions load
 * without the lock, and the different strings it replaced, newest first,
 * none equal to the one in force. Written only under settings_lock. */
struct setting {
	_Atomic(char *) current;
	char *replaced[TF_REPLACED_KEPT];
	size_t replaced_count;
};

static struct setting dir_setting, prefix_setting;

static const char default_prefix[] = "tmp";
static const char *const env_candidates[] = { "TMPDIR", "TEMP", "TMP" };

/* The settings lock is the platform's: it must survive fork(). */
static void lock_settings(void)
{
	tf_os_settings_lock();
}

static void unlock_settings(void)
{
	tf_os_settings_unlock();
}

/* A NEW copy of s as *out. 0 or -ENOMEM. */
static int copy_string(const char *s, char **out)
{
	size_t len = strlen(s);
	*out = malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s, len + 1);
	return 0;
}

/* The replaced string equal to value, taken off s's list; NULL if none. */
static char *take_replaced(struct setting *s, const char *value)
{
	for (size_t i = 0; i < s->replaced_count; i++) {
		char *found = s->replaced[i];
		if (strcmp(found, value) != 0)
			continue;
		s->replaced_count--;
		memmove(&s->replaced[i], &s->replaced[i + 1],
			(s->replaced_count - i) * sizeof *s->replaced);
		return found;
	}
	return NULL;
}

/* Put old first on s's list, freeing the oldest one if the list is full. */
static void push_replaced(struct setting *s, char *old)
{
	if (s->replaced_count == TF_REPLACED_KEPT)
		free(s->replaced[--s->replaced_count]);
	memmove(&s->replaced[1], &s->replaced[0], s->replaced_count * sizeof *s->replaced);
	s->replaced[0] = old;
	s->replaced_count++;
}

/* Put value (NEW, taken over; NULL: none) in force in s, or the kept
 * string equal to it, which is then returned. Call under settings_lock. */
static const char *replace_locked(struct setting *s, char *value)
{
	char *current = atomic_load_explicit(&s->current, memory_order_relaxed);
	if (value && current && strcmp(value, current) == 0) {
		free(value);
		return current;
	}
	char *kept = value ? take_replaced(s, value) : NULL;
	if (kept) {
		free(value);
		value = kept;
	}
	atomic_store_explicit(&s->current, value, memory_order_release);
	if (current)
		push_replaced(s, current);
	return value;
}

/* Why create failed in dir (create's -errno in error), told truly: if
 * dir/. (in path, which has room for it) does not lead to a directory,
 * that is the reason (-ENOENT missing, -ENOTDIR, ...), at
 * TEMPFILE_PROBE_DIRECTORY; else create's own error (/proc: -ENOENT for an
 * existing directory). Asked only after a failure: the usable path costs
 * no stat. */
static int creation_failure(char *path, size_t dir_len, int error, enum tempfile_probe_step *step)
{
	struct stat st;
	path[dir_len + 1] = '.';
	path[dir_len + 2] = '\0';
	int r = tf_os_lstat(path, &st); /* "dir/." follows a link to a directory */
	*step = TEMPFILE_PROBE_DIRECTORY;
	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode)) /* Windows drops the ".": dir\. is the file */
		return -ENOTDIR;
	*step = TEMPFILE_PROBE_CREATE;
	return error;
}

/* Prove dir usable: create a randomly named file in it, write to it,
 * remove it. 0, or the -errno that rejected it and in *step where. */
static int probe_directory(const char *dir, enum tempfile_probe_step *step)
{
	size_t dir_len = strlen(dir);
	*step = TEMPFILE_PROBE_CREATE;
	char *path = malloc(dir_len + 1 + TF_NAME_LEN + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, dir, dir_len);
	path[dir_len] = tf_os_separator();
	path[dir_len + 1 + TF_NAME_LEN] = '\0';
	int error = -EEXIST;
	for (unsigned attempt = 0; attempt < TEMPFILE_TMP_MAX && error == -EEXIST; attempt++) {
		error = tf_random_name_from_kernel(path + dir_len + 1);
		if (error < 0)
			break;
		int fd = tf_os_create_file(path, TF_FILE_OPEN_FLAGS, 0, 0600);
		if (fd < 0) {
			error = fd;
			continue;
		}
		ssize_t written = tf_os_write(fd, "blat", 4);
		error = written == 4 ? 0 : written < 0 ? (int)written : -EIO;
		int r = tf_os_close(fd);
		if (r < 0 && error == 0 && r != -EINTR)
			error = r;
		*step = error < 0 ? TEMPFILE_PROBE_WRITE : TEMPFILE_PROBE_REMOVE;
		if ((r = tf_os_unlink(path)) < 0 && error == 0)
			error = r;
	}
	if (error < 0 && *step == TEMPFILE_PROBE_CREATE)
		error = creation_failure(path, dir_len, error, step);
	if (error == 0)
		*step = TEMPFILE_PROBE_PASSED;
	free(path);
	return error;
}

typedef int (*candidate_fn)(const struct tempfile_candidate *c, void *arg);

/* Offer one candidate: make it absolute, probe it, report it. dir NULL
 * or empty: no path, for lookup_error (-errno; 0: an unset or empty
 * variable, ENOENT). Returns what fn returned (non-zero stops the walk). */
static int offer(const char *source, const char *dir, int lookup_error, bool *found,
	candidate_fn fn, void *arg)
{
	struct tempfile_candidate c = { .source = source, .path = NULL, .error = 0, .chosen = 0,
		.step = TEMPFILE_PROBE_NO_PATH };
	char *absolute = NULL;
	if (!dir || !*dir) {
		c.error = lookup_error < 0 ? -lookup_error : ENOENT;
	} else if ((c.error = -tf_absolute(dir, &absolute)) == 0) {
		c.path = absolute;
		c.error = -probe_directory(absolute, &c.step);
	}
	if (c.error == 0 && c.path && !*found) /* no path: never usable */
		c.chosen = *found = true;
	int stop = fn(&c, arg);
	free(absolute);
	return stop;
}

/* Walk every candidate in order until fn returns non-zero, leaving that
 * value (0 if fn never stopped the walk) in *stop. 0, or -errno if the
 * environment could not be read (-ENOMEM). */
static int walk_candidates(candidate_fn fn, void *arg, bool *found, int *stop)
{
	*stop = 0;
	*found = false;
	for (size_t i = 0; !*stop && i < sizeof env_candidates / sizeof *env_candidates; i++) {
		char *value;
		int r = tf_os_getenv(env_candidates[i], &value);
		if (r < 0)
			return r;
		*stop = offer(env_candidates[i], value, 0, found, fn, arg);
		free(value);
	}
	for (size_t i = 0; !*stop && i < tf_os_candidate_count(); i++) {
		char *dir;
		int r = tf_os_candidate(i, &dir); /* NULL: offer reports r */
		*stop = offer("default", dir, r, found, fn, arg);
		free(dir);
	}
	if (!*stop) {
		char *cwd;
		int r = tf_os_getcwd(&cwd); /* NULL: offer reports r */
		*stop = offer("cwd", cwd, r, found, fn, arg);
		free(cwd);
	}
	return 0;
}

int tempfile_gettempdir_explain(int (*fn)(const struct tempfile_candidate *, void *), void *arg)
{
	if (!fn)
		return tf_public_result(-EINVAL);
	bool found;
	int stop;
	int rc = walk_candidates(fn, arg, &found, &stop);
	if (rc < 0)
		return tf_public_result(rc);
	if (stop < 0)
		return -1; /* errno is what fn left */
	return tf_public_result(found ? 0 : -ENOENT);
}

/* gettempdir's walker: copy the first usable directory and stop. */
struct first_usable {
	char *path; /* NEW */
	int error;  /* -errno */
};

static int take_first_usable(const struct tempfile_candidate *c, void *arg)
{
	struct first_usable *first = arg;
	if (!c->chosen)
		return 0;
	first->error = copy_string(c->path, &first->path);
	return 1;
}

/* The directory in force, searched for first if there is none, as *dir
 * (BORROWED). 0 or -errno (-ENOENT: no usable directory; -ENOMEM). Call
 * under the settings lock. */
static int current_dir_locked(const char **dir)
{
	*dir = atomic_load_explicit(&dir_setting.current, memory_order_relaxed);
	if (*dir)
		return 0;
	struct first_usable first = { NULL, -ENOENT };
	bool found;
	int stop;
	int rc = walk_candidates(take_first_usable, &first, &found, &stop);
	if (rc < 0)
		return rc;
	if (!first.path)
		return first.error;
	*dir = replace_locked(&dir_setting, first.path);
	return 0;
}

const char *tempfile_gettempdir(void)
{
	const char *dir = atomic_load_explicit(&dir_setting.current, memory_order_acquire);
	if (dir)
		return dir;
	lock_settings();
	int rc = current_dir_locked(&dir);
	unlock_settings();
	return tf_public_pointer(rc, (void *)dir);
}

int tf_default_dir(char **out)
{
	*out = NULL;
	const char *dir;
	lock_settings();
	int rc = current_dir_locked(&dir);
	if (rc == 0)
		rc = copy_string(dir, out);
	unlock_settings();
	return rc;
}

/* Make value (NEW, or NULL: the default) the setting, under the lock. */
static int change_setting(struct setting *s, char *value)
{
	lock_settings();
	(void)replace_locked(s, value);
	unlock_settings();
	return 0;
}

int tempfile_settempdir(const char *dir)
{
	char *absolute = NULL;
	int rc = dir ? tf_absolute(dir, &absolute) : 0;
	if (rc < 0)
		return tf_public_result(rc);
	return change_setting(&dir_setting, absolute);
}

const char *tempfile_gettempprefix(void)
{
	const char *prefix = atomic_load_explicit(&prefix_setting.current, memory_order_acquire);
	return prefix ? prefix : default_prefix;
}

int tf_default_prefix(char **out)
{
	lock_settings();
	const char *prefix = atomic_load_explicit(&prefix_setting.current, memory_order_relaxed);
	int rc = copy_string(prefix ? prefix : default_prefix, out);
	unlock_settings();
	return rc;
}

int tempfile_settempprefix(const char *prefix)
{
	if (tf_os_bad_in_name(prefix))
		return tf_public_result(-EINVAL);
	char *copy = NULL;
	int rc = prefix ? copy_string(prefix, &copy) : 0;
	if (rc < 0)
		return tf_public_result(rc);
	return change_setting(&prefix_setting, copy);
}

#ifdef TEMPFILE_TEST_SEAMS
static size_t strings_of(const struct setting *s)
{
	return (atomic_load_explicit(&s->current, memory_order_relaxed) ? 1 : 0) + s->replaced_count;
}

size_t tf_test_settings_strings(void)
{
	lock_settings();
	size_t n = strings_of(&dir_setting) + strings_of(&prefix_setting);
	unlock_settings();
	return n;
}
#endif
