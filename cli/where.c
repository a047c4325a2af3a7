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

enum { OPTION_HELP = 256 };

static const struct long_option where_options[] = {
	{ "explain", ARGUMENT_NONE, 'e' },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ NULL, ARGUMENT_NONE, 0 },
};

static int where_help(void)
{
	printf("Usage: %s where [--explain]\n", program_name);
	fputs("Print the directory temporary files go in by default: the first of\n"
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
	      "Exit status: 0 if a usable directory was found, 1 otherwise.\n",
		stdout);
	return finish_output(EXIT_SUCCESS, EXIT_FAILURE);
}

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

int where_main(int argc, char **argv)
{
	struct option_parser p;
	option_parser_init(&p, argc, argv, "", where_options, false);
	bool explain = false;
	int c;
	while ((c = option_parser_next(&p)) != OPTIONS_END) {
		switch (c) {
		case 'e': explain = true; break;
		case OPTION_HELP: return where_help();
		default: suggest_help("where"); return EXIT_FAILURE;
		}
	}
	if (p.operands > 0) {
		complain(0, "extra operand %s", quote(argv[p.first_operand]));
		suggest_help("where");
		return EXIT_FAILURE;
	}
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

