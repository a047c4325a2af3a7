/*
 * cleanup.c - the exit and signal registry (TEMPFILE_AT_EXIT).
 *
 * Every object created with TEMPFILE_AT_EXIT gets a slot here holding its
 * absolute path, its identity (tf_file_id) and the owner token of the process
 * that made it (see "the owner" below).
 * The slots are removed from disk by an atexit handler, by a handler for the
 * fatal signals below, or by tempfile_cleanup_now(), always only by the
 * process that made them and only while the path still names that object.
 *
 * The removal path runs inside signal handlers, so it may use nothing but
 * syscalls: no malloc, no stdio, no lock. Hence the layout:
 *   - slots live in fixed-size chunks linked by atomic pointers; the first
 *     chunk is static, the others are allocated when all slots are busy and
 *     never freed, so a handler can walk them at any moment;
 *   - each slot's state and owner token are one atomic word, and every change
 *     of state is a compare-and-swap, so a slot is removed once even when
 *     exit, a signal and tempfile_cleanup_now() race for it;
 *   - slots are reused after tf_unregister(), which keeps the memory of a
 *     long-running program flat however many objects it creates.
 *
 * Slot states (the low bits of the word; the high bits hold the owner token):
 *   FREE      unused; path is NULL.
 *   CLAIMED   one normal-context thread is filling it in or tearing it down;
 *             nobody else reads its fields.
 *   ACTIVE    registered; a cleaner of the owning process may take it.
 *   HELD      ACTIVE, and a tempfile_forget() is reading its path; a cleaner
 *             may still take it, but the path must not be freed meanwhile.
 *   CLEANING  a cleaner is removing the object (it remembers whether the
 *             slot was HELD, and gives it back as HELD_CLEANED if so).
 *   CLEANED   removed from disk; the path stays allocated until the owner
 *             calls tf_unregister()/tempfile_forget() (cleaners cannot free).
 *   HELD_CLEANED  CLEANED, and a tempfile_forget() is reading its path; only
 *             that reader may change it.
 * HELD, CLEANING and HELD_CLEANED are short; tf_unregister and
 * tempfile_forget wait them out rather than skip the slot, so an entry is
 * never missed because someone else was looking at it.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <ucontext.h>
#include <unistd.h>

/* The handler path relies on these being plain instructions, not libatomic
 * calls that might take a lock. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "atomic pointers must be lock-free");

enum slot_state {
	SLOT_FREE = 0,
	SLOT_CLAIMED = 1,
	SLOT_ACTIVE = 2,
	SLOT_HELD = 3,
	SLOT_CLEANING = 4,
	SLOT_CLEANED = 5,
	SLOT_HELD_CLEANED = 6
};
#define STATE_BITS 3u
#define STATE_MASK ((1u << STATE_BITS) - 1u)
/* Owner tokens grow by one per generation of processes that register
 * (a child's is above its parent's); refuse what the word cannot hold. */
#define MAX_OWNER (UINT_MAX >> STATE_BITS)

struct chunk;

struct tf_registration {
	_Atomic unsigned word; /* owner token << STATE_BITS | state */
	struct chunk *home;    /* the chunk this slot belongs to */
	enum tf_registered_kind kind;
	struct tf_file_id id;
	char *path; /* NEW, absolute */
};

#define SLOTS_PER_CHUNK 64

struct chunk {
	struct tf_registration slots[SLOTS_PER_CHUNK];
	_Atomic(struct chunk *) next;
	atomic_int used; /* a hint only: slots not FREE */
};

static struct chunk first_chunk;

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

/* This process's token, 0 if it owns nothing (never registered, a forked
 * child that has not registered yet, a vfork child). ASYNC-SIGNAL-SAFE. */
static unsigned current_owner(void)
{
	_Atomic unsigned *word = atomic_load(&owner_word);
	if (!word)
		return 0;
	unsigned token = atomic_load(word);
	if (token == 0 || atomic_load(&token_pid) != (int)getpid())
		return 0;
	return token;
}

/* Whether this looks like a vfork() child: the parent's token, another pid.
 * Such a child must not write to memory the parent will read. */
static bool in_vfork_child(void)
{
	_Atomic unsigned *word = atomic_load(&owner_word);
	return word && atomic_load(word) != 0 && atomic_load(&token_pid) != (int)getpid();
}

