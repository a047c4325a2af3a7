/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_rmtree.c - safe recursive removal on Windows: the
 * tf_remove_tree under src/rmtree.c.
 *
 * Every object is opened with FILE_FLAG_OPEN_REPARSE_POINT, so a symbolic
 * link or a directory junction is removed itself, never followed. A
 * directory being emptied stays open without FILE_SHARE_DELETE, so nobody
 * can rename it or swap it for a junction meanwhile, and its entries are
 * read from that handle. Objects are deleted through their own handle
 * (FileDispositionInfo), after clearing FILE_ATTRIBUTE_READONLY when that
 * is what refuses. Sharing violations, and a directory that still holds
 * entries pending deletion, are retried with the bounded back-off of
 * platform/win32.h (about half a second per object). Depth is bounded by the path
 * length Windows accepts without the \\?\ prefix (MAX_PATH), so the
 * recursion is shallow.
 */
#include "internal.h"
#include "platform/win32.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Open path itself (not a link's target), retrying sharing violations. */
static HANDLE open_no_follow(const wchar_t *path, DWORD access, DWORD share)
{
	for (unsigned attempt = 0;; attempt++) {
		HANDLE h = CreateFileW(path, access, share, NULL, OPEN_EXISTING,
			FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
		if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_SHARING_VIOLATION ||
			attempt + 1 >= TF_WIN_RETRIES)
			return h;
		tf_win_backoff(attempt);
	}
}

/* Mark the object open at h for deletion (it goes when the last handle
 * closes). A read-only object refuses: clear the attribute and try again.
 * 0 or a Win32 error code. */
static DWORD delete_by_handle(HANDLE h)
{
	FILE_DISPOSITION_INFO disposition = { TRUE };
	if (SetFileInformationByHandle(h, FileDispositionInfo, &disposition, sizeof disposition))
		return 0;
	DWORD error = GetLastError();
	FILE_BASIC_INFO basic;
	if (error != ERROR_ACCESS_DENIED ||
		!GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic) ||
		!(basic.FileAttributes & FILE_ATTRIBUTE_READONLY))
		return error;
	basic.FileAttributes &= ~(DWORD)FILE_ATTRIBUTE_READONLY;
	if (basic.FileAttributes == 0)
		basic.FileAttributes = FILE_ATTRIBUTE_NORMAL;
	if (!SetFileInformationByHandle(h, FileBasicInfo, &basic, sizeof basic))
		return GetLastError();
	return SetFileInformationByHandle(h, FileDispositionInfo, &disposition, sizeof disposition)
		? 0
		: GetLastError();
}

/* "dir\name" as a NEW wide string. */
static wchar_t *child_path(const wchar_t *dir, const wchar_t *name, size_t name_len)
{
	size_t dir_len = wcslen(dir);
	wchar_t *p = malloc((dir_len + 1 + name_len + 1) * sizeof *p);
	if (!p)
		return NULL;
	memcpy(p, dir, dir_len * sizeof *p);
	p[dir_len] = L'\\';
	memcpy(p + dir_len + 1, name, name_len * sizeof *p);
	p[dir_len + 1 + name_len] = L'\0';
	return p;
}

/* Keep the first error; vanished entries are not errors. */
static void note(DWORD *first, DWORD error)
{
	if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
		return;
	if (*first == 0)
		*first = error;
}

#define TF_ACCESS (DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES)

static DWORD remove_directory(const wchar_t *path, HANDLE dir);

