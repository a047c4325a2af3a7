/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_cleanup.c - the POSIX machinery of the exit registry
 * (TEMPFILE_AT_EXIT): the owner token, the removal of one registered
 * object, the atexit hook, the fatal-signal handlers (chained to the
 * program's own), the fork handler and the creation guard. The slots are
 * posix_registry.c's, the public calls src/cleanup.c's.
 *
 * Everything the handlers reach is ASYNC-SIGNAL-SAFE: system calls and
 * atomics only. Internal functions return -errno; the handler itself is
 * the one place that keeps the interrupted code's errno.
 */
#include "internal.h"
#include "platform/posix_cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/* Creations between tf_creation_begin and tf_creation_end, in any thread. */
static atomic_int creations_in_flight;
/* Fatal-signal handlers running: no new creation starts meanwhile, so that
 * the handler's wait for creations in flight ends. */
static atomic_int handlers_running;

/* The fatal signals of issue 4: those whose default action ends the process
 * and that a user or the system sends to stop a program. Not SIGKILL/SIGSTOP
 * (cannot be caught), not SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGABRT (the process
 * is broken; touching the disk then can do harm). */
static const int fatal_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGXCPU, SIGXFSZ, SIGALRM,
};
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])

/* The disposition each signal had before ours; written once, before ours is
 * installed, then only read. */
static struct sigaction previous_action[FATAL_COUNT];
static struct sigaction our_action[FATAL_COUNT];
static atomic_bool handler_installed[FATAL_COUNT];
/* The previous handler had SA_RESETHAND and has run once: from now on the
 * signal's previous disposition is the default action. */
static atomic_bool previous_spent[FATAL_COUNT];

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_error;

/* ---- the owner ------------------------------------------------------------ */

/* Who owns a slot is not a pid: a child in a new PID namespace can have its
 * parent's pid number (a container's entrypoint is pid 1, and so is its
 * child in a namespace of its own). It is a token kept in a word that reads
 * 0 in any forked child (tf_os_fork_owner_word): a child owns nothing it
 * inherited, and the token it takes when it registers something is above
 * every token in the memory it inherited. A vfork() child shares the
 * parent's memory, token included: the pid that took the token tells it
 * apart. */
static _Atomic(_Atomic unsigned *) owner_word; /* set by install() */
static atomic_uint last_token;   /* inherited: a child's token is larger */
static atomic_int token_pid;     /* the pid that took the current token */

/* The token in the owner word (0: none), and in *taken_here whether this
 * process took it; one that another pid took is a vfork() parent's.
 * ASYNC-SIGNAL-SAFE. */
static unsigned read_owner_word(bool *taken_here)
{
	_Atomic unsigned *word = atomic_load(&owner_word);
	unsigned token = word ? atomic_load(word) : 0;
	*taken_here = token != 0 && atomic_load(&token_pid) == (int)getpid();
	return token;
}

/* This process's token, 0 if it owns nothing (never registered, a forked
 * child that has not registered yet, a vfork child). ASYNC-SIGNAL-SAFE. */
static unsigned current_owner(void)
{
	bool here;
	unsigned token = read_owner_word(&here);
	return here ? token : 0;
}

/* Whether this looks like a vfork() child: the parent's token, another pid.
 * Such a child must not write to memory the parent will read. */
static bool in_vfork_child(void)
{
	bool here;
	return read_owner_word(&here) != 0 && !here;
}

/* This process's token in *owner, taken now if it has none. 0, or
 * -EOVERFLOW. */
static int take_owner_token(unsigned *owner)
{
	_Atomic unsigned *word = atomic_load(&owner_word);
	int pid = (int)getpid();
	for (;;) {
		unsigned token = atomic_load(word);
		if (token != 0 && atomic_load(&token_pid) == pid) {
			*owner = token;
			return 0;
		}
		unsigned fresh = atomic_fetch_add(&last_token, 1) + 1;
		if (fresh == 0 || fresh > TF_MAX_OWNER)
			return -EOVERFLOW;
		atomic_store(&token_pid, pid);
		/* token != 0 with another pid: inherited where the word could
		 * not be wiped (pthread_atfork does not run for a raw clone). */
		if (atomic_compare_exchange_strong(word, &token, fresh)) {
			*owner = fresh;
			return 0;
		}
	}
}

static void fatal_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < FATAL_COUNT; i++)
		sigaddset(set, fatal_signals[i]);
}

/* ---- removal of one object: ASYNC-SIGNAL-SAFE, 0 or -errno ------------------- */

