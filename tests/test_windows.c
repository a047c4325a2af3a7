/*
 * test_windows.c - the public API on Windows, run under wine by CTest.
 *
 * Built twice (tests/win/CMakeLists.txt): with TEMPFILE_TEST_SEAMS against
 * the library's sources, where scripted names force collisions, and against
 * libtempfile.dll, where only the exported API is used. Everything a test
 * creates lives in a scratch directory made and removed with Win32 calls.
 */
#include "tempfile.h"
#ifdef TEMPFILE_TEST_SEAMS
#  include "internal.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "runner.h"

/* ---- helpers ------------------------------------------------------------------- */

static wchar_t *wide(const char *s)
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

/* GetFileAttributesW of a UTF-8 path. */
static DWORD attributes(const char *path)
{
	wchar_t *w = wide(path);
	DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
	free(w);
	return a;
}

static bool exists(const char *path)
{
	return attributes(path) != INVALID_FILE_ATTRIBUTES;
}

static bool is_dir(const char *path)
{
	DWORD a = attributes(path);
	return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + 1 + lb + 1);
	if (!p)
		abort();
	memcpy(p, a, la);
	p[la] = '\\';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* Remove a tree with Win32 calls (not the library's rmtree, which is under
 * test elsewhere). */
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

static void remove_tree(const char *dir)
{
	wchar_t *w = wide(dir);
	if (w)
		remove_tree_w(w);
	free(w);
}

/* A fresh scratch directory in the default temporary directory. NEW. */
static char *scratch(void)
{
	return tempfile_mkdtemp(&(struct tempfile_opts){ .prefix = "tfwin-" });
}

static long file_size(const char *path)
{
	wchar_t *w = wide(path);
	WIN32_FILE_ATTRIBUTE_DATA data;
	BOOL ok = w && GetFileAttributesExW(w, GetFileExInfoStandard, &data);
	free(w);
	return ok ? (long)data.nFileSizeLow : -1;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);
	return ls >= lt && _stricmp(s + ls - lt, tail) == 0;
}

static bool is_absolute_windows_path(const char *p)
{
	return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
		p[2] == '\\' && !strchr(p, '/');
}

static void set_env(const wchar_t *name, const wchar_t *value)
{
	SetEnvironmentVariableW(name, value);
}

/* ---- where temporary files go -------------------------------------------------- */

TFW_TEST(gettempdir_is_an_absolute_windows_path_where_files_can_be_made)
{
	const char *dir = tempfile_gettempdir();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	TFW_CHECK(is_absolute_windows_path(dir), "%s", dir);
	TFW_CHECK(is_dir(dir), "%s", dir);
}

TFW_TEST(gettempdir_takes_TMPDIR_first_and_caches_until_reset)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	wchar_t *w = wide(dir);
	set_env(L"TMPDIR", w);
	TFW_CHECK(tempfile_settempdir(NULL) == 0, "errno %d", errno);
	const char *got = tempfile_gettempdir();
	set_env(L"TMPDIR", NULL);
	const char *cached = tempfile_gettempdir();
	int reset = tempfile_settempdir(NULL);
	const char *after = tempfile_gettempdir();
	bool same = got && strcmp(got, dir) == 0, kept = cached == got;
	bool moved = after && strcmp(after, dir) != 0;
	remove_tree(dir);
	free(w);
	free(dir);
	TFW_CHECK(same, "gettempdir %s", got ? got : "(null)");
	TFW_CHECK(kept, "not cached");
	TFW_CHECK(reset == 0 && moved, "reset did not search again: %s", after ? after : "(null)");
}

struct seen {
	char source[12][16];
	char *path[12];
	int error[12];
	size_t n;
};

static int record(const struct tempfile_candidate *c, void *arg)
{
	struct seen *s = arg;
	if (s->n < 12) {
		strncpy(s->source[s->n], c->source, 15);
		s->path[s->n] = c->path ? _strdup(c->path) : NULL;
		s->error[s->n] = c->error;
		s->n++;
	}
	return 0;
}

TFW_TEST(explain_walks_the_variables_then_pythons_windows_list_then_cwd)
{
	set_env(L"TMPDIR", NULL);
	set_env(L"SYSTEMROOT", L"C:\\windows");
	struct seen s = { .n = 0 };
	TFW_CHECK(tempfile_gettempdir_explain(record, &s) == 0, "errno %d", errno);
	static const char *const sources[] = { "TMPDIR", "TEMP", "TMP", "default", "default",
		"default", "default", "default", "default", "cwd" };
	static const char *const tails[] = { NULL, NULL, NULL, "\\AppData\\Local\\Temp",
		"C:\\windows\\Temp", "c:\\temp", "c:\\tmp", ":\\temp", ":\\tmp", NULL };
	size_t n = s.n;
	bool order = n == 10, paths = true;
	for (size_t i = 0; order && i < n; i++) {
		order = strcmp(s.source[i], sources[i]) == 0;
		if (tails[i] && (!s.path[i] || !ends_with(s.path[i], tails[i])))
			paths = false;
		if (s.path[i] && !is_absolute_windows_path(s.path[i]))
			paths = false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!paths || !order)
			printf("    %s: %s (%d)\n", s.source[i], s.path[i] ? s.path[i] : "-", s.error[i]);
		free(s.path[i]);
	}
	TFW_CHECK(order, "%zu candidates, or out of order", n);
	TFW_CHECK(paths, "candidate paths (printed above)");
	TFW_CHECK(s.error[0] == ENOENT, "unset TMPDIR reported as %d", s.error[0]);
}

TFW_TEST(prefix_and_suffix_may_not_hold_backslash_slash_or_colon)
{
	static const char *const bad[] = { "a\\b", "a/b", "c:x" };
	for (size_t i = 0; i < 3; i++) {
		errno = 0;
		int fd = tempfile_mkstemp(&(struct tempfile_opts){ .prefix = bad[i] }, NULL);
		TFW_CHECK(fd == -1 && errno == EINVAL, "prefix %s: fd %d errno %d", bad[i], fd, errno);
		errno = 0;
		char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .suffix = bad[i] });
		TFW_CHECK(!d && errno == EINVAL, "suffix %s: errno %d", bad[i], errno);
		errno = 0;
		TFW_CHECK(tempfile_settempprefix(bad[i]) == -1 && errno == EINVAL, "settempprefix %s",
			bad[i]);
	}
	TFW_CHECK(strcmp(tempfile_gettempprefix(), "tmp") == 0, "%s", tempfile_gettempprefix());
}

