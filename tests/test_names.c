/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/* test_names.c - random names: alphabet, uniformity, threads, fork (POSIX),
 * the operating system's random bytes. */
#include "support.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#  include <sys/syscall.h>
#  include <sys/wait.h>
#  include <unistd.h>
#endif

#define NAME_ALPHABET TF_NAME_ALPHABET
#define NAME_ALPHABET_LEN (sizeof TF_NAME_ALPHABET - 1)

static int compare_names(const void *a, const void *b)
{
	return memcmp(a, b, TF_NAME_LEN);
}

/* Sort n names of TF_NAME_LEN bytes and tell whether two are equal. */
static bool has_duplicates(char *names, size_t n)
{
	qsort(names, n, TF_NAME_LEN, compare_names);
	for (size_t i = 1; i < n; i++)
		if (memcmp(names + (i - 1) * TF_NAME_LEN, names + i * TF_NAME_LEN, TF_NAME_LEN) == 0)
			return true;
	return false;
}

Test(names, default_names_use_only_lowercase_digits_and_underscore)
{
	for (int i = 0; i < 2000; i++) {
		char name[TF_NAME_LEN];
		cr_assert_eq(tf_random_name(name), 0);
		cr_assert(tft_all_in(name, TF_NAME_LEN, NAME_ALPHABET), "bad name %.8s", name);
	}
}

Test(names, template_characters_come_from_letters_and_digits)
{
	char chars[4096];
	cr_assert_eq(tf_random_chars(chars, sizeof chars, TF_TEMPLATE_ALPHABET,
			     sizeof TF_TEMPLATE_ALPHABET - 1), 0);
	cr_assert(tft_all_in(chars, sizeof chars, TF_TEMPLATE_ALPHABET));
}

Test(names, every_letter_is_drawn_about_equally_often)
{
	enum { DRAWS = 37 * 20000 };
	static char chars[DRAWS];
	size_t counts[NAME_ALPHABET_LEN] = { 0 };
	cr_assert_eq(tf_random_chars(chars, DRAWS, NAME_ALPHABET, NAME_ALPHABET_LEN), 0);
	for (size_t i = 0; i < DRAWS; i++)
		counts[strchr(NAME_ALPHABET, chars[i]) - NAME_ALPHABET]++;
	/* Expected 20000 each, sd ~139: +-1500 is more than ten sd, while a
	 * modulo bias (256 % 37 = 34 letters favoured by 1/222) would not
	 * show, the last letters of a broken rejection loop would. */
	for (size_t i = 0; i < NAME_ALPHABET_LEN; i++)
		cr_assert(counts[i] > 18500 && counts[i] < 21500, "letter %c drawn %zu times",
			NAME_ALPHABET[i], counts[i]);
}

Test(names, first_alphabet_letters_are_not_favoured_by_modulo_bias)
{
	/* With 62 letters, 256 % 62 = 8: without rejection the first 8 letters
	 * would come 5/4 as often as the rest. Compare the two groups. */
	enum { DRAWS = 62 * 40000 };
	static char chars[DRAWS];
	cr_assert_eq(tf_random_chars(chars, DRAWS, TF_TEMPLATE_ALPHABET, 62), 0);
	size_t first = 0, rest = 0;
	for (size_t i = 0; i < DRAWS; i++) {
		size_t at = (size_t)(strchr(TF_TEMPLATE_ALPHABET, chars[i]) - TF_TEMPLATE_ALPHABET);
		if (at < 8)
			first++;
		else
			rest++;
	}
	double ratio = ((double)first / 8.0) / ((double)rest / 54.0);
	cr_assert(ratio > 0.97 && ratio < 1.03, "first letters drawn %.3f times as often", ratio);
}

Test(names, tiny_alphabets_are_rejected_with_einval)
{
	char c;
	cr_assert_eq(tf_random_chars(&c, 1, "a", 1), -EINVAL);
}

#define THREADS 8
#define PER_THREAD 500

struct thread_names {
	char names[PER_THREAD * TF_NAME_LEN];
	int failed;
};

static void *make_names(void *arg)
{
	struct thread_names *t = arg;
	for (int i = 0; i < PER_THREAD; i++)
		if (tf_random_name(t->names + i * TF_NAME_LEN) != 0)
			t->failed = 1;
	return NULL;
}

Test(names, eight_threads_never_produce_the_same_name)
{
	static struct thread_names per[THREADS];
	pthread_t threads[THREADS];
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, make_names, &per[i]), 0);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_join(threads[i], NULL), 0);
	static char all[THREADS * PER_THREAD * TF_NAME_LEN];
	for (int i = 0; i < THREADS; i++) {
		cr_assert_eq(per[i].failed, 0);
		memcpy(all + (size_t)i * PER_THREAD * TF_NAME_LEN, per[i].names, sizeof per[i].names);
	}
	cr_assert_not(has_duplicates(all, THREADS * PER_THREAD));
}

