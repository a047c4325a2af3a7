/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_spooled.c - SpooledTemporaryFile: the rollover rule (position after a
 * write, not size), rollover by rollover/fileno/truncate, file semantics
 * identical to a real file before and after rollover (checked differentially
 * against a real temporary file), the stdio view and its coherence with the
 * direct calls, modes, and errors.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _WIN32
#  include <io.h>
#  include <windows.h>
#endif

/* The huge-allocation tests need malloc to say ENOMEM under ASan too. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

#define OFF_MAX ((off_t)(UINTMAX_MAX >> ((sizeof(uintmax_t) - sizeof(off_t)) * CHAR_BIT + 1)))

TestSuite(spooled, .init = tft_scratch_setup, .fini = tft_scratch_teardown);

/* A spooled file whose rollover goes to this test's tft_dir directory. */
static struct tempfile_spooled *spool(size_t max_size, const char *mode)
{
	struct tempfile_spooled *s =
		tempfile_spooled(max_size, &(struct tempfile_opts){ .dir = tft_dir }, mode);
	cr_assert_not_null(s, "tempfile_spooled: %s", strerror(errno));
	return s;
}

static void put(struct tempfile_spooled *s, const char *text)
{
	size_t n = strlen(text);
	cr_assert_eq(tempfile_spooled_write(s, text, n), (ssize_t)n, "write: %s", strerror(errno));
}

/* The whole content, read from 0 through the direct calls; the position is
 * restored. NEW, NUL-terminated; *len_out gets the length. */
static char *content(struct tempfile_spooled *s, size_t *len_out)
{
	off_t saved = tempfile_spooled_tell(s);
	cr_assert_geq(saved, 0);
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	size_t len = 0, cap = 64;
	char *buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		ssize_t r = tempfile_spooled_read(s, buf + len, cap - len);
		cr_assert_geq(r, 0, "read: %s", strerror(errno));
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	cr_assert_eq(tempfile_spooled_seek(s, saved, SEEK_SET), saved);
	if (len_out)
		*len_out = len;
	return buf;
}

static void assert_content(struct tempfile_spooled *s, const char *expected)
{
	char *got = content(s, NULL);
	cr_assert_str_eq(got, expected);
	free(got);
}

/* ---- the rollover rule --------------------------------------------------------- */

Test(spooled, write_up_to_exactly_max_size_stays_in_memory)
{
	struct tempfile_spooled *s = spool(10, NULL);
	put(s, "0123456789");
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	assert_content(s, "0123456789");
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

Test(spooled, write_one_past_max_size_rolls_over_with_content_and_position)
{
	struct tempfile_spooled *s = spool(10, NULL);
	put(s, "0123456789");
	put(s, "A");
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(tempfile_spooled_tell(s), 11);
	assert_content(s, "0123456789A");
#ifndef _WIN32 /* Windows lists a file open for deletion until it is closed */
	cr_assert_eq(tft_count_entries(tft_dir), 0, "the rolled-over file has no name");
#endif
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

Test(spooled, rewriting_the_same_range_below_the_limit_never_rolls_over)
{
	struct tempfile_spooled *s = spool(10, NULL);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
		put(s, "abcdefgh");
	}
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	assert_content(s, "abcdefgh");
	tempfile_spooled_close(s);
}

Test(spooled, the_test_is_on_the_position_not_the_size)
{
	/* 10 bytes, then rewrite 2 in the middle: size 10, position 6. */
	struct tempfile_spooled *s = spool(10, NULL);
	put(s, "0123456789");
	cr_assert_eq(tempfile_spooled_seek(s, 4, SEEK_SET), 4);
	put(s, "xy");
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	assert_content(s, "0123xy6789");
	tempfile_spooled_close(s);
}

Test(spooled, seek_past_max_size_alone_does_not_roll_over_but_a_zero_byte_write_does)
{
	struct tempfile_spooled *s = spool(10, NULL);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_seek(s, 100, SEEK_SET), 100);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_write(s, "", 0), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(tempfile_spooled_tell(s), 100);
	/* A 0-byte write extends nothing, like write(2). */
	assert_content(s, "abc");
	tempfile_spooled_close(s);
}

Test(spooled, max_size_zero_never_rolls_over_by_size)
{
	struct tempfile_spooled *s = spool(0, NULL);
	static char block[65536];
	memset(block, 'z', sizeof block);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(tempfile_spooled_write(s, block, sizeof block), (ssize_t)sizeof block);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 32 * 65536);
	tempfile_spooled_close(s);
}

Test(spooled, large_first_write_rolls_over_and_lands_in_the_file)
{
	size_t n = 1 << 20;
	char *big = malloc(n);
	cr_assert_not_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	struct tempfile_spooled *s = spool(4096, NULL);
	cr_assert_eq(tempfile_spooled_write(s, big, n), (ssize_t)n);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	size_t len;
	char *got = content(s, &len);
	cr_assert_eq(len, n);
	cr_assert_eq(memcmp(got, big, n), 0);
	free(got);
	free(big);
	tempfile_spooled_close(s);
}

Test(spooled, rollover_is_explicit_idempotent_and_keeps_content_and_position)
{
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "hello world");
	cr_assert_eq(tempfile_spooled_seek(s, 6, SEEK_SET), 6);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(tempfile_spooled_tell(s), 6);
	int fd = tempfile_spooled_fileno(s);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	cr_assert_eq(tempfile_spooled_fileno(s), fd, "a second rollover changes nothing");
	char buf[8] = { 0 };
	cr_assert_eq(tempfile_spooled_read(s, buf, 5), 5);
	cr_assert_str_eq(buf, "world");
	tempfile_spooled_close(s);
}

Test(spooled, rollover_keeps_a_position_past_the_end)
{
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "ab");
	cr_assert_eq(tempfile_spooled_seek(s, 5, SEEK_SET), 5);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 5);
	put(s, "c");
	char buf[6];
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	cr_assert_eq(tempfile_spooled_read(s, buf, sizeof buf), 6);
	cr_assert_eq(memcmp(buf, "ab\0\0\0c", 6), 0);
	tempfile_spooled_close(s);
}