TFW_TEST(settempprefix_changes_the_default_prefix)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	TFW_CHECK(tempfile_settempprefix("pre") == 0, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	(void)tempfile_settempprefix(NULL);
	bool ok = fd >= 0 && strncmp(strrchr(path, '\\') + 1, "pre", 3) == 0;
	if (fd >= 0)
		_close(fd);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(ok, "%s", path ? path : "(null)");
	free(path);
}

/* ---- mkstemp, mkdtemp, mktemp, mktemplate ---------------------------------------- */

TFW_TEST(mkstemp_makes_a_binary_non_inheritable_file_at_an_absolute_path)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .suffix = ".txt" }, &path);
	TFW_CHECK(fd >= 0, "errno %d", errno);
	DWORD handle_flags = 1;
	BOOL got = GetHandleInformation((HANDLE)_get_osfhandle(fd), &handle_flags);
	int written = _write(fd, "a\nb\n", 4);
	_close(fd);
	long size = file_size(path);
	bool name_ok = strncmp(path, dir, strlen(dir)) == 0 && path[strlen(dir)] == '\\' &&
		ends_with(path, ".txt") && strlen(path) == strlen(dir) + 1 + 3 + 8 + 4;
	remove_tree(dir);
	TFW_CHECK(got && !(handle_flags & HANDLE_FLAG_INHERIT), "inheritable: %lu",
		(unsigned long)handle_flags);
	TFW_CHECK(written == 4 && size == 4, "binary: wrote %d, size %ld", written, size);
	TFW_CHECK(name_ok, "%s in %s", path, dir);
	free(path);
	free(dir);
}

TFW_TEST(mkstemp_with_text_flag_writes_crlf)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_TEXT }, &path);
	TFW_CHECK(fd >= 0, "errno %d", errno);
	int written = _write(fd, "a\nb\n", 4);
	_close(fd);
	long size = file_size(path);
	remove_tree(dir);
	free(path);
	free(dir);
	TFW_CHECK(written == 4 && size == 6, "text mode: wrote %d, size %ld", written, size);
}

TFW_TEST(mkstemp_file_can_be_renamed_and_deleted_while_open)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	TFW_CHECK(fd >= 0, "errno %d", errno);
	char *moved = join(dir, "moved");
	wchar_t *wfrom = wide(path), *wto = wide(moved);
	BOOL renamed = MoveFileExW(wfrom, wto, 0);
	DWORD rename_error = GetLastError();
	BOOL deleted = renamed && DeleteFileW(wto);
	_close(fd);
	bool gone = !exists(moved) && !exists(path);
	remove_tree(dir);
	free(wfrom);
	free(wto);
	free(moved);
	free(path);
	free(dir);
	TFW_CHECK(renamed, "MoveFileExW while open: error %lu", (unsigned long)rename_error);
	TFW_CHECK(deleted && gone, "DeleteFileW while open");
}

/* True under wine, which does not keep a DACL's protected flag. */
static bool under_wine(void)
{
	HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
	return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* Does acl hold an ACE for a group everyone is in (Everyone, Users,
 * Authenticated Users)? */
static bool grants_everyone(PACL acl)
{
	static const wchar_t *const broad[] = { L"S-1-1-0", L"S-1-5-32-545", L"S-1-5-11" };
	for (DWORD i = 0; acl && i < acl->AceCount; i++) {
		ACCESS_ALLOWED_ACE *ace = NULL;
		wchar_t *sid = NULL;
		if (!GetAce(acl, i, (void **)&ace) || !ConvertSidToStringSidW(&ace->SidStart, &sid))
			return true; /* cannot tell: assume the worst */
		bool hit = false;
		for (size_t j = 0; j < 3; j++)
			hit = hit || wcscmp(sid, broad[j]) == 0;
		LocalFree(sid);
		if (hit)
			return true;
	}
	return false;
}

TFW_TEST(mkdtemp_makes_a_directory_with_a_protected_private_dacl)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .prefix = "d" });
	bool made = sub && is_dir(sub);
	SECURITY_DESCRIPTOR_CONTROL control = 0;
	DWORD revision = 0;
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL acl = NULL;
	wchar_t *w = sub ? wide(sub) : NULL;
	DWORD rc = w ? GetNamedSecurityInfoW(w, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
			       NULL, &acl, NULL, &sd)
		     : 1;
	bool broad = true;
	if (rc == ERROR_SUCCESS) {
		GetSecurityDescriptorControl(sd, &control, &revision);
		broad = !acl || grants_everyone(acl);
	}
	LocalFree(sd);
	remove_tree(dir);
	free(w);
	free(dir);
	TFW_CHECK(made, "mkdtemp: errno %d", errno);
	free(sub);
	TFW_CHECK(rc == ERROR_SUCCESS, "GetNamedSecurityInfoW: %lu", (unsigned long)rc);
	TFW_CHECK(!broad, "the DACL lets everyone in");
	if (under_wine() && !(control & SE_DACL_PROTECTED))
		TFW_SKIP("wine does not keep the DACL's protected flag; checked on Windows only");
	TFW_CHECK(control & SE_DACL_PROTECTED, "the DACL is not protected (control %#x)",
		(unsigned)control);
}

TFW_TEST(mkdtemp_in_a_missing_directory_fails_with_enoent_and_leaves_nothing)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *missing = join(dir, "missing");
	errno = 0;
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = missing });
	int e = errno;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = missing }, NULL);
	int e2 = errno;
	remove_tree(dir);
	free(missing);
	free(dir);
	TFW_CHECK(!sub && e == ENOENT, "mkdtemp errno %d", e);
	TFW_CHECK(fd == -1 && e2 == ENOENT, "mkstemp errno %d", e2);
}

TFW_TEST(relative_and_forward_slash_dirs_come_back_absolute_with_backslashes)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	wchar_t old[MAX_PATH];
	GetCurrentDirectoryW(MAX_PATH, old);
	wchar_t *w = wide(dir);
	SetCurrentDirectoryW(w);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = "." }, &path);
	SetCurrentDirectoryW(old);
	if (fd >= 0)
		_close(fd);
	char *slashed = _strdup(dir);
	for (char *p = slashed; *p; p++)
		if (*p == '\\')
			*p = '/';
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = slashed });
	bool rel_ok = path && strncmp(path, dir, strlen(dir)) == 0 && path[strlen(dir)] == '\\' &&
		!strchr(path + strlen(dir) + 1, '\\');
	bool slash_ok = sub && strncmp(sub, dir, strlen(dir)) == 0 && !strchr(sub, '/');
	remove_tree(dir);
	TFW_CHECK(rel_ok, "dir \".\": %s (cwd %s)", path ? path : "(null)", dir);
	TFW_CHECK(slash_ok, "dir %s: %s", slashed, sub ? sub : "(null)");
	free(path);
	free(sub);
	free(slashed);
	free(w);
	free(dir);
}

