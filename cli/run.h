/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * run.h - the parsing stage of tmpf run (run.c), for run_main and the
 * fuzzer (fuzz/fuzz_cli_args.c), which parses without running anything.
 */
#ifndef TMPF_RUN_H
#define TMPF_RUN_H

#include <stdbool.h>

/* What one tmpf run invocation asks for. */
struct run_request {
	bool keep, keep_on_failure;
	bool no_kill;       /* --no-kill: the unit is COMMAND alone */
	bool private_tmp;   /* --private-tmp */
	double timeout;     /* --timeout, seconds; 0: none */
	double kill_after;  /* --kill-after, seconds */
	const char *dir;    /* NULL: tempfile_gettempdir() */
	const char *prefix; /* NULL: "tmpf." */
	char **command;     /* NULL-terminated, within argv */
};

/* Parse argv into *r: -1 to go on, else the exit status (after --help or
 * a usage error and its message). Reorders argv and ends the command with
 * a NULL in it. */
int run_parse(int argc, char **argv, struct run_request *r);

#endif