Test(spooled, fileno_forces_rollover_and_is_the_real_file)
{
	struct tempfile_spooled *s = spool(1000, NULL);
	put(s, "data");
	int fd = tempfile_spooled_fileno(s);
	cr_assert_geq(fd, 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 4);
#ifndef _WIN32 /* pread, F_GETFD */
	char buf[4];
	cr_assert_eq(pread(fd, buf, 4, 0), 4);
	cr_assert_eq(memcmp(buf, "data", 4), 0);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 4);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
#endif
	tempfile_spooled_close(s);
}

Test(spooled, truncate_past_max_size_rolls_over)
{
	struct tempfile_spooled *s = spool(10, NULL);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_truncate(s, 10), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 0, "exactly max_size stays in memory");
	cr_assert_eq(tempfile_spooled_truncate(s, 11), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(tempfile_spooled_tell(s), 3, "truncate does not move the position");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_END), 11);
	tempfile_spooled_close(s);
}

Test(spooled, truncate_past_zero_rolls_over_even_with_max_size_zero)
{
	struct tempfile_spooled *s = spool(0, NULL);
	cr_assert_eq(tempfile_spooled_truncate(s, 1), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	tempfile_spooled_close(s);
}

Test(spooled, truncate_to_the_current_size_never_rolls_over)
{
	struct tempfile_spooled *s = spool(0, NULL);
	put(s, "abcde");
	cr_assert_eq(tempfile_spooled_truncate(s, 5), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_truncate(s, 0), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	assert_content(s, "");
	tempfile_spooled_close(s);
}

Test(spooled, truncate_up_zero_fills_and_down_cuts_in_memory_and_on_disk)
{
	for (int rolled = 0; rolled < 2; rolled++) {
		struct tempfile_spooled *s = spool(100, NULL);
		put(s, "abcdef");
		if (rolled)
			cr_assert_eq(tempfile_spooled_rollover(s), 0);
		cr_assert_eq(tempfile_spooled_truncate(s, 3), 0);
		cr_assert_eq(tempfile_spooled_truncate(s, 8), 0);
		cr_assert_eq(tempfile_spooled_tell(s), 6);
		char buf[16];
		cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
		cr_assert_eq(tempfile_spooled_read(s, buf, sizeof buf), 8);
		cr_assert_eq(memcmp(buf, "abc\0\0\0\0\0", 8), 0, "rolled=%d", rolled);
		cr_assert_eq(tempfile_spooled_rolled(s), rolled);
		tempfile_spooled_close(s);
	}
}

Test(spooled, holes_read_back_as_zeros_in_memory)
{
	struct tempfile_spooled *s = spool(0, NULL);
	put(s, "ab");
	cr_assert_eq(tempfile_spooled_seek(s, 2, SEEK_CUR), 4);
	put(s, "cd");
	char buf[8];
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	cr_assert_eq(tempfile_spooled_read(s, buf, sizeof buf), 6);
	cr_assert_eq(memcmp(buf, "ab\0\0cd", 6), 0);
	cr_assert_eq(tempfile_spooled_read(s, buf, sizeof buf), 0, "EOF reads 0");
	cr_assert_eq(tempfile_spooled_seek(s, 50, SEEK_SET), 50);
	cr_assert_eq(tempfile_spooled_read(s, buf, sizeof buf), 0, "past EOF reads 0");
	cr_assert_eq(tempfile_spooled_seek(s, -2, SEEK_END), 4);
	tempfile_spooled_close(s);
}

#ifndef _WIN32 /* the reference is a POSIX descriptor and glibc's stdio */
/* ---- differential: the same operations on a spooled file and a real file ------ */

struct rng {
	uint64_t state;
};

static uint32_t next(struct rng *r)
{
	r->state = r->state * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(r->state >> 33);
}

static long pick(struct rng *r, long lo, long hi)
{
	return lo + (long)(next(r) % (uint32_t)(hi - lo + 1));
}

/* read(2) until n bytes or EOF, like fread. */
static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

#define EXPECT_SAME(a, b, what)                                                                  \
	do {                                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);                              \
		int e_ = errno;                                                                  \
		cr_assert_eq(a_, b_, "seed %u op %d %s: spooled %lld, real %lld", seed, i, what, \
			a_, b_);                                                                 \
		(void)e_;                                                                        \
	} while (0)

/* The direct calls both differential tests make: each on the spooled file
 * and on the real file's descriptor, with the same random arguments; a
 * rollover happens one time in rollover_one_in. */
enum direct_call { DIRECT_WRITE, DIRECT_SEEK, DIRECT_READ, DIRECT_TRUNCATE, DIRECT_ROLLOVER, DIRECT_TELL };

static void same_direct_call(enum direct_call call, struct rng *r, struct tempfile_spooled *s,
	int fd, long rollover_one_in, unsigned seed, int i)
{
	char wbuf[300], a[300], b[300];
	ssize_t x, y;
	off_t p, q;
	int ex, ey;
	switch (call) {
	case DIRECT_WRITE: {
		size_t n = (size_t)pick(r, 0, pick(r, 0, 1) ? 20 : 150);
		for (size_t k = 0; k < n; k++)
			wbuf[k] = (char)next(r);
		x = tempfile_spooled_write(s, wbuf, n);
		y = write(fd, wbuf, n);
		EXPECT_SAME(x, y, "write");
		break;
	}
	case DIRECT_SEEK: {
		int whence = (int)pick(r, 0, 2);
		off_t off = (off_t)pick(r, -60, 200);
		errno = 0;
		p = tempfile_spooled_seek(s, off, whence);
		ex = errno;
		errno = 0;
		q = lseek(fd, off, whence);
		ey = errno;
		EXPECT_SAME(p, q, "seek");
		if (p < 0)
			EXPECT_SAME(ex, ey, "seek errno");
		break;
	}
	case DIRECT_READ: {
		size_t n = (size_t)pick(r, 0, 200);
		x = tempfile_spooled_read(s, a, n);
		y = read(fd, b, n);
		EXPECT_SAME(x, y, "read");
		if (x > 0)
			cr_assert_eq(memcmp(a, b, (size_t)x), 0, "seed %u op %d read bytes", seed, i);
		break;
	}
	case DIRECT_TRUNCATE: {
		off_t size = (off_t)pick(r, -1, 200);
		errno = 0;
		x = tempfile_spooled_truncate(s, size);
		ex = errno;
		errno = 0;
		y = ftruncate(fd, size);
		ey = errno;
		EXPECT_SAME(x, y, "truncate");
		if (x < 0)
			EXPECT_SAME(ex, ey, "truncate errno");
		break;
	}
	case DIRECT_ROLLOVER:
		if (pick(r, 0, rollover_one_in - 1) == 0)
			cr_assert_eq(tempfile_spooled_rollover(s), 0);
		break;
	case DIRECT_TELL:
		EXPECT_SAME(tempfile_spooled_tell(s), lseek(fd, 0, SEEK_CUR), "tell");
		break;
	}
}

/* Apply one random sequence of write/seek/read/truncate/rollover (and, with
 * use_stream, the same through the stdio view) to a spooled file and to a
 * real temporary file opened the same way; every result, errno, position
 * and byte must agree. */
static void differential(unsigned seed, const char *mode, bool use_stream)
{
	struct rng r = { seed * 2654435761u + 1 };
	size_t max_size = (size_t)pick(&r, 0, 3) * 40; /* 0, 40, 80, 120 */
	bool append = mode[0] == 'a';
	struct tempfile_spooled *s = spool(max_size, mode);
	char *path = tft_join(tft_dir, "real");
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | (append ? O_APPEND : 0), 0600);
	cr_assert_geq(fd, 0);
	unlink(path);
	free(path);
	FILE *stream = use_stream ? tempfile_spooled_stream(s) : NULL;
	if (use_stream)
		cr_assert_not_null(stream);
	static const enum direct_call direct[] = { DIRECT_WRITE, DIRECT_SEEK, DIRECT_READ,
		DIRECT_TRUNCATE, DIRECT_ROLLOVER, DIRECT_TELL };
	char wbuf[300], a[300], b[300];
	for (int i = 0; i < 150; i++) {
		int op = (int)pick(&r, 0, use_stream ? 8 : 5);
		ssize_t x, y;
		off_t q;
		int ex, ey;
		switch (op) {
		default: /* 0-5: the direct calls */
			same_direct_call(direct[op], &r, s, fd, 6, seed, i);
			break;
		case 6: { /* stream write */
			size_t n = (size_t)pick(&r, 0, 100);
			for (size_t k = 0; k < n; k++)
				wbuf[k] = (char)next(&r);
			x = (ssize_t)fwrite(wbuf, 1, n, stream);
			y = write(fd, wbuf, n);
			EXPECT_SAME(x, y, "fwrite");
			break;
		}
		case 7: { /* stream read; EOF is sticky in stdio, so clear it */
			size_t n = (size_t)pick(&r, 0, 200);
			clearerr(stream);
			x = (ssize_t)fread(a, 1, n, stream);
			y = read_full(fd, b, n);
			EXPECT_SAME(x, y, "fread");
			if (x > 0)
				cr_assert_eq(memcmp(a, b, (size_t)x), 0, "seed %u op %d fread bytes", seed, i);
			break;
		}
		case 8: { /* stream seek */
			int whence = (int)pick(&r, 0, 2);
			off_t off = (off_t)pick(&r, -60, 200);
			errno = 0;
			x = fseeko(stream, off, whence);
			ex = errno;
			errno = 0;
			q = lseek(fd, off, whence);
			ey = errno;
			EXPECT_SAME(x, q < 0 ? -1 : 0, "fseeko");
			if (x < 0)
				EXPECT_SAME(ex, ey, "fseeko errno");
			else
				EXPECT_SAME(ftello(stream), q, "ftello");
			break;
		}
		}
		/* The position always agrees (this also syncs the stream). */
		EXPECT_SAME(tempfile_spooled_tell(s), lseek(fd, 0, SEEK_CUR), "position");
	}
	/* And so does every byte. */
	size_t len;
	char *got = content(s, &len);
	off_t real_size = lseek(fd, 0, SEEK_END);
	cr_assert_eq((off_t)len, real_size, "seed %u size", seed);
	char *want = malloc(len + 1);
	cr_assert_not_null(want);
	cr_assert_eq(pread(fd, want, len, 0), (ssize_t)len);
	cr_assert_eq(memcmp(got, want, len), 0, "seed %u content", seed);
	free(got);
	free(want);
	close(fd);
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

/* How many random sequences each differential test runs: the default keeps
 * the suite fast; TF_SPOOLED_SEEDS=100000 makes a long local run. */
static unsigned seeds(unsigned fallback)
{
	const char *env = getenv("TF_SPOOLED_SEEDS");
	return env && *env ? (unsigned)strtoul(env, NULL, 10) : fallback;
}

Test(spooled, behaves_like_a_real_file_under_random_operations)
{
	for (unsigned seed = 0, n = seeds(300); seed < n; seed++)
		differential(seed, "w+b", false);
}

Test(spooled, append_mode_behaves_like_a_real_o_append_file_under_random_operations)
{
	for (unsigned seed = 0, n = seeds(300); seed < n; seed++)
		differential(seed, "a+b", false);
}

Test(spooled, stream_and_direct_calls_interleaved_behave_like_a_real_file)
{
	for (unsigned seed = 0, n = seeds(300); seed < n; seed++)
		differential(seed, "w+b", true);
}

Test(spooled, append_stream_and_direct_calls_interleaved_behave_like_a_real_file)
{
	for (unsigned seed = 0, n = seeds(150); seed < n; seed++)
		differential(seed, "a+", true);
}

Test(spooled, fd_stream_fallback_interleaved_behaves_like_a_real_file)
{
	tf_test_spooled_force_fd_stream(true);
	for (unsigned seed = 0, n = seeds(100); seed < n; seed++)
		differential(seed, "w+b", true);
}

/* ---- differential: the stdio view against a real stdio stream ------------------- */

/* The last stream call, for C's rule that a read and a write on one stream
 * need a seek between them (or, after a write, an fflush). */
enum stream_state { STREAM_IDLE, STREAM_READ, STREAM_WRITTEN };

/* The reference: a real FILE on a real file, tmpfile()'s "w+" or, for an
 * append mode, an O_APPEND file opened "a+". */
static FILE *reference_stream(bool append)
{
	if (!append) {
		FILE *f = tmpfile();
		cr_assert_not_null(f, "tmpfile: %s", strerror(errno));
		return f;
	}
	char *path = tft_join(tft_dir, "reference");
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	unlink(path);
	free(path);
	FILE *f = fdopen(fd, "a+");
	cr_assert_not_null(f);
	return f;
}

/* Every byte of the spooled file (read with the direct calls) and of the
 * reference's file (read with pread), both streams flushed already. */
static void assert_same_content(struct tempfile_spooled *s, int fd, unsigned seed, int i)
{
	size_t len;
	char *got = content(s, &len);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq((off_t)len, st.st_size, "seed %u op %d size", seed, i);
	char *want = malloc(len + 1);
	cr_assert_not_null(want);
	cr_assert_eq(pread(fd, want, len, 0), (ssize_t)len);
	cr_assert_eq(memcmp(got, want, len), 0, "seed %u op %d content", seed, i);
	free(got);
	free(want);
}

/* Apply one random sequence of stream calls (fread, fwrite, fseeko with
 * each whence, ftello, fflush) and direct calls (read, write, seek, tell,
 * truncate, rollover) to the spooled file and its stdio view, and the same
 * to a real FILE and its descriptor, flushing the FILE before each direct
 * call as the header's rule says the library does. Only sequences C allows
 * on a stream. After every step the stream positions agree (ftello flushes
 * nothing); after every step that flushed the stream anyway (fflush, a
 * direct call) so does every byte; at the end, everything. */
static void differential_stdio(unsigned seed, const char *mode, bool fd_stream)
{
	struct rng r = { seed * 2654435761u + 7 };
	size_t max_size = (size_t)pick(&r, 0, 3) * 40; /* 0, 40, 80, 120 */
	struct tempfile_spooled *s = spool(max_size, mode);
	tf_test_spooled_force_fd_stream(fd_stream);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	FILE *ref = reference_stream(mode[0] == 'a');
	int fd = fileno(ref);
	enum stream_state state = STREAM_IDLE;
	static const enum direct_call direct[] = { DIRECT_WRITE, DIRECT_READ, DIRECT_SEEK,
		DIRECT_TELL, DIRECT_TRUNCATE, DIRECT_ROLLOVER }; /* ops 4-9 */
	char wbuf[300], a[300], b[300];
	for (int i = 0; i < 200; i++) {
		int op = (int)pick(&r, 0, 10);
		bool flushed = false;
		ssize_t x, y;
		int ex, ey;
		/* The usual idiom between a read and a write. */
		if ((op == 0 && state == STREAM_READ) || (op == 1 && state == STREAM_WRITTEN)) {
			EXPECT_SAME(fseeko(f, 0, SEEK_CUR), fseeko(ref, 0, SEEK_CUR), "fseeko 0");
			EXPECT_SAME(ftello(f), ftello(ref), "ftello after fseeko 0");
			state = STREAM_IDLE;
		}
		switch (op) {
		case 0: { /* fwrite */
			size_t n = (size_t)pick(&r, 0, pick(&r, 0, 1) ? 20 : 150);
			for (size_t k = 0; k < n; k++)
				wbuf[k] = (char)next(&r);
			x = (ssize_t)fwrite(wbuf, 1, n, f);
			y = (ssize_t)fwrite(wbuf, 1, n, ref);
			EXPECT_SAME(x, y, "fwrite");
			state = STREAM_WRITTEN;
			break;
		}
		case 1: { /* fread; EOF is sticky in stdio, so clear it */
			size_t n = (size_t)pick(&r, 0, 200);
			clearerr(f);
			clearerr(ref);
			x = (ssize_t)fread(a, 1, n, f);
			y = (ssize_t)fread(b, 1, n, ref);
			EXPECT_SAME(x, y, "fread");
			if (x > 0)
				cr_assert_eq(memcmp(a, b, (size_t)x), 0, "seed %u op %d fread bytes", seed, i);
			state = STREAM_READ;
			break;
		}
		case 2: { /* fseeko */
			int whence = (int)pick(&r, 0, 2);
			off_t off = pick(&r, 0, 2) == 0 ? 0 : (off_t)pick(&r, -60, 200);
			errno = 0;
			x = fseeko(f, off, whence);
			ex = errno;
			errno = 0;
			y = fseeko(ref, off, whence);
			ey = errno;
			EXPECT_SAME(x, y, "fseeko");
			if (x < 0)
				EXPECT_SAME(ex, ey, "fseeko errno");
			else
				state = STREAM_IDLE;
			break;
		}
		case 3: /* fflush */
			EXPECT_SAME(fflush(f), fflush(ref), "fflush");
			if (state == STREAM_WRITTEN)
				state = STREAM_IDLE;
			flushed = true;
			break;
		default: /* a direct call: the reference's stream is flushed first */
			cr_assert_eq(fflush(ref), 0);
			state = STREAM_IDLE;
			flushed = true;
			break;
		}
		if (op >= 4 && op <= 9)
			same_direct_call(direct[op - 4], &r, s, fd, 4, seed, i);
		EXPECT_SAME(ftello(f), ftello(ref), "ftello");
		if (flushed)
			assert_same_content(s, fd, seed, i);
	}
	cr_assert_eq(fflush(ref), 0);
	cr_assert_eq(tempfile_spooled_flush(s), 0, "seed %u", seed);
	int i = 200;
	EXPECT_SAME(tempfile_spooled_tell(s), lseek(fd, 0, SEEK_CUR), "final position");
	assert_same_content(s, fd, seed, i);
	cr_assert_eq(fclose(ref), 0);
	cr_assert_eq(tempfile_spooled_close(s), 0);
	tf_test_spooled_force_fd_stream(false);
}

Test(spooled, stream_view_behaves_like_a_real_stdio_stream_under_random_operations)
{
	for (unsigned seed = 0, n = seeds(300); seed < n; seed++)
		differential_stdio(seed, "w+b", false);
}

Test(spooled, append_stream_view_behaves_like_a_real_stdio_stream_under_random_operations)
{
	for (unsigned seed = 0, n = seeds(300); seed < n; seed++)
		differential_stdio(seed, "a+", false);
}

Test(spooled, fd_stream_fallback_behaves_like_a_real_stdio_stream_under_random_operations)
{
	for (unsigned seed = 0, n = seeds(100); seed < n; seed++)
		differential_stdio(seed, "w+b", true);
}

#endif

/* ---- the stdio view ------------------------------------------------------------- */

#ifndef _WIN32 /* in memory through fopencookie; on Windows the stream rolls over first */
Test(spooled, stream_fprintf_stays_in_memory_and_reads_back_directly)
{
	struct tempfile_spooled *s = spool(100, NULL);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	cr_assert_eq(tempfile_spooled_stream(s), f, "the same view every time");
	cr_assert_gt(fprintf(f, "x=%d y=%s\n", 42, "z"), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 9);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	assert_content(s, "x=42 y=z\n");
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	cr_assert_eq(tempfile_spooled_close(s), 0);
}
#endif

Test(spooled, stream_writes_roll_over_through_the_same_write_path)
{
	struct tempfile_spooled *s = spool(16, NULL);
	FILE *f = tempfile_spooled_stream(s);
	for (int i = 0; i < 10; i++)
		fprintf(f, "line %d\n", i);
	cr_assert_eq(tempfile_spooled_flush(s), 0);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	assert_content(s, "line 0\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n");
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

Test(spooled, rolled_sees_data_still_buffered_in_the_stream)
{
	struct tempfile_spooled *s = spool(4, NULL);
	FILE *f = tempfile_spooled_stream(s);
	fputs("more than four", f);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	tempfile_spooled_close(s);
}

Test(spooled, stream_and_direct_writes_interleave_in_order)
{
	struct tempfile_spooled *s = spool(100, NULL);
	FILE *f = tempfile_spooled_stream(s);
	fputs("abc", f);
	put(s, "def");
	fputs("ghi", f);
	assert_content(s, "abcdefghi");
	cr_assert_eq(ftello(f), 9);
	tempfile_spooled_close(s);
}

#ifndef _WIN32 /* in memory through fopencookie; on Windows the stream rolls over first */
Test(spooled, stream_read_ahead_is_given_back_to_direct_reads)
{
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "line1\nline2\n");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	FILE *f = tempfile_spooled_stream(s);
	char line[16];
	cr_assert_not_null(fgets(line, sizeof line, f));
	cr_assert_str_eq(line, "line1\n");
	cr_assert_eq(tempfile_spooled_tell(s), 6);
	char rest[16] = { 0 };
	cr_assert_eq(tempfile_spooled_read(s, rest, sizeof rest - 1), 6);
	cr_assert_str_eq(rest, "line2\n");
	tempfile_spooled_close(s);
}
#endif

Test(spooled, stream_relative_seek_after_a_direct_seek_uses_the_new_position)
{
	struct tempfile_spooled *s = spool(100, NULL);
	FILE *f = tempfile_spooled_stream(s);
	fputs("0123456789", f);
	cr_assert_eq(tempfile_spooled_seek(s, 3, SEEK_SET), 3);
	cr_assert_eq(fseeko(f, 1, SEEK_CUR), 0);
	cr_assert_eq(ftello(f), 4);
	cr_assert_eq(fgetc(f), '4');
	tempfile_spooled_close(s);
}

/* glibc's fopencookie remembers the offset its seek callback last returned
 * but not the writes after it; a relative seek that flushes a write then
 * counted from the offset before that write. */
Test(spooled, stream_relative_seek_after_seek_and_write_counts_the_write)
{
	for (int rolled = 0; rolled < 2; rolled++) {
		struct tempfile_spooled *s = spool(100, NULL);
		FILE *f = tempfile_spooled_stream(s);
		fputs("0123456789abcdefghij", f);
		if (rolled)
			cr_assert_eq(tempfile_spooled_rollover(s), 0);
		cr_assert_eq(fseeko(f, 0, SEEK_SET), 0);
		char buf[3];
		cr_assert_eq(fread(buf, 1, 3, f), 3); /* reads the rest ahead */
		cr_assert_eq(fseeko(f, 5, SEEK_SET), 0);
		cr_assert_eq(fwrite("XY", 1, 2, f), 2);
		cr_assert_eq(fseeko(f, 0, SEEK_CUR), 0);
		cr_assert_eq(ftello(f), 7, "rolled=%d", rolled);
		cr_assert_eq(fwrite("ZW", 1, 2, f), 2);
		cr_assert_eq(ftello(f), 9, "rolled=%d", rolled);
		assert_content(s, "01234XYZW9abcdefghij");
		cr_assert_eq(tempfile_spooled_close(s), 0);
	}
}

Test(spooled, direct_write_after_stream_seek_write_and_relative_seek_follows_it)
{
	for (int rolled = 0; rolled < 2; rolled++) {
		struct tempfile_spooled *s = spool(100, NULL);
		put(s, "0123456789abcdefghij");
		if (rolled)
			cr_assert_eq(tempfile_spooled_rollover(s), 0);
		cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
		FILE *f = tempfile_spooled_stream(s);
		cr_assert_eq(fgetc(f), '0');
		cr_assert_eq(fseeko(f, 5, SEEK_SET), 0);
		cr_assert_eq(fwrite("XY", 1, 2, f), 2);
		cr_assert_eq(fseeko(f, 0, SEEK_CUR), 0);
		cr_assert_eq(tempfile_spooled_tell(s), 7, "rolled=%d", rolled);
		put(s, "ZW");
		assert_content(s, "01234XYZW9abcdefghij");
		cr_assert_eq(fseeko(f, -4, SEEK_CUR), 0);
		cr_assert_eq(fgetc(f), 'X');
		cr_assert_eq(tempfile_spooled_close(s), 0);
	}
}

#ifndef _WIN32 /* in memory through fopencookie; on Windows the stream rolls over first */
Test(spooled, direct_write_over_stream_read_ahead_is_seen_by_the_stream)
{
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "aaaaaaaaaa");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_eq(fgetc(f), 'a'); /* the stream has read ahead the rest */
	put(s, "B");                 /* at 1: the stream's logical position */
	cr_assert_eq(fseeko(f, 1, SEEK_SET), 0);
	cr_assert_eq(fgetc(f), 'B');
	tempfile_spooled_close(s);
}
#endif

