/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * results.c - the numbers the closing "Targets" table needs, collected from
 * every section as name=value pairs. Micro rows run in child processes:
 * they send their pairs to the parent through a pipe (bench_results_fd).
 */
#include "bench.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RESULTS 512

static struct {
	char name[96];
	double value;
} results[MAX_RESULTS];
static size_t nresults;

int bench_results_fd = -1;
const char *bench_dir_tag = "d0";

void bench_result(double value, const char *fmt, ...)
{
	char name[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (bench_results_fd >= 0) {
		char *line = bench_printf("%s %.17g\n", name, value);
		(void)bench_write_all(bench_results_fd, line);
		free(line);
		return;
	}
	for (size_t i = 0; i < nresults; i++) {
		if (strcmp(results[i].name, name) == 0) {
			results[i].value = value;
			return;
		}
	}
	if (nresults < MAX_RESULTS) {
		snprintf(results[nresults].name, sizeof results[nresults].name, "%s", name);
		results[nresults++].value = value;
	}
}

void bench_results_take(int fd)
{
	char *line;
	while ((line = bench_read_line(fd))) {
		char *space = strrchr(line, ' ');
		if (space) {
			*space = '\0';
			bench_result(strtod(space + 1, NULL), "%s", line);
		}
		free(line);
	}
}

double bench_result_get(const char *fmt, ...)
{
	char name[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < nresults; i++)
		if (strcmp(results[i].name, name) == 0)
			return results[i].value;
	return NAN;
}
