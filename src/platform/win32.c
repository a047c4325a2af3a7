/*
 * platform/win32.c - the OS underneath, for Windows (mingw-w64, MSVC).
 * internal.h documents each call; this file says how Windows does it.
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

/* errno from GetLastError(); returns -1 for `return fail_win32();`. */
static int fail_win32(void)
{
	errno = tf_win_errno(GetLastError());
	return -1;
}

wchar_t *tf_win_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	if (n <= 0) {
		errno = EILSEQ;
		return NULL;
	}
	wchar_t *w = malloc((size_t)n * sizeof *w);
	if (!w)
		return NULL;
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
		free(w);
		errno = EILSEQ;
		return NULL;
	}
	return w;
}

char *tf_win_utf8(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, NULL, 0, NULL, NULL);
	if (n <= 0) {
		errno = EILSEQ;
		return NULL;
	}
	char *s = malloc((size_t)n);
	if (!s)
		return NULL;
	if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, w, -1, s, n, NULL, NULL) != n) {
		free(s);
		errno = EILSEQ;
		return NULL;
	}
	return s;
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

/* errno for a failed exclusive create of w, with the collision rule. */
static int fail_create(const wchar_t *w)
{
	DWORD error = seam_error(GetLastError());
	if (error == ERROR_ACCESS_DENIED && denied_because_taken(w))
		errno = EEXIST;
	else
		errno = tf_win_errno(error);
	return -1;
}

int tf_os_create_file(const char *path, int open_flags, unsigned flags, mode_t mode)
{
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
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
		int rc = fail_create(w);
		free(w);
		return rc;
	}
	int crt_flags = _O_NOINHERIT | ((flags & TEMPFILE_TEXT) ? _O_TEXT : _O_BINARY);
	if (open_flags & O_APPEND)
		crt_flags |= _O_APPEND;
	int fd = _open_osfhandle((intptr_t)h, crt_flags);
	if (fd < 0) {
		int saved = errno;
		CloseHandle(h);
		if (!temporary)
			DeleteFileW(w);
		errno = saved;
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
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
	if (mode == 0700 && !ConvertStringSecurityDescriptorToSecurityDescriptorW(
				    private_dir_sddl, SDDL_REVISION_1, &sa.lpSecurityDescriptor, NULL)) {
		int rc = fail_win32();
		free(w);
		return rc;
	}
	int rc = !TF_SEAM_DENY_ALL() && CreateDirectoryW(w, &sa) ? 0 : fail_create(w);
	if (sa.lpSecurityDescriptor) {
		int saved = errno;
		LocalFree(sa.lpSecurityDescriptor);
		errno = saved;
	}
	free(w);
	return rc;
}

int tf_os_name_free(const char *path)
{
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	/* GetFileAttributesW does not follow a symbolic link or junction, so
	 * a dangling one counts as existing, as with lstat. */
	DWORD attributes = GetFileAttributesW(w);
	DWORD error = GetLastError();
	free(w);
	if (attributes != INVALID_FILE_ATTRIBUTES || error == ERROR_ACCESS_DENIED) {
		errno = EEXIST;
		return -1;
	}
	if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
		return 0;
	errno = tf_win_errno(error);
	return -1;
}

/* struct stat from an open handle. Identity is the volume serial number
 * (st_dev) and the file index (st_ino); mingw's and MSVC's st_ino has only
 * 16 bits, so it holds the low bits of the index: enough to tell a
 * replaced object from ours in the common case, not a proof. */
static int stat_handle(HANDLE h, struct stat *st)
{
	BY_HANDLE_FILE_INFORMATION info;
	if (!GetFileInformationByHandle(h, &info))
		return fail_win32();
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
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	/* BACKUP_SEMANTICS opens directories; OPEN_REPARSE_POINT: the link
	 * itself, not its target. */
	HANDLE h = CreateFileW(w, FILE_READ_ATTRIBUTES,
		FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
		FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return fail_win32();
	int rc = stat_handle(h, st);
	int saved = errno;
	CloseHandle(h);
	errno = saved;
	return rc;
}

int tf_os_fstat(int fd, struct stat *st)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1) {
		errno = EBADF;
		return -1;
	}
	return stat_handle((HANDLE)h, st);
}