#ifndef _WIN32
/* Make n names in a child created by forker and in the parent, both
 * starting from the same inherited state, and check the sets are disjoint. */
static void check_fork_gives_new_names(pid_t (*forker)(void))
{
	enum { N = 200 };
	char warmup[TF_NAME_LEN];
	cr_assert_eq(tf_random_name(warmup), 0); /* parent state seeded */
	int pipefd[2];
	cr_assert_eq(pipe(pipefd), 0);
	pid_t pid = forker();
	if (pid == 0) { /* no Criterion assertion in a forked child */
		char names[N * TF_NAME_LEN];
		int ok = 1;
		for (int i = 0; i < N; i++)
			ok &= tf_random_name(names + i * TF_NAME_LEN) == 0;
		ssize_t w = ok ? write(pipefd[1], names, sizeof names) : -1;
		_exit(w == (ssize_t)sizeof names ? 0 : 1);
	}
	cr_assert(pid > 0, "fork: %s", strerror(errno));
	close(pipefd[1]);
	static char both[2 * N * TF_NAME_LEN];
	for (int i = 0; i < N; i++)
		cr_assert_eq(tf_random_name(both + i * TF_NAME_LEN), 0);
	size_t got = 0;
	while (got < N * TF_NAME_LEN) {
		ssize_t r = read(pipefd[0], both + N * TF_NAME_LEN + got, N * TF_NAME_LEN - got);
		cr_assert(r > 0, "child sent %zu bytes", got);
		got += (size_t)r;
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_not(has_duplicates(both, 2 * N), "child repeated the parent's names");
}

static pid_t libc_fork(void)
{
	return fork();
}

/* A fork that runs no pthread_atfork handler: only MADV_WIPEONFORK can
 * tell the child apart. */
static pid_t raw_fork(void)
{
	return (pid_t)syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
}

Test(names, forked_child_never_repeats_parent_names)
{
	check_fork_gives_new_names(libc_fork);
}

Test(names, child_of_a_raw_clone_without_atfork_handlers_gets_new_names)
{
	check_fork_gives_new_names(raw_fork);
}
#endif

Test(names, scripted_names_seam_replays_then_returns_to_random)
{
	static const char *const script[] = { "aaaaaaaa", "bbb" };
	tf_test_script_names(script, 2);
	char name[TF_NAME_LEN];
	cr_assert_eq(tf_random_name(name), 0);
	cr_assert_eq(memcmp(name, "aaaaaaaa", TF_NAME_LEN), 0);
	cr_assert_eq(tf_random_name(name), 0);
	cr_assert_eq(memcmp(name, "bbbaaaaa", TF_NAME_LEN), 0);
	cr_assert_eq(tf_random_name(name), 0);
	cr_assert(tft_all_in(name, TF_NAME_LEN, NAME_ALPHABET));
	cr_assert_neq(memcmp(name, "bbbaaaaa", TF_NAME_LEN), 0, "script did not end");
	cr_assert_neq(memcmp(name, "aaaaaaaa", TF_NAME_LEN), 0, "script did not end");
}

Test(names, probe_names_from_the_kernel_use_the_same_alphabet_and_differ)
{
	enum { N = 2000 };
	static char names[N * TF_NAME_LEN];
	for (int i = 0; i < N; i++) {
		cr_assert_eq(tf_random_name_from_kernel(names + i * TF_NAME_LEN), 0);
		cr_assert(tft_all_in(names + i * TF_NAME_LEN, TF_NAME_LEN, NAME_ALPHABET));
	}
	cr_assert_not(has_duplicates(names, N));
	/* Every letter shows up: 16000 characters, each letter expected ~432
	 * times; a digit-extraction bug that never reaches some letters fails. */
	size_t counts[NAME_ALPHABET_LEN] = { 0 };
	for (size_t i = 0; i < sizeof names; i++)
		counts[strchr(NAME_ALPHABET, names[i]) - NAME_ALPHABET]++;
	for (size_t i = 0; i < NAME_ALPHABET_LEN; i++)
		cr_assert(counts[i] > 300 && counts[i] < 570, "letter %c: %zu", NAME_ALPHABET[i], counts[i]);
}

Test(names, long_template_runs_span_several_draws)
{
	/* 62^9 <= 2^56 < 62^10: 40 characters need five draws; every
	 * position must be random, not only the first draw's. */
	char a[40], b[40];
	cr_assert_eq(tf_random_chars(a, sizeof a, TF_TEMPLATE_ALPHABET, 62), 0);
	cr_assert_eq(tf_random_chars(b, sizeof b, TF_TEMPLATE_ALPHABET, 62), 0);
	cr_assert(tft_all_in(a, sizeof a, TF_TEMPLATE_ALPHABET));
	int same = 0;
	for (size_t i = 0; i < sizeof a; i++)
		same += a[i] == b[i];
	cr_assert_lt(same, 10, "%d of 40 positions equal in two draws", same);
}

/* ---- bytes from the OS: known answers through the urandom seam ---------- */

/* Run fn in a new thread, whose per-thread buffer starts empty. */
static void in_new_thread(void *(*fn)(void *), void *arg)
{
	pthread_t thread;
	cr_assert_eq(pthread_create(&thread, NULL, fn, arg), 0);
	cr_assert_eq(pthread_join(thread, NULL), 0);
}

#ifndef _WIN32 /* the urandom seam is POSIX's */
/* A 2 KiB "urandom" (one whole refill) starting with these bytes, the
 * rest zero; getrandom made to fail with ENOSYS so that it is read. */
static char *serve_bytes(const char *dir, const unsigned char *head, size_t n)
{
	char *path = tft_join(dir, "urandom");
	unsigned char bytes[2048] = { 0 };
	memcpy(bytes, head, n);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(bytes, 1, sizeof bytes, f), sizeof bytes);
	cr_assert_eq(fclose(f), 0);
	tf_test_os_random(ENOSYS, path);
	return path;
}

