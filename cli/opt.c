/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * opt.c - GNU getopt_long, message for message, and a tmpf command line
 * around it: --help, --version and usage errors (see opt.h).
 */
#include "opt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "tmpf.h"

void option_parser_init(struct option_parser *p, int argc, char **argv, const char *short_options,
	const struct long_option *long_options, bool stop_at_operand)
{
	*p = (struct option_parser){
		.argc = argc,
		.argv = argv,
		.short_options = short_options,
		.long_options = long_options,
		.stop_at_operand = stop_at_operand || getenv("POSIXLY_CORRECT") != NULL,
		.next = 1,
		.first_operand = 1,
	};
}

static void take_operand(struct option_parser *p, int index)
{
	p->argv[p->first_operand + p->operands++] = p->argv[index];
}

/* Every remaining element is an operand. */
static int take_rest(struct option_parser *p)
{
	while (p->next < p->argc)
		take_operand(p, p->next++);
	return OPTIONS_END;
}

static int next_short_option(struct option_parser *p)
{
	char c = *p->cluster++;
	const char *spec = c != ':' ? strchr(p->short_options, c) : NULL;
	p->argument = NULL;
	if (!spec) {
		complain(0, "invalid option -- '%c'", c);
		p->cluster = NULL;
		return OPTIONS_ERROR;
	}
	if (spec[1] == ':') {
		if (*p->cluster) {
			p->argument = p->cluster;
		} else if (p->next < p->argc) {
			p->argument = p->argv[p->next++];
		} else {
			complain(0, "option requires an argument -- '%c'", c);
			p->cluster = NULL;
			return OPTIONS_ERROR;
		}
		p->cluster = NULL;
	}
	if (p->cluster && !*p->cluster)
		p->cluster = NULL;
	return (unsigned char)c;
}

/* Whether option o is a different choice from first (glibc lists, and
 * counts as ambiguous, only prefixes of options that differ). */
static bool differs(const struct long_option *o, const struct long_option *first)
{
	return o->argument != first->argument || o->value != first->value;
}

/* glibc's list of possibilities, " '--a' '--b'...", as snprintf into buf:
 * every option the abbreviation fits that differs from the first one
 * found, in table order. Returns the length it needs. */
static size_t possibilities(const struct option_parser *p, const char *text, size_t name_len,
	const struct long_option *first, char *buf, size_t size)
{
	size_t used = 0;
	if (size > 0)
		buf[0] = '\0';
	for (const struct long_option *o = p->long_options; o->name; o++) {
		if (strncmp(o->name, text, name_len) != 0 || (o != first && !differs(o, first)))
			continue;
		size_t name = strlen(o->name);
		if (used + name + 5 < size) { /* " '--" name "'" NUL */
			memcpy(buf + used, " '--", 4);
			memcpy(buf + used + 4, o->name, name);
			buf[used + 4 + name] = '\'';
			buf[used + 5 + name] = '\0';
		}
		used += name + 5;
	}
	return used;
}

/* The option tables are tmpf's own and short: the list fits. Were it to
 * outgrow the room, malloc; without memory, the names that fit. */
#define POSSIBILITIES_ROOM 256

static void report_ambiguous(const struct option_parser *p, const char *text, size_t name_len,
	const struct long_option *first)
{
	char room[POSSIBILITIES_ROOM];
	char *spilled = NULL;
	size_t len = possibilities(p, text, name_len, first, room, sizeof room);
	if (len >= sizeof room) {
		spilled = malloc(len + 1);
		if (spilled)
			(void)possibilities(p, text, name_len, first, spilled, len + 1);
	}
	complain(0, "option '--%s' is ambiguous; possibilities:%s", text, spilled ? spilled : room);
	free(spilled);
}

