/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * count.c - syscalls and user-space instructions per operation.
 *
 * Times are noisy on a shared machine; these two are exact. Syscalls: this
 * program runs again under `strace -f -c` doing W warm-up ops and then N
 * measured ops, and once more doing the warm-up only (the baseline); the
 * difference divided by N is the steady-state count, with process start-up,
 * seeding and first-call caching all cancelled. Instructions: callgrind
 * counts only inside bench_measured_block (--toggle-collect), after the same
 * warm-up, divided by N; it counts user space only (libc included).
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WARMUP_OPS 10
#define MAX_SYSCALLS 128

struct syscall_table {
	size_t n;
	char name[MAX_SYSCALLS][32];
	double calls[MAX_SYSCALLS];
	double total;
};

static char *scratch_file(const char *what)
{
	char *path = bench_printf("%s/tempfile_bench.%s.XXXXXX", "/dev/shm", what);
	int fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		path = bench_printf("/tmp/tempfile_bench.%s.XXXXXX", what);
		fd = mkstemp(path);
		if (fd < 0)
			bench_fatal("mkstemp: %s", strerror(errno));
	}
	close(fd);
	return path;
}

/* Parse strace -c output: "% time seconds usecs/call calls [errors] syscall". */
static int parse_strace(const char *file, struct syscall_table *t)
{
	memset(t, 0, sizeof *t);
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[512];
	bool any = false;
	while (fgets(line, sizeof line, f)) {
		char *field[8];
		size_t nf = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t\n", &save); tok && nf < 8;
			tok = strtok_r(NULL, " \t\n", &save))
			field[nf++] = tok;
		if (nf < 5 || strchr(field[0], '-') || strcmp(field[0], "%") == 0)
			continue;
		const char *name = field[nf - 1];
		double calls = strtod(field[3], NULL);
		if (strcmp(name, "total") == 0) {
			t->total = calls;
			any = true;
			continue;
		}
		if (t->n < MAX_SYSCALLS) {
			snprintf(t->name[t->n], sizeof t->name[t->n], "%s", name);
			t->calls[t->n++] = calls;
		}
	}
	fclose(f);
	return any ? 0 : -1;
}

static double calls_of(const struct syscall_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->name[i], name) == 0)
			return t->calls[i];
	return 0;
}