/* This process's token, taken now if it has none. 0 with EOVERFLOW. */
static unsigned take_owner_token(void)
{
	_Atomic unsigned *word = atomic_load(&owner_word);
	int pid = (int)getpid();
	for (;;) {
		unsigned token = atomic_load(word);
		if (token != 0 && atomic_load(&token_pid) == pid)
			return token;
		unsigned fresh = atomic_fetch_add(&last_token, 1) + 1;
		if (fresh == 0 || fresh > MAX_OWNER) {
			errno = EOVERFLOW;
			return 0;
		}
		atomic_store(&token_pid, pid);
		/* token != 0 with another pid: inherited where the word could
		 * not be wiped (pthread_atfork does not run for a raw clone). */
		if (atomic_compare_exchange_strong(word, &token, fresh))
			return fresh;
	}
}

/* ---- the word ------------------------------------------------------------ */

static unsigned state_of(unsigned word)
{
	return word & STATE_MASK;
}

static unsigned owner_of(unsigned word)
{
	return word >> STATE_BITS;
}

static unsigned with_state(unsigned word, enum slot_state state)
{
	return (word & ~STATE_MASK) | (unsigned)state;
}

static bool change(struct tf_registration *s, unsigned *expected, unsigned desired)
{
	return atomic_compare_exchange_strong_explicit(
		&s->word, expected, desired, memory_order_acq_rel, memory_order_acquire);
}

static struct chunk *next_chunk(struct chunk *c)
{
	return atomic_load_explicit(&c->next, memory_order_acquire);
}

static void fatal_signal_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < FATAL_COUNT; i++)
		sigaddset(set, fatal_signals[i]);
}

/* ---- removal: ASYNC-SIGNAL-SAFE, returns 0 or an errno value ---------------- */

/* Remove a file only while path still names the very file registered: a
 * file that was removed or renamed, or replaced by another one, is not
 * ours any more. The check and the unlink are two steps; in a sticky
 * directory such as /tmp only our own uid can swap the entry between them. */
static int remove_file(const struct tf_registration *s)
{
	struct tf_os_stat st;
	int r = tf_os_stat_at(AT_FDCWD, s->path, &st);
	if (r < 0)
		return r == -ENOENT || r == -ENOTDIR ? 0 : -r;
	if (!tf_same_file(&st.id, &s->id))
		return 0;
	if (unlinkat(AT_FDCWD, s->path, 0) != 0)
		return errno == ENOENT ? 0 : errno;
	return 0;
}

/* The walk needs a few descriptors. A process that has none free (it hit
 * RLIMIT_NOFILE, which is often why it is exiting) lends itself more for
 * the moment by raising its soft limit to the hard one. */
static int remove_tree_with_descriptors(const struct tf_registration *s)
{
	int rc = tf_rmtree_path(s->path, 0, &s->id);
	if (rc != EMFILE)
		return rc;
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
		return rc;
	rlim_t soft = limit.rlim_cur;
	limit.rlim_cur = limit.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
		return rc;
	rc = tf_rmtree_path(s->path, 0, &s->id);
	limit.rlim_cur = soft;
	(void)setrlimit(RLIMIT_NOFILE, &limit);
	return rc;
}

static int remove_directory(const struct tf_registration *s)
{
	int rc = remove_tree_with_descriptors(s);
	/* Gone already, or the path is now something else (ESTALE, or a link:
	 * ENOTDIR): nothing of ours is left there. */
	if (rc == ENOENT || rc == ESTALE || rc == ENOTDIR)
		return 0;
	return rc;
}

/* Take every ACTIVE or HELD slot of owner, remove its object, and mark it
 * CLEANED or HELD_CLEANED (or put it back as it was if the removal failed,
 * so a later pass may try again). Returns the first error, 0 if none. */
static int clean_pass(unsigned owner)
{
	int first_error = 0;
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c)) {
		for (size_t i = 0; i < SLOTS_PER_CHUNK; i++) {
			struct tf_registration *s = &c->slots[i];
			unsigned word = atomic_load_explicit(&s->word, memory_order_acquire);
			for (;;) {
				unsigned state = state_of(word);
				if ((state != SLOT_ACTIVE && state != SLOT_HELD) ||
					owner_of(word) != owner)
					break;
				if (!change(s, &word, with_state(word, SLOT_CLEANING)))
					continue; /* word reloaded: look again */
				int err = s->kind == TF_REGISTERED_DIR ? remove_directory(s)
								       : remove_file(s);
				enum slot_state done =
					state == SLOT_HELD ? SLOT_HELD_CLEANED : SLOT_CLEANED;
				atomic_store_explicit(&s->word,
					err == 0 ? with_state(word, done) : word,
					memory_order_release);
				if (err != 0 && first_error == 0)
					first_error = err;
				break;
			}
		}
	}
	return first_error;
}

