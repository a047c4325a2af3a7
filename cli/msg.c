/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * msg.c - messages on stderr and results on stdout (see msg.h).
 *
 * A message is formatted with vsnprintf into a buffer on the stack and
 * written with one write; only one too long for it (a very long name) is
 * formatted again into malloc'ed memory.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008: ssize_t, STDERR_FILENO */

#include "msg.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpf.h"
#include "tmpf_os.h"

const char *program_name = "tmpf";

/* Enough for every message with names of a usual length. */
#define MESSAGE_ROOM 1024

int write_all(int fd, const char *buf, size_t len)
{
	size_t written = 0;
	while (written < len) {
		ssize_t n = tmpf_os_write(fd, buf + written, len - written);
		if (n >= 0)
			written += (size_t)n;
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* snprintf's contract for a piece written at buf[used]: where it goes and
 * how much room is left (none once used reaches size). */
static char *piece_at(char *buf, size_t size, size_t used)
{
	return used < size ? buf + used : NULL;
}

static size_t room_after(size_t size, size_t used)
{
	return used < size ? size - used : 0;
}

/* "[program: ]message[: strerror(errnum)]\n" into buf, as snprintf: the
 * length the whole line needs (buf holds what fits), or -1. */
static int format_line(char *buf, size_t size, bool named, int errnum, const char *format,
	va_list ap) TMPF_PRINTF(5, 0);
static int format_line(char *buf, size_t size, bool named, int errnum, const char *format,
	va_list ap)
{
	size_t used = 0;
	int n = 0;
	if (named)
		n = snprintf(buf, size, "%s: ", program_name);
	if (n < 0)
		return -1;
	used += (size_t)n;
	n = vsnprintf(piece_at(buf, size, used), room_after(size, used), format, ap);
	if (n < 0)
		return -1;
	used += (size_t)n;
	if (errnum)
		n = snprintf(piece_at(buf, size, used), room_after(size, used), ": %s\n",
			strerror(errnum));
	else
		n = snprintf(piece_at(buf, size, used), room_after(size, used), "\n");
	if (n < 0 || used + (size_t)n > (size_t)INT_MAX)
		return -1;
	return (int)(used + (size_t)n);
}

/* Format one line and write it to stderr; errno preserved. */
static void write_line(bool named, int errnum, const char *format, va_list ap) TMPF_PRINTF(3, 0);
static void write_line(bool named, int errnum, const char *format, va_list ap)
{
	int saved_errno = errno;
	char room[MESSAGE_ROOM];
	char *text = room;
	va_list again;
	va_copy(again, ap);
	int len = format_line(room, sizeof room, named, errnum, format, ap);
	if (len >= (int)sizeof room) {
		text = malloc((size_t)len + 1);
		if (text) {
			len = format_line(text, (size_t)len + 1, named, errnum, format, again);
		} else { /* out of memory: what fits, still one whole line */
			text = room;
			len = (int)sizeof room - 1;
			room[len - 1] = '\n';
		}
	}
	va_end(again);
	if (len > 0)
		(void)write_all(STDERR_FILENO, text, (size_t)len);
	if (text != room)
		free(text);
	errno = saved_errno;
}

void complain(int errnum, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	write_line(true, errnum, format, ap);
	va_end(ap);
}

void vcomplain(int errnum, const char *format, va_list ap)
{
	write_line(true, errnum, format, ap);
}

/* A line without the "program: " in front. */
static void say(const char *format, ...) TMPF_PRINTF(1, 2);
static void say(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	write_line(false, 0, format, ap);
	va_end(ap);
}

void suggest_help(const char *subcommand)
{
	say("Try '%s%s%s --help' for more information.", program_name, subcommand ? " " : "",
		subcommand ? subcommand : "");
}

int close_stdout(void)
{
	if (fflush(stdout) != 0)
		return -1;
	if (ferror(stdout)) {
		errno = 0;
		return -1;
	}
	if (fclose(stdout) != 0 && errno != EBADF)
		return -1;
	return 0;
}

int finish_output(int status, int failure_status)
{
	if (close_stdout() != 0) {
		complain(errno, "write error");
		return failure_status;
	}
	return status;
}
