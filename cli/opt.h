/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * opt.h - tmpf's option parser: GNU getopt_long's behaviour and messages,
 * so that every mktemp command line, good or bad, gets the same answer on
 * any C library (glibc's and musl's getopt_long word their messages
 * differently).
 *
 * Short options in getopt(3) syntax ("dp:qtuV"); long options from a table,
 * abbreviated to any unambiguous prefix, with "--name=value" or, for a
 * required argument, "--name value". "--" ends the options. Operands are
 * gathered, in order, at argv[first_operand...]: by default options and
 * operands may be mixed (GNU permutation); with stop_at_operand, or when
 * POSIXLY_CORRECT is set, the first operand ends the options.
 *
 * Above it, command_parse: one tmpf command line as GNU tools handle it,
 * --help, --version and usage errors included, so that each subcommand
 * says only what its options do.
 */
#ifndef TMPF_OPT_H
#define TMPF_OPT_H

#include <stdbool.h>

#include "msg.h" /* TMPF_PRINTF */

enum option_argument { ARGUMENT_NONE, ARGUMENT_REQUIRED, ARGUMENT_OPTIONAL };

struct long_option {
	const char *name;
	enum option_argument argument;
	int value; /* what option_parser_next returns for it */
};

#define OPTIONS_END (-1)
#define OPTIONS_ERROR '?'

/* Values of long-only options: above every character. --help's and
 * --version's are shared; a command numbers its own from OPTION_FIRST_OWN. */
enum { OPTION_HELP = 256, OPTION_VERSION, OPTION_FIRST_OWN };

/* A table of the given options, then --help and --version, then the end. */
#define OPTIONS_AND_HELP(...)                                                          \
	{ __VA_ARGS__, { "help", ARGUMENT_NONE, OPTION_HELP },                          \
		{ "version", ARGUMENT_NONE, OPTION_VERSION }, { NULL, ARGUMENT_NONE, 0 } }

struct option_parser {
	int argc;
	char **argv;
	const char *short_options;              /* getopt(3) syntax: "dp:qtuV" */
	const struct long_option *long_options; /* ends with a NULL name */
	bool stop_at_operand;                   /* no permutation */
	int next;                               /* next argv element to read */
	const char *cluster;                    /* rest of "-abc" being read */
	int operands;                           /* gathered at argv[first_operand...] */
	int first_operand;
	const char *argument;                   /* the current option's argument */
};

/* Start parsing argv[1...]; argv's elements are reordered as operands are
 * gathered (the strings are not touched). */
void option_parser_init(struct option_parser *p, int argc, char **argv, const char *short_options,
	const struct long_option *long_options, bool stop_at_operand);

/* The next option's value (a short option's character, or a long option's
 * value; its argument in p->argument, NULL if none), OPTIONS_END when only
 * operands are left (p->operands of them at argv[p->first_operand...]),
 * or OPTIONS_ERROR after printing why, as getopt_long does. */
int option_parser_next(struct option_parser *p);

/* ---- a command line: its options, --help and usage errors ---------------------- */

/* What a command does with one of its options (not --help): -1 to go on,
 * else the exit status to stop with (as after --version). */
typedef int command_option_fn(void *request, int value, const char *argument);

struct command {
	const char *name;  /* the subcommand, as in "Try 'tmpf rm --help'"; NULL: none */
	const char *usage; /* the first line of --help, after "Usage: tmpf " */
	const char *help;  /* the rest of --help */
	int failure_status; /* the exit status of a usage error */
	const char *short_options;
	const struct long_option *long_options; /* with { "help", ..., OPTION_HELP } */
	bool stop_at_operand;
	command_option_fn *option;
};

/* Parse argv (argv[0] the command's name) as command's command line,
 * handing each option but --help and --version to command->option(request,
 * ...). Returns -1 to go on, with the operands in *p (p->operands at
 * argv[p->first_operand...]); or the exit status after --help or --version
 * (printed on stdout), after a usage error (its message, then the
 * suggestion of --help), or that an option's handler returned. */
int command_parse(const struct command *command, struct option_parser *p, int argc, char **argv,
	void *request);

/* --version: the version, the copyright and the licence on stdout, as GNU
 * tools print them; the exit status (failure_status if stdout fails). */
int print_version(int failure_status);

/* The command_option_fn of a command whose one option is a flag: sets
 * *(bool *)flag. */
int command_flag(void *flag, int value, const char *argument);

/* A usage error after the options: "tmpf: message", the suggestion of
 * --help; returns command->failure_status. */
int command_usage_error(const struct command *command, const char *format, ...)
	TMPF_PRINTF(2, 3);

#endif
