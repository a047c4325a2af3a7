/*
 * names.c - random names: a CSPRNG, the alphabets, fork and thread safety.
 *
 * Each thread runs its own ChaCha20 keystream (RFC 8439 block function),
 * seeded with 32 bytes from the kernel on first use. A refill produces a
 * few blocks at once; the first 32 bytes of each refill become the next key
 * ("fast key erasure", as OpenBSD's arc4random), so a memory dump never
 * reveals names already handed out. No lock, and no syscall except the
 * seeding and a reseed every TF_RESEED_BYTES.
 *
 * Fork: a child must never repeat its parent's names. A page mapped with
 * MADV_WIPEONFORK reads back as zero in any child, however it was forked
 * (fork, _Fork, a raw clone); pthread_atfork covers kernels before 4.14.
 * Either way the child sees a new epoch and every thread reseeds from the
 * kernel before its next name.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define TF_CHACHA_BLOCK 64
#define TF_POOL_BLOCKS 4
#define TF_KEY_BYTES 32
#define TF_RESEED_BYTES (1u << 20)

struct tf_rng {
	uint32_t key[8];
	uint64_t counter;
	unsigned char pool[TF_POOL_BLOCKS * TF_CHACHA_BLOCK];
	size_t pool_at;       /* next unused byte of pool */
	size_t since_seed;    /* bytes produced since the kernel seed */
	unsigned long epoch;  /* the fork epoch this state was seeded in (0: never) */
};

static _Thread_local struct tf_rng thread_rng;

/* The fork epoch: a word that reads 0 in a new child (platform layer). */
static _Atomic unsigned long *epoch_word;
static atomic_ulong epoch_counter;
static pthread_once_t epoch_once = PTHREAD_ONCE_INIT;

static void epoch_setup(void)
{
	epoch_word = tf_os_fork_epoch_word();
}

/* The current epoch, never 0. */
static unsigned long current_epoch(void)
{
	(void)pthread_once(&epoch_once, epoch_setup);
	unsigned long e = atomic_load_explicit(epoch_word, memory_order_acquire);
	while (TF_UNLIKELY(e == 0)) {
		unsigned long fresh = atomic_fetch_add(&epoch_counter, 1) + 1;
		unsigned long expected = 0;
		if (atomic_compare_exchange_strong(epoch_word, &expected, fresh))
			return fresh;
		e = expected;
	}
	return e;
}

static uint32_t rotl32(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define TF_QUARTER(a, b, c, d)                          \
	do {                                            \
		(a) += (b); (d) ^= (a); (d) = rotl32((d), 16); \
		(c) += (d); (b) ^= (c); (b) = rotl32((b), 12); \
		(a) += (b); (d) ^= (a); (d) = rotl32((d), 8);  \
		(c) += (d); (b) ^= (c); (b) = rotl32((b), 7);  \
	} while (0)

/* One ChaCha20 block of keystream for (key, counter), nonce zero. */
static void chacha20_block(const uint32_t key[8], uint64_t counter, unsigned char out[TF_CHACHA_BLOCK])
{
	uint32_t in[16] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, /* "expand 32-byte k" */
		key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
		(uint32_t)counter, (uint32_t)(counter >> 32), 0, 0,
	};
	uint32_t x[16];
	memcpy(x, in, sizeof x);
	for (int round = 0; round < 10; round++) {
		TF_QUARTER(x[0], x[4], x[8], x[12]);
		TF_QUARTER(x[1], x[5], x[9], x[13]);
		TF_QUARTER(x[2], x[6], x[10], x[14]);
		TF_QUARTER(x[3], x[7], x[11], x[15]);
		TF_QUARTER(x[0], x[5], x[10], x[15]);
		TF_QUARTER(x[1], x[6], x[11], x[12]);
		TF_QUARTER(x[2], x[7], x[8], x[13]);
		TF_QUARTER(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];
		out[4 * i + 0] = (unsigned char)v;
		out[4 * i + 1] = (unsigned char)(v >> 8);
		out[4 * i + 2] = (unsigned char)(v >> 16);
		out[4 * i + 3] = (unsigned char)(v >> 24);
	}
}

/* Seed from the kernel. 0 or -1/errno; on failure the state stays unseeded. */
static int rng_seed(struct tf_rng *r, unsigned long epoch)
{
	if (tf_os_random(r->key, sizeof r->key) != 0)
		return -1;
	r->counter = 0;
	r->pool_at = sizeof r->pool; /* empty */
	r->since_seed = 0;
	r->epoch = epoch;
	return 0;
}

