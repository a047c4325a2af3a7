/*
 * platform/os.h - the operating system's types the core needs, so that
 * the files of src/ outside platform/ include no OS header of their own:
 * mode_t, ssize_t, off_t, dev_t, ino_t, struct stat, the O_* open flags,
 * a lock and a once-flag, and the state of a creation guard (a signal mask
 * on POSIX). Included by internal.h only.
 */
#ifndef TEMPFILE_PLATFORM_OS_H
#define TEMPFILE_PLATFORM_OS_H

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>

/* A lock and a once-flag with static initialisers, for the core's global
 * state (tempdir.c's settings, names.c's setup). POSIX threads on every
 * platform this builds for (mingw-w64 has winpthreads). */
typedef pthread_mutex_t tf_os_mutex;
#define TF_OS_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
typedef pthread_once_t tf_os_once_flag;
#define TF_OS_ONCE_INIT PTHREAD_ONCE_INIT

/* Neither fails with a lock used as above (a static, non-recursive
 * mutex, never destroyed); inline, so the uncontended path stays one
 * atomic instruction. */
static inline void tf_os_mutex_lock(tf_os_mutex *m)
{
	(void)pthread_mutex_lock(m);
}

static inline void tf_os_mutex_unlock(tf_os_mutex *m)
{
	(void)pthread_mutex_unlock(m);
}

static inline void tf_os_once(tf_os_once_flag *flag, void (*fn)(void))
{
	(void)pthread_once(flag, fn);
}

#ifdef _WIN32
/* No signals to block: the console handler is a thread of its own. */
struct tf_creation_guard {
	int unused;
};
#else
#  include <signal.h>

/* What tf_creation_begin leaves for tf_register and tf_creation_end:
 * this thread's signal mask before, and the owner token it took (0 and
 * error -errno if it could not). */
struct tf_creation_guard {
	sigset_t saved_mask;
	unsigned owner;
	int error;
};
#endif

#endif
