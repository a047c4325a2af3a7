/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32.h - what the Windows platform files share (win32.c and the
 * win32_<concern>.c files). Never included outside src/platform/.
 */
#ifndef TEMPFILE_PLATFORM_WIN32_H
#define TEMPFILE_PLATFORM_WIN32_H

#include "internal.h"

#include <windows.h>

/* UTF-8 to UTF-16 in *out, NEW: 0, or -EILSEQ (not UTF-8) or -ENOMEM. */
TF_HIDDEN int tf_win_wide(const char *s, wchar_t **out);
/* UTF-16 to UTF-8 in *out, NEW: 0, or -EILSEQ (unpaired surrogate) or -ENOMEM. */
TF_HIDDEN int tf_win_utf8(const wchar_t *w, char **out);
/* The errno value closest to a Win32 error code. */
TF_HIDDEN int tf_win_errno(DWORD error);

/* -errno from GetLastError(), for `return tf_win_fail();`. */
static inline int tf_win_fail(void)
{
	return -tf_win_errno(GetLastError());
}

/* Sharing violations are transient on Windows (a virus scanner, an indexer,
 * another process closing its handle): operations that meet one retry
 * up to TF_WIN_RETRIES times, sleeping 1, 2, 4, ... 256 ms between tries,
 * about half a second in all, before giving up with EACCES. */
#define TF_WIN_RETRIES 10
/* Sleep before retry number attempt (0-based): 1 << attempt ms. */
TF_HIDDEN void tf_win_backoff(unsigned attempt);

/* "The path names another object now": between win32_rmtree.c and
 * win32_cleanup.c only, never returned to a caller (mingw has no ESTALE;
 * this is WSAESTALE's value). */
#ifdef ESTALE
#  define TF_WIN_ESTALE ESTALE
#else
#  define TF_WIN_ESTALE 10070
#endif

#endif
