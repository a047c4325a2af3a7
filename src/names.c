/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * names.c - random names: the alphabets, drawn without bias from the
 * operating system's CSPRNG, fork and thread safety.
 *
 * No cryptography here: every byte comes from tf_os_random (getrandom,
 * arc4random_buf, BCryptGenRandom). A per-thread buffer amortises the
 * system call (one getrandom costs as much as ~100 bytes of its output).
 * Bytes handed out are erased from it, so a later memory dump does not
 * reveal names already used. No lock.
 *
 * Fork: a child must never hand out bytes its parent buffered. The buffer
 * is tagged with the fork epoch, a word on a MADV_WIPEONFORK page that
 * reads 0 in any child however it was made (fork, _Fork, a raw clone;
 * pthread_atfork on kernels before 4.14). A child therefore sees a new
 * epoch and refills from the kernel before its first name.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* 2 KiB: 341 default names per refill. Measured on Linux 6.18, glibc
 * 2.36, per name: 256 bytes 23 ns, 1 KiB 18.2, 2 KiB 17.3, 4 KiB 17.2
 * (the kernel's cost per byte dominates past 2 KiB), against 18.7 for
 * the user-space ChaCha20 this replaced. */
#define TF_POOL_BYTES 2048

struct random_pool {
	unsigned char bytes[TF_POOL_BYTES];
	size_t next;         /* first unused byte; TF_POOL_BYTES: empty */
	unsigned long epoch; /* the fork epoch it was filled in (0: never) */
};

static _Thread_local struct random_pool thread_pool;

/* The fork epoch word (platform layer), looked up once. */
static _Atomic unsigned long *epoch_word(void)
{
	static _Atomic(_Atomic unsigned long *) word;
	_Atomic unsigned long *w = atomic_load_explicit(&word, memory_order_acquire);
	if (TF_UNLIKELY(!w)) {
		w = tf_os_fork_epoch_word(); /* the same pointer for every caller */
		atomic_store_explicit(&word, w, memory_order_release);
	}
	return w;
}

/* The current epoch, never 0. The counter is inherited by a child, so the
 * epoch a child takes is larger than any its buffers were tagged with. */
static unsigned long current_epoch(void)
{
	static atomic_ulong epoch_counter;
	_Atomic unsigned long *word = epoch_word();
	unsigned long e = atomic_load_explicit(word, memory_order_acquire);
	while (TF_UNLIKELY(e == 0)) {
		unsigned long fresh = atomic_fetch_add(&epoch_counter, 1) + 1;
		unsigned long expected = 0;
		if (atomic_compare_exchange_strong(word, &expected, fresh))
			return fresh;
		e = expected;
	}
	return e;
}

/* Forget bytes buffered in another epoch (a parent's, after fork). */
static void pool_check_epoch(struct random_pool *p)
{
	unsigned long epoch = current_epoch();
	if (TF_UNLIKELY(p->epoch != epoch)) {
		p->next = TF_POOL_BYTES;
		p->epoch = epoch;
	}
}

/* n <= 8 bytes as a little-endian number. */
static uint64_t little_endian(const unsigned char *bytes, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)bytes[i] << (8 * i);
	return v;
}

/* n <= 8 bytes as a little-endian number; refills when short. 0 or
 * -errno (the buffer then stays as it was). */
static int pool_take(struct random_pool *p, size_t n, uint64_t *out)
{
	if (TF_UNLIKELY(TF_POOL_BYTES - p->next < n)) {
		int rc = tf_os_random(p->bytes, sizeof p->bytes);
		if (rc < 0)
			return rc;
		p->next = 0;
	}
	unsigned char *at = p->bytes + p->next;
	*out = little_endian(at, n);
	memset(at, 0, n);
	p->next += n;
	return 0;
}

/* How many base-`base` digits one 64-bit draw yields: the largest k with
 * base^k <= 2^56, so that a draw is rejected with probability below 2^-8.
 * *span_out = base^k. */
static inline size_t digits_per_draw(uint64_t base, size_t wanted, uint64_t *span_out)
{
	size_t k = 0;
	uint64_t span = 1;
	while (k < wanted && span <= (UINT64_C(1) << 56) / base) {
		span *= base;
		k++;
	}
	*span_out = span;
	return k;
}