int tf_os_file_id(int fd, const char *path, struct tf_file_id *id)
{
	struct stat st;
	if ((fd >= 0 ? tf_os_fstat(fd, &st) : tf_os_lstat(path, &st)) != 0)
		return -1;
	memset(id, 0, sizeof *id);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int tf_os_unlink(const char *path)
{
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	int rc = DeleteFileW(w) ? 0 : fail_win32();
	free(w);
	return rc;
}

int tf_os_rmdir(const char *path)
{
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	int rc = RemoveDirectoryW(w) ? 0 : fail_win32();
	free(w);
	return rc;
}

int tf_os_close(int fd)
{
	return _close(fd);
}

ssize_t tf_os_write(int fd, const void *buf, size_t n)
{
	unsigned chunk = n > INT_MAX ? INT_MAX : (unsigned)n;
	return _write(fd, buf, chunk);
}

int tf_os_fsync(int fd)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1) {
		errno = EBADF;
		return -1;
	}
	return FlushFileBuffers((HANDLE)h) ? 0 : fail_win32();
}

int tf_os_fsync_path(const char *path)
{
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return -1;
	/* FlushFileBuffers needs write access. */
	HANDLE h = CreateFileW(w, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		NULL, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return fail_win32();
	int rc = FlushFileBuffers(h) ? 0 : fail_win32();
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
	wchar_t *wfrom = tf_win_wide(from), *wto = wfrom ? tf_win_wide(to) : NULL;
	int rc = -1;
	if (wto) {
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
				fail_win32();
				break;
			}
			tf_win_backoff(attempt);
		}
	}
	int saved = errno;
	free(wfrom);
	free(wto);
	errno = saved;
	return rc;
}

ssize_t tf_os_read(int fd, void *buf, size_t n)
{
	unsigned chunk = n > INT_MAX ? INT_MAX : (unsigned)n;
	return _read(fd, buf, chunk);
}

/* Make the handle behind fd non-inheritable (the CRT's _dup and _dup2
 * duplicate handles as inheritable). */
static int not_inherited(int fd)
{
	intptr_t h = _get_osfhandle(fd);
	if (h == -1) {
		errno = EBADF;
		return -1;
	}
	return SetHandleInformation((HANDLE)h, HANDLE_FLAG_INHERIT, 0) ? 0 : fail_win32();
}

int tf_os_set_append(int fd)
{
	/* A CRT descriptor's append flag is fixed when it is made: make one
	 * with _O_APPEND on a duplicate of the handle and put it in fd's
	 * place (_dup2 copies its flags). */
	intptr_t h = _get_osfhandle(fd);
	HANDLE copy;
	if (h == -1) {
		errno = EBADF;
		return -1;
	}
	if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)h, GetCurrentProcess(), &copy, 0, FALSE,
		    DUPLICATE_SAME_ACCESS))
		return fail_win32();
	int with_append = _open_osfhandle((intptr_t)copy, _O_APPEND | _O_BINARY | _O_NOINHERIT);
	if (with_append < 0) {
		int saved = errno;
		CloseHandle(copy);
		errno = saved;
		return -1;
	}
	int rc = _dup2(with_append, fd) == 0 ? not_inherited(fd) : -1;
	int saved = errno;
	_close(with_append);
	errno = saved;
	return rc;
}

int tf_os_dup(int fd)
{
	int copy = _dup(fd);
	if (copy >= 0 && not_inherited(copy) != 0) {
		int saved = errno;
		_close(copy);
		errno = saved;
		return -1;
	}
	return copy;
}

/* ---- the environment and the candidate directories ---------------------------- */

char *tf_os_getcwd(void)
{
	DWORD size = GetCurrentDirectoryW(0, NULL);
	if (size == 0) {
		fail_win32();
		return NULL;
	}
	wchar_t *w = malloc(size * sizeof *w);
	if (!w)
		return NULL;
	DWORD got = GetCurrentDirectoryW(size, w);
	if (got == 0 || got >= size) {
		if (got == 0)
			fail_win32();
		else
			errno = ERANGE; /* changed under us */
		free(w);
		return NULL;
	}
	char *s = tf_win_utf8(w);
	free(w);
	return s;
}

/* An environment variable as UTF-16: NEW, NULL when unset (errno 0), or
 * NULL with errno. GetEnvironmentVariableW sees what both the C runtime's
 * _wputenv and SetEnvironmentVariableW set. */