TFW_TEST(a_temporary_directory_with_a_non_ascii_name_works)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	/* "é中" in UTF-8 */
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .prefix = "\xc3\xa9\xe4\xb8\xad" });
	TFW_CHECK(sub != NULL, "errno %d", errno);
	TFW_CHECK(tempfile_settempdir(sub) == 0, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(NULL, &path);
	char *d2 = tempfile_mkdtemp(NULL);
	(void)tempfile_settempdir(NULL);
	bool ok = fd >= 0 && strncmp(path, sub, strlen(sub)) == 0 && exists(path) &&
		d2 && is_dir(d2);
	if (fd >= 0)
		_close(fd);
	/* The name as Windows sees it, in UTF-16. */
	wchar_t *w = path ? wide(path) : NULL;
	bool wide_ok = w && wcsstr(w, L"\x00e9\x4e2d") != NULL;
	remove_tree(dir);
	free(w);
	free(d2);
	free(sub);
	free(dir);
	TFW_CHECK(ok, "%s", path ? path : "(null)");
	TFW_CHECK(wide_ok, "the UTF-16 name lost the characters");
	free(path);
}

TFW_TEST(mktemp_returns_a_free_absolute_name_and_creates_nothing)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
#if defined(__GNUC__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
	char *name = tempfile_mktemp(&(struct tempfile_opts){ .dir = dir });
#if defined(__GNUC__)
#  pragma GCC diagnostic pop
#endif
	bool ok = name && strncmp(name, dir, strlen(dir)) == 0 && !exists(name);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(ok, "%s", name ? name : "(null)");
	free(name);
}

TFW_TEST(mktemplate_fills_the_xs_for_files_dirs_and_names)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *file = join(dir, "fXXXXXX.log"), *sub = join(dir, "dXXXXXX"), *name = join(dir, "nXXX");
	int fd = tempfile_mktemplate(file, 4, TEMPFILE_KIND_FILE, 0, 0);
	int drc = tempfile_mktemplate(sub, 0, TEMPFILE_KIND_DIR, 0, 0);
	int nrc = tempfile_mktemplate(name, 0, TEMPFILE_KIND_NAME, 0, 0);
	if (fd >= 0)
		_close(fd);
	bool file_ok = fd >= 0 && !strstr(file, "XXXXXX") && ends_with(file, ".log") && exists(file);
	bool dir_ok = drc == 0 && !strstr(sub, "XXXXXX") && is_dir(sub);
	bool name_ok = nrc == 0 && !strstr(name, "XXX") && !exists(name);
	remove_tree(dir);
	TFW_CHECK(file_ok, "%s", file);
	TFW_CHECK(dir_ok, "%s", sub);
	TFW_CHECK(name_ok, "%s", name);
	free(file);
	free(sub);
	free(name);
	free(dir);
}

TFW_TEST(names_differ_between_calls)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *a = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	char *b = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	bool ok = a && b && strcmp(a, b) != 0;
	remove_tree(dir);
	free(a);
	free(b);
	free(dir);
	TFW_CHECK(ok, "two names alike");
}

TFW_TEST(version_is_the_headers)
{
	TFW_CHECK(strcmp(tempfile_version(), TEMPFILE_VERSION_STRING) == 0, "%s", tempfile_version());
}


/* ---- TemporaryDirectory and rmtree ------------------------------------------------- */

/* Write a small file (binary) with Win32 calls; attributes as given. */
static bool make_file(const char *path, DWORD attributes)
{
	wchar_t *w = wide(path);
	HANDLE h = w ? CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, attributes, NULL)
		     : INVALID_HANDLE_VALUE;
	free(w);
	if (h == INVALID_HANDLE_VALUE)
		return false;
	DWORD n = 0;
	BOOL ok = WriteFile(h, "data", 4, &n, NULL);
	CloseHandle(h);
	return ok && n == 4;
}

static bool make_dir(const char *path)
{
	wchar_t *w = wide(path);
	BOOL ok = w && CreateDirectoryW(w, NULL);
	free(w);
	return ok;
}

TFW_TEST(tempfile_dir_is_removed_with_its_tree_by_cleanup)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .prefix = "tfwin-dir-" });
	TFW_CHECK(d != NULL, "errno %d", errno);
	char *path = _strdup(tempfile_dir_path(d));
	char *sub = join(path, "sub"), *f = join(sub, "f.txt"), *g = join(path, "g");
	bool setup = make_dir(sub) && make_file(f, FILE_ATTRIBUTE_NORMAL) && make_file(g, FILE_ATTRIBUTE_READONLY);
	int rc = tempfile_dir_cleanup(d);
	int e = errno;
	bool gone = !exists(path);
	if (!gone)
		remove_tree(path);
	free(sub);
	free(f);
	free(g);
	TFW_CHECK(setup, "setup");
	TFW_CHECK(rc == 0, "cleanup: errno %d", e);
	TFW_CHECK(gone, "%s is still there", path);
	free(path);
}

TFW_TEST(tempfile_dir_with_keep_stays)
{
	struct tempfile_dir *d = tempfile_dir(&(struct tempfile_opts){ .flags = TEMPFILE_KEEP });
	TFW_CHECK(d != NULL, "errno %d", errno);
	char *path = _strdup(tempfile_dir_path(d));
	int rc = tempfile_dir_cleanup(d);
	bool kept = is_dir(path);
	remove_tree(path);
	TFW_CHECK(rc == 0 && kept, "%s", path);
	free(path);
}

