/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * mktemp.h - the stages of mktemp mode (mktemp.c), for mktemp_main and
 * the fuzzer (fuzz/fuzz_cli_args.c), which runs them without creating
 * anything.
 */
#ifndef TMPF_MKTEMP_H
#define TMPF_MKTEMP_H

#include <stdbool.h>
#include <stddef.h>

/* What one mktemp invocation asks for. */
struct mktemp_request {
	bool directory, dry_run, quiet, use_dir, deprecated_t;
	const char *dir_arg; /* -p or --tmpdir=DIR; NULL for a bare --tmpdir */
	const char *suffix;  /* --suffix, or NULL */
	const char *template;
};

/* A string kept on the caller's stack when it fits in room, else in
 * malloc'ed memory: mktemp's success path calls no malloc (in a static
 * glibc program the first one costs three syscalls, a tenth of a run).
 * Start with text NULL; mktemp_buffer_release frees what it holds. */
#define MKTEMP_ROOM 1024
struct mktemp_buffer {
	char *text;
	char room[MKTEMP_ROOM];
};
void mktemp_buffer_release(struct mktemp_buffer *b);

/* Parse argv into *r: -1 to go on, else the exit status (after --help,
 * --version, or a usage error and its message). Reorders argv. */
int mktemp_parse(int argc, char **argv, struct mktemp_request *r);

/* The template with --suffix appended, checked as coreutils checks it;
 * sets *suffix_len. In b, or NULL after a message (errno 0) or with errno. */
char *mktemp_checked_template(const struct mktemp_request *r, struct mktemp_buffer *b,
	size_t *suffix_len);

/* tmpl (from mktemp_checked_template) placed in its directory (-t, -p,
 * --tmpdir, or none given): tmpl itself, or in b; NULL after a message
 * (errno 0) or with errno. */
char *mktemp_placed_template(const struct mktemp_request *r, char *tmpl, struct mktemp_buffer *b);

#endif
