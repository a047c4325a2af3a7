/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * write.c - tmpf write [--no-clobber] [--sync] [--mode=MODE] [--] FILE:
 * standard input, to its end, replaces FILE atomically (the library's
 * tempfile_atomic_*), as sponge(1) does but without a name that a crash
 * could leave behind.
 */
#include "write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "tmpf_os.h"

enum { OPTION_NO_CLOBBER = OPTION_FIRST_OWN, OPTION_SYNC, OPTION_MODE };

enum { STANDARD_INPUT = 0 };

/* Copied in pieces of this size: memory stays bounded whatever the input. */
#define PIECE_SIZE ((size_t)64 * 1024)

#define MODE_MAX 07777u

static const char write_help[] =
	"Read standard input to its end, then replace FILE with it atomically:\n"
	"readers see the old FILE or the new one, never a part of it, and if tmpf\n"
	"fails or is interrupted before the end, FILE is as it was and nothing is\n"
	"left behind. FILE may be read by the pipeline itself: sort f | tmpf write f\n"
	"\n"
	"      --no-clobber   fail if FILE exists; it is never replaced\n"
	"      --sync         FILE's new data and name are on disk when tmpf exits\n"
	"      --mode=MODE    give FILE the permissions MODE (octal, as chmod's,\n"
	"                       e.g. 644) minus the umask; without it (or with 0)\n"
	"                       an existing FILE keeps its permissions, and its\n"
	"                       owner and group where allowed, and a new one gets\n"
	"                       0666 minus the umask\n"
	"      --help         display this help and exit\n"
	"      --version      output version information and exit\n"
	"\n"
	"A symbolic link at FILE is replaced itself, not what it points to. The\n"
	"new content is written in FILE's directory, which must be writable (and,\n"
	"with --sync, readable).\n"
	"\n"
	"Exit status: 0 if FILE was replaced, 1 otherwise: FILE is then as it was,\n"
	"unless --sync failed to flush the directory after the replacement.\n";

static const struct long_option write_options[] = OPTIONS_AND_HELP(
	{ "no-clobber", ARGUMENT_NONE, OPTION_NO_CLOBBER },
	{ "sync", ARGUMENT_NONE, OPTION_SYNC },
	{ "mode", ARGUMENT_REQUIRED, OPTION_MODE });

/* The request being parsed, and --mode's text until it is checked. */
struct write_parsing {
	struct write_request *request;
	const char *mode_text;
};

static int write_option(void *parsing, int value, const char *argument)
{
	struct write_parsing *w = parsing;
	if (value == OPTION_NO_CLOBBER)
		w->request->flags |= TEMPFILE_NOREPLACE;
	else if (value == OPTION_SYNC)
		w->request->flags |= TEMPFILE_SYNC;
	else if (value == OPTION_MODE)
		w->mode_text = argument; /* the last one counts, as with chmod */
	return -1;
}

static const struct command write_command = { .name = "write",
	.usage = "write [--no-clobber] [--sync] [--mode=MODE] [--] FILE", .help = write_help,
	.failure_status = EXIT_FAILURE, .short_options = "", .long_options = write_options,
	.option = write_option };

/* MODE as chmod's numeric form: octal digits, at most 07777. 0 or -1. */
static int parse_mode(const char *text, unsigned *mode)
{
	unsigned value = 0;
	if (!*text)
		return -1;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		value = value * 8 + (unsigned)(*p - '0');
		if (value > MODE_MAX) /* also keeps any number of digits from overflowing */
			return -1;
	}
	*mode = value;
	return 0;
}

int write_parse(int argc, char **argv, struct write_request *r)
{
	struct write_parsing w = { .request = r };
	struct option_parser p;
	int status = command_parse(&write_command, &p, argc, argv, &w);
	if (status >= 0)
		return status;
	if (w.mode_text && parse_mode(w.mode_text, &r->mode) != 0)
		return command_usage_error(&write_command, "invalid mode %s", quote(w.mode_text));
	if (p.operands == 0)
		return command_usage_error(&write_command, "missing operand");
	if (p.operands > 1)
		return command_usage_error(&write_command, "extra operand %s",
			quote(argv[p.first_operand + 1]));
	r->path = argv[p.first_operand];
	return -1;
}

/* Up to size bytes of standard input, EINTR retried: count, 0 at its end, -1. */
static ssize_t read_input(char *buf, size_t size)
{
	ssize_t got;
	do
		got = tmpf_os_read(STANDARD_INPUT, buf, size);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Why FILE was not written, after open, write or commit failed with error. */
static void say_not_written(const struct write_request *r, int error)
{
	if (error == EEXIST && (r->flags & TEMPFILE_NOREPLACE))
		complain(error, "not replacing %s", quote(r->path));
	else
		complain(error, "cannot write %s", quote(r->path));
}

/* The handle while the input is read. A signal that ends tmpf then (the
 * library removes the staged file) leaves it allocated, and memcheck
 * reports as lost what only a saved register pointed to: kept reachable. */
static struct tempfile_atomic *volatile open_handle;

/* Stop after a failure: FILE untouched, the staged content discarded. */
static int give_up(struct tempfile_atomic *a, const struct write_request *r)
{
	open_handle = NULL;
	if (tempfile_atomic_discard(a) != 0)
		complain(errno, "cannot remove the new content of %s", quote(r->path));
	return EXIT_FAILURE;
}

/* Standard input into a new FILE, then the commit; the exit status. The
 * first piece is read before anything is created: if standard input is
 * closed, the staging file must not become descriptor 0 and be read as the
 * input. */
static int replace_from_input(const struct write_request *r)
{
	char piece[PIECE_SIZE];
	ssize_t got = read_input(piece, sizeof piece);
	if (got < 0) {
		complain(errno, "cannot read standard input");
		return EXIT_FAILURE;
	}
	struct tempfile_atomic *a = tempfile_atomic_open(r->path, r->flags, r->mode);
	if (!a) {
		say_not_written(r, errno);
		return EXIT_FAILURE;
	}
	open_handle = a;
	int fd = tempfile_atomic_fd(a);
	while (got > 0) {
		if (write_all(fd, piece, (size_t)got) != 0) {
			say_not_written(r, errno);
			return give_up(a, r);
		}
		got = read_input(piece, sizeof piece);
		if (got < 0) {
			complain(errno, "cannot read standard input");
			return give_up(a, r);
		}
	}
	open_handle = NULL;
	if (tempfile_atomic_commit(a) != 0) {
		say_not_written(r, errno);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int write_main(int argc, char **argv)
{
	struct write_request r = { 0 };
	int status = write_parse(argc, argv, &r);
	return status >= 0 ? status : replace_from_input(&r);
}
