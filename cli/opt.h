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
 */
#ifndef TMPF_OPT_H
#define TMPF_OPT_H

#include <stdbool.h>

enum option_argument { ARGUMENT_NONE, ARGUMENT_REQUIRED, ARGUMENT_OPTIONAL };

struct long_option {
	const char *name;
	enum option_argument argument;
	int value; /* what option_parser_next returns for it */
};

#define OPTIONS_END (-1)
#define OPTIONS_ERROR '?'

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

#endif