Test(spooled, stream_view_after_rollover)
{
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	fprintf(f, "%s", "def");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	char buf[8] = { 0 };
	cr_assert_eq(fread(buf, 1, 6, f), 6);
	cr_assert_str_eq(buf, "abcdef");
#ifndef _WIN32 /* pread */
	char disk[6];
	cr_assert_eq(pread(tempfile_spooled_fileno(s), disk, 6, 0), 6);
	cr_assert_eq(memcmp(disk, "abcdef", 6), 0);
#endif
	tempfile_spooled_close(s);
}

Test(spooled, stream_fallback_without_fopencookie_rolls_over_and_shares_the_file)
{
	tf_test_spooled_force_fd_stream(true);
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile_spooled *s = spool(100, NULL);
	put(s, "abc");
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	cr_assert_eq(tempfile_spooled_tell(s), 3);
	fprintf(f, "%d", 123);
	put(s, "!");
	assert_content(s, "abc123!");
	cr_assert_eq(tempfile_spooled_close(s), 0);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds, "close closed the stream and the file");
#endif
}

Test(spooled, close_closes_the_stream_and_the_file)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile_spooled *s = spool(1, NULL);
	FILE *f = tempfile_spooled_stream(s);
	fputs("rolls over on the flush in close", f);
	cr_assert_eq(tempfile_spooled_close(s), 0);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