TFW_TEST(rmtree_removes_read_only_files_and_directories_deeply)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *top = join(dir, "top");
	bool setup = make_dir(top);
	char *cur = _strdup(top);
	for (int i = 0; setup && i < 20; i++) {
		char *next = join(cur, "d");
		char *file = join(cur, "ro.txt");
		setup = make_dir(next) && make_file(file, FILE_ATTRIBUTE_READONLY);
		free(file);
		free(cur);
		cur = next;
	}
	wchar_t *wcur = wide(cur);
	SetFileAttributesW(wcur, FILE_ATTRIBUTE_READONLY); /* a read-only directory too */
	int rc = tempfile_rmtree(top, 0);
	int e = errno;
	bool gone = !exists(top);
	remove_tree(dir);
	free(wcur);
	free(cur);
	free(top);
	free(dir);
	TFW_CHECK(setup, "setup");
	TFW_CHECK(rc == 0 && gone, "rc %d errno %d", rc, e);
}

TFW_TEST(rmtree_of_a_file_or_a_missing_path_fails_cleanly)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *file = join(dir, "f"), *missing = join(dir, "missing");
	bool setup = make_file(file, FILE_ATTRIBUTE_NORMAL);
	errno = 0;
	int rc1 = tempfile_rmtree(file, 0);
	int e1 = errno;
	errno = 0;
	int rc2 = tempfile_rmtree(missing, 0);
	int e2 = errno;
	int rc3 = tempfile_rmtree(missing, TEMPFILE_IGNORE_CLEANUP_ERRORS);
	bool file_kept = exists(file);
	remove_tree(dir);
	free(file);
	free(missing);
	free(dir);
	TFW_CHECK(setup, "setup");
	TFW_CHECK(rc1 == -1 && e1 == ENOTDIR && file_kept, "file: rc %d errno %d", rc1, e1);
	TFW_CHECK(rc2 == -1 && e2 == ENOENT, "missing: rc %d errno %d", rc2, e2);
	TFW_CHECK(rc3 == 0, "ignore errors");
}

/* A directory symbolic link at link, if this system can make one: wine 8's
 * CreateSymbolicLinkW reports success and makes nothing, so check. */
static bool make_dir_link(const wchar_t *link, const wchar_t *target)
{
	if (!CreateSymbolicLinkW(link, target,
		    SYMBOLIC_LINK_FLAG_DIRECTORY | 0x2 /* ALLOW_UNPRIVILEGED_CREATE */))
		return false;
	DWORD a = GetFileAttributesW(link);
	if (a == INVALID_FILE_ATTRIBUTES || !(a & FILE_ATTRIBUTE_REPARSE_POINT)) {
		SetLastError(ERROR_NOT_SUPPORTED);
		return false;
	}
	return true;
}

/* A directory symbolic link inside the tree is removed, its target kept. */
TFW_TEST(rmtree_removes_a_directory_link_without_following_it)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *outside = join(dir, "outside"), *precious = join(outside, "precious");
	char *top = join(dir, "top"), *link = join(top, "link");
	bool setup = make_dir(outside) && make_file(precious, FILE_ATTRIBUTE_NORMAL) && make_dir(top);
	wchar_t *wlink = wide(link), *wtarget = wide(outside);
	bool linked = make_dir_link(wlink, wtarget);
	DWORD link_error = GetLastError();
	int rc = linked ? tempfile_rmtree(top, 0) : 0;
	int e = errno;
	bool top_gone = !exists(top), kept = exists(precious);
	remove_tree(dir);
	free(wlink);
	free(wtarget);
	free(outside);
	free(precious);
	free(top);
	free(link);
	free(dir);
	TFW_CHECK(setup, "setup");
	if (!linked) {
		printf("    CreateSymbolicLinkW: error %lu\n", (unsigned long)link_error);
		TFW_SKIP("cannot create a directory symbolic link here");
	}
	TFW_CHECK(rc == 0 && top_gone, "rc %d errno %d", rc, e);
	TFW_CHECK(kept, "the link was followed: the target's file is gone");
}

TFW_TEST(rmtree_of_a_link_itself_is_enotdir)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *target = join(dir, "target"), *inside = join(target, "f"), *link = join(dir, "link");
	bool setup = make_dir(target) && make_file(inside, FILE_ATTRIBUTE_NORMAL);
	wchar_t *wlink = wide(link), *wtarget = wide(target);
	bool linked = make_dir_link(wlink, wtarget);
	errno = 0;
	int rc = linked ? tempfile_rmtree(link, 0) : 0;
	int e = errno;
	bool kept = exists(inside);
	remove_tree(dir);
	free(wlink);
	free(wtarget);
	free(target);
	free(inside);
	free(link);
	free(dir);
	TFW_CHECK(setup, "setup");
	if (!linked)
		TFW_SKIP("cannot create a directory symbolic link here");
	TFW_CHECK(rc == -1 && e == ENOTDIR && kept, "rc %d errno %d kept %d", rc, e, kept);
}

TFW_TEST(rmtree_reports_eacces_for_a_file_held_open_after_bounded_retries)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *top = join(dir, "top"), *file = join(top, "held");
	bool setup = make_dir(top) && make_file(file, FILE_ATTRIBUTE_NORMAL);
	/* Held open without FILE_SHARE_DELETE: removal meets a sharing
	 * violation and must report it (EACCES) after its bounded retries,
	 * leaving the rest of the tree removed where it can. */
	wchar_t *w = wide(file);
	HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	errno = 0;
	int rc = tempfile_rmtree(top, 0);
	int e = errno;
	CloseHandle(h);
	int rc2 = tempfile_rmtree(top, 0);
	bool gone = !exists(top);
	remove_tree(dir);
	free(w);
	free(top);
	free(file);
	free(dir);
	TFW_CHECK(setup && h != INVALID_HANDLE_VALUE, "setup");
	TFW_CHECK(rc == -1 && e == EACCES, "held: rc %d errno %d", rc, e);
	TFW_CHECK(rc2 == 0 && gone, "after close: rc %d", rc2);
}


static int count_entries(const char *dir)
{
	char *pattern = join(dir, "*");
	wchar_t *w = wide(pattern);
	WIN32_FIND_DATAW fd;
	HANDLE h = FindFirstFileW(w, &fd);
	int n = 0;
	if (h != INVALID_HANDLE_VALUE) {
		do
			n += wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L"..");
		while (FindNextFileW(h, &fd));
		FindClose(h);
	}
	free(w);
	free(pattern);
	return n;
}

/* ---- TemporaryFile, NamedTemporaryFile, persist -------------------------------------- */