static bool any_cleaning(unsigned owner)
{
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c)) {
		for (size_t i = 0; i < SLOTS_PER_CHUNK; i++) {
			unsigned word = atomic_load_explicit(&c->slots[i].word, memory_order_acquire);
			if (state_of(word) == SLOT_CLEANING && owner_of(word) == owner)
				return true;
		}
	}
	return false;
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
			!any_cleaning(owner))
			return;
		poll(NULL, 0, 1);
	}
}

/* ---- exit and signal handlers ------------------------------------------------ */

static void clean_with_fatal_signals_blocked(unsigned owner, int *first_error)
{
	/* So that our own fatal-signal handler cannot interrupt this thread in
	 * the middle of a slot it has taken (and then wait for it). */
	sigset_t fatal, old;
	fatal_signal_set(&fatal);
	pthread_sigmask(SIG_BLOCK, &fatal, &old);
	*first_error = clean_pass(owner);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void clean_at_exit(void)
{
	int saved_errno = errno;
	int ignored;
	unsigned owner = current_owner();
	if (owner != 0)
		clean_with_fatal_signals_blocked(owner, &ignored);
	errno = saved_errno;
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
	clean_pass(owner);
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

/* sig is blocked in this thread: unblock it and die of it. Returns only if
 * the process survived it. */
static void die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig); /* pending: sig is blocked while this handler runs */
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
 * Runs with all the fatal signals blocked (sa_mask). */
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
	if (atexit(clean_at_exit) != 0 || pthread_atfork(NULL, NULL, reset_in_child) != 0) {
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

/* ---- creation guard ----------------------------------------------------------- */

void tf_creation_begin(struct tf_creation_guard *g)
{
	/* The handlers go in before the first object exists: a fatal signal
	 * taken by another thread meanwhile must find ours, which waits for
	 * this creation, not the default action. (tf_register reports an
	 * install error.) */
	pthread_once(&install_once, install);
	/* So is this process's owner token, so that the handler knows the
	 * object in flight is ours (tf_register reports a failure). */
	if (install_error == 0)
		(void)take_owner_token();
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
	int saved_errno = errno;
	atomic_fetch_sub(&creations_in_flight, 1);
	pthread_sigmask(SIG_SETMASK, &g->saved_mask, NULL);
	errno = saved_errno;
}

/* ---- registration (normal context) ------------------------------------------- */

static struct tf_registration *claim_in(struct chunk *c)
{
	if (atomic_load_explicit(&c->used, memory_order_relaxed) >= SLOTS_PER_CHUNK)
		return NULL;
	for (size_t i = 0; i < SLOTS_PER_CHUNK; i++) {
		struct tf_registration *s = &c->slots[i];
		unsigned expected = SLOT_FREE;
		if (change(s, &expected, SLOT_CLAIMED)) {
			atomic_fetch_add_explicit(&c->used, 1, memory_order_relaxed);
			s->home = c;
			return s;
		}
	}
	return NULL;
}

/* A FREE slot, now CLAIMED by the caller; a new chunk if all are busy.
 * NULL/ENOMEM. */
static struct tf_registration *claim_slot(void)
{
	struct chunk *c = &first_chunk, *last = &first_chunk;
	for (;;) {
		for (; c; c = next_chunk(c)) {
			struct tf_registration *s = claim_in(c);
			if (s)
				return s;
			last = c;
		}
		struct chunk *fresh = calloc(1, sizeof *fresh);
		if (!fresh)
			return NULL;
		/* Claimed before it is published, so the thread that pays for a
		 * chunk is sure to get a slot in it. */
		atomic_init(&fresh->slots[0].word, SLOT_CLAIMED);
		atomic_init(&fresh->used, 1);
		fresh->slots[0].home = fresh;
		struct chunk *expected = NULL;
		if (atomic_compare_exchange_strong_explicit(&last->next, &expected, fresh,
			    memory_order_acq_rel, memory_order_acquire))
			return &fresh->slots[0];
		/* Another thread appended first: nobody saw ours; use theirs. */
		free(fresh);
		c = expected;
	}
}

/* s is CLAIMED by the caller: free its path and make it FREE. */
static void release_slot(struct tf_registration *s)
{
	struct chunk *home = s->home;
	free(s->path);
	s->path = NULL;
	atomic_store_explicit(&s->word, SLOT_FREE, memory_order_release);
	atomic_fetch_sub_explicit(&home->used, 1, memory_order_relaxed);
}

struct tf_registration *tf_register(const char *path, enum tf_registered_kind kind,
	const struct tf_file_id *id)
{
	if (!path || path[0] != '/' || !id) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&install_once, install);
	if (install_error != 0) {
		errno = install_error;
		return NULL;
	}
	unsigned owner = take_owner_token();
	if (owner == 0)
		return NULL;
	char *copy = strdup(path);
	if (!copy)
		return NULL;
	struct tf_registration *s = claim_slot();
	if (!s) {
		free(copy);
		errno = ENOMEM;
		return NULL;
	}
	s->kind = kind;
	s->id = *id;
	s->path = copy;
	atomic_store_explicit(&s->word, (owner << STATE_BITS) | SLOT_ACTIVE,
		memory_order_release);
	return s;
}

static bool busy(unsigned state)
{
	return state == SLOT_HELD || state == SLOT_CLEANING || state == SLOT_HELD_CLEANED;
}

/* Wait while another thread holds s (HELD or HELD_CLEANED by a forget,
 * CLEANING by a cleaner); all are short and never wait for us. */
static unsigned wait_while_busy(struct tf_registration *s)
{
	for (;;) {
		unsigned word = atomic_load_explicit(&s->word, memory_order_acquire);
		unsigned state = state_of(word);
		if (!busy(state))
			return word;
		sched_yield();
	}
}

void tf_unregister(struct tf_registration *r)
{
	if (!r)
		return;
	unsigned word = wait_while_busy(r);
	for (;;) {
		unsigned state = state_of(word);
		if (state != SLOT_ACTIVE && state != SLOT_CLEANED)
			return; /* FREE or CLAIMED: not registered (any more) */
		if (change(r, &word, with_state(word, SLOT_CLAIMED))) {
			release_slot(r);
			return;
		}
		if (busy(state_of(word)))
			word = wait_while_busy(r);
	}
}

/* ---- the public calls ------------------------------------------------------------ */

int tempfile_cleanup_now(void)
{
	int saved_errno = errno;
	int first_error = 0;
	unsigned owner = current_owner();
	if (owner != 0)
		clean_with_fatal_signals_blocked(owner, &first_error);
	if (first_error != 0) {
		errno = first_error;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

/* s is HELD by us (a cleaner may have taken it meanwhile and made it
 * HELD_CLEANED, which only we may change): let go of it, and with take also
 * out of the registry. */
static void unpin(struct tf_registration *s, unsigned held, bool take)
{
	unsigned word = held;
	for (;;) {
		unsigned state = state_of(word);
		if (state == SLOT_HELD) {
			if (change(s, &word, with_state(word, take ? SLOT_CLAIMED : SLOT_ACTIVE)))
				break;
		} else if (state == SLOT_CLEANING) {
			sched_yield();
			word = atomic_load_explicit(&s->word, memory_order_acquire);
		} else {
			/* HELD_CLEANED: ours alone. */
			atomic_store_explicit(&s->word,
				with_state(word, take ? SLOT_CLAIMED : SLOT_CLEANED),
				memory_order_release);
			break;
		}
	}
	if (take)
		release_slot(s);
}

/* If s is registered under path, take it out; true if it was. */
static bool forget_slot(struct tf_registration *s, const char *path)
{
	unsigned word = atomic_load_explicit(&s->word, memory_order_acquire);
	for (;;) {
		unsigned state = state_of(word);
		if (state == SLOT_FREE || state == SLOT_CLAIMED)
			return false;
		if (busy(state)) {
			word = wait_while_busy(s);
			continue;
		}
		/* ACTIVE or CLEANED: hold it, so that nobody frees the path we
		 * read; a cleaner may still take an ACTIVE one meanwhile. */
		unsigned pinned = with_state(word, state == SLOT_ACTIVE ? SLOT_HELD : SLOT_HELD_CLEANED);
		if (!change(s, &word, pinned))
			continue;
		bool match = strcmp(s->path, path) == 0;
		unpin(s, pinned, match);
		return match;
	}
}

int tempfile_forget(const char *path)
{
	if (!path) {
		errno = EINVAL;
		return -1;
	}
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c))
		for (size_t i = 0; i < SLOTS_PER_CHUNK; i++)
			if (forget_slot(&c->slots[i], path))
				return 0;
	errno = ENOENT;
	return -1;
}

#ifdef TEMPFILE_TEST_SEAMS
size_t tf_test_registry_chunks(void)
{
	size_t n = 0;
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c))
		n++;
	return n;
}

int tf_test_handlers_running(void)
{
	return atomic_load(&handlers_running);
}

size_t tf_test_registry_entries(void)
{
	size_t n = 0;
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c))
		for (size_t i = 0; i < SLOTS_PER_CHUNK; i++)
			if (state_of(atomic_load(&c->slots[i].word)) != SLOT_FREE)
				n++;
	return n;
}
#endif
