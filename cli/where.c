/*
 * where.c - tmpf where [--explain]: the directory temporary files go in
 * by default (tempfile_gettempdir), and with --explain every candidate
 * and its verdict.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: the errno values of rejection() */

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

static const char where_help[] =
	"Print the directory temporary files go in by default: the first of\n"
	"$TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp and the current directory\n"
	"in which a file can really be created, written and removed.\n"
	"\n"
	"      --explain   show every candidate, one per line, tab-separated:\n"
	"                    SOURCE  PATH  VERDICT\n"
	"                  SOURCE is TMPDIR, TEMP, TMP, default or cwd; PATH is '-'\n"
	"                  for an unset or empty variable; VERDICT is chosen,\n"
	"                  usable, unset, empty, or why it was rejected: missing,\n"
	"                  not a directory, not writable, read-only file system,\n"
	"                  full, name too long, symbolic link loop, or unusable\n"
	"                  (with the system's error message)\n"
	"      --help      display this help and exit\n"
	"\n"
	"Unlike mktemp -t and --tmpdir, which take $TMPDIR or /tmp without looking,\n"
	"this probes each candidate.\n"
	"\n"
	"Exit status: 0 if a usable directory was found, 1 otherwise.\n";

/* Why a candidate was rejected, in a word or three. */
static const char *rejection(int error)
{
	switch (error) {
	case ENOENT: return "missing";
	case ENOTDIR: return "not a directory";
	case EACCES:
	case EPERM: return "not writable";
	case EROFS: return "read-only file system";
#ifdef EDQUOT /* not in every C library (mingw) */
	case EDQUOT:
#endif
	case ENOSPC: return "full";
	case ENAMETOOLONG: return "name too long";
	case ELOOP: return "symbolic link loop";
	default: return "unusable";
	}
}

static int explain_candidate(const struct tempfile_candidate *c, void *arg)
{
	(void)arg;
	bool variable = strcmp(c->source, "default") != 0 && strcmp(c->source, "cwd") != 0;
	if (!c->path && variable) {
		printf("%s\t-\t%s\n", c->source, getenv(c->source) ? "empty" : "unset");
	} else if (!c->path) {
		printf("%s\t-\tunusable (%s)\n", c->source, strerror(c->error));
	} else if (c->error == 0) {
		printf("%s\t%s\t%s\n", c->source, c->path, c->chosen ? "chosen" : "usable");
	} else if (strcmp(rejection(c->error), "unusable") == 0) {
		printf("%s\t%s\tunusable (%s)\n", c->source, c->path, strerror(c->error));
	} else {
		printf("%s\t%s\t%s\n", c->source, c->path, rejection(c->error));
	}
	return 0;
}

/* The directory, or with explain every candidate; the exit status. */
static int print_where(bool explain)
{
	bool found;
	if (explain) {
		found = tempfile_gettempdir_explain(explain_candidate, NULL) == 0;
	} else {
		const char *dir = tempfile_gettempdir();
		found = dir != NULL;
		if (found)
			printf("%s\n", dir);
	}
	int status = finish_output(EXIT_SUCCESS, EXIT_FAILURE);
	if (!found) {
		complain(0, "no usable temporary directory (see '%s where --explain')",
			program_name);
		status = EXIT_FAILURE;
	}
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
