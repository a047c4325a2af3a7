/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#  include <direct.h>
#  include <process.h>
#  include <windows.h>
#else
#  include <grp.h>
#  include <sys/prctl.h>
#  include <unistd.h>
#endif

char *tft_format(const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	cr_assert_geq(n, 0, "vsnprintf %s", fmt);
	char *s = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	vsnprintf(s, (size_t)n + 1, fmt, again);
	va_end(again);
	return s;
}

#ifdef _WIN32
wchar_t *tft_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	if (n <= 0)
		return NULL;
	wchar_t *w = malloc((size_t)n * sizeof *w);
	if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
		free(w);
		return NULL;
	}
	return w;
}

/* With Win32 calls, not the library's rmtree, which is under test. */
static void remove_tree_w(const wchar_t *dir)
{
	size_t len = wcslen(dir);
	wchar_t *pattern = malloc((len + 3) * sizeof *pattern);
	if (!pattern)
		return;
	memcpy(pattern, dir, len * sizeof *pattern);
	memcpy(pattern + len, L"\\*", 3 * sizeof *pattern);
	WIN32_FIND_DATAW fd;
	HANDLE h = FindFirstFileW(pattern, &fd);
	free(pattern);
	if (h != INVALID_HANDLE_VALUE) {
		do {
			if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
				continue;
			size_t n = wcslen(fd.cFileName);
			wchar_t *child = malloc((len + 1 + n + 1) * sizeof *child);
			if (!child)
				break;
			memcpy(child, dir, len * sizeof *child);
			child[len] = L'\\';
			memcpy(child + len + 1, fd.cFileName, (n + 1) * sizeof *child);
			SetFileAttributesW(child, FILE_ATTRIBUTE_NORMAL);
			if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
				!(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
				remove_tree_w(child);
			else if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
				RemoveDirectoryW(child);
			else
				DeleteFileW(child);
			free(child);
		} while (FindNextFileW(h, &fd));
		FindClose(h);
	}
	RemoveDirectoryW(dir);
}

char *tft_scratch(void)
{
	char base[MAX_PATH];
	const char *root = getenv("TF_TEST_ROOT");
	if (!root || !*root) {
		DWORD n = GetTempPathA(sizeof base, base);
		cr_assert(n > 0 && n < sizeof base, "GetTempPathA: %lu", (unsigned long)GetLastError());
		if (base[n - 1] == '\\')
			base[n - 1] = '\0';
		root = base;
	}
	for (unsigned i = 0;; i++) {
		char *path = tft_format("%s\\tftest.%lx%04x", root, (unsigned long)GetCurrentProcessId(),
			(unsigned)(GetTickCount() + i) & 0xffffU);
		if (CreateDirectoryA(path, NULL))
			return path;
		DWORD error = GetLastError();
		free(path);
		cr_assert(error == ERROR_ALREADY_EXISTS && i < 100, "CreateDirectory in %s: %lu", root,
			(unsigned long)error);
	}
}

void tft_remove_tree(const char *path)
{
	wchar_t *w = tft_wide(path);
	if (w)
		remove_tree_w(w);
	free(w);
}

bool tft_exists(const char *path)
{
	wchar_t *w = tft_wide(path);
	DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	return a != INVALID_FILE_ATTRIBUTES;
}

char *tft_join(const char *a, const char *b)
{
	return tft_format("%s\\%s", a, b);
}

void tft_drop_privileges(void)
{
	cr_skip_test("no unprivileged user to become on Windows");
}
#else
void tft_prefer_tmpfs(void)
{
	struct stat st;
	if (!getenv("TF_TEST_ROOT") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		access("/dev/shm", W_OK) == 0)
		(void)setenv("TF_TEST_ROOT", "/dev/shm", 0);
}

char *tft_scratch(void)
{
	const char *root = getenv("TF_TEST_ROOT");
	if (!root || !*root)
		root = "/tmp";
	char *path = tft_format("%s/tftest.XXXXXX", root);
	cr_assert_not_null(mkdtemp(path), "mkdtemp in %s: %s", root, strerror(errno));
	cr_assert_eq(chmod(path, 0755), 0);
	return path;
}

/* chmod u+rwx and remove, depth first, in this process; one directory
 * stream open at a time. */
static void remove_walk(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		(void)unlink(path);
		return;
	}
	(void)chmod(path, (st.st_mode & 07777) | S_IRWXU);
	char **names = NULL;
	size_t count = 0, room = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (count == room) {
			room = room ? 2 * room : 16;
			char **more = realloc(names, room * sizeof *names);
			cr_assert_not_null(more);
			names = more;
		}
		names[count++] = tft_join(path, e->d_name);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < count; i++) {
		remove_walk(names[i]);
		free(names[i]);
	}
	free(names);
	(void)rmdir(path);
}

void tft_remove_tree(const char *path)
{
	char *cmd = tft_format("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", path, path);
	int rc = system(cmd);
	(void)rc;
	free(cmd);
	/* No shell where fork fails (a PID namespace whose init has ended). */
	if (tft_exists(path))
		remove_walk(path);
}

bool tft_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int tft_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory stream's own descriptor */
}

char *tft_join(const char *a, const char *b)
{
	return tft_format("%s/%s", a, b);
}

bool tft_become_nobody(void)
{
	if (geteuid() != 0)
		return getuid() == 65534;
	gid_t gid = 65534;
	if (setgroups(1, &gid) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		setresuid(65534, 65534, 65534) != 0)
		return false;
	/* A credential change makes the process non-dumpable, and then
	 * LeakSanitizer cannot ptrace it to check for leaks at exit. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0;
}

void tft_drop_privileges(void)
{
	if (!tft_become_nobody())
		cr_skip_test("cannot become nobody: %s", strerror(errno));
}
#endif

char *tft_dir;

void tft_scratch_setup(void)
{
	tft_dir = tft_scratch();
}

void tft_scratch_teardown(void)
{
	tft_remove_tree(tft_dir);
	free(tft_dir);
	tft_dir = NULL;
}

void tft_setenv(const char *name, const char *value)
{
#ifdef _WIN32
	/* The C library's copy first: _putenv_s of "" removes the variable
	 * from both. Then the process's block, which the library reads
	 * (GetEnvironmentVariableW), where "" stays an empty variable. */
	cr_assert_eq(_putenv_s(name, value ? value : ""), 0, "_putenv_s %s", name);
	wchar_t *wname = tft_wide(name), *wvalue = value ? tft_wide(value) : NULL;
	cr_assert(wname && (wvalue || !value), "%s: not UTF-8", name);
	cr_assert(SetEnvironmentVariableW(wname, wvalue) || !value, "SetEnvironmentVariableW %s", name);
	free(wname);
	free(wvalue);
#else
	int rc = value ? setenv(name, value, 1) : unsetenv(name);
	cr_assert_eq(rc, 0, "setenv %s: %s", name, strerror(errno));
#endif
}

int tft_mkdir(const char *path)
{
#ifdef _WIN32
	return mkdir(path);
#else
	return mkdir(path, 0700);
#endif
}

#ifdef _WIN32
bool tft_is_dir(const char *path)
{
	wchar_t *w = tft_wide(path);
	DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

bool tft_ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);
	return ls >= lt && _stricmp(s + ls - lt, tail) == 0;
}
#endif

long tft_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

bool tft_all_in(const char *s, size_t n, const char *alphabet)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return false;
	return true;
}

void tft_write_file(const char *path, const char *contents)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
	fputs(contents, f);
	cr_assert_eq(fclose(f), 0);
}

bool tft_under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#  else
	return false;
#  endif
#else
	return false;
#endif
}
