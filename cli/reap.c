/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * reap.c - tmpf reap [-n] [-v] [DIR]: remove, in DIR, every object that a
 * process created with TEMPFILE_LEASE (tmpf run's directories among them)
 * and that no process holds any more, by tempfile_reap_explain, saying
 * what it removes (or would) as rm -v words it.
 */
#include "reap.h"

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
#include "tmpf_os.h"
#include "where.h"

static const char reap_help[] =
	"Remove, in DIR, every abandoned lease of yours: a file or directory made\n"
	"with TEMPFILE_LEASE (the directory of a 'tmpf run', say) whose creating\n"
	"process is gone, however it ended, SIGKILL included. Objects still held\n"
	"by a live process, objects without a lease, and other users' objects are\n"
	"never touched; directories go with everything in it, never following a\n"
	"link. Only the entries of DIR are looked at.\n"
	"\n"
	"  -n, --dry-run   print what would be removed, and remove nothing\n"
	"  -v, --verbose   print each object removed\n"
	"      --help      display this help and exit\n"
	"      --version   output version information and exit\n"
	"\n"
	"Without DIR, the directory that 'tmpf where' prints.\n"
	"\n"
	"Exit status: 0 if every abandoned lease found was removed, 1 otherwise\n"
	"(DIR missing or unreadable, or an object that could not be removed).\n";

struct reap_request {
	bool dry_run;
	bool verbose;
	const char *dir;
	bool failed; /* an object could not be removed, or stdout failed */
};

static int reap_option(void *request, int value, const char *argument)
{
	struct reap_request *r = request;
	(void)argument;
	if (value == 'n')
		r->dry_run = true;
	else
		r->verbose = true;
	return -1;
}

/* One abandoned lease: what happened to it, on stdout or (an error) stderr. */
static void report(const struct tempfile_reaped *entry, void *arg)
{
	struct reap_request *r = arg;
	size_t n = strlen(r->dir) + 1 + strlen(entry->name) + 1;
	char *path = malloc(n);
	if (path) {
		bool separator = r->dir[0] && !tmpf_os_is_separator(r->dir[strlen(r->dir) - 1]);
		snprintf(path, n, "%s%s%s", r->dir, separator ? "/" : "", entry->name);
	}
	const char *shown = path ? path : entry->name;
	const char *kind = entry->is_dir ? "directory " : "";
	if (entry->error != 0) {
		complain(entry->error, "cannot remove %s", quote(shown));
		r->failed = true;
	} else if (r->dry_run) {
		if (printf("would remove %s%s\n", kind, quote(shown)) < 0)
			r->failed = true;
	} else if (r->verbose) {
		if (printf("removed %s%s\n", kind, quote(shown)) < 0)
			r->failed = true;
	}
	free(path);
}

static const struct long_option reap_options[] = OPTIONS_AND_HELP(
	{ "dry-run", ARGUMENT_NONE, 'n' }, { "verbose", ARGUMENT_NONE, 'v' });
static const struct command reap_command = { .name = "reap",
	.usage = "reap [-n] [-v] [DIR]", .help = reap_help, .failure_status = EXIT_FAILURE,
	.short_options = "nv", .long_options = reap_options, .option = reap_option };

int reap_main(int argc, char **argv)
{
	struct reap_request r = { 0 };
	struct option_parser p;
	int status = command_parse(&reap_command, &p, argc, argv, &r);
	if (status >= 0)
		return status;
	if (p.operands > 1)
		return command_usage_error(&reap_command, "extra operand %s",
			quote(argv[p.first_operand + 1]));
	char *default_dir = NULL;
	if (p.operands == 1) {
		r.dir = argv[p.first_operand];
	} else {
		default_dir = where_default_dir();
		if (!default_dir)
			return EXIT_FAILURE;
		r.dir = default_dir;
	}
	status = EXIT_SUCCESS;
	if (tempfile_reap_explain(r.dir, r.dry_run ? TEMPFILE_DRY_RUN : 0, report, &r) < 0 &&
		!r.failed) {
		complain(errno, "cannot reap %s", quote(r.dir));
		status = EXIT_FAILURE;
	}
	if (r.failed)
		status = EXIT_FAILURE;
	free(default_dir);
	return finish_output(status, EXIT_FAILURE);
}
