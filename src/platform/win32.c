/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32.c - the OS underneath, for Windows (mingw-w64, MSVC):
 * errors and strings, random bytes, creating, testing and removing names.
 * win32_paths.c has the environment, the candidate directories and path
 * syntax. internal.h documents each call; this file says how Windows
 * does it.
 *
 * Paths are UTF-8 at the boundary and UTF-16 underneath: every call goes
 * through the wide-character API, so a temporary directory whose name is
 * not ASCII works whatever the ANSI code page. Files are made with
 * CreateFileW and then given a C runtime descriptor, because the CRT's own
 * _wopen cannot share a file for deletion: without FILE_SHARE_DELETE an
 * open temporary file could be neither renamed (tempfile_persist) nor
 * deleted by name, as it can on POSIX.
 */
#include "internal.h"
#include "platform/win32.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <windows.h>
#include <bcrypt.h>
#include <sddl.h>

/* ---- errors and strings -------------------------------------------------------- */

int tf_win_errno(DWORD error)
{
	switch (error) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_NET_NAME:
		return ENOENT;
	case ERROR_FILE_EXISTS:
	case ERROR_ALREADY_EXISTS:
		return EEXIST;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_CURRENT_DIRECTORY:
		return EACCES;
	case ERROR_WRITE_PROTECT:
		return EROFS;
	case ERROR_DIRECTORY:
		return ENOTDIR;
	case ERROR_DIR_NOT_EMPTY:
		return ENOTEMPTY;
	case ERROR_FILENAME_EXCED_RANGE:
	case ERROR_BUFFER_OVERFLOW:
		return ENAMETOOLONG;
	case ERROR_INVALID_NAME:
	case ERROR_BAD_PATHNAME:
	case ERROR_INVALID_PARAMETER:
		return EINVAL;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_TOO_MANY_OPEN_FILES:
		return EMFILE;
	case ERROR_INVALID_HANDLE:
		return EBADF;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_NOT_SUPPORTED:
		return ENOSYS;
	default:
		return EIO;
	}
}

int tf_win_wide(const char *s, wchar_t **out)
{
	*out = NULL;
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	if (n <= 0)
		return -EILSEQ;
	wchar_t *w = malloc((size_t)n * sizeof *w);
	if (!w)
		return -ENOMEM;
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
		free(w);
		return -EILSEQ;
	}
	*out = w;
	return 0;
}

int tf_win_utf8(const wchar_t *w, char **out)
{
	*out = NULL;
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0)
		return -EILSEQ;
	char *s = malloc((size_t)n);
	if (!s)
		return -ENOMEM;
	if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, s, n, NULL, NULL) != n) {
		free(s);
		return -EILSEQ;
	}
	*out = s;
	return 0;
}

void tf_win_backoff(unsigned attempt)
{
	Sleep(1u << (attempt < 16 ? attempt : 16));
}

/* ---- random bytes, the fork epoch, fork handlers ------------------------------- */

int tf_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ULONG chunk = n > 0x10000000u ? 0x10000000u : (ULONG)n;
		NTSTATUS status = BCryptGenRandom(NULL, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
		if (!BCRYPT_SUCCESS(status))
			return -EIO;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/* Windows has no fork: a process starts with fresh memory, so the epoch
 * never needs clearing. */
static _Atomic unsigned long epoch_word;

_Atomic unsigned long *tf_os_fork_epoch_word(void)
{
	return &epoch_word;
}

int tf_os_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	(void)prepare;
	(void)parent;
	(void)child;
	return 0;
}

/* ---- creating, testing and removing names ----------------------------------------- */

/* After ERROR_ACCESS_DENIED from an exclusive create: is that a name
 * that is taken? Windows reports a directory in the way, and a file still
 * pending deletion, as "access denied" rather than "exists" (Python's
 * tempfile retries on it for the same reason). A directory we may not write
 * to has no such entry, so it fails promptly with EACCES, as on POSIX. */
static bool denied_because_taken(const wchar_t *w)
{
	if (GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES)
		return true;
	return GetLastError() == ERROR_ACCESS_DENIED; /* delete pending */
}

#ifdef TEMPFILE_TEST_SEAMS
static int test_denied;

void tf_test_win32_denied(int mode)
{
	test_denied = mode;
}

/* Wine reports a directory in the way as "exists", where Windows says
 * "access denied": mode 1 makes wine answer as Windows does, mode 2 makes
 * every exclusive create answer "access denied" (a directory we may not
 * write to). */
static DWORD seam_error(DWORD error)
{
	if (test_denied == 1 && (error == ERROR_FILE_EXISTS || error == ERROR_ALREADY_EXISTS))
		return ERROR_ACCESS_DENIED;
	return test_denied == 2 ? ERROR_ACCESS_DENIED : error;
}
#  define TF_SEAM_DENY_ALL() (test_denied == 2)
#else
#  define seam_error(error) (error)
#  define TF_SEAM_DENY_ALL() false
#endif

