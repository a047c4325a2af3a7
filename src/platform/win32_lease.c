/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_lease.c - TEMPFILE_LEASE and tempfile_reap on Windows.
 *
 * A lease is a handle of the object opened with data access (read, or
 * list for a directory) and every sharing mode, kept by the library:
 * Windows closes it when the process ends however it ends. A reaper opens
 * the object with no sharing at all, which fails with a sharing violation
 * while any such handle is open, and succeeds once every holder is gone.
 * (A handle without FILE_SHARE_DELETE, the obvious choice, would also stop
 * the owner's own delete and rename.) Another program that has the object
 * open makes it look held: never the other way round.
 *
 * The marker is a file beside the object, ".tempfile-lease." + name,
 * holding the object's volume serial number and file index: NTFS and
 * wine keep no attribute that every file system has, and an alternate
 * data stream would not survive FAT or a network share. The owner is not
 * compared: a user's temporary directory (%TEMP%) is the user's own.
 */
#include "internal.h"
#include "platform/win32.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MARKER_PREFIX L".tempfile-lease."
#define MARKER_PREFIX_LEN (sizeof MARKER_PREFIX / sizeof(wchar_t) - 1)
#define MARKER_MAX 64

/* The UTF-16 path of the marker of path (UTF-8): NEW in *out. */
static int marker_path(const char *path, wchar_t **out)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	wchar_t *base = w;
	for (wchar_t *p = w; *p; p++)
		if (*p == L'\\' || *p == L'/')
			base = p + 1;
	size_t dir_len = (size_t)(base - w), name_len = wcslen(base);
	wchar_t *m = malloc((dir_len + MARKER_PREFIX_LEN + name_len + 1) * sizeof *m);
	if (m) {
		wmemcpy(m, w, dir_len);
		wmemcpy(m + dir_len, MARKER_PREFIX, MARKER_PREFIX_LEN);
		wmemcpy(m + dir_len + MARKER_PREFIX_LEN, base, name_len + 1);
	}
	free(w);
	*out = m;
	return m ? 0 : -ENOMEM;
}

static void format_identity(char out[MARKER_MAX], const BY_HANDLE_FILE_INFORMATION *info)
{
	snprintf(out, MARKER_MAX, "tfl1:%lu:%lu:%lu", (unsigned long)info->dwVolumeSerialNumber,
		(unsigned long)info->nFileIndexHigh, (unsigned long)info->nFileIndexLow);
}

