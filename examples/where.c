/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * where.c - where temporary files go, and why: tempfile_gettempdir_explain().
 *
 * The default directory is the first usable one of $TMPDIR, $TEMP, $TMP,
 * the system's defaults (on POSIX /tmp, /var/tmp, /usr/tmp) and the
 * current directory. This program shows every candidate, why each one that is not
 * usable was rejected, and the one taken: what to look at when temporary
 * files end up somewhere unexpected, or nowhere. (`tmpf where --explain`
 * shows the same.)
 *
 * Build: cc where.c $(pkg-config --cflags --libs tempfile)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tempfile.h>

/* Called once per candidate, in order; returning 0 goes on to the next. */
static int show(const struct tempfile_candidate *c, void *arg)
{
	(void)arg;
	const char *verdict = !c->path ? "unset"
		: c->chosen ? "usable, chosen"
		: c->error ? strerror(c->error) : "usable";
	printf("%-8s %-30s %s\n", c->source, c->path ? c->path : "-", verdict);
	return 0;
}

int main(void)
{
	if (tempfile_gettempdir_explain(show, NULL) != 0) {
		fprintf(stderr, "no usable temporary directory: %s\n", strerror(errno));
		return 1;
	}
	/* The same choice, made once and cached for the process. */
	const char *dir = tempfile_gettempdir();
	if (!dir) {
		fprintf(stderr, "tempfile_gettempdir: %s\n", strerror(errno));
		return 1;
	}
	printf("temporary files go to %s\n", dir);
	return 0;
}