/* Remove a file only while path still names the very file registered: a
 * file that was removed or renamed, or replaced by another one, is not
 * ours any more. The check and the unlink are two steps; in a sticky
 * directory such as /tmp only our own uid can swap the entry between them. */
static int remove_file(const char *path, const struct tf_file_id *id)
{
	struct tf_os_stat st;
	int r = tf_os_stat_at(AT_FDCWD, path, &st);
	if (r < 0)
		return r == -ENOENT || r == -ENOTDIR ? 0 : r;
	if (!tf_same_file(&st.id, id))
		return 0;
	if (unlinkat(AT_FDCWD, path, 0) != 0)
		return errno == ENOENT ? 0 : tf_neg_errno();
	return 0;
}

/* The walk needs a few descriptors. A process that has none free (it hit
 * RLIMIT_NOFILE, which is often why it is exiting) lends itself more for
 * the moment by raising its soft limit to the hard one. */
static int remove_tree_with_descriptors(const char *path, const struct tf_file_id *id)
{
	int rc = tf_rmtree_path_signal_safe(path, 0, id);
	if (rc != -EMFILE)
		return rc;
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
		return rc;
	rlim_t soft = limit.rlim_cur;
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
		return rc;
	rc = tf_rmtree_path_signal_safe(path, 0, id);
	limit.rlim_cur = soft;
	(void)setrlimit(RLIMIT_NOFILE, &limit);
	return rc;
}

static int remove_directory(const char *path, const struct tf_file_id *id)
{
	int rc = remove_tree_with_descriptors(path, id);
	/* Gone already, or the path is now something else (ESTALE, or a link:
	 * ENOTDIR): nothing of ours is left there. */
	if (rc == -ENOENT || rc == -ESTALE || rc == -ENOTDIR)
		return 0;
	return rc;
}

int tf_posix_remove_registered(enum tf_registered_kind kind, const char *path,
	const struct tf_file_id *id)
{
	return kind == TF_REGISTERED_DIR ? remove_directory(path, id) : remove_file(path, id);
}

/* Before the process dies: let other threads finish a creation they are
 * registering or a removal they have started, so that neither is cut in
 * half. Those threads hold the fatal signals blocked meanwhile, so this
 * never waits for the thread it runs in. Bounded (about a second) in case
 * one of them is itself stopped, e.g. waiting for a lock this thread holds. */
static void wait_for_other_threads(unsigned owner)
{
	for (int round = 0; round < 1000; round++) {
		if (atomic_load(&creations_in_flight) == 0 &&
			!tf_posix_any_cleaning(owner))
			return;
		poll(NULL, 0, 1);
	}
}

/* ---- exit and signal handlers ------------------------------------------------ */

/* This process's objects, removed with the fatal signals blocked, so that
 * our own handler cannot interrupt this thread in the middle of a slot it
 * has taken (and then wait for it). 0 or the first error (-errno). */
static int clean_with_fatal_signals_blocked(void)
{
	unsigned owner = current_owner();
	if (owner == 0)
		return 0;
	sigset_t fatal, old;
	fatal_signal_set(&fatal);
	pthread_sigmask(SIG_BLOCK, &fatal, &old);
	int first_error = tf_posix_clean_pass(owner);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return first_error;
}

int tf_registry_clean_now(void)
{
	return clean_with_fatal_signals_blocked();
}

static void clean_at_exit(void)
{
	(void)clean_with_fatal_signals_blocked();
}

static size_t signal_index(int sig)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		if (fatal_signals[i] == sig)
			return i;
	return FATAL_COUNT;
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context);

static bool is_ours(const struct sigaction *action)
{
	return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == on_fatal_signal;
}

static bool is_default(const struct sigaction *action)
{
	return !(action->sa_flags & SA_SIGINFO) && action->sa_handler == SIG_DFL;
}

/* Remove this process's objects while no creation starts (handlers_running
 * holds new ones back) and none is cut in half. Returns whether it counted
 * itself in handlers_running: the caller ends the process, or undoes that. */
static bool clean_for_signal(void)
{
	unsigned owner = current_owner();
	if (owner == 0)
		return false; /* a forked or vfork()ed child: nothing is ours */
	atomic_fetch_add(&handlers_running, 1);
	wait_for_other_threads(owner);
	(void)tf_posix_clean_pass(owner);
	wait_for_other_threads(owner);
	return true;
}