#ifndef _WIN32 /* in memory through fopencookie; on Windows the stream rolls over first */
Test(spooled, lost_stream_write_is_reported_by_flush_and_close)
{
	char *missing = tft_join(tft_dir, "missing");
	struct tempfile_spooled *s =
		tempfile_spooled(4, &(struct tempfile_opts){ .dir = missing }, NULL);
	cr_assert_not_null(s);
	FILE *f = tempfile_spooled_stream(s);
	fputs("cannot roll over", f);
	errno = 0;
	cr_assert_eq(tempfile_spooled_flush(s), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(tempfile_spooled_flush(s), -1, "the loss stays reported");
	errno = 0;
	cr_assert_eq(tempfile_spooled_close(s), -1);
	cr_assert_eq(errno, ENOENT);
	free(missing);
}
#endif

/* ---- modes -------------------------------------------------------------------- */

Test(spooled, append_mode_writes_at_the_end_before_and_after_rollover)
{
	struct tempfile_spooled *s = spool(100, "a+");
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	put(s, "de");
	cr_assert_eq(tempfile_spooled_tell(s), 5);
	cr_assert_eq(tempfile_spooled_seek(s, 1, SEEK_SET), 1);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 1);
	put(s, "f");
	cr_assert_eq(tempfile_spooled_tell(s), 6);
	assert_content(s, "abcdef");
#ifndef _WIN32
	cr_assert(fcntl(tempfile_spooled_fileno(s), F_GETFL) & O_APPEND);
#endif
	tempfile_spooled_close(s);
}

