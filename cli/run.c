/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * run.c - tmpf run [--keep] [--keep-on-failure] [-p DIR] [--prefix P]
 * [--private-tmp] [--timeout D] [--kill-after D] [--no-kill] [--]
 * COMMAND...: COMMAND with TMPDIR, TMP and TEMP set to a new private
 * directory, removed with everything in it once COMMAND and all it started
 * (the unit, tmpf_os_run) have ended.
 */
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "tmpf_os.h"
#include "where.h"

enum {
	OPTION_KEEP = OPTION_FIRST_OWN,
	OPTION_KEEP_ON_FAILURE,
	OPTION_PREFIX,
	OPTION_PRIVATE_TMP,
	OPTION_TIMEOUT,
	OPTION_KILL_AFTER,
	OPTION_NO_KILL
};

/* The grace between SIGTERM and SIGKILL: long enough for a program to
 * flush and exit, short enough that a stuck run is not waited on. */
#define DEFAULT_KILL_AFTER 5.0

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
	"      --private-tmp       COMMAND sees the directory as /tmp and /var/tmp\n"
	"                            too, and TMPDIR is /tmp (a mount namespace of\n"
	"                            its own; Linux)\n"
	"      --timeout=DURATION  end the unit (below) when COMMAND has run for\n"
	"                            DURATION: SIGTERM, then SIGKILL; exit 124\n"
	"      --kill-after=DURATION  SIGKILL what is left of the unit DURATION\n"
	"                            after its SIGTERM (default: 5s; 0: at once)\n"
	"      --no-kill           the unit is COMMAND alone: what it leaves\n"
	"                            running is not ended\n"
	"      --help              display this help and exit\n"
	"      --version           output version information and exit\n"
	"\n"
	"Without -p, a $TMPDIR, $TEMP or $TMP that is set but passed over is\n"
	"reported on stderr, with why; with no usable directory at all, tmpf says\n"
	"so and points to 'tmpf where --explain'.\n"
	"\n"
	"COMMAND and every process it starts are one unit (on Linux, daemons that\n"
	"double-fork or setsid too; on Windows, a job object). When COMMAND ends,\n"
	"what is left of the unit gets SIGTERM, then SIGKILL after --kill-after;\n"
	"tmpf says on stderr how many it ended, and removes the directory once\n"
	"none of them runs. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to tmpf are\n"
	"passed on to the whole unit (one from the terminal only to those outside\n"
	"its foreground group, which had it already); tmpf waits and cleans up; a\n"
	"second one after COMMAND has ended skips the rest of the grace. DURATION\n"
	"is a number, fractions allowed, with an optional suffix: s (seconds, the\n"
	"default), m, h or d; a --timeout of 0 is none. Options end at the first\n"
	"non-option.\n"
	"\n"
	"Exit status: COMMAND's status, or 128+N if it was killed by signal N\n"
	"(what tmpf ended of the rest of the unit does not change it); 124 if\n"
	"--timeout ended COMMAND (137 if that took SIGKILL); 125 if tmpf itself\n"
	"failed (bad usage, directory not created, no private /tmp, or not removed\n"
	"after COMMAND succeeded); 126 if COMMAND could not be run; 127 if COMMAND\n"
	"was not found.\n";

static const struct long_option run_options[] = OPTIONS_AND_HELP(
	{ "keep", ARGUMENT_NONE, OPTION_KEEP },
	{ "keep-on-failure", ARGUMENT_NONE, OPTION_KEEP_ON_FAILURE },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "prefix", ARGUMENT_REQUIRED, OPTION_PREFIX },
	{ "private-tmp", ARGUMENT_NONE, OPTION_PRIVATE_TMP },
	{ "timeout", ARGUMENT_REQUIRED, OPTION_TIMEOUT },
	{ "kill-after", ARGUMENT_REQUIRED, OPTION_KILL_AFTER },
	{ "no-kill", ARGUMENT_NONE, OPTION_NO_KILL });

/* The largest DURATION kept: longer ones are clamped to it, as GNU timeout
 * clamps (about 31 years). */
#define DURATION_MAX 1e9

