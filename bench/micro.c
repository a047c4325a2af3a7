/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * micro.c - one micro row: interleaved blocks, statistics, table lines.
 *
 * Per repetition every contender runs one block of n ops, in an order that
 * rotates from one repetition to the next (A B C, B C A, C A B, ...), so a
 * slow phase of the machine lands on all of them. Ratios are taken within a
 * repetition (contender / floor of the same repetition) and the median of
 * those ratios is reported, so drift between repetitions cancels.
 *
 * The Python contenders live in one python3 process (peers.py) that runs its
 * own blocks when asked; it takes one slot in the rotation, so C and Python
 * interleave block by block, not op by op.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ns per op of one block. */
static double time_block(const struct bench_contender *k, struct bench_ctx *c, size_t n, int *error)
{
	if (k->prepare && k->prepare(c, n) != 0) {
		*error = errno;
		return NAN;
	}
	errno = 0;
	uint64_t start = bench_now_ns();
	int rc = bench_measured_block(k, c, n);
	uint64_t end = bench_now_ns();
	if (rc != 0) {
		*error = errno ? errno : EIO;
		return NAN;
	}
	return (double)(end - start) / (double)n;
}

/* Find the series of key among series[0..count). */
static struct bench_series *series_of(struct bench_series *series, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++)
		if (series[i].contender && strcmp(series[i].contender->key, key) == 0)
			return &series[i];
	return NULL;
}

/* Median over repetitions of a[r] / b[r], both measured. */
static double median_ratio(const struct bench_series *a, const struct bench_series *b)
{
	if (!a || !b || a->error || b->error || a->missing || b->missing)
		return NAN;
	double ratios[BENCH_MAX_REPS];
	size_t n = 0;
	for (unsigned r = 0; r < a->n && r < b->n; r++)
		if (!isnan(a->ns[r]) && !isnan(b->ns[r]) && b->ns[r] > 0)
			ratios[n++] = a->ns[r] / b->ns[r];
	return n ? bench_median(ratios, n) : NAN;
}

/* Parse "key=ns key=ns ..." from peers.py into the Python series of rep r. */
static void take_python_line(const char *line, struct bench_series *series, size_t count, unsigned r)
{
	char *copy = bench_xstrdup(line);
	char *save = NULL;
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		struct bench_series *s = series_of(series, count, tok);
		if (!s || s->error)
			continue;
		if (strncmp(eq + 1, "error:", 6) == 0) {
			s->error = EIO;
			s->missing = bench_xstrdup(eq + 7);
			continue;
		}
		s->ns[r] = strtod(eq + 1, NULL);
		s->n = r + 1;
	}
	free(copy);
}

static void print_line(const struct bench_row *row, bool first, const struct bench_series *s,
	struct bench_series *all, size_t count, bool with_counts, const struct bench_counts *counts)
{
	char cell[4][64], sys[32], ins[32];
	const char *title = first ? row->title : "";
	if (s->missing || s->error || s->n == 0) {
		char why[300];
		if (s->missing)
			snprintf(why, sizeof why, "%s", s->missing);
		else
			snprintf(why, sizeof why, "failed: %s", strerror(s->error ? s->error : EIO));
		printf("| %s | %s | %s | | | |%s\n", title, s->contender->label, why,
			with_counts ? " | |" : "");
		return;
	}
	double med = bench_median(s->ns, s->n), lo, hi;
	bench_min_max(s->ns, s->n, &lo, &hi);
	snprintf(cell[0], sizeof cell[0], "%.0f", med);
	snprintf(cell[1], sizeof cell[1], "%.0f–%.0f", lo, hi);
	double to_floor = median_ratio(s, series_of(all, count, "floor"));
	if (s->contender->origin == ORIGIN_FLOOR)
		snprintf(cell[2], sizeof cell[2], "1");
	else if (isnan(to_floor))
		snprintf(cell[2], sizeof cell[2], "—");
	else
		snprintf(cell[2], sizeof cell[2], "%.2f", to_floor);
	double to_glibc = NAN;
	if (s->contender->glibc_partner)
		to_glibc = median_ratio(s, series_of(all, count, s->contender->glibc_partner));
	if (isnan(to_glibc))
		snprintf(cell[3], sizeof cell[3], "%s", "");
	else
		snprintf(cell[3], sizeof cell[3], "%.2f", to_glibc);
	bench_result(med, "%s/%s/%s/median", bench_dir_tag, row->key, s->contender->key);
	bench_result(to_floor, "%s/%s/%s/x_floor", bench_dir_tag, row->key, s->contender->key);
	bench_result(to_glibc, "%s/%s/%s/x_glibc", bench_dir_tag, row->key, s->contender->key);
	printf("| %s | %s | %s | %s | %s | %s |", title, s->contender->label, cell[0], cell[1],
		cell[2], cell[3]);
	if (with_counts) {
		printf(" %s | %s |", counts ? bench_fmt_count(sys, sizeof sys, counts->syscalls) : "",
			counts ? bench_fmt_count(ins, sizeof ins, counts->instructions) : "");
	}
	printf("\n");
}