TFW_TEST(temporary_file_leaves_nothing_behind_after_fclose)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	FILE *f = tempfile_temporary(&(struct tempfile_opts){ .dir = dir }, "w+b");
	TFW_CHECK(f != NULL, "errno %d", errno);
	size_t w = fwrite("a\nb", 1, 3, f);
	rewind(f);
	char buf[8] = { 0 };
	size_t r = fread(buf, 1, sizeof buf, f);
	int while_open = count_entries(dir);
	fclose(f);
	int fd = tempfile_temporary_fd(&(struct tempfile_opts){ .dir = dir });
	if (fd >= 0)
		_close(fd);
	int left = count_entries(dir);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(w == 3 && r == 3 && memcmp(buf, "a\nb", 3) == 0, "read back %zu bytes", r);
	TFW_CHECK(fd >= 0, "temporary_fd: errno %d", errno);
	TFW_CHECK(left == 0, "%d entries left (%d while open)", left, while_open);
}

TFW_TEST(named_file_is_deleted_by_close_and_kept_with_keep)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir, .suffix = ".txt" }, NULL);
	TFW_CHECK(t != NULL, "errno %d", errno);
	char *path = _strdup(tempfile_path(t));
	bool there = exists(path) && ends_with(path, ".txt") && strncmp(path, dir, strlen(dir)) == 0;
	fputs("hello", tempfile_stream(t));
	int rc = tempfile_close(t);
	bool gone = !exists(path);
	struct tempfile *k = tempfile_named(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_KEEP }, "w");
	char *kpath = k ? _strdup(tempfile_path(k)) : NULL;
	int krc = k ? tempfile_close(k) : -1;
	bool kept = kpath && exists(kpath);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(there, "%s", path);
	TFW_CHECK(rc == 0 && gone, "close: rc %d, still there: %d", rc, !gone);
	TFW_CHECK(krc == 0 && kept, "TEMPFILE_KEEP");
	free(path);
	free(kpath);
}

/* Python 3.12's delete_on_close=False: another program opens the file by
 * name after the stream is closed; tempfile_close still deletes it. */
TFW_TEST(named_file_can_be_reopened_by_name_after_close_stream)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, "w+b");
	TFW_CHECK(t != NULL, "errno %d", errno);
	fputs("shared", tempfile_stream(t));
	/* Readable by name even while our stream is open (shared handles). */
	fflush(tempfile_stream(t));
	FILE *early = fopen(tempfile_path(t), "rb");
	bool early_ok = early != NULL;
	if (early)
		fclose(early);
	int crc = tempfile_close_stream(t);
	FILE *again = fopen(tempfile_path(t), "rb");
	char buf[16] = { 0 };
	size_t n = again ? fread(buf, 1, sizeof buf - 1, again) : 0;
	if (again)
		fclose(again);
	char *path = _strdup(tempfile_path(t));
	int rc = tempfile_close(t);
	bool gone = !exists(path);
	remove_tree(dir);
	free(dir);
	free(path);
	TFW_CHECK(early_ok, "could not open by name while the stream was open");
	TFW_CHECK(crc == 0 && n == 6 && strcmp(buf, "shared") == 0, "reopened: %zu bytes", n);
	TFW_CHECK(rc == 0 && gone, "close after reopen: rc %d", rc);
}

TFW_TEST(persist_replaces_or_refuses_and_the_handle_stops_deleting)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *final = join(dir, "final.json");
	bool setup = make_file(final, FILE_ATTRIBUTE_NORMAL);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir }, "w");
	TFW_CHECK(t != NULL, "errno %d", errno);
	char *temp = _strdup(tempfile_path(t));
	fputs("{}", tempfile_stream(t));
	errno = 0;
	int r1 = tempfile_persist(t, final, TEMPFILE_NOREPLACE);
	int e1 = errno;
	bool temp_kept = exists(temp) && strcmp(tempfile_path(t), temp) == 0;
	int r2 = tempfile_persist(t, final, TEMPFILE_SYNC); /* stream still open */
	bool moved = !exists(temp) && strcmp(tempfile_path(t), final) == 0;
	int rc = tempfile_close(t);
	long size = file_size(final);
	remove_tree(dir);
	free(dir);
	free(temp);
	free(final);
	TFW_CHECK(setup, "setup");
	TFW_CHECK(r1 == -1 && e1 == EEXIST && temp_kept, "NOREPLACE: %d errno %d", r1, e1);
	TFW_CHECK(r2 == 0 && moved, "persist over an existing file: %d errno %d", r2, errno);
	TFW_CHECK(rc == 0 && size == 2, "after close: rc %d size %ld", rc, size);
}

TFW_TEST(named_file_with_at_exit_is_removed_by_cleanup_now)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	struct tempfile *t = tempfile_named(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, NULL);
	TFW_CHECK(t != NULL, "errno %d", errno);
	char *path = _strdup(tempfile_path(t));
	(void)tempfile_close_stream(t);
	int rc = tempfile_cleanup_now();
	bool gone = !exists(path);
	int crc = tempfile_close(t); /* already gone: fine */
	remove_tree(dir);
	free(dir);
	free(path);
	TFW_CHECK(rc == 0 && gone, "cleanup_now: %d", rc);
	TFW_CHECK(crc == 0, "close after cleanup: errno %d", errno);
}


/* ---- SpooledTemporaryFile ------------------------------------------------------------- */

TFW_TEST(spooled_rolls_over_past_max_size_and_keeps_content_and_position)
{
	struct tempfile_spooled *s = tempfile_spooled(8, NULL, "w+b");
	TFW_CHECK(s != NULL, "errno %d", errno);
	ssize_t w1 = tempfile_spooled_write(s, "abcd", 4);
	int rolled_early = tempfile_spooled_rolled(s);
	ssize_t w2 = tempfile_spooled_write(s, "efghij\n", 7);
	int rolled = tempfile_spooled_rolled(s);
	off_t at = tempfile_spooled_tell(s);
	off_t start = tempfile_spooled_seek(s, 2, SEEK_SET);
	char buf[16] = { 0 };
	ssize_t r = tempfile_spooled_read(s, buf, sizeof buf - 1);
	int trunc = tempfile_spooled_truncate(s, 3);
	off_t end = tempfile_spooled_seek(s, 0, SEEK_END);
	int rc = tempfile_spooled_close(s);
	TFW_CHECK(w1 == 4 && w2 == 7 && !rolled_early && rolled, "rollover: %d %d", rolled_early, rolled);
	TFW_CHECK(at == 11 && start == 2 && r == 9 && strcmp(buf, "cdefghij\n") == 0,
		"at %ld start %ld read %zd '%s'", (long)at, (long)start, r, buf);
	TFW_CHECK(trunc == 0 && end == 3 && rc == 0, "truncate %d end %ld close %d", trunc, (long)end, rc);
}