/* Whether sig, at its default action now, would end the process. The init
 * process of a PID namespace (pid 1: a container's entrypoint) is not
 * ended by a signal it has no handler for. */
static bool default_action_ends_process(void)
{
	return getpid() != 1;
}

/* Run the handler the program had installed before ours, as the kernel
 * would have: with its sa_mask (and sig) blocked, SA_SIGINFO arguments,
 * SA_RESETHAND honoured. It may return, leave by siglongjmp, or end the
 * process; nothing of ours is pending while it runs. sig stays blocked even
 * with SA_NODEFER, so that a handler that resets the default action and
 * raises sig again is seen before the process dies of it. */
static void call_previous_handler(size_t i, int sig, siginfo_t *info, void *context)
{
	struct sigaction previous = previous_action[i];
	if ((previous.sa_flags & (int)SA_RESETHAND) && !in_vfork_child())
		atomic_store(&previous_spent[i], true);
	/* The mask the kernel would have set: the interrupted code's, the
	 * handler's sa_mask, and sig. Our own sa_mask (every fatal signal) is
	 * not the program's to inherit. */
	sigset_t mask, old;
	const ucontext_t *interrupted = context;
	if (interrupted)
		sigorset(&mask, &interrupted->uc_sigmask, &previous.sa_mask);
	else if (pthread_sigmask(SIG_SETMASK, NULL, &old) == 0)
		sigorset(&mask, &old, &previous.sa_mask);
	else
		mask = previous.sa_mask;
	sigaddset(&mask, sig);
	pthread_sigmask(SIG_SETMASK, &mask, &old);
	if (previous.sa_flags & SA_SIGINFO)
		previous.sa_sigaction(sig, info, context);
	else
		previous.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Whether the handler the program had before ours is a function to call
 * (not the default action, or one spent by SA_RESETHAND). */
static bool previous_is_handler(size_t i)
{
	const struct sigaction *previous = &previous_action[i];
	if (atomic_load(&previous_spent[i]) || is_default(previous))
		return false;
	return (previous->sa_flags & SA_SIGINFO) ? previous->sa_sigaction != NULL
						  : previous->sa_handler != SIG_IGN;
}

/* raise(sig) for the thread that really runs: musl's raise signals the
 * thread ID its thread record holds, which in a vfork child is the
 * parent's, so the parent died of the child's signal. */
static void raise_here(int sig)
{
#ifdef SYS_tgkill
	if (syscall(SYS_tgkill, (long)getpid(), syscall(SYS_gettid), (long)sig) == 0)
		return;
#endif
	raise(sig);
}

/* sig is blocked in this thread: unblock it and die of it. Returns only if
 * the process survived it. */
static void die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise_here(sig); /* pending: sig is blocked while this handler runs */
	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, sig);
	pthread_sigmask(SIG_UNBLOCK, &only, NULL); /* delivered here */
}

/* Remove the objects only when the signal is really going to end the
 * process, then let it: a process that survives its signal keeps them.
 *   - No handler of the program's before ours: clean up, restore the
 *     default action and raise the signal again, so the process dies of it
 *     (the wait status shows it).
 *   - The program's handler: call it. If it returns, the process goes on
 *     with its objects, and our handler stays; if it reset the default
 *     action and raised the signal again (the classic way to die of it), we
 *     clean up first. If it calls exit(), the atexit cleanup runs; if it
 *     leaves by siglongjmp, nothing of ours is held.
 *   - Called by a handler installed after ours that chained to us: clean
 *     up and return; that handler decides what follows.
 * Runs with all the fatal signals blocked (sa_mask). The one place that
 * saves errno: the calls it makes that fail write it, and the interrupted
 * code must find its own value when the handler returns. */
static void on_fatal_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	size_t i = signal_index(sig);
	struct sigaction current;
	bool installed = i < FATAL_COUNT && sigaction(sig, NULL, &current) == 0 && is_ours(&current);
	if (i < FATAL_COUNT && previous_is_handler(i)) {
		call_previous_handler(i, sig, info, context);
		sigset_t pending;
		if (installed && sigaction(sig, NULL, &current) == 0 && is_default(&current) &&
			sigpending(&pending) == 0 && sigismember(&pending, sig) == 1 &&
			default_action_ends_process()) {
			bool counted = clean_for_signal();
			die_of(sig);
			if (counted)
				atomic_fetch_sub(&handlers_running, 1);
		}
	} else if (!installed) {
		if (clean_for_signal())
			atomic_fetch_sub(&handlers_running, 1);
	} else if (default_action_ends_process()) {
		bool counted = clean_for_signal();
		die_of(sig);
		/* Still alive (the signal was not fatal after all): ours again. */
		sigaction(sig, &our_action[i], NULL);
		if (counted)
			atomic_fetch_sub(&handlers_running, 1);
	}
	errno = saved_errno;
}