/* One op of each contender, so that a broken one is reported, not timed. */
static void trial(struct bench_series *s, struct bench_ctx *c)
{
	int error = 0;
	if (isnan(time_block(s->contender, c, 1, &error)))
		s->error = error;
}

void bench_micro_row(const struct bench_row *row, const char *dir, bool with_counts,
	const struct bench_counts *counts)
{
	size_t block = bench_cfg.block / row->block_divisor;
	if (block < 5)
		block = 5;
	unsigned reps = bench_cfg.reps;
	struct bench_ctx ctx;
	bench_ctx_init(&ctx, dir, block);

	struct bench_series series[BENCH_MAX_CONTENDERS];
	size_t count = 0;
	memset(series, 0, sizeof series);
	for (size_t i = 0; i < row->ncontenders; i++) {
		series[count].contender = &row->contenders[i];
		if (!row->contenders[i].run)
			series[count].missing = row->contenders[i].missing;
		else
			trial(&series[count], &ctx);
		count++;
	}
	size_t python_first = count;
	struct bench_python py = { .pid = -1 };
	bool python_ok = false;
	for (size_t i = 0; i < row->npython; i++) {
		series[count].contender = &row->python[i];
		if (!bench_cfg.python)
			series[count].missing = "skipped: no python3 (not found or --python none)";
		count++;
	}
	if (bench_cfg.python && row->npython) {
		const char *args[3 + BENCH_MAX_CONTENDERS] = { "block", row->key };
		for (size_t i = 0; i < row->npython; i++)
			args[2 + i] = row->python[i].key;
		args[2 + row->npython] = NULL;
		if (bench_python_start(&py, args) == 0) {
			char *answer = bench_python_ask(&py, "1");
			python_ok = answer != NULL;
			if (answer)
				take_python_line(answer, series, count, 0);
			free(answer);
		}
		for (size_t i = python_first; i < count; i++) {
			if (!python_ok) {
				series[i].missing = "failed: peers.py did not answer";
			} else if (!series[i].error) {
				series[i].n = 0;
				series[i].ns[0] = 0;
			}
		}
	}

	/* The rotation: every runnable C contender, plus Python as one slot. */
	size_t slots[BENCH_MAX_CONTENDERS + 1], nslots = 0;
	for (size_t i = 0; i < python_first; i++)
		if (!series[i].missing && !series[i].error)
			slots[nslots++] = i;
	if (python_ok)
		slots[nslots++] = SIZE_MAX;
	char block_text[32];
	snprintf(block_text, sizeof block_text, "%zu", block);
	for (unsigned r = 0; r < reps && nslots; r++) {
		for (size_t j = 0; j < nslots; j++) {
			size_t slot = slots[(r + j) % nslots];
			if (slot == SIZE_MAX) {
				char *answer = bench_python_ask(&py, block_text);
				if (answer)
					take_python_line(answer, series, count, r);
				free(answer);
				continue;
			}
			struct bench_series *s = &series[slot];
			if (s->error)
				continue;
			int error = 0;
			s->ns[r] = time_block(s->contender, &ctx, block, &error);
			s->error = error;
			s->n = r + 1;
		}
	}
	if (python_ok)
		bench_python_stop(&py);
	for (size_t i = 0; i < count; i++)
		print_line(row, i == 0, &series[i], series, count, with_counts,
			counts ? &counts[i] : NULL);
	bench_ctx_free(&ctx);
}