/* DURATION as GNU timeout reads it: digits, an optional fraction, an
 * optional unit (s m h d). Read by hand, so that the decimal point is "."
 * whatever the locale. 0 and *seconds, or -1. */
static int parse_duration(const char *text, double *seconds)
{
	double value = 0, scale = 1;
	const char *c = text;
	bool digits = false, point = false;
	for (; (*c >= '0' && *c <= '9') || (*c == '.' && !point); c++) {
		if (*c == '.') {
			point = true;
			continue;
		}
		digits = true;
		if (point)
			value += (*c - '0') * (scale /= 10);
		else if (value < DURATION_MAX)
			value = value * 10 + (*c - '0');
	}
	static const struct {
		char unit;
		double seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	double multiplier = 1;
	if (*c) {
		size_t i = 0;
		while (i < sizeof units / sizeof *units && units[i].unit != *c)
			i++;
		if (i == sizeof units / sizeof *units || c[1])
			return -1;
		multiplier = units[i].seconds;
	}
	if (!digits)
		return -1;
	value *= multiplier;
	*seconds = value > DURATION_MAX ? DURATION_MAX : value;
	return 0;
}
/* Run COMMAND in the new directory; its status, or 125-127 after a message. */
static int run_in_directory(struct tmpf_run *run)
{
	static const char *const variables[] = { "TMPDIR", "TMP", "TEMP" };
	/* With a private /tmp the directory is /tmp for COMMAND: its own path
	 * there would lead into /tmp, now the directory itself. */
	const char *value = run->private_tmp ? "/tmp" : run->dir;
	for (size_t i = 0; i < sizeof variables / sizeof *variables; i++) {
		if (tmpf_os_setenv(variables[i], value) != 0) {
			complain(errno, "cannot set %s to %s", variables[i], quote(value));
			return EXIT_TMPF_FAILED;
		}
	}
	int error = tmpf_os_run(run);
	char **command = run->command;
	if (error && run->step == TMPF_RUN_FORWARDING) {
		complain(error, "cannot set up signal forwarding");
		return EXIT_TMPF_FAILED;
	}
	if (error && run->step == TMPF_RUN_PRIVATE_TMP) {
		complain(error, "cannot give %s a private /tmp (%s)", quote(command[0]),
			run->failed_call ? run->failed_call : "not available on this system");
		return EXIT_TMPF_FAILED;
	}
	if (error && run->step == TMPF_RUN_SPAWN) {
		complain(error, "cannot run %s", quote(command[0]));
		return error == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	if (error) {
		complain(error, "cannot wait for %s", quote(command[0]));
		return EXIT_TMPF_FAILED;
	}
	if (run->left_running > 0) {
		char killed[64] = "";
		if (run->killed > 0)
			snprintf(killed, sizeof killed, " (%u with SIGKILL)", run->killed);
		complain(0, "ended %u process%s that %s left running%s", run->left_running,
			run->left_running == 1 ? "" : "es", quote(command[0]), killed);
	}
	return run->status;
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
	else if (value == OPTION_PRIVATE_TMP)
		r->private_tmp = true;
	else if (value == OPTION_NO_KILL)
		r->no_kill = true;
	else if ((value == OPTION_TIMEOUT || value == OPTION_KILL_AFTER) &&
		parse_duration(argument, value == OPTION_TIMEOUT ? &r->timeout : &r->kill_after) != 0) {
		complain(0, "invalid time interval %s", quote(argument));
		suggest_help("run");
		return EXIT_TMPF_FAILED;
	}
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
	r->kill_after = DEFAULT_KILL_AFTER;
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
	struct tmpf_run run = { .command = r.command, .dir = dir, .contain = !r.no_kill,
		.private_tmp = r.private_tmp, .timeout = r.timeout, .kill_after = r.kill_after };
	status = run_in_directory(&run);
	bool failed = status != EXIT_SUCCESS;
	if (run.unit_error) {
		/* Some of the unit may still write there: leave it to them. */
		complain(run.unit_error, "cannot end what %s left running; kept temporary directory %s",
			quote(r.command[0]), quote(dir));
		if (!failed)
			status = EXIT_TMPF_FAILED;
	} else if (r.keep || (r.keep_on_failure && failed)) {
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