/* -errno for a failed exclusive create of w, with the collision rule. */
static int fail_create(const wchar_t *w)
{
	DWORD error = seam_error(GetLastError());
	if (error == ERROR_ACCESS_DENIED && denied_because_taken(w))
		return -EEXIST;
	return -tf_win_errno(error);
}

int tf_os_create_file(const char *path, int open_flags, unsigned flags, mode_t mode)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	bool temporary = (open_flags & O_TEMPORARY) != 0;
	/* The access open_flags asks for, as open(2) would give it. */
	DWORD access = (open_flags & O_ACCMODE) == O_RDONLY   ? GENERIC_READ
		       : (open_flags & O_ACCMODE) == O_WRONLY ? GENERIC_WRITE
							  : GENERIC_READ | GENERIC_WRITE;
	if (temporary)
		access |= DELETE;
	/* Shared for deletion, so that the file can be renamed and removed by
	 * name while open, as on POSIX. Never inherited by child processes. */
	DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
	/* Like the CRT: a mode without owner write makes a read-only file. */
	DWORD attributes = (mode & 0200) ? FILE_ATTRIBUTE_NORMAL : FILE_ATTRIBUTE_READONLY;
	if (temporary)
		attributes |= FILE_FLAG_DELETE_ON_CLOSE;
	HANDLE h = TF_SEAM_DENY_ALL() ? INVALID_HANDLE_VALUE
				      : CreateFileW(w, access, share, &sa, CREATE_NEW, attributes, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		rc = fail_create(w);
		free(w);
		return rc;
	}
	int crt_flags = _O_NOINHERIT | ((flags & TEMPFILE_TEXT) ? _O_TEXT : _O_BINARY);
	if (open_flags & O_APPEND)
		crt_flags |= _O_APPEND;
	int fd = _open_osfhandle((intptr_t)h, crt_flags);
	if (fd < 0) {
		fd = -errno;
		CloseHandle(h);
		if (!temporary)
			DeleteFileW(w);
	}
	free(w);
	return fd;
}

/* Python's mkdir(mode=0o700) on Windows (CVE-2024-4030): a protected DACL
 * with full access for SYSTEM, Administrators and the owner only, instead
 * of whatever the parent would pass on to everyone. */
static const wchar_t private_dir_sddl[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;OW)";

int tf_os_mkdir(const char *path, mode_t mode)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
	if (mode == 0700 && !ConvertStringSecurityDescriptorToSecurityDescriptorW(
				    private_dir_sddl, SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL)) {
		rc = tf_win_fail();
		free(w);
		return rc;
	}
	rc = !TF_SEAM_DENY_ALL() && CreateDirectoryW(w, &sa) ? 0 : fail_create(w);
	if (sa.lpSecurityDescriptor)
		LocalFree(sa.lpSecurityDescriptor);
	free(w);
	return rc;
}

int tf_os_name_free(const char *path)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	/* GetFileAttributesW does not follow a symbolic link or junction, so
	 * a dangling one counts as existing, as with lstat. */
	DWORD attributes = GetFileAttributesW(w);
	DWORD error = GetLastError();
	free(w);
	if (attributes != INVALID_FILE_ATTRIBUTES || error == ERROR_ACCESS_DENIED)
		return -EEXIST;
	if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
		return 0;
	return -tf_win_errno(error);
}

/* struct stat from an open handle. Identity is the volume serial number
 * (st_dev) and the file index (st_ino); mingw's and MSVC's st_ino has only
 * 16 bits, so it holds the low bits of the index: enough to tell a
 * replaced object from ours in the common case, not a proof. */
static int stat_handle(HANDLE h, struct stat *st)
{
	BY_HANDLE_FILE_INFORMATION info;
	if (!GetFileInformationByHandle(h, &info))
		return tf_win_fail();
	memset(st, 0, sizeof *st);
	st->st_dev = (_dev_t)info.dwVolumeSerialNumber;
	st->st_ino = (_ino_t)info.nFileIndexLow;
	bool dir = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
	bool ro = (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0;
	st->st_mode = (unsigned short)((dir ? _S_IFDIR | 0555 : _S_IFREG | 0444) | (ro ? 0 : 0200));
	st->st_nlink = (short)(info.nNumberOfLinks > SHRT_MAX ? SHRT_MAX : info.nNumberOfLinks);
	unsigned long long size = ((unsigned long long)info.nFileSizeHigh << 32) | info.nFileSizeLow;
	st->st_size = (_off_t)(size > LONG_MAX ? LONG_MAX : size);
	return 0;
}

int tf_os_lstat(const char *path, struct stat *st)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	/* BACKUP_SEMANTICS opens directories; OPEN_REPARSE_POINT: the link
	 * itself, not its target. */
	HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES,
		FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
		FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return tf_win_fail();
	rc = stat_handle(h, st);
	CloseHandle(h);
	return rc;
}