Test(spooled, append_write_past_max_size_counts_from_the_end)
{
	struct tempfile_spooled *s = spool(5, "ab");
	put(s, "abcd");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	put(s, "e"); /* ends at 5: stays */
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	put(s, "f"); /* ends at 6: rolls */
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	tempfile_spooled_close(s);
}

#ifndef _WIN32 /* in memory through fopencookie; on Windows the stream rolls over first */
Test(spooled, append_only_stream_appends_in_memory)
{
	struct tempfile_spooled *s = spool(100, "a");
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	cr_assert_gt(fprintf(f, "%d", 42), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 5);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
#ifndef _WIN32 /* /proc */
	char buf[8] = { 0 };
	/* The descriptor is write-only, as the mode: read a reopen of it. */
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", tempfile_spooled_fileno(s));
	int reader = open(proc, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(reader, 0);
	cr_assert_eq(pread(reader, buf, sizeof buf, 0), 5);
	cr_assert_str_eq(buf, "abc42");
	close(reader);
#endif
	tempfile_spooled_close(s);
}
#endif

Test(spooled, read_write_modes_start_empty_and_allow_both)
{
	static const char *const modes[] = { "r+", "r+b", "w+", "w+bx", "a+", "w+be" };
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct tempfile_spooled *s = spool(100, modes[i]);
		cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_END), 0, "%s", modes[i]);
		put(s, "xy");
		assert_content(s, "xy");
		tempfile_spooled_close(s);
	}
}