/* Run argv under strace -f -c; the table. 0 or -1. */
static int strace_run(const char *const argv[], char *const envp[], struct syscall_table *t)
{
	char *out = scratch_file("strace");
	const char *full[40] = { bench_cfg.strace, "-f", "-c", "-o", out, "--" };
	size_t n = 6;
	for (size_t i = 0; argv[i] && n < 39; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	int status = bench_capture(full, envp, NULL, true);
	int rc = status == 0 ? parse_strace(out, t) : -1;
	unlink(out);
	free(out);
	return rc;
}

/* Syscalls of argv minus those of base, per `per`, with the mix. */
static void diff_syscalls(const char *const argv[], const char *const base[], char *const envp[],
	double per, struct bench_counts *out)
{
	struct syscall_table with, without;
	out->syscalls = NAN;
	out->mix[0] = '\0';
	if (!bench_cfg.strace || strace_run(argv, envp, &with) != 0)
		return;
	if (base && strace_run(base, envp, &without) != 0)
		return;
	if (!base)
		memset(&without, 0, sizeof without);
	out->syscalls = (with.total - without.total) / per;
	size_t used = 0;
	for (size_t i = 0; i < with.n; i++) {
		double d = (with.calls[i] - calls_of(&without, with.name[i])) / per;
		if (fabs(d) < 0.005)
			continue;
		char num[32];
		int w = snprintf(out->mix + used, sizeof out->mix - used, "%s%s %s",
			used ? ", " : "", with.name[i], bench_fmt_count(num, sizeof num, d));
		if (w < 0 || (size_t)w >= sizeof out->mix - used)
			break;
		used += (size_t)w;
	}
}

static int parse_callgrind(const char *file, double *total)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) {
			*total = strtod(line + (line[0] == 's' ? 8 : 7), NULL);
			found = true;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

double bench_count_instructions_in(const char *const argv[], char *const envp[], const char *fn,
	double per)
{
	if (!bench_cfg.valgrind)
		return NAN;
	char *out = scratch_file("callgrind");
	char *out_arg = bench_printf("--callgrind-out-file=%s", out);
	char *toggle = fn ? bench_printf("--toggle-collect=%s", fn) : NULL;
	const char *full[40] = { bench_cfg.valgrind, "--tool=callgrind", out_arg };
	size_t n = 3;
	if (toggle) {
		full[n++] = "--collect-atstart=no";
		full[n++] = toggle;
	}
	for (size_t i = 0; argv[i] && n < 39; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	double total = NAN;
	/* Tried twice: a run can fail for reasons of the moment (memory). */
	for (int attempt = 0; attempt < 2 && isnan(total); attempt++) {
		int status = bench_capture(full, envp, NULL, true);
		if (status != 0 || parse_callgrind(out, &total) != 0)
			total = NAN;
	}
	unlink(out);
	free(out);
	free(out_arg);
	free(toggle);
	return total / per;
}

void bench_count_diff(const char *const argv[], const char *const base[], char *const envp[],
	double per, struct bench_counts *out)
{
	diff_syscalls(argv, base, envp, per, out);
}

void bench_count_command(const char *const argv[], char *const envp[], struct bench_counts *out)
{
	diff_syscalls(argv, NULL, envp, 1, out);
	out->instructions = bench_count_instructions_in(argv, envp, NULL, 1);
}

void bench_count_row(const struct bench_row *row, const char *dir, struct bench_counts *out)
{
	char n_text[32];
	snprintf(n_text, sizeof n_text, "%zu", bench_cfg.count_ops);
	char instr_text[32];
	size_t instr_ops = bench_cfg.instr_ops / row->block_divisor;
	if (instr_ops < 2)
		instr_ops = 2;
	snprintf(instr_text, sizeof instr_text, "%zu", instr_ops);
	double per = (double)bench_cfg.count_ops;
	char **env = bench_env_with("TMPDIR", dir);
	size_t k = 0;
	for (size_t i = 0; i < row->ncontenders; i++, k++) {
		const struct bench_contender *c = &row->contenders[i];
		out[k].syscalls = out[k].instructions = NAN;
		out[k].mix[0] = '\0';
		if (!c->run)
			continue;
		bench_note("counting %s/%s", row->key, c->key);
		const char *argv[] = { bench_cfg.self, "--count-op", row->key, c->key, n_text, dir,
			NULL };
		const char *base[] = { bench_cfg.self, "--count-op", row->key, c->key, n_text, dir,
			"base", NULL };
		diff_syscalls(argv, base, env, per, &out[k]);
		const char *iargv[] = { bench_cfg.self, "--count-op", row->key, c->key, instr_text,
			dir, NULL };
		out[k].instructions = bench_count_instructions_in(iargv, env, "bench_measured_block",
			(double)instr_ops);
		bench_result(out[k].syscalls, "count/%s/%s/syscalls", row->key, c->key);
	}
	for (size_t i = 0; i < row->npython; i++, k++) {
		out[k].syscalls = out[k].instructions = NAN;
		out[k].mix[0] = '\0';
		if (!bench_cfg.python)
			continue;
		bench_note("counting %s/%s", row->key, row->python[i].key);
		const char *argv[] = { bench_cfg.python, bench_cfg.peers_py, "count", row->key,
			row->python[i].key, n_text, NULL };
		const char *base[] = { bench_cfg.python, bench_cfg.peers_py, "count", row->key,
			row->python[i].key, n_text, "base", NULL };
		diff_syscalls(argv, base, env, per, &out[k]);
		bench_result(out[k].syscalls, "count/%s/%s/syscalls", row->key, row->python[i].key);
	}
	free(env);
}

int bench_count_main(const char *row_key, const char *key, size_t n, bool baseline, const char *dir)
{
	const struct bench_row *row = bench_find_row(row_key);
	const struct bench_contender *c = row ? bench_find_contender(row, key) : NULL;
	if (!c || !c->run)
		bench_fatal("no such contender: %s/%s", row_key, key);
	struct bench_ctx ctx;
	bench_ctx_init(&ctx, dir, n > WARMUP_OPS ? n : WARMUP_OPS);
	if ((c->prepare && c->prepare(&ctx, WARMUP_OPS) != 0) || c->run(&ctx, WARMUP_OPS) != 0)
		bench_fatal("%s/%s failed: %s", row_key, key, strerror(errno));
	if (c->prepare && c->prepare(&ctx, n) != 0)
		bench_fatal("%s/%s: prepare failed: %s", row_key, key, strerror(errno));
	if (!baseline && bench_measured_block(c, &ctx, n) != 0)
		bench_fatal("%s/%s failed: %s", row_key, key, strerror(errno));
	bench_ctx_free(&ctx);
	return 0;
}
