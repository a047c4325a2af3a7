/*
 * tempdir.c - where temporary files go: the candidate directories, the
 * probe that proves one usable, the process-wide cache, the default prefix.
 *
 * Strings handed out (the cached directory, the prefix) are never freed:
 * callers may hold them for the life of the process, even across a later
 * set call. Replaced ones go on a list so they stay reachable.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* A string kept alive for the life of the process. */
struct tf_kept {
	struct tf_kept *next;
	char text[];
};

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tf_kept *kept_strings; /* under settings_lock */
static _Atomic(const char *) cached_dir;
static _Atomic(const char *) current_prefix;

static const char default_prefix[] = "tmp";
static const char *const env_candidates[] = { "TMPDIR", "TEMP", "TMP" };

/* fork() copies settings_lock as it is: held, if another thread was
 * searching or setting, and then no thread of the child ever releases it.
 * So the lock is taken before fork() and released after it in both
 * processes; the child also gets the settings whole, never half set.
 * The cost: while one thread probes the candidates (under the lock, so
 * that the search runs once), fork() in any other thread waits for the
 * probe, as long as a hung network file system keeps it. */
static void lock_before_fork(void)
{
	pthread_mutex_lock(&settings_lock);
}

static void unlock_after_fork(void)
{
	pthread_mutex_unlock(&settings_lock);
}

static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void install_fork_handlers(void)
{
	/* Fails only with ENOMEM. Every call still works; only a fork racing
	 * a search or a set could leave that child stuck, as before. */
	(void)tf_os_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32) /* Windows: no fork */
/* At load, before any thread of ours can race it: a fork() while another
 * thread is inside the pthread_once would leave the child waiting on it
 * forever (musl; glibc restarts it). */
__attribute__((constructor)) static void install_fork_handlers_at_load(void)
{
	(void)pthread_once(&fork_handlers_once, install_fork_handlers);
}
#endif

/* Every holder of settings_lock comes through here, so the fork handlers
 * are in place before the lock is first held. */
static void lock_settings(void)
{
	(void)pthread_once(&fork_handlers_once, install_fork_handlers);
	pthread_mutex_lock(&settings_lock);
}

static void unlock_settings(void)
{
	pthread_mutex_unlock(&settings_lock);
}

/* Copy s into a string that lives forever. Call under settings_lock. */
static const char *keep_string(const char *s)
{
	size_t len = strlen(s);
	struct tf_kept *k = malloc(sizeof *k + len + 1);
	if (!k)
		return NULL;
	memcpy(k->text, s, len + 1);
	k->next = kept_strings;
	kept_strings = k;
	return k->text;
}

/* Prove dir usable: create a randomly named file in it, write to it,
 * remove it. 0, or the errno that rejected it. */
static int probe_directory(const char *dir)
{
	size_t dir_len = strlen(dir);
	char *path = malloc(dir_len + 1 + TF_NAME_LEN + 1);
	if (!path)
		return errno;
	memcpy(path, dir, dir_len);
	path[dir_len] = tf_os_separator();
	path[dir_len + 1 + TF_NAME_LEN] = '\0';
	int error = EEXIST;
	for (unsigned attempt = 0; attempt < TEMPFILE_TMP_MAX && error == EEXIST; attempt++) {
		if (tf_random_name_from_kernel(path + dir_len + 1) != 0) {
			error = errno;
			break;
		}
		int fd = tf_os_create_file(path, TF_FILE_OPEN_FLAGS, 0, 0600);
		if (fd < 0) {
			error = errno;
			continue;
		}
		ssize_t written = tf_os_write(fd, "blat", 4);
		error = written == 4 ? 0 : written < 0 ? errno : EIO;
		if (tf_os_close(fd) != 0 && error == 0 && errno != EINTR)
			error = errno;
		if (tf_os_unlink(path) != 0 && error == 0)
			error = errno;
	}
	free(path);
	return error;
}

typedef int (*candidate_fn)(const struct tempfile_candidate *c, void *arg);

/* Offer one candidate: make it absolute, probe it, report it. Returns what
 * fn returned (non-zero stops the walk). */