/* No fopencookie on Windows: the stdio view rolls over first. */
TFW_TEST(spooled_stream_rolls_over_first_and_shares_the_position)
{
	struct tempfile_spooled *s = tempfile_spooled(0, NULL, "w+");
	TFW_CHECK(s != NULL, "errno %d", errno);
	(void)tempfile_spooled_write(s, "one ", 4);
	FILE *f = tempfile_spooled_stream(s);
	int rolled = tempfile_spooled_rolled(s);
	int printed = f ? fprintf(f, "%s %d", "two", 3) : -1;
	int flushed = f ? fflush(f) : -1;
	off_t size = tempfile_spooled_seek(s, 0, SEEK_END);
	(void)tempfile_spooled_seek(s, 0, SEEK_SET);
	char buf[32] = { 0 };
	ssize_t r = tempfile_spooled_read(s, buf, sizeof buf - 1);
	int fd = tempfile_spooled_fileno(s);
	DWORD handle_flags = 1;
	BOOL got = fd >= 0 && GetHandleInformation((HANDLE)_get_osfhandle(fd), &handle_flags);
	int rc = tempfile_spooled_close(s);
	TFW_CHECK(f != NULL && rolled, "stream %p rolled %d (errno %d)", (void *)f, rolled, errno);
	TFW_CHECK(printed == 5 && flushed == 0 && size == 9, "printed %d size %ld", printed, (long)size);
	TFW_CHECK(r == 9 && strcmp(buf, "one two 3") == 0, "read '%s'", buf);
	TFW_CHECK(got && !(handle_flags & HANDLE_FLAG_INHERIT), "descriptor inheritable");
	TFW_CHECK(rc == 0, "close");
}

TFW_TEST(spooled_append_mode_appends_after_rollover)
{
	struct tempfile_spooled *s = tempfile_spooled(4, NULL, "a+b");
	TFW_CHECK(s != NULL, "errno %d", errno);
	(void)tempfile_spooled_write(s, "12345", 5); /* rolls over */
	(void)tempfile_spooled_seek(s, 0, SEEK_SET);
	ssize_t w = tempfile_spooled_write(s, "67", 2);
	int fd = tempfile_spooled_fileno(s);
	(void)tempfile_spooled_seek(s, 0, SEEK_SET);
	char buf[16] = { 0 };
	ssize_t r = tempfile_spooled_read(s, buf, sizeof buf - 1);
	int rc = tempfile_spooled_close(s);
	TFW_CHECK(fd >= 0 && w == 2, "write %zd", w);
	TFW_CHECK(r == 7 && strcmp(buf, "1234567") == 0, "read %zd '%s'", r, buf);
	TFW_CHECK(rc == 0, "close");
}

/* ---- cleanup at exit and on console events ---------------------------------------- */

/* The child half of at_exit_objects_are_removed_when_the_process_exits:
 * make objects with TEMPFILE_AT_EXIT in dir, and exit. */
static int child_at_exit(const char *dir)
{
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &path);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT });
	if (fd < 0 || !sub)
		return 2;
	char *inner = join(sub, "inner");
	if (!make_file(inner, FILE_ATTRIBUTE_READONLY))
		return 3;
	_close(fd);
	exit(0); /* atexit handlers run */
}


TFW_TEST(at_exit_objects_are_removed_when_the_process_exits)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	wchar_t self[MAX_PATH];
	GetModuleFileNameW(NULL, self, MAX_PATH);
	wchar_t *wdir = wide(dir);
	size_t len = wcslen(self) + wcslen(wdir) + 32;
	wchar_t *cmd = malloc(len * sizeof *cmd);
	_snwprintf(cmd, len, L"\"%ls\" --child-at-exit \"%ls\"", self, wdir);
	STARTUPINFOW si = { .cb = sizeof si };
	PROCESS_INFORMATION pi;
	BOOL started = CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi);
	DWORD status = 99;
	if (started) {
		WaitForSingleObject(pi.hProcess, 60000);
		GetExitCodeProcess(pi.hProcess, &status);
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	int left = count_entries(dir);
	remove_tree(dir);
	free(cmd);
	free(wdir);
	free(dir);
	TFW_CHECK(started, "CreateProcessW: %lu", (unsigned long)GetLastError());
	TFW_CHECK(status == 0, "child exit status %lu", (unsigned long)status);
	TFW_CHECK(left == 0, "%d entries left after exit", left);
}

#ifdef TEMPFILE_TEST_SEAMS
TFW_TEST(a_console_event_removes_at_exit_objects_and_passes_the_event_on)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &path);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT });
	char *inner = sub ? join(sub, "inner") : NULL;
	bool setup = fd >= 0 && sub && make_file(inner, FILE_ATTRIBUTE_NORMAL);
	if (fd >= 0)
		_close(fd);
	int passed_on = tf_test_win32_console_event(CTRL_BREAK_EVENT);
	int left = count_entries(dir);
	int f1 = path ? tempfile_forget(path) : -1, f2 = sub ? tempfile_forget(sub) : -1;
	errno = 0;
	int f3 = path ? tempfile_forget(path) : 0;
	int e3 = errno;
	remove_tree(dir);
	free(inner);
	free(path);
	free(sub);
	free(dir);
	TFW_CHECK(setup, "setup: errno %d", errno);
	TFW_CHECK(passed_on == FALSE, "the handler must let the default handler end the process");
	TFW_CHECK(left == 0, "%d entries left", left);
	TFW_CHECK(f1 == 0 && f2 == 0 && f3 == -1 && e3 == ENOENT, "forget: %d %d %d/%d", f1, f2, f3, e3);
}
#endif

TFW_TEST(cleanup_now_removes_only_what_is_still_registered)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *a = NULL, *b = NULL;
	int fa = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &a);
	int fb = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &b);
	if (fa >= 0)
		_close(fa);
	if (fb >= 0)
		_close(fb);
	int forgot = b ? tempfile_forget(b) : -1;
	int rc = tempfile_cleanup_now();
	bool a_gone = a && !exists(a), b_kept = b && exists(b);
	if (a)
		(void)tempfile_forget(a);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(fa >= 0 && fb >= 0 && forgot == 0, "setup");
	TFW_CHECK(rc == 0 && a_gone && b_kept, "rc %d a_gone %d b_kept %d", rc, a_gone, b_kept);
	free(a);
	free(b);
}

