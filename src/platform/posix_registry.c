/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_registry.c - the slots of the POSIX exit registry
 * (TEMPFILE_AT_EXIT): registering, unregistering, forgetting, and the
 * pass that removes a process's objects, which runs in signal handlers
 * (posix_cleanup.c has the handlers, the owner token and the removal of
 * one object; src/cleanup.c the public calls).
 *
 * Every object created with TEMPFILE_AT_EXIT gets a slot here holding its
 * absolute path, its identity (tf_file_id) and the owner token of the
 * process that made it (posix_cleanup.c says what a token is). The slots
 * are removed from disk by the exit handler, by the fatal-signal handler,
 * or by tempfile_cleanup_now(), always only by the process that made them
 * and only while the path still names that object.
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
#include "platform/posix_cleanup.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
#define STATE_BITS TF_SLOT_STATE_BITS
#define STATE_MASK ((1u << STATE_BITS) - 1u)

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

/* ---- removal: ASYNC-SIGNAL-SAFE ------------------------------------------------ */

/* Take every ACTIVE or HELD slot of owner, remove its object, and mark it
 * CLEANED or HELD_CLEANED (or put it back as it was if the removal failed,
 * so a later pass may try again). Returns the first error, 0 if none. */
int tf_posix_clean_pass(unsigned owner)
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
				int err = tf_posix_remove_registered(s->kind, s->path, &s->id);
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

bool tf_posix_any_cleaning(unsigned owner)
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
 * NULL when no chunk can be allocated. */
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

int tf_register(const char *path, enum tf_registered_kind kind, const struct tf_file_id *id,
	const struct tf_creation_guard *g, struct tf_registration **out)
{
	*out = NULL;
	if (!path || path[0] != '/' || !id)
		return -EINVAL;
	unsigned owner;
	int r = tf_posix_register_owner(g, &owner);
	if (r < 0)
		return r;
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	struct tf_registration *s = claim_slot();
	if (!s) {
		free(copy);
		return -ENOMEM;
	}
	s->kind = kind;
	s->id = *id;
	s->path = copy;
	atomic_store_explicit(&s->word, (owner << STATE_BITS) | SLOT_ACTIVE,
		memory_order_release);
	*out = s;
	return 0;
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

int tf_registry_forget(const char *path)
{
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c))
		for (size_t i = 0; i < SLOTS_PER_CHUNK; i++)
			if (forget_slot(&c->slots[i], path))
				return 0;
	return -ENOENT;
}

#ifdef TEMPFILE_TEST_SEAMS
size_t tf_test_registry_chunks(void)
{
	size_t n = 0;
	for (struct chunk *c = &first_chunk; c; c = next_chunk(c))
		n++;
	return n;
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