/* n characters of alphabet[0..base), uniformly: each 64-bit draw below the
 * largest multiple of base^k gives k independent uniform digits. Inlined
 * with a constant base, the divisions become multiplications. */
static inline int draw_chars(struct random_pool *p, char *out, size_t n, const char *alphabet,
	uint64_t base)
{
	while (n > 0) {
		uint64_t span;
		size_t k = digits_per_draw(base, n, &span);
		uint64_t limit = UINT64_MAX - UINT64_MAX % span;
		uint64_t v;
		do {
			int rc = pool_take(p, sizeof v, &v);
			if (rc < 0)
				return rc;
		} while (TF_UNLIKELY(v >= limit));
		for (size_t i = 0; i < k; i++) {
			out[i] = alphabet[v % base];
			v /= base;
		}
		out += k;
		n -= k;
	}
	return 0;
}

/* A default name is the 8 base-37 digits of one 48-bit draw (6 bytes:
 * 37^8 is about 2^41.7) below the largest multiple of 37^8, rejected
 * with probability about 0.17%. */
#define TF_NAME_DRAW_BYTES 6
#define TF_NAME_SPAN UINT64_C(3512479453921) /* 37^8 */
#define TF_NAME_DRAW_END (UINT64_C(1) << (8 * TF_NAME_DRAW_BYTES))
#define TF_NAME_LIMIT (TF_NAME_DRAW_END - TF_NAME_DRAW_END % TF_NAME_SPAN)

static void name_from_draw(uint64_t v, char *out, const char *alphabet)
{
	for (size_t i = 0; i < TF_NAME_LEN; i++) {
		out[i] = alphabet[v % 37];
		v /= 37;
	}
}

#ifdef TEMPFILE_TEST_SEAMS
static const char *const *script_names;
static size_t script_count, script_next;
static size_t narrow_letters;

void tf_test_script_names(const char *const *names, size_t count)
{
	script_names = names;
	script_count = names ? count : 0;
	script_next = 0;
}

void tf_test_narrow_alphabet(size_t letters)
{
	narrow_letters = letters;
}

/* Copy the next scripted name, if any. */
static bool scripted(char *out, size_t n)
{
	if (script_next >= script_count)
		return false;
	const char *name = script_names[script_next++];
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++)
		out[i] = i < len ? name[i] : 'a';
	return true;
}
#endif

/* Checks, seams and the draw, for any length and alphabet. */
static inline int random_chars(char *out, size_t n, const char *alphabet, size_t alphabet_len)
{
	if (alphabet_len < 2 || alphabet_len > 256)
		return -EINVAL;
#ifdef TEMPFILE_TEST_SEAMS
	if (scripted(out, n))
		return 0;
	if (narrow_letters >= 1 && narrow_letters < alphabet_len)
		alphabet_len = narrow_letters;
#endif
	struct random_pool *p = &thread_pool;
	pool_check_epoch(p);
	if (alphabet_len == 37 && n == TF_NAME_LEN) {
		/* every default name: one draw, constant span and limit */
		uint64_t v;
		do {
			int rc = pool_take(p, TF_NAME_DRAW_BYTES, &v);
			if (rc < 0)
				return rc;
		} while (TF_UNLIKELY(v >= TF_NAME_LIMIT));
		name_from_draw(v, out, alphabet);
		return 0;
	}
	if (alphabet_len == 37)
		return draw_chars(p, out, n, alphabet, 37);
	if (alphabet_len == 62)
		return draw_chars(p, out, n, alphabet, 62); /* templates */
	return draw_chars(p, out, n, alphabet, alphabet_len);
}

int tf_random_chars(char *out, size_t n, const char *alphabet, size_t alphabet_len)
{
	return random_chars(out, n, alphabet, alphabet_len);
}

int tf_random_name(char *out)
{
	return random_chars(out, TF_NAME_LEN, TF_NAME_ALPHABET, sizeof TF_NAME_ALPHABET - 1);
}

int tf_random_name_from_kernel(char *out)
{
	uint64_t v;
	do {
		unsigned char bytes[TF_NAME_DRAW_BYTES];
		int rc = tf_os_random(bytes, sizeof bytes);
		if (rc < 0)
			return rc;
		v = little_endian(bytes, sizeof bytes);
	} while (TF_UNLIKELY(v >= TF_NAME_LIMIT));
	name_from_draw(v, out, TF_NAME_ALPHABET);
	return 0;
}