static const struct long_option *find_long_option(const struct option_parser *p, const char *text,
	size_t name_len, bool *ambiguous)
{
	const struct long_option *found = NULL;
	*ambiguous = false;
	for (const struct long_option *o = p->long_options; o->name; o++)
		if (strncmp(o->name, text, name_len) == 0 && strlen(o->name) == name_len)
			return o; /* an exact match wins over abbreviations */
	for (const struct long_option *o = p->long_options; o->name; o++) {
		if (strncmp(o->name, text, name_len) != 0)
			continue;
		if (!found)
			found = o;
		else if (differs(o, found))
			*ambiguous = true;
	}
	return found;
}

static int next_long_option(struct option_parser *p, const char *text)
{
	const char *equals = strchr(text, '=');
	size_t name_len = equals ? (size_t)(equals - text) : strlen(text);
	bool ambiguous;
	const struct long_option *o = find_long_option(p, text, name_len, &ambiguous);
	p->argument = NULL;
	if (ambiguous) {
		report_ambiguous(p, text, name_len, o);
		return OPTIONS_ERROR;
	}
	if (!o) {
		complain(0, "unrecognized option '--%s'", text);
		return OPTIONS_ERROR;
	}
	if (equals) {
		if (o->argument == ARGUMENT_NONE) {
			complain(0, "option '--%s' doesn't allow an argument", o->name);
			return OPTIONS_ERROR;
		}
		p->argument = equals + 1;
	} else if (o->argument == ARGUMENT_REQUIRED) {
		if (p->next >= p->argc) {
			complain(0, "option '--%s' requires an argument", o->name);
			return OPTIONS_ERROR;
		}
		p->argument = p->argv[p->next++];
	}
	return o->value;
}

int option_parser_next(struct option_parser *p)
{
	if (p->cluster)
		return next_short_option(p);
	while (p->next < p->argc) {
		const char *arg = p->argv[p->next];
		if (strcmp(arg, "--") == 0) {
			p->next++;
			return take_rest(p);
		}
		if (arg[0] == '-' && arg[1] == '-') {
			p->next++;
			return next_long_option(p, arg + 2);
		}
		if (arg[0] == '-' && arg[1] != '\0') {
			p->next++;
			p->cluster = arg + 1;
			return next_short_option(p);
		}
		if (p->stop_at_operand)
			return take_rest(p);
		take_operand(p, p->next++);
	}
	return OPTIONS_END;
}

/* --help: "Usage: tmpf USAGE" and the rest, on stdout. */
static int print_help(const struct command *command)
{
	printf("Usage: %s %s\n", program_name, command->usage);
	fputs(command->help, stdout);
	return finish_output(EXIT_SUCCESS, command->failure_status);
}

int print_version(int failure_status)
{
	printf("tmpf (libtempfile) %s\n"
	       "Copyright (C) 2026 the libtempfile authors.\n"
	       "License: MIT <https://opensource.org/licenses/MIT>.\n"
	       "This is free software: you are free to change and redistribute it.\n"
	       "There is NO WARRANTY, to the extent permitted by law.\n"
	       "\n"
	       "A drop-in for GNU mktemp (coreutils 9.1), with run, rm, where and write.\n",
		tempfile_version());
	return finish_output(EXIT_SUCCESS, failure_status);
}

int command_parse(const struct command *command, struct option_parser *p, int argc, char **argv,
	void *request)
{
	option_parser_init(p, argc, argv, command->short_options, command->long_options,
		command->stop_at_operand);
	int value, status = -1;
	while (status < 0 && (value = option_parser_next(p)) != OPTIONS_END) {
		if (value == OPTION_HELP) {
			status = print_help(command);
		} else if (value == OPTION_VERSION) {
			status = print_version(command->failure_status);
		} else if (value == OPTIONS_ERROR) {
			suggest_help(command->name);
			status = command->failure_status;
		} else {
			status = command->option(request, value, p->argument);
		}
	}
	return status;
}

int command_flag(void *flag, int value, const char *argument)
{
	(void)value;
	(void)argument;
	*(bool *)flag = true;
	return -1;
}

int command_usage_error(const struct command *command, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vcomplain(0, format, ap);
	va_end(ap);
	suggest_help(command->name);
	return command->failure_status;
}