/* Refill the pool and erase the key it came from. */
static void rng_refill(struct tf_rng *r)
{
	for (int b = 0; b < TF_POOL_BLOCKS; b++)
		chacha20_block(r->key, r->counter++, r->pool + (size_t)b * TF_CHACHA_BLOCK);
	memcpy(r->key, r->pool, TF_KEY_BYTES);
	memset(r->pool, 0, TF_KEY_BYTES);
	r->pool_at = TF_KEY_BYTES;
	r->since_seed += sizeof r->pool;
}

/* Make sure this thread's state is seeded in the current epoch. */
static int rng_ready(struct tf_rng *r)
{
	unsigned long epoch = current_epoch();
	if (TF_UNLIKELY(r->epoch != epoch || r->since_seed >= TF_RESEED_BYTES))
		return rng_seed(r, epoch);
	return 0;
}

/* The next 64 bits of keystream; the bytes handed out are erased. */
static uint64_t rng_word(struct tf_rng *r)
{
	if (TF_UNLIKELY(sizeof r->pool - r->pool_at < sizeof(uint64_t)))
		rng_refill(r);
	uint64_t v;
	memcpy(&v, r->pool + r->pool_at, sizeof v);
	memset(r->pool + r->pool_at, 0, sizeof v);
	r->pool_at += sizeof v;
	return v;
}

/* How many base-`base` digits one 64-bit draw yields: the largest k with
 * base^k <= 2^56, so that a draw is rejected with probability below 2^-8
 * (for a default name, 37^8 / 2^64: about 2e-7). *span_out = base^k. */
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
static inline void draw_chars(struct tf_rng *r, char *out, size_t n, const char *alphabet,
	uint64_t base)
{
	while (n > 0) {
		uint64_t span;
		size_t k = digits_per_draw(base, n, &span);
		uint64_t limit = UINT64_MAX - UINT64_MAX % span;
		uint64_t v;
		do
			v = rng_word(r);
		while (TF_UNLIKELY(v >= limit));
		for (size_t i = 0; i < k; i++) {
			out[i] = alphabet[v % base];
			v /= base;
		}
		out += k;
		n -= k;
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

/* A default name is the 8 base-37 digits of one 64-bit draw below the
 * largest multiple of 37^8 (rejected with probability about 2e-7). */
#define TF_NAME_SPAN UINT64_C(3512479453921) /* 37^8 */
#define TF_NAME_LIMIT (UINT64_MAX - UINT64_MAX % TF_NAME_SPAN)

static void name_from_word(uint64_t v, char *out, const char *alphabet)
{
	for (size_t i = 0; i < TF_NAME_LEN; i++) {
		out[i] = alphabet[v % 37];
		v /= 37;
	}
}

/* Checks, seams and the draw, for any length and alphabet. */
static inline int random_chars(char *out, size_t n, const char *alphabet, size_t alphabet_len)
{
	if (alphabet_len < 2 || alphabet_len > 256) {
		errno = EINVAL;
		return -1;
	}
#ifdef TEMPFILE_TEST_SEAMS
	if (scripted(out, n))
		return 0;
	if (narrow_letters >= 1 && narrow_letters < alphabet_len)
		alphabet_len = narrow_letters;
#endif
	struct tf_rng *r = &thread_rng;
	if (rng_ready(r) != 0)
		return -1;
	if (alphabet_len == 37 && n == TF_NAME_LEN) {
		/* every default name: one draw, constant span and limit */
		uint64_t v;
		do
			v = rng_word(r);
		while (TF_UNLIKELY(v >= TF_NAME_LIMIT));
		name_from_word(v, out, alphabet);
	} else if (alphabet_len == 37)
		draw_chars(r, out, n, alphabet, 37);
	else if (alphabet_len == 62)
		draw_chars(r, out, n, alphabet, 62); /* templates */
	else
		draw_chars(r, out, n, alphabet, alphabet_len);
	return 0;
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
		if (tf_os_random(&v, sizeof v) != 0)
			return -1;
	} while (TF_UNLIKELY(v >= TF_NAME_LIMIT));
	name_from_word(v, out, TF_NAME_ALPHABET);
	return 0;
}