Test(spooled, read_only_mode_refuses_writes_and_truncate_with_ebadf)
{
	struct tempfile_spooled *s = spool(10, "rb");
	errno = 0;
	cr_assert_eq(tempfile_spooled_write(s, "x", 1), -1);
	cr_assert_eq(errno, EBADF);
	errno = 0;
	cr_assert_eq(tempfile_spooled_truncate(s, 0), -1);
	cr_assert_eq(errno, EBADF);
	char c;
	cr_assert_eq(tempfile_spooled_read(s, &c, 1), 0);
	FILE *f = tempfile_spooled_stream(s);
	cr_assert_not_null(f);
	cr_assert_eq(fputc('x', f), EOF);
	cr_assert_eq(tempfile_spooled_rollover(s), 0);
	cr_assert_eq(tempfile_spooled_write(s, "x", 1), -1, "after rollover too");
	tempfile_spooled_close(s);
}

Test(spooled, write_only_mode_refuses_reads_with_ebadf)
{
	for (int rolled = 0; rolled < 2; rolled++) {
		struct tempfile_spooled *s = spool(10, rolled ? "a" : "w");
		put(s, "abc");
		if (rolled)
			cr_assert_eq(tempfile_spooled_rollover(s), 0);
		cr_assert_eq(tempfile_spooled_seek(s, 0, SEEK_SET), 0);
		char c;
		errno = 0;
		cr_assert_eq(tempfile_spooled_read(s, &c, 1), -1);
		cr_assert_eq(errno, EBADF);
		cr_assert_eq(fgetc(tempfile_spooled_stream(s)), EOF);
		tempfile_spooled_close(s);
	}
}

#ifndef _WIN32 /* glibc's stdio, F_GETFL */
/* glibc reads a request as large as this straight from the descriptor,
 * past a write-only stream's own refusal. */
static void check_large_stream_read_refused(bool fd_stream)
{
	static const char *const modes[] = { "w", "wb", "a", "ab" };
	tf_test_spooled_force_fd_stream(fd_stream);
	size_t n = 1 << 20;
	char *buf = malloc(n);
	cr_assert_not_null(buf);
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
		struct tempfile_spooled *s = spool(10, modes[i]);
		FILE *f = tempfile_spooled_stream(s);
		cr_assert_not_null(f);
		cr_assert_eq(fwrite("more than ten", 1, 13, f), 13);
		cr_assert_eq(fflush(f), 0);
		cr_assert_eq(tempfile_spooled_rolled(s), 1);
		cr_assert_eq(fseeko(f, 0, SEEK_SET), 0);
		errno = 0;
		cr_expect_eq(fread(buf, 1, n, f), 0, "mode \"%s\"", modes[i]);
		cr_expect_eq(errno, TFT_STDIO_READ_REFUSAL_ERRNO, "mode \"%s\": %s", modes[i], strerror(errno));
		cr_expect(ferror(f));
		int fl = fcntl(tempfile_spooled_fileno(s), F_GETFL);
		cr_expect_eq(fl & O_ACCMODE, O_WRONLY, "mode \"%s\"", modes[i]);
		cr_expect_eq(tempfile_spooled_close(s), 0);
	}
	free(buf);
}