int tf_os_fstat(int fd, struct stat *st)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1)
		return -EBADF;
	return stat_handle((HANDLE)h, st);
}

int tf_os_file_id(int fd, const char *path, struct tf_file_id *id)
{
	struct stat st;
	int rc = fd >= 0 ? tf_os_fstat(fd, &st) : tf_os_lstat(path, &st);
	if (rc < 0)
		return rc;
	memset(id, 0, sizeof *id);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

/* remove (DeleteFileW or RemoveDirectoryW) on path. */
static int remove_wide(const char *path, BOOL(WINAPI *remove)(LPCWSTR))
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	rc = remove(w) ? 0 : tf_win_fail();
	free(w);
	return rc;
}

int tf_os_unlink(const char *path)
{
	return remove_wide(path, DeleteFileW);
}

int tf_os_rmdir(const char *path)
{
	return remove_wide(path, RemoveDirectoryW);
}

int tf_os_close(int fd)
{
	return _close(fd) == 0 ? 0 : -errno;
}

ssize_t tf_os_write(int fd, const void *buf, size_t n)
{
	unsigned chunk = n > INT_MAX ? INT_MAX : (unsigned)n;
	int written = _write(fd, buf, chunk);
	return written < 0 ? -errno : written;
}

int tf_os_fsync(int fd)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1)
		return -EBADF;
	return FlushFileBuffers((HANDLE)h) ? 0 : tf_win_fail();
}

int tf_os_fsync_path(const char *path)
{
	wchar_t *w;
	int rc = tf_win_wide(path, &w);
	if (rc < 0)
		return rc;
	/* FlushFileBuffers needs write access. */
	HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		NULL, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return tf_win_fail();
	rc = FlushFileBuffers(h) ? 0 : tf_win_fail();
	CloseHandle(h);
	return rc;
}

int tf_os_fsync_parent(const char *path)
{
	(void)path; /* MOVEFILE_WRITE_THROUGH made the rename durable */
	return 0;
}

int tf_os_rename(const char *from, const char *to, unsigned flags)
{
	wchar_t *wfrom, *wto = NULL;
	int rc = tf_win_wide(from, &wfrom);
	if (rc == 0)
		rc = tf_win_wide(to, &wto);
	if (rc == 0) {
		DWORD how = ((flags & TEMPFILE_NOREPLACE) ? 0 : MOVEFILE_REPLACE_EXISTING) |
			((flags & TEMPFILE_SYNC) ? MOVEFILE_WRITE_THROUGH : 0);
		for (unsigned attempt = 0;; attempt++) {
			if (MoveFileExW(wfrom, wto, how)) {
				rc = 0;
				break;
			}
			if (GetLastError() != ERROR_SHARING_VIOLATION || attempt + 1 >= TF_WIN_RETRIES) {
				/* Without MOVEFILE_COPY_ALLOWED another volume is
				 * ERROR_NOT_SAME_DEVICE: EXDEV, as rename(2). */
				rc = tf_win_fail();
				break;
			}
			tf_win_backoff(attempt);
		}
	}
	free(wfrom);
	free(wto);
	return rc;
}

ssize_t tf_os_read(int fd, void *buf, size_t n)
{
	unsigned chunk = n > INT_MAX ? INT_MAX : (unsigned)n;
	int got = _read(fd, buf, chunk);
	return got < 0 ? -errno : got;
}

/* Make the handle behind fd non-inheritable (the CRT's _dup and _dup2
 * duplicate handles as inheritable). */
static int not_inherited(int fd)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1)
		return -EBADF;
	return SetHandleInformation((HANDLE)h, HANDLE_FLAG_INHERIT, 0) ? 0 : tf_win_fail();
}

int tf_os_set_append(int fd)
{
	/* A CRT descriptor's append flag is fixed when it is made: make one
	 * with _O_APPEND on a duplicate of the handle and put it in fd's
	 * place (_dup2 copies its flags). */
	intptr_t h = _get_osfhandle(fd);
	HANDLE copy;
	if (h == -1)
		return -EBADF;
	if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)h, GetCurrentProcess(), &copy, 0, FALSE,
		    DUPLICATE_SAME_ACCESS))
		return tf_win_fail();
	int with_append = _open_osfhandle((intptr_t)copy, _O_APPEND | _O_BINARY | _O_NOINHERIT);
	if (with_append < 0) {
		int rc = -errno;
		CloseHandle(copy);
		return rc;
	}
	int rc = _dup2(with_append, fd) == 0 ? not_inherited(fd) : -errno;
	_close(with_append);
	return rc;
}

int tf_os_dup(int fd)
{
	int copy = _dup(fd);
	if (copy < 0)
		return -errno;
	int rc = not_inherited(copy);
	if (rc < 0) {
		_close(copy);
		return rc;
	}
	return copy;
}