TFW_TEST(cleanup_leaves_an_object_that_replaced_a_registered_one)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *a = NULL;
	int fa = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &a);
	if (fa >= 0)
		_close(fa);
	/* Made while a still exists, so it is another file (a new file made
	 * after deleting a could get the same index back). */
	char *other = join(dir, "other");
	wchar_t *w = a ? wide(a) : NULL, *wother = wide(other);
	bool replaced = w && make_file(other, FILE_ATTRIBUTE_NORMAL) &&
		MoveFileExW(wother, w, MOVEFILE_REPLACE_EXISTING);
	free(wother);
	free(other);
	int rc = tempfile_cleanup_now();
	bool kept = a && exists(a);
	if (a)
		(void)tempfile_forget(a);
	remove_tree(dir);
	free(w);
	free(dir);
	TFW_CHECK(fa >= 0 && replaced, "setup");
	TFW_CHECK(rc == 0 && kept, "rc %d: someone else's file was removed", rc);
	free(a);
}

#ifdef TEMPFILE_TEST_SEAMS
/* ---- collisions (need the scripted names of the test build) ----------------------- */

TFW_TEST(mkstemp_treats_a_directory_in_the_way_as_a_collision)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *blocker = join(dir, "tmpcollidea");
	wchar_t *wb = wide(blocker);
	BOOL made = CreateDirectoryW(wb, NULL);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	tf_test_script_names(NULL, 0);
	if (fd >= 0)
		_close(fd);
	bool ok = fd >= 0 && ends_with(path, "\\tmpfreename") && is_dir(blocker);
	remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	TFW_CHECK(made, "setup");
	TFW_CHECK(ok, "fd %d errno %d path %s", fd, errno, path ? path : "(null)");
	free(path);
}

TFW_TEST(mkdtemp_treats_a_file_in_the_way_as_a_collision)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *blocker = join(dir, "tmpcollidea");
	wchar_t *wb = wide(blocker);
	HANDLE h = CreateFileW(wb, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	CloseHandle(h);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	tf_test_script_names(NULL, 0);
	bool ok = sub && ends_with(sub, "\\tmpfreename") && is_dir(sub);
	remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	TFW_CHECK(h != INVALID_HANDLE_VALUE, "setup");
	TFW_CHECK(ok, "errno %d path %s", errno, sub ? sub : "(null)");
	free(sub);
}

TFW_TEST(a_file_pending_deletion_is_a_collision)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *blocker = join(dir, "tmpcollidea");
	wchar_t *wb = wide(blocker);
	/* Open, then delete while open: the name stays taken until closed. */
	HANDLE h = CreateFileW(wb, GENERIC_WRITE | DELETE, FILE_SHARE_DELETE, NULL, CREATE_NEW,
		FILE_ATTRIBUTE_NORMAL, NULL);
	BOOL deleted = h != INVALID_HANDLE_VALUE && DeleteFileW(wb);
	static const char *const names[] = { "collide", "freename" };
	tf_test_script_names(names, 2);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	tf_test_script_names(NULL, 0);
	int e = errno;
	if (fd >= 0)
		_close(fd);
	CloseHandle(h);
	bool ok = fd >= 0 && ends_with(path, "\\tmpfreename");
	remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	TFW_CHECK(deleted, "setup");
	TFW_CHECK(ok, "fd %d errno %d path %s", fd, e, path ? path : "(null)");
	free(path);
}

/* Windows reports a directory in the way as EACCES: still a collision. */
TFW_TEST(an_access_denied_name_that_exists_is_a_collision)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *blocker = join(dir, "tmpcollidea");
	wchar_t *wb = wide(blocker);
	BOOL made = CreateDirectoryW(wb, NULL);
	static const char *const names[] = { "collide", "freename", "collide", "freedir" };
	tf_test_script_names(names, 4);
	tf_test_win32_denied(1);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, &path);
	int e = errno;
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	int e2 = errno;
	tf_test_win32_denied(0);
	tf_test_script_names(NULL, 0);
	if (fd >= 0)
		_close(fd);
	bool ok = fd >= 0 && ends_with(path, "\\tmpfreename");
	bool dir_ok = sub && ends_with(sub, "\\tmpfreedira");
	remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	TFW_CHECK(made, "setup");
	TFW_CHECK(ok, "mkstemp: fd %d errno %d path %s", fd, e, path ? path : "(null)");
	TFW_CHECK(dir_ok, "mkdtemp: errno %d path %s", e2, sub ? sub : "(null)");
	free(path);
	free(sub);
}

/* Unlike Python (which retries while the directory exists), access denied
 * for a name that does not exist fails at once, as on POSIX. */
TFW_TEST(access_denied_for_a_free_name_fails_with_eacces)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	tf_test_win32_denied(2);
	errno = 0;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	int e = errno;
	errno = 0;
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	int e2 = errno;
	tf_test_win32_denied(0);
	if (fd >= 0)
		_close(fd);
	remove_tree(dir);
	free(dir);
	TFW_CHECK(fd == -1 && e == EACCES, "mkstemp: fd %d errno %d", fd, e);
	TFW_CHECK(!sub && e2 == EACCES, "mkdtemp: errno %d", e2);
	free(sub);
}

TFW_TEST(mkstemp_gives_up_with_eexist_after_tmp_max_collisions)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *blocker = join(dir, "tmpaaaaaaaa");
	wchar_t *wb = wide(blocker);
	CreateDirectoryW(wb, NULL);
	tf_test_narrow_alphabet(1); /* every name is "aaaaaaaa" */
	errno = 0;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir }, NULL);
	int e = errno;
	tf_test_narrow_alphabet(0);
	if (fd >= 0)
		_close(fd);
	remove_tree(dir);
	free(wb);
	free(blocker);
	free(dir);
	TFW_CHECK(fd == -1 && e == EEXIST, "fd %d errno %d", fd, e);
}