Test(spooled, write_only_stream_refuses_even_a_large_read)
{
	check_large_stream_read_refused(false);
}

Test(spooled, write_only_fd_stream_fallback_refuses_even_a_large_read)
{
	check_large_stream_read_refused(true);
}

Test(spooled, rolled_over_descriptor_has_only_the_access_of_the_mode)
{
	static const struct {
		const char *mode;
		int access;
	} cases[] = { { "w+", O_RDWR }, { "r+", O_RDWR }, { "a+", O_RDWR }, { "w", O_WRONLY },
		{ "a", O_WRONLY }, { "r", O_RDONLY } };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct tempfile_spooled *s = spool(10, cases[i].mode);
		int fd = tempfile_spooled_fileno(s);
		cr_assert_geq(fd, 0, "%s: %s", cases[i].mode, strerror(errno));
		cr_expect_eq(fcntl(fd, F_GETFL) & O_ACCMODE, cases[i].access, "mode \"%s\"",
			cases[i].mode);
		cr_expect_eq(tempfile_spooled_close(s), 0);
	}
	cr_expect_eq(tft_count_entries(tft_dir), 0);
}

#endif

Test(spooled, invalid_mode_or_options_fail_with_einval_creating_nothing)
{
	static const char *const bad_modes[] = { "", "x", "rw", "w++", "+w", "q", "wz" };
	for (size_t i = 0; i < sizeof bad_modes / sizeof *bad_modes; i++) {
		errno = 0;
		cr_assert_null(tempfile_spooled(10, NULL, bad_modes[i]), "mode \"%s\"", bad_modes[i]);
		cr_assert_eq(errno, EINVAL, "mode \"%s\"", bad_modes[i]);
	}
	const struct tempfile_opts bad_opts[] = {
		{ .flags = TEMPFILE_KEEP },
		{ .flags = 0x8000u },
		{ .mode = 010000 },
		{ .prefix = "a/b" },
		{ .suffix = "/x" },
		{ .dir = "" },
	};
	for (size_t i = 0; i < sizeof bad_opts / sizeof *bad_opts; i++) {
		errno = 0;
		cr_assert_null(tempfile_spooled(10, &bad_opts[i], NULL), "opts %zu", i);
		cr_assert_eq(errno, EINVAL, "opts %zu", i);
	}
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

Test(spooled, options_are_copied_and_used_at_rollover)
{
	char dir[4096], prefix[] = "pre", suffix[] = ".suf";
	snprintf(dir, sizeof dir, "%s", tft_dir);
	struct tempfile_spooled *s = tempfile_spooled(0,
		&(struct tempfile_opts){ .dir = dir, .prefix = prefix, .suffix = suffix,
			.flags = TEMPFILE_TEXT, .mode = 0640 },
		"w+");
	cr_assert_not_null(s);
	strcpy(dir, "/nonexistent/overwritten");
	strcpy(prefix, "xx/");
#ifndef _WIN32
	umask(022);
#endif
	cr_assert_eq(tempfile_spooled_rollover(s), 0, "%s", strerror(errno));
#ifndef _WIN32 /* an open file's name is listed, and no mode bits, on Windows */
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	struct stat st;
	cr_assert_eq(fstat(tempfile_spooled_fileno(s), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "the mode reached the rollover");
#endif
	tempfile_spooled_close(s);
}

Test(spooled, rollover_on_the_create_and_unlink_fallback_leaves_nothing)
{
	tf_test_disable_o_tmpfile(true);
	struct tempfile_spooled *s = tempfile_spooled(2,
		&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_AT_EXIT }, "w+");
	cr_assert_not_null(s);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
#ifndef _WIN32 /* Windows lists a file open for deletion until it is closed */
	cr_assert_eq(tft_count_entries(tft_dir), 0);
#endif
	assert_content(s, "abc");
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

Test(spooled, at_exit_flag_is_accepted_and_passed_to_the_rollover)
{
	struct tempfile_spooled *s = tempfile_spooled(2,
		&(struct tempfile_opts){ .dir = tft_dir, .flags = TEMPFILE_AT_EXIT }, NULL);
	cr_assert_not_null(s);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	assert_content(s, "abc");
	cr_assert_eq(tempfile_spooled_close(s), 0);
	cr_assert_eq(tft_count_entries(tft_dir), 0);
}

/* ---- errors ------------------------------------------------------------------------ */

Test(spooled, failed_rollover_keeps_everything_in_memory)
{
	char *missing = tft_join(tft_dir, "missing");
	struct tempfile_spooled *s =
		tempfile_spooled(5, &(struct tempfile_opts){ .dir = missing }, NULL);
	put(s, "abcde");
	errno = 0;
	cr_assert_eq(tempfile_spooled_write(s, "f", 1), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	cr_assert_eq(tempfile_spooled_tell(s), 5);
	assert_content(s, "abcde");
	errno = 0;
	cr_assert_eq(tempfile_spooled_fileno(s), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(tempfile_spooled_truncate(s, 6), -1);
	cr_assert_eq(tempfile_spooled_rollover(s), -1);
	cr_assert_eq(tft_mkdir(missing), 0);
	put(s, "f"); /* once the directory exists it rolls over */
	cr_assert_eq(tempfile_spooled_rolled(s), 1);
	assert_content(s, "abcdef");
	cr_assert_eq(tempfile_spooled_close(s), 0);
	free(missing);
}

Test(spooled, seek_errors_match_lseek)
{
	struct tempfile_spooled *s = spool(0, NULL);
	put(s, "abc");
	errno = 0;
	cr_assert_eq(tempfile_spooled_seek(s, -4, SEEK_END), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(tempfile_spooled_seek(s, 0, 42), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_spooled_tell(s), 3, "a failed seek moves nothing");
	cr_assert_eq(tempfile_spooled_seek(s, OFF_MAX, SEEK_SET), OFF_MAX);
	errno = 0;
	cr_assert_eq(tempfile_spooled_seek(s, 1, SEEK_CUR), -1);
	cr_assert_eq(errno, EOVERFLOW);
	errno = 0;
	cr_assert_eq(tempfile_spooled_truncate(s, -1), -1);
	cr_assert_eq(errno, EINVAL);
	tempfile_spooled_close(s);
}

Test(spooled, huge_seek_then_write_fails_without_wrapping)
{
	struct tempfile_spooled *s = spool(0, NULL);
	put(s, "abc");
	cr_assert_eq(tempfile_spooled_seek(s, OFF_MAX - 1, SEEK_SET), OFF_MAX - 1);
	errno = 0;
	cr_assert_eq(tempfile_spooled_write(s, "xy", 2), -1);
	cr_assert_eq(errno, EFBIG);
#ifndef _WIN32 /* off_t is 32 bits on mingw: OFF_MAX / 2 is 1 GiB, which malloc may give */
	cr_assert_eq(tempfile_spooled_seek(s, OFF_MAX / 2, SEEK_SET), OFF_MAX / 2);
	errno = 0;
	cr_assert_eq(tempfile_spooled_write(s, "x", 1), -1);
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(tempfile_spooled_tell(s), OFF_MAX / 2);
#endif
	assert_content(s, "abc");
	cr_assert_eq(tempfile_spooled_rolled(s), 0);
	tempfile_spooled_close(s);
}

Test(spooled, null_handle_is_einval_and_close_null_is_fine)
{
	errno = 0;
	cr_assert_eq(tempfile_spooled_write(NULL, "x", 1), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(tempfile_spooled_read(NULL, NULL, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_spooled_seek(NULL, 0, SEEK_SET), -1);
	cr_assert_eq(tempfile_spooled_fileno(NULL), -1);
	cr_assert_null(tempfile_spooled_stream(NULL));
	errno = 0;
	cr_assert_eq(tempfile_spooled_rolled(NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tempfile_spooled_close(NULL), 0);
}

Test(spooled, nothing_is_opened_before_rollover)
{
#ifndef _WIN32
	int fds = tft_count_fds();
#endif
	struct tempfile_spooled *s = spool(4096, NULL);
	char block[1024];
	memset(block, 'k', sizeof block);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(tempfile_spooled_write(s, block, sizeof block), 1024);
#ifndef _WIN32
	cr_assert_eq(tft_count_fds(), fds);
#endif
	cr_assert_eq(tft_count_entries(tft_dir), 0);
	cr_assert_eq(tempfile_spooled_close(s), 0);
}

/* ---- NULL handles: the destructor like free(), the rest EINVAL ------------------- */

Test(spooled, close_of_null_does_nothing_and_returns_zero_like_free)
{
	errno = 0;
	cr_assert_eq(tempfile_spooled_close(NULL), 0);
	cr_assert_eq(errno, 0);
}

Test(spooled, every_accessor_given_null_fails_with_einval)
{
	char byte;
	TFT_ASSERT_EINVAL(tempfile_spooled_rolled(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_fileno(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_stream(NULL), NULL);
	TFT_ASSERT_EINVAL(tempfile_spooled_tell(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_seek(NULL, 0, SEEK_SET), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_read(NULL, &byte, 1), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_write(NULL, &byte, 1), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_truncate(NULL, 0), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_flush(NULL), -1);
	TFT_ASSERT_EINVAL(tempfile_spooled_rollover(NULL), -1);
}

/* ---- options: checked at creation with the creators' one rule --------------------- */

Test(spooled, options_the_rollover_would_refuse_fail_at_creation_on_every_platform)
{
	struct tempfile_opts bad[] = {
		{ .dir = tft_dir, .prefix = "a/b" },
		{ .dir = tft_dir, .suffix = "/" },
		{ .dir = "" },
		{ .dir = tft_dir, .flags = TEMPFILE_KEEP },
		{ .dir = tft_dir, .reserved = { 1, 0 } },
#ifdef _WIN32
		/* before the one rule, these failed only at rollover */
		{ .dir = tft_dir, .prefix = "a\\b" },
		{ .dir = tft_dir, .suffix = "a:b" },
#endif
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		errno = 0;
		cr_expect_null(tempfile_spooled(16, &bad[i], NULL), "case %zu", i);
		cr_expect_eq(errno, EINVAL, "case %zu", i);
	}
}

#ifdef _WIN32
/* ---- Windows: the stream without fopencookie --------------------------------------- */

/* No fopencookie on Windows: the stdio view rolls over first. */
Test(spooled, windows_stream_rolls_over_first_and_shares_the_position)
{
	struct tempfile_spooled *s = tempfile_spooled(0, NULL, "w+");
	cr_assert(s != NULL, "errno %d", errno);
	(void)tempfile_spooled_write(s, "one ", 4);
	FILE *f = tempfile_spooled_stream(s);
	int rolled = tempfile_spooled_rolled(s);
	int printed = f ? fprintf(f, "%s %d", "two", 3) : -1;
	int flushed = f ? fflush(f) : -1;
	off_t size = tempfile_spooled_seek(s, 0, SEEK_END);
	(void)tempfile_spooled_seek(s, 0, SEEK_SET);
	char buf[32] = { 0 };
	ssize_t r = tempfile_spooled_read(s, buf, sizeof buf - 1);
	int fd = tempfile_spooled_fileno(s);
	DWORD handle_flags = 1;
	BOOL got = fd >= 0 && GetHandleInformation((HANDLE)_get_osfhandle(fd), &handle_flags);
	int rc = tempfile_spooled_close(s);
	cr_assert(f != NULL && rolled, "stream %p rolled %d (errno %d)", (void *)f, rolled, errno);
	cr_assert(printed == 5 && flushed == 0 && size == 9, "printed %d size %ld", printed, (long)size);
	cr_assert(r == 9 && strcmp(buf, "one two 3") == 0, "read '%s'", buf);
	cr_assert(got && !(handle_flags & HANDLE_FLAG_INHERIT), "descriptor inheritable");
	cr_assert(rc == 0, "close");
}
#endif
