/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_paths.c - the environment, the candidate directories and
 * path syntax on Windows (the rest of the OS layer is win32.c). Strings
 * are UTF-8 at the boundary and UTF-16 underneath.
 */
#include "internal.h"
#include "platform/win32.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- the environment and the candidate directories ---------------------------- */

int tf_os_getcwd(char **out)
{
	*out = NULL;
	DWORD size = GetCurrentDirectoryW(0, NULL);
	if (size == 0)
		return tf_win_fail();
	wchar_t *w = malloc(size * sizeof *w);
	if (!w)
		return -ENOMEM;
	DWORD got = GetCurrentDirectoryW(size, w);
	int rc = got == 0 ? tf_win_fail() : got >= size ? -ERANGE /* changed under us */
						       : tf_win_utf8(w, out);
	free(w);
	return rc;
}

/* An environment variable as UTF-16 in *out: NEW, NULL when unset (0), or
 * -errno. GetEnvironmentVariableW sees what both the C runtime's
 * _wputenv and SetEnvironmentVariableW set. */
static int getenv_wide(const wchar_t *name, wchar_t **out)
{
	*out = NULL;
	DWORD size = GetEnvironmentVariableW(name, NULL, 0);
	if (size == 0)
		return GetLastError() == ERROR_ENVVAR_NOT_FOUND ? 0 : tf_win_fail();
	wchar_t *value = malloc(size * sizeof *value);
	if (!value)
		return -ENOMEM;
	DWORD got = GetEnvironmentVariableW(name, value, size);
	if (got == 0 || got >= size) { /* unset or grown meanwhile: treat as unset */
		free(value);
		return 0;
	}
	*out = value;
	return 0;
}

int tf_os_getenv(const char *name, char **value)
{
	*value = NULL;
	wchar_t *wname, *w;
	int rc = tf_win_wide(name, &wname);
	if (rc < 0)
		return rc;
	rc = getenv_wide(wname, &w);
	free(wname);
	if (rc < 0 || !w)
		return rc;
	rc = tf_win_utf8(w, value);
	free(w);
	return rc;
}

/* Concatenate UTF-16 a and b into a NEW UTF-8 string (a may be NULL: ENOENT). */
static int join_utf8(const wchar_t *a, const wchar_t *b, char **out)
{
	*out = NULL;
	if (!a)
		return -ENOENT;
	size_t la = wcslen(a), lb = wcslen(b);
	wchar_t *w = malloc((la + lb + 1) * sizeof *w);
	if (!w)
		return -ENOMEM;
	memcpy(w, a, la * sizeof *w);
	memcpy(w + la, b, (lb + 1) * sizeof *w);
	int rc = tf_win_utf8(w, out);
	free(w);
	return rc;
}

/* Python's expanduser("~"): %USERPROFILE%, else %HOMEDRIVE%%HOMEPATH%.
 * NEW UTF-16 in *out, or -errno (ENOENT when neither is set). */
static int home_directory(wchar_t **out)
{
	int rc = getenv_wide(L"USERPROFILE", out);
	if (rc < 0 || *out)
		return rc;
	wchar_t *drive, *rest = NULL;
	rc = getenv_wide(L"HOMEDRIVE", &drive);
	if (rc == 0 && drive)
		rc = getenv_wide(L"HOMEPATH", &rest);
	if (rc == 0 && drive && rest) {
		size_t ld = wcslen(drive), lr = wcslen(rest);
		wchar_t *home = malloc((ld + lr + 1) * sizeof *home);
		if (home) {
			memcpy(home, drive, ld * sizeof *home);
			memcpy(home + ld, rest, (lr + 1) * sizeof *home);
			*out = home;
		} else {
			rc = -ENOMEM;
		}
	} else if (rc == 0) {
		rc = -ENOENT;
	}
	free(drive);
	free(rest);
	return rc;
}

/* Python's list after the environment variables, in its order. */
static const wchar_t *const fixed_candidates[] = { L"c:\\temp", L"c:\\tmp", L"\\temp", L"\\tmp" };

size_t tf_os_candidate_count(void)
{
	return 2 + sizeof fixed_candidates / sizeof *fixed_candidates;
}

int tf_os_candidate(size_t i, char **out)
{
	wchar_t *base;
	int rc;
	*out = NULL;
	switch (i) {
	case 0: /* the user's local temporary folder */
		/* Whatever stops base being found reads as ENOENT, in join_utf8. */
		(void)home_directory(&base);
		rc = join_utf8(base, L"\\AppData\\Local\\Temp", out);
		break;
	case 1:
		(void)getenv_wide(L"SYSTEMROOT", &base);
		rc = join_utf8(base, L"\\Temp", out);
		break;
	default:
		if (i >= tf_os_candidate_count())
			return -EINVAL;
		return tf_win_utf8(fixed_candidates[i - 2], out);
	}
	free(base);
	return rc;
}

/* ---- path syntax ------------------------------------------------------------------ */

char tf_os_separator(void)
{
	return '\\';
}

bool tf_os_is_separator(char c)
{
	return c == '\\' || c == '/';
}

bool tf_os_bad_in_name(const char *s)
{
	/* ':' too: "name:stream" would open an NTFS alternate data stream. */
	return s && strpbrk(s, "/\\:") != NULL;
}

bool tf_os_is_absolute(const char *path)
{
	bool drive = ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z')) &&
		path[1] == ':' && tf_os_is_separator(path[2]);
	bool unc = tf_os_is_separator(path[0]) && tf_os_is_separator(path[1]);
	return drive || unc;
}

int tf_absolute(const char *path, char **out)
{
	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	DWORD size = GetFullPathNameW(w, 0, NULL, NULL);
	wchar_t *full = size ? malloc(size * sizeof *full) : NULL;
	if (size == 0) {
		rc = tf_win_fail();
	} else if (!full) {
		rc = -ENOMEM;
	} else {
		DWORD got = GetFullPathNameW(w, size, full, NULL);
		if (got == 0)
			rc = tf_win_fail();
		else if (got >= size)
			rc = -ERANGE; /* the current directory changed meanwhile */
		else
			rc = tf_win_utf8(full, out);
	}
	free(full);
	free(w);
	return rc;
}
