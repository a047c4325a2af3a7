/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * where.c - tmpf where [--explain]: the directory temporary files go in
 * by default (tempfile_gettempdir's choice, and every variable passed
 * over with why), and with --explain every candidate and its verdict.
 * tmpf run finds its default directory here too (where.h).
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: the errno values of plain_reason(), strdup */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "where.h"

static const char where_help[] =
	"Print the directory temporary files go in by default: the first of\n"
	"$TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp and the current directory\n"
	"in which a file can really be created, written and removed. A variable\n"
	"that is set but passed over is reported on stderr, with why.\n"
	"\n"
	"      --explain   show every candidate, one per line, tab-separated:\n"
	"                    SOURCE  PATH  VERDICT\n"
	"                  SOURCE is TMPDIR, TEMP, TMP, default or cwd; PATH is '-'\n"
	"                  for an unset or empty variable; VERDICT is chosen,\n"
	"                  usable, unset, empty, or why it was rejected: missing,\n"
	"                  not a directory, not accessible, symbolic link loop,\n"
	"                  name too long, not writable, read-only file system,\n"
	"                  full, or (with the system's error message) cannot\n"
	"                  create files, cannot write files, cannot remove files,\n"
	"                  unusable\n"
	"      --help      display this help and exit\n"
	"      --version   output version information and exit\n"
	"\n"
	"Unlike mktemp -t and --tmpdir, which take $TMPDIR or /tmp without looking,\n"
	"this probes each candidate.\n"
	"\n"
	"Exit status: 0 if a usable directory was found, 1 otherwise.\n";

/* The few words that say all of error at step, or NULL. They must be
 * true of what happened: ENOENT is "missing" only for the directory
 * itself, not when an existing one refuses new files (/proc). */
static const char *plain_reason(enum tempfile_probe_step step, int error)
{
	bool full = error == ENOSPC;
#ifdef EDQUOT /* not in every C library (mingw) */
	full = full || error == EDQUOT;
#endif
	if (step == TEMPFILE_PROBE_DIRECTORY) {
		switch (error) {
		case ENOENT: return "missing";
		case ENOTDIR: return "not a directory";
		case EACCES: return "not accessible";
		case ELOOP: return "symbolic link loop";
		case ENAMETOOLONG: return "name too long";
		default: return NULL;
		}
	}
	if (step == TEMPFILE_PROBE_CREATE && (error == EACCES || error == EPERM))
		return "not writable";
	if (step == TEMPFILE_PROBE_CREATE && error == EROFS)
		return "read-only file system";
	if ((step == TEMPFILE_PROBE_CREATE || step == TEMPFILE_PROBE_WRITE) && full)
		return "full";
	return NULL;
}

/* What failed at step, said with the system's error message after it. */
static const char *failed_step(enum tempfile_probe_step step)
{
	switch (step) {
	case TEMPFILE_PROBE_CREATE: return "cannot create files";
	case TEMPFILE_PROBE_WRITE: return "cannot write files";
	case TEMPFILE_PROBE_REMOVE: return "cannot remove files";
	default: return "unusable";
	}
}

static bool is_variable(const char *source)
{
	return strcmp(source, "default") != 0 && strcmp(source, "cwd") != 0;
}

/* Why c was rejected: plain words, or in buf what failed and the system's
 * message; "unset" or "empty" for a variable with nothing to probe. */
static const char *rejection(const struct tempfile_candidate *c, char *buf, size_t size)
{
	if (c->step == TEMPFILE_PROBE_NO_PATH && is_variable(c->source)) {
		const char *value = getenv(c->source);
		if (!value)
			return "unset";
		if (!*value)
			return "empty";
	}
	const char *plain = plain_reason(c->step, c->error);
	if (plain)
		return plain;
	snprintf(buf, size, "%s (%s)", failed_step(c->step), strerror(c->error));
	return buf;
}

/* Room for the longest rejection: words and a system error message. */
#define REJECTION_ROOM 256

static int explain_candidate(const struct tempfile_candidate *c, void *arg)
{
	(void)arg;
	char room[REJECTION_ROOM];
	const char *verdict = c->error == 0 ? c->chosen ? "chosen" : "usable"
					    : rejection(c, room, sizeof room);
	printf("%s\t%s\t%s\n", c->source, c->path ? c->path : "-", verdict);
	return 0;
}

/* Failure of the search itself (ENOENT: nothing usable), said. */
static void say_search_failed(int error)
{
	if (error == ENOENT)
		complain(0, "no usable temporary directory (see '%s where --explain')",
			program_name);
	else
		complain(error, "cannot look for a temporary directory");
}

/* where_default_dir's walk: each variable passed over said, the chosen
 * candidate copied. */
static int take_default(const struct tempfile_candidate *c, void *chosen)
{
	if (c->chosen) {
		*(char **)chosen = strdup(c->path);
		if (!*(char **)chosen) {
			errno = ENOMEM;
			return -1;
		}
		return 1; /* the walk stops at the one taken */
	}
	const char *value = is_variable(c->source) ? getenv(c->source) : NULL;
	if (value && *value) { /* set, and before the chosen one: passed over */
		char room[REJECTION_ROOM];
		complain(0, "ignoring %s %s: %s", c->source, quote(c->path ? c->path : value),
			rejection(c, room, sizeof room));
	}
	return 0;
}

char *where_default_dir(void)
{
	char *chosen = NULL;
	if (tempfile_gettempdir_explain(take_default, &chosen) == 0)
		return chosen;
	say_search_failed(errno);
	return NULL;
}

/* The directory, or with explain every candidate; the exit status. */
static int print_where(bool explain)
{
	int error = 0;
	bool found;
	if (explain) {
		found = tempfile_gettempdir_explain(explain_candidate, NULL) == 0;
		error = errno;
	} else {
		char *dir = where_default_dir();
		found = dir != NULL;
		if (found)
			printf("%s\n", dir);
		free(dir);
	}
	int status = finish_output(found ? EXIT_SUCCESS : EXIT_FAILURE, EXIT_FAILURE);
	if (explain && !found)
		say_search_failed(error);
	return status;
}

static const struct long_option where_options[] =
	OPTIONS_AND_HELP({ "explain", ARGUMENT_NONE, 'e' });
static const struct command where_command = { .name = "where", .usage = "where [--explain]",
	.help = where_help, .failure_status = EXIT_FAILURE, .short_options = "",
	.long_options = where_options, .option = command_flag };

int where_main(int argc, char **argv)
{
	struct option_parser p;
	bool explain = false;
	int status = command_parse(&where_command, &p, argc, argv, &explain);
	if (status < 0 && p.operands > 0)
		status = command_usage_error(&where_command, "extra operand %s",
			quote(argv[p.first_operand]));
	return status < 0 ? print_where(explain) : status;
}
