/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * run.c - tmpf run [--keep] [--keep-on-failure] [-p DIR] [--prefix P]
 * [--] COMMAND...: COMMAND with TMPDIR, TMP and TEMP set to a new private
 * directory, removed with everything in it when COMMAND ends.
 */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "tmpf_os.h"
#include "where.h"

enum { OPTION_KEEP = OPTION_FIRST_OWN, OPTION_KEEP_ON_FAILURE, OPTION_PREFIX };

static const char run_help[] =
	"Create a private temporary directory (mode 0700), run COMMAND with TMPDIR,\n"
	"TMP and TEMP set to it, then remove it with everything COMMAND left there,\n"
	"read-only or not. Replaces: tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT\n"
	"\n"
	"      --keep              keep the directory (its name is printed on stderr)\n"
	"      --keep-on-failure   keep it only when COMMAND fails or is killed\n"
	"  -p DIR, --tmpdir[=DIR]  create it in DIR, not in the directory that\n"
	"                            'tmpf where' prints\n"
	"      --prefix=P          start its name with P (default: tmpf.)\n"
	"      --help              display this help and exit\n"
	"      --version           output version information and exit\n"
	"\n"
	"Without -p, a $TMPDIR, $TEMP or $TMP that is set but passed over is\n"
	"reported on stderr, with why; with no usable directory at all, tmpf says\n"
	"so and points to 'tmpf where --explain'.\n"
	"\n"
	"SIGINT, SIGTERM and SIGHUP sent to tmpf are passed on to COMMAND; tmpf\n"
	"waits for it and cleans up. Options end at the first non-option.\n"
	"\n"
	"Exit status: COMMAND's status, or 128+N if it was killed by signal N;\n"
	"125 if tmpf itself failed (bad usage, directory not created, or not\n"
	"removed after COMMAND succeeded); 126 if COMMAND could not be run;\n"
	"127 if COMMAND was not found.\n";

static const struct long_option run_options[] = OPTIONS_AND_HELP(
	{ "keep", ARGUMENT_NONE, OPTION_KEEP },
	{ "keep-on-failure", ARGUMENT_NONE, OPTION_KEEP_ON_FAILURE },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "prefix", ARGUMENT_REQUIRED, OPTION_PREFIX });
/* Run COMMAND in the new directory; its status, or 125-127 after a message. */
static int run_in_directory(char **command, const char *dir)
{
	static const char *const variables[] = { "TMPDIR", "TMP", "TEMP" };
	for (size_t i = 0; i < sizeof variables / sizeof *variables; i++) {
		if (tmpf_os_setenv(variables[i], dir) != 0) {
			complain(errno, "cannot set %s to %s", variables[i], quote(dir));
			return EXIT_TMPF_FAILED;
		}
	}
	int status;
	enum tmpf_run_step step;
	int error = tmpf_os_run(command, &status, &step);
	if (error && step == TMPF_RUN_FORWARDING) {
		complain(error, "cannot set up signal forwarding");
		return EXIT_TMPF_FAILED;
	}
	if (error && step == TMPF_RUN_SPAWN) {
		complain(error, "cannot run %s", quote(command[0]));
		return error == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	if (error) {
		complain(error, "cannot wait for %s", quote(command[0]));
		return EXIT_TMPF_FAILED;
	}
	return status;
}

/* Each option of tmpf run into *request. */
static int run_option(void *request, int value, const char *argument)
{
	struct run_request *r = request;
	if (value == OPTION_KEEP)
		r->keep = true;
	else if (value == OPTION_KEEP_ON_FAILURE)
		r->keep_on_failure = true;
	else if (value == 'p')
		r->dir = argument && *argument ? argument : NULL; /* bare --tmpdir: the default */
	else if (value == OPTION_PREFIX)
		r->prefix = argument;
	return -1;
}

/* Options end at the command: "tmpf run ls -l" runs "ls -l". */
static const struct command run_command = { .name = "run",
	.usage = "run [OPTION]... [--] COMMAND [ARG]...", .help = run_help,
	.failure_status = EXIT_TMPF_FAILED, .short_options = "p:", .long_options = run_options,
	.stop_at_operand = true, .option = run_option };

int run_parse(int argc, char **argv, struct run_request *r)
{
	struct option_parser p;
	int status = command_parse(&run_command, &p, argc, argv, r);
	if (status < 0 && p.operands == 0)
		status = command_usage_error(&run_command, "missing command");
	if (status >= 0)
		return status;
	if (r->prefix && strchr(r->prefix, '/')) {
		complain(0, "invalid prefix %s, contains directory separator", quote(r->prefix));
		return EXIT_TMPF_FAILED;
	}
	argv[p.first_operand + p.operands] = NULL; /* was argv[argc] or an option */
	r->command = argv + p.first_operand;
	return -1;
}

int run_main(int argc, char **argv)
{
	struct run_request r = { 0 };
	int status = run_parse(argc, argv, &r);
	if (status >= 0)
		return status;
	char *default_dir = NULL; /* the one 'tmpf where' prints, after its notes */
	if (!r.dir && !(default_dir = where_default_dir()))
		return EXIT_TMPF_FAILED;
	const char *parent = r.dir ? r.dir : default_dir;
	/* Leased: a tmpf run that is SIGKILLed leaves a directory that tmpf
	 * reap, or the next tmpf run in parent, removes (one pass over it). */
	const struct tempfile_opts opts = { .dir = parent, .prefix = r.prefix ? r.prefix : "tmpf.",
		.flags = TEMPFILE_LEASE };
	(void)tempfile_reap(parent, 0);
	char *dir = tempfile_mkdtemp(&opts);
	if (!dir)
		complain(errno, "cannot create a temporary directory in %s", quote(parent));
	free(default_dir);
	if (!dir)
		return EXIT_TMPF_FAILED;
	status = run_in_directory(r.command, dir);
	bool failed = status != EXIT_SUCCESS;
	if (r.keep || (r.keep_on_failure && failed)) {
		complain(0, "kept temporary directory %s", quote(dir));
		(void)tempfile_forget(dir); /* kept: no lease, never reaped */
	} else if (tempfile_rmtree(dir, 0) != 0) {
		complain(errno, "cannot remove temporary directory %s", quote(dir));
		if (!failed)
			status = EXIT_TMPF_FAILED;
	}
	free(dir);
	return status;
}