/* Open path (a link itself, never its target) with access and share. */
static HANDLE open_object(const wchar_t *w, DWORD access, DWORD share)
{
	return CreateFileW(w, access, share, NULL, OPEN_EXISTING,
		FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
}

/* Write the marker at m recording the object open at h; a marker left by
 * an object that is gone is replaced. */
static int write_marker(const wchar_t *m, HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION info;
	if (!GetFileInformationByHandle(h, &info))
		return tf_win_fail();
	char record[MARKER_MAX];
	format_identity(record, &info);
	HANDLE f = INVALID_HANDLE_VALUE;
	for (int tries = 0; tries < 2 && f == INVALID_HANDLE_VALUE; tries++) {
		f = CreateFileW(m, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_HIDDEN, NULL);
		if (f == INVALID_HANDLE_VALUE && (GetLastError() != ERROR_FILE_EXISTS || !DeleteFileW(m)))
			break;
	}
	if (f == INVALID_HANDLE_VALUE)
		return tf_win_fail();
	DWORD len = (DWORD)strlen(record), written = 0;
	int rc = WriteFile(f, record, len, &written, NULL) && written == len ? 0 : tf_win_fail();
	CloseHandle(f);
	if (rc < 0)
		DeleteFileW(m);
	return rc;
}

int tf_os_lease_take(const char *path, int fd, bool is_dir, struct tf_os_lease *l)
{
	(void)fd;
	(void)is_dir;
	l->handle = NULL;
	l->marker = NULL;
	wchar_t *w, *m = NULL;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	HANDLE h = open_object(w, FILE_READ_DATA | FILE_READ_ATTRIBUTES,
		FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return tf_win_fail();
	rc = marker_path(path, &m);
	if (rc == 0)
		rc = write_marker(m, h);
	if (rc < 0) {
		free(m);
		CloseHandle(h);
		return rc;
	}
	l->handle = h;
	l->marker = m;
	return 0;
}

void tf_os_lease_drop(struct tf_os_lease *l, bool kept)
{
	(void)kept; /* the marker goes either way: beside, it names the old name */
	if (l->marker)
		DeleteFileW(l->marker);
	free(l->marker);
	l->marker = NULL;
	CloseHandle(l->handle);
	l->handle = NULL;
}

/* ---- reaping ----------------------------------------------------------------- */

struct reaper {
	const char *dir;
	bool dry_run;
	tf_reap_visit_fn *visit;
	void *arg;
	int removed;
	int first_error;
};

/* The record in marker m: 1 and *record, or 0 (none of ours). */
static int read_marker(const wchar_t *m, char record[MARKER_MAX])
{
	HANDLE f = CreateFileW(m, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
		OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return 0;
	DWORD n = 0;
	BOOL ok = ReadFile(f, record, MARKER_MAX - 1, &n, NULL);
	CloseHandle(f);
	if (!ok)
		return 0;
	record[n] = '\0';
	return strncmp(record, "tfl1:", 5) == 0;
}

/* Remove the object of one marker if it is abandoned: 0 removed (found),
 * 1 not abandoned or not the recorded object (the marker stays only if
 * held), -errno. *orphan: the marker refers to nothing of ours now. */
static int reap_one(struct reaper *r, const wchar_t *wdir, const wchar_t *name, bool *orphan,
	bool *is_dir)
{
	*orphan = false;
	size_t len = wcslen(wdir) + 1 + wcslen(name) + 1;
	wchar_t *object = malloc(len * sizeof *object), *marker = malloc((len + MARKER_PREFIX_LEN) * sizeof *marker);
	int rc = object && marker ? 0 : -ENOMEM;
	if (rc == 0) {
		_snwprintf(object, len, L"%ls\\%ls", wdir, name);
		_snwprintf(marker, len + MARKER_PREFIX_LEN, L"%ls\\%ls%ls", wdir, MARKER_PREFIX, name);
	}
	char record[MARKER_MAX], now[MARKER_MAX];
	if (rc == 0 && !read_marker(marker, record))
		rc = 1;
	HANDLE h = INVALID_HANDLE_VALUE;
	if (rc == 0) {
		/* No sharing: a sharing violation means some handle is open. */
		h = open_object(object, FILE_READ_DATA | FILE_READ_ATTRIBUTES | DELETE, 0);
		if (h == INVALID_HANDLE_VALUE) {
			DWORD e = GetLastError();
			*orphan = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND;
			rc = 1;
		}
	}
	BY_HANDLE_FILE_INFORMATION info;
	if (rc == 0 && !GetFileInformationByHandle(h, &info))
		rc = tf_win_fail();
	if (rc == 0) {
		format_identity(now, &info);
		*is_dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
		if (strcmp(now, record) != 0) {
			*orphan = true; /* a new object at the name */
			rc = 1;
		}
	}
	if (rc == 0 && !r->dry_run && !*is_dir) {
		FILE_DISPOSITION_INFO dispose = { .DeleteFile = TRUE };
		rc = SetFileInformationByHandle(h, FileDispositionInfo, &dispose, sizeof dispose)
			     ? 0
			     : tf_win_fail();
	}
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	if (rc == 0 && !r->dry_run && *is_dir) {
		char *utf8 = NULL;
		rc = tf_win_utf8(object, &utf8);
		struct tf_file_id id = { .dev = (dev_t)info.dwVolumeSerialNumber,
			.ino = (ino_t)info.nFileIndexLow };
		if (rc == 0)
			rc = tf_rmtree_path(utf8, 0, &id);
		free(utf8);
		if (rc == -ENOENT || rc == -TF_WIN_ESTALE || rc == -ENOTDIR)
			rc = 1;
	}
	if ((rc == 0 || *orphan) && !r->dry_run)
		DeleteFileW(marker);
	free(object);
	free(marker);
	return rc;
}

static void reap_entry(struct reaper *r, const wchar_t *wdir, const wchar_t *name)
{
	bool orphan, is_dir = false;
	int rc = reap_one(r, wdir, name, &orphan, &is_dir);
	if (rc == 1)
		return;
	if (rc == 0)
		r->removed++;
	else if (r->first_error == 0)
		r->first_error = rc;
	if (r->visit) {
		char *utf8 = NULL;
		if (tf_win_utf8(name, &utf8) == 0)
			r->visit(r->arg, utf8, is_dir, -rc);
		free(utf8);
	}
}

int tf_os_reap(const char *dir, bool dry_run, tf_reap_visit_fn *visit, void *arg)
{
	struct reaper r = { .dir = dir, .dry_run = dry_run, .visit = visit, .arg = arg };
	wchar_t *wdir;
	int rc = tf_win_wide(dir, &wdir);
	if (rc < 0)
		return rc;
	DWORD attributes = GetFileAttributesW(wdir);
	if (attributes == INVALID_FILE_ATTRIBUTES) {
		rc = tf_win_fail();
	} else if (!(attributes & FILE_ATTRIBUTE_DIRECTORY)) {
		rc = -ENOTDIR;
	}
	size_t len = wcslen(wdir);
	wchar_t *pattern = rc == 0 ? malloc((len + 3) * sizeof *pattern) : NULL;
	if (rc == 0 && !pattern)
		rc = -ENOMEM;
	HANDLE find = INVALID_HANDLE_VALUE;
	WIN32_FIND_DATAW data;
	if (rc == 0) {
		_snwprintf(pattern, len + 3, L"%ls\\*", wdir);
		find = FindFirstFileW(pattern, &data);
		if (find == INVALID_HANDLE_VALUE && GetLastError() != ERROR_FILE_NOT_FOUND)
			rc = tf_win_fail();
	}
	if (find != INVALID_HANDLE_VALUE) {
		do {
			if (wcsncmp(data.cFileName, MARKER_PREFIX, MARKER_PREFIX_LEN) == 0 &&
				data.cFileName[MARKER_PREFIX_LEN] != L'\0')
				reap_entry(&r, wdir, data.cFileName + MARKER_PREFIX_LEN);
		} while (FindNextFileW(find, &data));
		FindClose(find);
	}
	free(pattern);
	free(wdir);
	if (rc == 0)
		rc = r.first_error < 0 ? r.first_error : r.removed;
	return rc;
}