struct drawn {
	char names[3][TF_NAME_LEN];
	int rc[3];
};

static void *draw_three_names(void *arg)
{
	struct drawn *d = arg;
	for (int i = 0; i < 3; i++)
		d->rc[i] = tf_random_name(d->names[i]);
	return NULL;
}

Test(names, a_default_name_is_six_os_bytes_read_as_base_37_digits_with_rejection)
{
	char *dir = tft_scratch();
	/* 39 = 2 + 1 * 37 little-endian: "cb" then zeros; then a draw of
	 * 2^48 - 1, past the largest multiple of 37^8, rejected; then 0. */
	static const unsigned char head[] = { 39, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0, 0, 0, 0, 0, 0, 36, 0, 0, 0, 0, 0 };
	char *file = serve_bytes(dir, head, sizeof head);
	struct drawn d;
	in_new_thread(draw_three_names, &d);
	tf_test_os_random(0, NULL);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(d.rc[i], 0);
	cr_assert_eq(memcmp(d.names[0], "cbaaaaaa", TF_NAME_LEN), 0, "%.8s", d.names[0]);
	cr_assert_eq(memcmp(d.names[1], "aaaaaaaa", TF_NAME_LEN), 0, "%.8s", d.names[1]);
	cr_assert_eq(memcmp(d.names[2], "_aaaaaaa", TF_NAME_LEN), 0, "%.8s", d.names[2]);
	free(file);
	tft_remove_tree(dir);
	free(dir);
}

static void *draw_one_name(void *arg)
{
	int *rc = arg;
	char name[TF_NAME_LEN];
	*rc = tf_random_name(name);
	return NULL;
}

Test(names, an_os_random_failure_on_refill_is_returned_as_minus_errno)
{
	char *dir = tft_scratch();
	char *missing = tft_join(dir, "no-such-device");
	tf_test_os_random(ENOSYS, missing);
	int rc = 0;
	in_new_thread(draw_one_name, &rc);
	tf_test_os_random(0, NULL);
	cr_assert_eq(rc, -ENOENT);
	free(missing);
	tft_remove_tree(dir);
	free(dir);
}

#endif

struct many_names {
	char names[400 * TF_NAME_LEN];
	int failed;
};

static void *draw_many_names(void *arg)
{
	struct many_names *m = arg;
	for (int i = 0; i < 400; i++)
		m->failed |= tf_random_name(m->names + i * TF_NAME_LEN) != 0;
	return NULL;
}

Test(names, names_past_one_buffer_refill_and_stay_distinct)
{
	/* 400 names take 2400 bytes: more than one 2 KiB refill. */
	static struct many_names m;
	in_new_thread(draw_many_names, &m);
	cr_assert_eq(m.failed, 0);
	cr_assert_not(has_duplicates(m.names, 400));
}

/* On Windows: BCryptGenRandom. */
Test(names, random_bytes_from_the_operating_system_differ_between_draws)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	cr_assert(tf_os_random(a, sizeof a) == 0 && tf_os_random(b, sizeof b) == 0, "errno %d", errno);
	cr_assert(memcmp(a, b, sizeof a) != 0, "two draws alike");
}
