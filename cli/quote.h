/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * quote.h - names in messages quoted as GNU mktemp's are: gnulib's
 * locale_quoting_style. In a UTF-8 locale 'x' becomes U+2018 x U+2019;
 * backslash, control and unprintable characters are escaped C-style (\n,
 * \t, \ooo); a character equal to the closing quote gets a backslash. The
 * locale is loaded on the first call (only error paths quote).
 */
#ifndef TMPF_QUOTE_H
#define TMPF_QUOTE_H

#include <stddef.h>

/* The quoted form of s into buf, as snprintf: the length it needs without
 * the NUL; buf (if size > 0) holds what fits, NUL-terminated. */
size_t quote_into(char *buf, size_t size, const char *s);

/* The quoted form of s, valid until the call after next (two slots, so one
 * message can quote two strings); s itself if memory runs out. errno is
 * preserved: in complain(errno, "...%s", quote(x)) the arguments may be
 * evaluated in any order. */
const char *quote(const char *s);

#endif
