/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_lock.c - the lock of tempdir.c's settings: a pthread
 * mutex that fork() never leaves held in the child.
 *
 * fork() copies a mutex as it is: held, if another thread was searching
 * or setting, and then no thread of the child ever releases it. So the
 * lock is taken before fork() and released after it in both processes;
 * the child also gets the settings whole, never half set. The cost: while
 * one thread probes the candidate directories (under the lock, so that
 * the search runs once), fork() in any other thread waits for the probe,
 * as long as a hung network file system keeps it.
 */
#include "internal.h"

#include <pthread.h>

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void lock_before_fork(void)
{
	pthread_mutex_lock(&settings_lock);
}

static void unlock_after_fork(void)
{
	pthread_mutex_unlock(&settings_lock);
}

static void install_fork_handlers(void)
{
	/* Fails only with ENOMEM. Every call still works; only a fork racing
	 * a search or a set could leave that child stuck, as before. */
	(void)pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

#if defined(__GNUC__) || defined(__clang__)
/* At load, before any thread of ours can race it: a fork() while another
 * thread is inside the pthread_once would leave the child waiting on it
 * forever (musl; glibc restarts it). */
__attribute__((constructor)) static void install_fork_handlers_at_load(void)
{
	(void)pthread_once(&fork_handlers_once, install_fork_handlers);
}
#endif

/* Every holder of the lock comes through here, so the fork handlers are
 * in place before it is first held. */
void tf_os_settings_lock(void)
{
	(void)pthread_once(&fork_handlers_once, install_fork_handlers);
	pthread_mutex_lock(&settings_lock);
}

void tf_os_settings_unlock(void)
{
	pthread_mutex_unlock(&settings_lock);
}
