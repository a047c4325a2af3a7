/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * quote.c - gnulib's locale_quoting_style, which GNU mktemp's messages use
 * (see quote.h).
 */
#include "quote.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tmpf_os.h"

static void load_locale_once(void)
{
	static bool loaded;
	if (!loaded) {
		/* LC_ALL as GNU: if any category is invalid, all stay "C". */
		(void)setlocale(LC_ALL, "");
		loaded = true;
	}
}

/* The letter of a C escape for c (\a, \b, ...), or 0. */
static char c_escape_letter(unsigned char c)
{
	switch (c) {
	case '\a': return 'a';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	case '\v': return 'v';
	case '\\': return '\\';
	default: return 0;
	}
}

/* How many bytes starting at s[i] form one character, and whether it is
 * printable in the current locale. 0 bytes means an invalid sequence (the
 * caller escapes one byte and goes on). */
static size_t character_at(const char *s, size_t i, size_t n, bool *printable)
{
	unsigned char c = (unsigned char)s[i];
	if (MB_CUR_MAX == 1) {
		*printable = isprint(c) != 0;
		return 1;
	}
	mbstate_t state;
	memset(&state, 0, sizeof state);
	size_t m = 0;
	*printable = true;
	do {
		wchar_t w;
		size_t bytes = mbrtowc(&w, s + i + m, n - (i + m), &state);
		if (bytes == 0)
			break;
		if (bytes == (size_t)-1) {
			*printable = false;
			break;
		}
		if (bytes == (size_t)-2) { /* truncated: the rest is one bad character */
			*printable = false;
			m = n - i;
			break;
		}
		if (!iswprint((wint_t)w))
			*printable = false;
		m += bytes;
	} while (!mbsinit(&state));
	return m;
}

/* Where the quoted text goes: bytes past size are counted, not stored. */
struct sink {
	char *buf;
	size_t size, len;
};

static void put(struct sink *out, char c)
{
	if (out->len < out->size)
		out->buf[out->len] = c;
	out->len++;
}

static void put_string(struct sink *out, const char *s)
{
	while (*s)
		put(out, *s++);
}

/* One byte that cannot be shown, as \ooo. */
static void put_octal(struct sink *out, unsigned char b)
{
	put(out, '\\');
	put(out, (char)('0' + (b >> 6)));
	put(out, (char)('0' + ((b >> 3) & 7u)));
	put(out, (char)('0' + (b & 7u)));
}

size_t quote_into(char *buf, size_t size, const char *s)
{
	load_locale_once();
	const char *left = "'", *right = "'";
	if (tmpf_os_utf8_quotes()) {
		left = "\xe2\x80\x98";
		right = "\xe2\x80\x99";
	}
	struct sink out = { buf, size, 0 };
	size_t n = strlen(s), right_len = strlen(right);
	put_string(&out, left);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool is_right_quote = n - i >= right_len && memcmp(s + i, right, right_len) == 0;
		char letter = c_escape_letter(c);
		if (letter) {
			put(&out, '\\');
			put(&out, letter);
			continue;
		}
		bool printable = true;
		size_t m = (c >= 0x20 && c < 0x7f) ? 1 : character_at(s, i, n, &printable);
		size_t count = m ? m : 1;
		for (size_t j = 0; j < count; j++) {
			unsigned char b = (unsigned char)s[i + j];
			if (!printable) {
				put_octal(&out, b);
				continue;
			}
			if (j == 0 && is_right_quote)
				put(&out, '\\');
			put(&out, (char)b);
		}
		i += count - 1;
	}
	put_string(&out, right);
	if (size > 0)
		buf[out.len < size ? out.len : size - 1] = '\0';
	return out.len;
}

/* Room for a quoted name of a usual length; a longer one is malloc'ed. */
#define QUOTE_ROOM 512

const char *quote(const char *s)
{
	static char rooms[2][QUOTE_ROOM];
	static char *spilled[2];
	static int next;
	int saved_errno = errno;
	int slot = next;
	next ^= 1;
	free(spilled[slot]);
	spilled[slot] = NULL;
	const char *result = rooms[slot];
	size_t len = quote_into(rooms[slot], sizeof rooms[slot], s);
	if (len >= sizeof rooms[slot]) {
		spilled[slot] = malloc(len + 1);
		result = spilled[slot] ? spilled[slot] : s;
		if (spilled[slot])
			(void)quote_into(spilled[slot], len + 1, s);
	}
	errno = saved_errno;
	return result;
}
