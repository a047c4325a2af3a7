/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * msg.h - what tmpf prints: messages on stderr, each in one write, and
 * results on stdout, whose failure is an error, never silent.
 */
#ifndef TMPF_MSG_H
#define TMPF_MSG_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#  define TMPF_PRINTF(format_index, first_argument) \
	__attribute__((format(printf, format_index, first_argument)))
#else
#  define TMPF_PRINTF(format_index, first_argument)
#endif

/* GNU error(3): "program: message[: strerror(errnum)]\n" on stderr, in
 * one write so that concurrent writers never interleave mid-line. errno
 * is preserved. */
void complain(int errnum, const char *format, ...) TMPF_PRINTF(2, 3);
void vcomplain(int errnum, const char *format, va_list ap) TMPF_PRINTF(2, 0);

/* "Try 'program[ subcommand] --help' for more information." after a usage
 * error; subcommand NULL for mktemp mode. */
void suggest_help(const char *subcommand);

/* Write all of buf to fd, EINTR retried: 0, or -1 with errno. */
int write_all(int fd, const char *buf, size_t len);

/* Flush and close stdout: 0, or -1 with errno (0 if the stream had failed
 * earlier and the cause is lost). A stdout closed from the start with
 * nothing written to it is fine, as in gnulib's close_stream. */
int close_stdout(void);

/* After output written with stdio: close stdout, and if that fails say
 * "write error" and return failure_status; else status. */
int finish_output(int status, int failure_status);

#endif