static wchar_t *getenv_wide(const wchar_t *name)
{
	DWORD size = GetEnvironmentVariableW(name, NULL, 0);
	if (size == 0) {
		errno = GetLastError() == ERROR_ENVVAR_NOT_FOUND ? 0 : tf_win_errno(GetLastError());
		return NULL;
	}
	wchar_t *value = malloc(size * sizeof *value);
	if (!value)
		return NULL;
	DWORD got = GetEnvironmentVariableW(name, value, size);
	if (got == 0 || got >= size) { /* unset or grown meanwhile: treat as unset */
		free(value);
		errno = 0;
		return NULL;
	}
	return value;
}

int tf_os_getenv(const char *name, char **value)
{
	*value = NULL;
	wchar_t *wname = tf_win_wide(name);
	if (!wname)
		return -1;
	wchar_t *w = getenv_wide(wname);
	free(wname);
	if (!w)
		return errno == 0 ? 0 : -1;
	*value = tf_win_utf8(w);
	free(w);
	return *value ? 0 : -1;
}

/* Concatenate UTF-16 a and b into a NEW UTF-8 string (a may be NULL: ENOENT). */
static char *join_utf8(const wchar_t *a, const wchar_t *b)
{
	if (!a) {
		errno = ENOENT;
		return NULL;
	}
	size_t la = wcslen(a), lb = wcslen(b);
	wchar_t *w = malloc((la + lb + 1) * sizeof *w);
	if (!w)
		return NULL;
	memcpy(w, a, la * sizeof *w);
	memcpy(w + la, b, (lb + 1) * sizeof *w);
	char *s = tf_win_utf8(w);
	free(w);
	return s;
}

/* Python's expanduser("~"): %USERPROFILE%, else %HOMEDRIVE%%HOMEPATH%.
 * NEW UTF-16, or NULL (ENOENT when neither is set). */
static wchar_t *home_directory(void)
{
	wchar_t *home = getenv_wide(L"USERPROFILE");
	if (home || errno != 0)
		return home;
	wchar_t *drive = getenv_wide(L"HOMEDRIVE");
	wchar_t *rest = drive ? getenv_wide(L"HOMEPATH") : NULL;
	if (drive && rest) {
		size_t ld = wcslen(drive), lr = wcslen(rest);
		home = malloc((ld + lr + 1) * sizeof *home);
		if (home) {
			memcpy(home, drive, ld * sizeof *home);
			memcpy(home + ld, rest, (lr + 1) * sizeof *home);
		}
	} else {
		errno = ENOENT;
	}
	free(drive);
	free(rest);
	return home;
}

/* Python's list after the environment variables, in its order. */
static const wchar_t *const fixed_candidates[] = { L"c:\\temp", L"c:\\tmp", L"\\temp", L"\\tmp" };

size_t tf_os_candidate_count(void)
{
	return 2 + sizeof fixed_candidates / sizeof *fixed_candidates;
}

char *tf_os_candidate(size_t i)
{
	wchar_t *base;
	char *result;
	switch (i) {
	case 0: /* the user's local temporary folder */
		base = home_directory();
		result = join_utf8(base, L"\\AppData\\Local\\Temp");
		break;
	case 1:
		base = getenv_wide(L"SYSTEMROOT");
		result = join_utf8(base, L"\\Temp");
		break;
	default:
		if (i >= tf_os_candidate_count()) {
			errno = EINVAL;
			return NULL;
		}
		return tf_win_utf8(fixed_candidates[i - 2]);
	}
	int saved = errno;
	free(base);
	errno = saved;
	return result;
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

char *tf_absolute(const char *path)
{
	if (!path || !*path) {
		errno = EINVAL;
		return NULL;
	}
	wchar_t *w = tf_win_wide(path);
	if (!w)
		return NULL;
	char *result = NULL;
	DWORD size = GetFullPathNameW(w, 0, NULL, NULL);
	wchar_t *full = size ? malloc(size * sizeof *full) : NULL;
	if (size == 0) {
		fail_win32();
	} else if (full) {
		DWORD got = GetFullPathNameW(w, size, full, NULL);
		if (got == 0)
			fail_win32();
		else if (got >= size)
			errno = ERANGE; /* the current directory changed meanwhile */
		else
			result = tf_win_utf8(full);
	}
	int saved = errno;
	free(full);
	free(w);
	errno = saved;
	return result;
}