/* A signal the program ignores stays ignored; the others get our handler,
 * keeping the flags of the old one that matter once a handler returns. */
static void install_signal_handler(size_t i)
{
	int sig = fatal_signals[i];
	struct sigaction old;
	if (sigaction(sig, NULL, &old) != 0)
		return;
	if (!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN)
		return;
	previous_action[i] = old;
	struct sigaction *ours = &our_action[i];
	memset(ours, 0, sizeof *ours);
	ours->sa_sigaction = on_fatal_signal;
	fatal_signal_set(&ours->sa_mask);
	ours->sa_flags = SA_SIGINFO | (old.sa_flags & (SA_RESTART | SA_ONSTACK));
	if (sigaction(sig, ours, NULL) == 0)
		atomic_store(&handler_installed[i], true);
}

/* In a child made by fork() only the forking thread exists, and it was not
 * in the middle of a creation. */
static void reset_in_child(void)
{
	atomic_store(&creations_in_flight, 0);
	atomic_store(&handlers_running, 0);
}

static void install(void)
{
	atomic_store(&owner_word, tf_os_fork_owner_word());
	if (atexit(clean_at_exit) != 0 || tf_os_atfork(NULL, NULL, reset_in_child) != 0) {
		install_error = ENOMEM;
		return;
	}
	for (size_t i = 0; i < FATAL_COUNT; i++)
		install_signal_handler(i);
}

#if defined(__GNUC__) || defined(__clang__)
/* When the library is unloaded (dlclose) our handler's code goes away:
 * give the signals back to what they were. glibc runs the atexit handler of
 * an unloaded library at dlclose, so the objects are removed then. */
__attribute__((destructor)) static void uninstall_signal_handlers(void)
{
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		struct sigaction current;
		if (atomic_load(&handler_installed[i]) &&
			sigaction(fatal_signals[i], NULL, &current) == 0 && is_ours(&current))
			sigaction(fatal_signals[i], &previous_action[i], NULL);
	}
}
#endif

/* ---- creation guard and registration ---------------------------------------- */

void tf_creation_begin(struct tf_creation_guard *g)
{
	/* The handlers go in before the first object exists: a fatal signal
	 * taken by another thread meanwhile must find ours, which waits for
	 * this creation, not the default action. So is this process's owner
	 * token, so that the handler knows the object in flight is ours;
	 * tf_register uses it, or reports why there is none. */
	pthread_once(&install_once, install);
	g->owner = 0;
	g->error = install_error != 0 ? -install_error : take_owner_token(&g->owner);
	sigset_t fatal;
	fatal_signal_set(&fatal);
	pthread_sigmask(SIG_BLOCK, &fatal, &g->saved_mask);
	/* Sequentially consistent with the handler's increment of
	 * handlers_running and its reads of creations_in_flight: either it
	 * waits for this creation, or this creation sees it and waits. */
	atomic_fetch_add(&creations_in_flight, 1);
	while (atomic_load(&handlers_running) > 0) {
		/* The process is most likely dying; step back, with the
		 * signals open, until the handler is done. */
		atomic_fetch_sub(&creations_in_flight, 1);
		pthread_sigmask(SIG_SETMASK, &g->saved_mask, NULL);
		while (atomic_load(&handlers_running) > 0)
			sched_yield();
		pthread_sigmask(SIG_BLOCK, &fatal, NULL);
		atomic_fetch_add(&creations_in_flight, 1);
	}
}

void tf_creation_end(struct tf_creation_guard *g)
{
	atomic_fetch_sub(&creations_in_flight, 1);
	pthread_sigmask(SIG_SETMASK, &g->saved_mask, NULL);
}

int tf_posix_register_owner(const struct tf_creation_guard *g, unsigned *owner)
{
	if (g) { /* checked once, in tf_creation_begin */
		*owner = g->owner;
		return g->error;
	}
	pthread_once(&install_once, install);
	if (install_error != 0)
		return -install_error;
	return take_owner_token(owner);
}

#ifdef TEMPFILE_TEST_SEAMS
int tf_test_handlers_running(void)
{
	return atomic_load(&handlers_running);
}
#endif