TFW_TEST(rename_replaces_or_refuses_and_moves_an_open_file)
{
	char *dir = scratch();
	TFW_CHECK(dir != NULL, "errno %d", errno);
	char *a = join(dir, "a"), *b = join(dir, "b"), *c = join(dir, "c");
	bool setup = make_file(b, FILE_ATTRIBUTE_NORMAL);
	int fd = tf_os_create_file(a, TF_FILE_OPEN_FLAGS, 0, 0600);
	errno = 0;
	int r1 = tf_os_rename(a, b, TEMPFILE_NOREPLACE);
	int e1 = errno;
	int r2 = tf_os_rename(a, c, TEMPFILE_NOREPLACE | TEMPFILE_SYNC); /* still open */
	int r3 = tf_os_rename(c, b, 0);
	bool moved = !exists(a) && !exists(c) && exists(b);
	int s1 = fd >= 0 ? tf_os_fsync(fd) : -1;
	int s2 = tf_os_fsync_path(b);
	if (fd >= 0)
		_close(fd);
	remove_tree(dir);
	free(a);
	free(b);
	free(c);
	free(dir);
	TFW_CHECK(setup && fd >= 0, "setup");
	TFW_CHECK(r1 == -1 && e1 == EEXIST, "noreplace over an existing file: %d errno %d", r1, e1);
	TFW_CHECK(r2 == 0 && r3 == 0 && moved, "renames of an open file: %d %d", r2, r3);
	TFW_CHECK(s1 == 0 && s2 == 0, "fsync %d, fsync_path %d", s1, s2);
}

TFW_TEST(absolute_follows_windows_rules)
{
	char *a = tf_absolute("C:/x/./y/../z");
	char *b = tf_absolute("C:\\");
	bool ok = a && strcmp(a, "C:\\x\\z") == 0 && b && strcmp(b, "C:\\") == 0;
	errno = 0;
	char *e = tf_absolute("");
	int e_errno = errno;
	TFW_CHECK(ok, "%s / %s", a ? a : "(null)", b ? b : "(null)");
	free(a);
	free(b);
	TFW_CHECK(!e && e_errno == EINVAL, "empty path");
	TFW_CHECK(tf_os_is_absolute("C:\\x") && tf_os_is_absolute("c:/x") &&
			tf_os_is_absolute("\\\\server\\share") && !tf_os_is_absolute("\\tmp") &&
			!tf_os_is_absolute("C:x") && !tf_os_is_absolute("x"),
		"tf_os_is_absolute");
}

TFW_TEST(random_bytes_come_from_bcrypt)
{
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	TFW_CHECK(tf_os_random(a, sizeof a) == 0 && tf_os_random(b, sizeof b) == 0, "errno %d", errno);
	TFW_CHECK(memcmp(a, b, sizeof a) != 0, "two draws alike");
}
#endif

static const struct tfw_test tests[] = {
	TFW_ENTRY(gettempdir_is_an_absolute_windows_path_where_files_can_be_made),
	TFW_ENTRY(gettempdir_takes_TMPDIR_first_and_caches_until_reset),
	TFW_ENTRY(explain_walks_the_variables_then_pythons_windows_list_then_cwd),
	TFW_ENTRY(prefix_and_suffix_may_not_hold_backslash_slash_or_colon),
	TFW_ENTRY(settempprefix_changes_the_default_prefix),
	TFW_ENTRY(mkstemp_makes_a_binary_non_inheritable_file_at_an_absolute_path),
	TFW_ENTRY(mkstemp_with_text_flag_writes_crlf),
	TFW_ENTRY(mkstemp_file_can_be_renamed_and_deleted_while_open),
	TFW_ENTRY(mkdtemp_makes_a_directory_with_a_protected_private_dacl),
	TFW_ENTRY(mkdtemp_in_a_missing_directory_fails_with_enoent_and_leaves_nothing),
	TFW_ENTRY(relative_and_forward_slash_dirs_come_back_absolute_with_backslashes),
	TFW_ENTRY(a_temporary_directory_with_a_non_ascii_name_works),
	TFW_ENTRY(mktemp_returns_a_free_absolute_name_and_creates_nothing),
	TFW_ENTRY(mktemplate_fills_the_xs_for_files_dirs_and_names),
	TFW_ENTRY(names_differ_between_calls),
	TFW_ENTRY(version_is_the_headers),
	TFW_ENTRY(tempfile_dir_is_removed_with_its_tree_by_cleanup),
	TFW_ENTRY(tempfile_dir_with_keep_stays),
	TFW_ENTRY(rmtree_removes_read_only_files_and_directories_deeply),
	TFW_ENTRY(rmtree_of_a_file_or_a_missing_path_fails_cleanly),
	TFW_ENTRY(rmtree_removes_a_directory_link_without_following_it),
	TFW_ENTRY(rmtree_of_a_link_itself_is_enotdir),
	TFW_ENTRY(rmtree_reports_eacces_for_a_file_held_open_after_bounded_retries),
	TFW_ENTRY(temporary_file_leaves_nothing_behind_after_fclose),
	TFW_ENTRY(named_file_is_deleted_by_close_and_kept_with_keep),
	TFW_ENTRY(named_file_can_be_reopened_by_name_after_close_stream),
	TFW_ENTRY(persist_replaces_or_refuses_and_the_handle_stops_deleting),
	TFW_ENTRY(named_file_with_at_exit_is_removed_by_cleanup_now),
	TFW_ENTRY(spooled_rolls_over_past_max_size_and_keeps_content_and_position),
	TFW_ENTRY(spooled_stream_rolls_over_first_and_shares_the_position),
	TFW_ENTRY(spooled_append_mode_appends_after_rollover),
	TFW_ENTRY(at_exit_objects_are_removed_when_the_process_exits),
	TFW_ENTRY(cleanup_now_removes_only_what_is_still_registered),
	TFW_ENTRY(cleanup_leaves_an_object_that_replaced_a_registered_one),
#ifdef TEMPFILE_TEST_SEAMS
	TFW_ENTRY(mkstemp_treats_a_directory_in_the_way_as_a_collision),
	TFW_ENTRY(mkdtemp_treats_a_file_in_the_way_as_a_collision),
	TFW_ENTRY(a_file_pending_deletion_is_a_collision),
	TFW_ENTRY(an_access_denied_name_that_exists_is_a_collision),
	TFW_ENTRY(access_denied_for_a_free_name_fails_with_eacces),
	TFW_ENTRY(mkstemp_gives_up_with_eexist_after_tmp_max_collisions),
	TFW_ENTRY(rename_replaces_or_refuses_and_moves_an_open_file),
	TFW_ENTRY(absolute_follows_windows_rules),
	TFW_ENTRY(random_bytes_come_from_bcrypt),
	TFW_ENTRY(a_console_event_removes_at_exit_objects_and_passes_the_event_on),
#endif
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child-at-exit") == 0)
		return child_at_exit(argv[2]);
	return tfw_run(tests, sizeof tests / sizeof *tests);
}