/* Remove one entry of a directory being emptied. */
static DWORD remove_entry(const wchar_t *path, DWORD attributes)
{
	bool real_dir = (attributes & FILE_ATTRIBUTE_DIRECTORY) &&
		!(attributes & FILE_ATTRIBUTE_REPARSE_POINT);
	/* A directory is held without FILE_SHARE_DELETE while emptied; a file
	 * or link is only marked for deletion. */
	DWORD access = TF_ACCESS | (real_dir ? FILE_LIST_DIRECTORY : 0);
	DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | (real_dir ? 0 : FILE_SHARE_DELETE);
	HANDLE h = open_no_follow(path, access, share);
	if (h == INVALID_HANDLE_VALUE)
		return GetLastError();
	DWORD error = 0;
	FILE_BASIC_INFO basic;
	if (!GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) {
		error = GetLastError();
	} else if ((basic.FileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
		   !(basic.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
		if (!real_dir) {
			/* Became a directory since it was listed: open it again as one. */
			CloseHandle(h);
			return remove_entry(path, FILE_ATTRIBUTE_DIRECTORY);
		}
		error = remove_directory(path, h);
	} else {
		error = delete_by_handle(h);
	}
	CloseHandle(h);
	return error;
}

/* One pass over the entries of the directory open at dir. */
static DWORD empty_once(const wchar_t *path, HANDLE dir)
{
	DWORD first = 0;
	/* 64 KiB: many entries per call; FILE_ID_BOTH_DIR_INFO needs 8-byte alignment. */
	size_t size = 64 * 1024;
	unsigned long long *buf = malloc(size);
	if (!buf)
		return ERROR_NOT_ENOUGH_MEMORY;
	FILE_INFO_BY_HANDLE_CLASS cls = FileIdBothDirectoryRestartInfo;
	while (GetFileInformationByHandleEx(dir, cls, buf, (DWORD)size)) {
		cls = FileIdBothDirectoryInfo;
		FILE_ID_BOTH_DIR_INFO *e = (FILE_ID_BOTH_DIR_INFO *)buf;
		for (;;) {
			size_t n = e->FileNameLength / sizeof(wchar_t);
			bool dot = (n == 1 && e->FileName[0] == L'.') ||
				(n == 2 && e->FileName[0] == L'.' && e->FileName[1] == L'.');
			if (!dot) {
				wchar_t *child = child_path(path, e->FileName, n);
				note(&first, child ? remove_entry(child, e->FileAttributes)
						   : ERROR_NOT_ENOUGH_MEMORY);
				free(child);
			}
			if (e->NextEntryOffset == 0)
				break;
			e = (FILE_ID_BOTH_DIR_INFO *)((char *)e + e->NextEntryOffset);
		}
	}
	DWORD end = GetLastError();
	if (end != ERROR_NO_MORE_FILES)
		note(&first, end);
	free(buf);
	return first;
}

/* Empty the directory open at dir (held without FILE_SHARE_DELETE), then
 * delete it. Entries still pending deletion (open elsewhere) keep it
 * non-empty for a while: retried with the back-off. */
static DWORD remove_directory(const wchar_t *path, HANDLE dir)
{
	DWORD first = 0;
	for (unsigned attempt = 0;; attempt++) {
		note(&first, empty_once(path, dir));
		DWORD error = delete_by_handle(dir);
		if (error == 0)
			return first;
		if ((error != ERROR_DIR_NOT_EMPTY && error != ERROR_SHARING_VIOLATION) ||
			attempt + 1 >= TF_WIN_RETRIES) {
			note(&first, error);
			return first;
		}
		tf_win_backoff(attempt);
	}
}

/* The tree at path; 0 or -errno. */
int tf_remove_tree(const char *path, const struct tf_file_id *expect)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	HANDLE h = open_no_follow(w, TF_ACCESS | FILE_LIST_DIRECTORY,
		FILE_SHARE_READ | FILE_SHARE_WRITE);
	if (h == INVALID_HANDLE_VALUE) {
		int err = tf_win_errno(GetLastError());
		/* Some systems (wine) refuse to open a link with directory access:
		 * a path that exists but is not a directory is ENOTDIR all the same. */
		DWORD attributes = GetFileAttributesW(w);
		if (attributes != INVALID_FILE_ATTRIBUTES &&
			(!(attributes & FILE_ATTRIBUTE_DIRECTORY) ||
				(attributes & FILE_ATTRIBUTE_REPARSE_POINT)))
			err = ENOTDIR;
		free(w);
		return -err;
	}
	int err = 0;
	BY_HANDLE_FILE_INFORMATION info;
	if (!GetFileInformationByHandle(h, &info)) {
		err = tf_win_errno(GetLastError());
	} else if (!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
		   (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
		err = ENOTDIR; /* a file, or a link: never followed */
	} else if (expect && ((DWORD)expect->dev != info.dwVolumeSerialNumber ||
				     expect->ino != (_ino_t)info.nFileIndexLow)) {
		err = TF_WIN_ESTALE;
	} else {
		DWORD error = remove_directory(w, h);
		err = error ? tf_win_errno(error) : 0;
	}
	CloseHandle(h);
	free(w);
	return -err;
}

/* One thread: parallel removal measured slower on Windows (vcpkg PR #7570),
 * where the file system serialises deletes in a directory tree. */
int tf_remove_tree_pooled(const char *path, const struct tf_file_id *expect)
{
	return tf_remove_tree(path, expect);
}