static int offer(const char *source, const char *dir, bool *found, candidate_fn fn, void *arg)
{
	struct tempfile_candidate c = { .source = source, .path = NULL, .error = 0, .chosen = 0 };
	char *absolute = NULL;
	if (!dir || !*dir) {
		c.error = ENOENT;
	} else if (!(absolute = tf_absolute(dir))) {
		c.error = errno;
	} else {
		c.path = absolute;
		c.error = probe_directory(absolute);
	}
	if (c.error == 0 && c.path && !*found) /* no path: never usable */
		c.chosen = *found = true;
	int stop = fn(&c, arg);
	free(absolute);
	return stop;
}

/* Walk every candidate in order until fn returns non-zero; returns that
 * value (0 if fn never stopped the walk). */
static int walk_candidates(candidate_fn fn, void *arg, bool *found)
{
	int stop = 0;
	*found = false;
	for (size_t i = 0; !stop && i < sizeof env_candidates / sizeof *env_candidates; i++) {
		char *value;
		if (tf_os_getenv(env_candidates[i], &value) != 0)
			return -1;
		stop = offer(env_candidates[i], value && *value ? value : NULL, found, fn, arg);
		free(value);
	}
	for (size_t i = 0; !stop && i < tf_os_candidate_count(); i++) {
		char *dir = tf_os_candidate(i);
		stop = offer("default", dir, found, fn, arg);
		free(dir);
	}
	if (!stop) {
		char *cwd = tf_os_getcwd();
		stop = offer("cwd", cwd, found, fn, arg);
		free(cwd);
	}
	return stop;
}

int tempfile_gettempdir_explain(int (*fn)(const struct tempfile_candidate *, void *), void *arg)
{
	if (!fn) {
		errno = EINVAL;
		return -1;
	}
	bool found;
	if (walk_candidates(fn, arg, &found) < 0)
		return -1; /* errno is fn's */
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* gettempdir's walker: keep the first usable directory and stop. */
struct first_usable {
	const char *kept;
	int error;
};

static int take_first_usable(const struct tempfile_candidate *c, void *arg)
{
	struct first_usable *first = arg;
	if (!c->chosen)
		return 0;
	first->kept = keep_string(c->path);
	first->error = first->kept ? 0 : ENOMEM;
	return 1;
}

const char *tempfile_gettempdir(void)
{
	const char *dir = atomic_load_explicit(&cached_dir, memory_order_acquire);
	if (dir)
		return dir;
	int saved_errno = errno;
	lock_settings();
	dir = atomic_load_explicit(&cached_dir, memory_order_relaxed);
	int error = 0;
	if (!dir) {
		struct first_usable first = { NULL, ENOENT };
		bool found;
		if (walk_candidates(take_first_usable, &first, &found) < 0)
			first.error = errno; /* ENOMEM reading the environment */
		dir = first.kept;
		error = first.error;
		atomic_store_explicit(&cached_dir, dir, memory_order_release);
	}
	unlock_settings();
	errno = dir ? saved_errno : error;
	return dir;
}

int tempfile_settempdir(const char *dir)
{
	char *absolute = NULL;
	if (dir && !(absolute = tf_absolute(dir)))
		return -1;
	lock_settings();
	const char *kept = absolute ? keep_string(absolute) : NULL;
	if (!absolute || kept)
		atomic_store_explicit(&cached_dir, kept, memory_order_release);
	unlock_settings();
	free(absolute);
	if (absolute && !kept) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

const char *tempfile_gettempprefix(void)
{
	const char *prefix = atomic_load_explicit(&current_prefix, memory_order_acquire);
	return prefix ? prefix : default_prefix;
}

int tempfile_settempprefix(const char *prefix)
{
	if (tf_os_bad_in_name(prefix)) {
		errno = EINVAL;
		return -1;
	}
	int result = 0;
	lock_settings();
	const char *kept = prefix ? keep_string(prefix) : NULL;
	if (prefix && !kept)
		result = -1;
	else
		atomic_store_explicit(&current_prefix, kept, memory_order_release);
	unlock_settings();
	if (result != 0)
		errno = ENOMEM;
	return result;
}

const char *tempfile_version(void)
{
	return TEMPFILE_VERSION_STRING;
}
