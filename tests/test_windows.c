/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_windows.c - what only Windows has and no shared test file covers
 * yet (rmtree's read-only files and directory links, exit and
 * console-event cleanup, the Win32 layer itself), run under wine by CTest
 * on the builtin runner. The Windows checks of mkstemp, templates,
 * options, the temporary directory, TemporaryFile/NamedTemporaryFile and
 * SpooledTemporaryFile are in test_create.c, test_tempdir.c, test_file.c
 * and test_spooled.c under _WIN32.
 *
 * Built twice (tests/CMakeLists.txt): with TEMPFILE_TEST_SEAMS against the
 * library's sources, and against libtempfile.dll, where only the exported
 * API is used. Everything a test creates lives in a scratch directory made
 * and removed with Win32 calls.
 */
#include "support.h"

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

/* ---- names and version ---------------------------------------------------------- */

Test(windows, names_differ_between_calls)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *a = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	char *b = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir });
	bool ok = a && b && strcmp(a, b) != 0;
	tft_remove_tree(dir);
	free(a);
	free(b);
	free(dir);
	cr_assert(ok, "two names alike");
}

Test(windows, version_is_the_headers)
{
	cr_assert(strcmp(tempfile_version(), TEMPFILE_VERSION_STRING) == 0, "%s", tempfile_version());
}

/* ---- TemporaryDirectory and rmtree ------------------------------------------------- */

/* Write a small file (binary) with Win32 calls; attributes as given. */
static bool make_file(const char *path, DWORD attributes)
{
	wchar_t *w = tft_wide(path);
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
	wchar_t *w = tft_wide(path);
	BOOL ok = w && CreateDirectoryW(w, NULL);
	free(w);
	return ok;
}

Test(windows, rmtree_removes_read_only_files_and_directories_deeply)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *top = tft_join(dir, "top");
	bool setup = make_dir(top);
	char *cur = _strdup(top);
	for (int i = 0; setup && i < 20; i++) {
		char *next = tft_join(cur, "d");
		char *file = tft_join(cur, "ro.txt");
		setup = make_dir(next) && make_file(file, FILE_ATTRIBUTE_READONLY);
		free(file);
		free(cur);
		cur = next;
	}
	wchar_t *wcur = tft_wide(cur);
	SetFileAttributesW(wcur, FILE_ATTRIBUTE_READONLY); /* a read-only directory too */
	int rc = tempfile_rmtree(top, 0);
	int e = errno;
	bool gone = !tft_exists(top);
	tft_remove_tree(dir);
	free(wcur);
	free(cur);
	free(top);
	free(dir);
	cr_assert(setup, "setup");
	cr_assert(rc == 0 && gone, "rc %d errno %d", rc, e);
}

Test(windows, rmtree_of_a_file_or_a_missing_path_fails_cleanly)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *file = tft_join(dir, "f"), *missing = tft_join(dir, "missing");
	bool setup = make_file(file, FILE_ATTRIBUTE_NORMAL);
	errno = 0;
	int rc1 = tempfile_rmtree(file, 0);
	int e1 = errno;
	errno = 0;
	int rc2 = tempfile_rmtree(missing, 0);
	int e2 = errno;
	int rc3 = tempfile_rmtree(missing, TEMPFILE_IGNORE_CLEANUP_ERRORS);
	bool file_kept = tft_exists(file);
	tft_remove_tree(dir);
	free(file);
	free(missing);
	free(dir);
	cr_assert(setup, "setup");
	cr_assert(rc1 == -1 && e1 == ENOTDIR && file_kept, "file: rc %d errno %d", rc1, e1);
	cr_assert(rc2 == -1 && e2 == ENOENT, "missing: rc %d errno %d", rc2, e2);
	cr_assert(rc3 == 0, "ignore errors");
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
Test(windows, rmtree_removes_a_directory_link_without_following_it)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *outside = tft_join(dir, "outside"), *precious = tft_join(outside, "precious");
	char *top = tft_join(dir, "top"), *link = tft_join(top, "link");
	bool setup = make_dir(outside) && make_file(precious, FILE_ATTRIBUTE_NORMAL) && make_dir(top);
	wchar_t *wlink = tft_wide(link), *wtarget = tft_wide(outside);
	bool linked = make_dir_link(wlink, wtarget);
	DWORD link_error = GetLastError();
	int rc = linked ? tempfile_rmtree(top, 0) : 0;
	int e = errno;
	bool top_gone = !tft_exists(top), kept = tft_exists(precious);
	tft_remove_tree(dir);
	free(wlink);
	free(wtarget);
	free(outside);
	free(precious);
	free(top);
	free(link);
	free(dir);
	cr_assert(setup, "setup");
	if (!linked) {
		printf("    CreateSymbolicLinkW: error %lu\n", (unsigned long)link_error);
		cr_skip_test("cannot create a directory symbolic link here");
	}
	cr_assert(rc == 0 && top_gone, "rc %d errno %d", rc, e);
	cr_assert(kept, "the link was followed: the target's file is gone");
}

Test(windows, rmtree_of_a_link_itself_is_enotdir)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *target = tft_join(dir, "target"), *inside = tft_join(target, "f"), *link = tft_join(dir, "link");
	bool setup = make_dir(target) && make_file(inside, FILE_ATTRIBUTE_NORMAL);
	wchar_t *wlink = tft_wide(link), *wtarget = tft_wide(target);
	bool linked = make_dir_link(wlink, wtarget);
	errno = 0;
	int rc = linked ? tempfile_rmtree(link, 0) : 0;
	int e = errno;
	bool kept = tft_exists(inside);
	tft_remove_tree(dir);
	free(wlink);
	free(wtarget);
	free(target);
	free(inside);
	free(link);
	free(dir);
	cr_assert(setup, "setup");
	if (!linked)
		cr_skip_test("cannot create a directory symbolic link here");
	cr_assert(rc == -1 && e == ENOTDIR && kept, "rc %d errno %d kept %d", rc, e, kept);
}

Test(windows, rmtree_reports_eacces_for_a_file_held_open_after_bounded_retries)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *top = tft_join(dir, "top"), *file = tft_join(top, "held");
	bool setup = make_dir(top) && make_file(file, FILE_ATTRIBUTE_NORMAL);
	/* Held open without FILE_SHARE_DELETE: removal meets a sharing
	 * violation and must report it (EACCES) after its bounded retries,
	 * leaving the rest of the tree removed where it can. */
	wchar_t *w = tft_wide(file);
	HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
	errno = 0;
	int rc = tempfile_rmtree(top, 0);
	int e = errno;
	CloseHandle(h);
	int rc2 = tempfile_rmtree(top, 0);
	bool gone = !tft_exists(top);
	tft_remove_tree(dir);
	free(w);
	free(top);
	free(file);
	free(dir);
	cr_assert(setup && h != INVALID_HANDLE_VALUE, "setup");
	cr_assert(rc == -1 && e == EACCES, "held: rc %d errno %d", rc, e);
	cr_assert(rc2 == 0 && gone, "after close: rc %d", rc2);
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
	char *inner = tft_join(sub, "inner");
	if (!make_file(inner, FILE_ATTRIBUTE_READONLY))
		return 3;
	_close(fd);
	exit(0); /* atexit handlers run */
}


/* Run this program with flag and dir (a child half of a test); its exit
 * status, 99 if it could not be started. */
static DWORD run_child(const wchar_t *flag, const char *dir)
{
	wchar_t self[MAX_PATH];
	GetModuleFileNameW(NULL, self, MAX_PATH);
	wchar_t *wdir = tft_wide(dir);
	size_t len = wcslen(self) + wcslen(flag) + wcslen(wdir) + 16;
	wchar_t *cmd = malloc(len * sizeof *cmd);
	_snwprintf(cmd, len, L"\"%ls\" %ls \"%ls\"", self, flag, wdir);
	STARTUPINFOW si = { .cb = sizeof si };
	PROCESS_INFORMATION pi;
	DWORD status = 99;
	if (CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
		WaitForSingleObject(pi.hProcess, 60000);
		GetExitCodeProcess(pi.hProcess, &status);
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	free(cmd);
	free(wdir);
	return status;
}

Test(windows, at_exit_objects_are_removed_when_the_process_exits)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	DWORD status = run_child(L"--child-at-exit", dir);
	int left = (int)tft_count_entries(dir);
	tft_remove_tree(dir);
	free(dir);
	cr_assert(status == 0, "child exit status %lu", (unsigned long)status);
	cr_assert(left == 0, "%d entries left after exit", left);
}

#ifdef TEMPFILE_TEST_SEAMS
Test(windows, a_console_event_removes_at_exit_objects_and_passes_the_event_on)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *path = NULL;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &path);
	char *sub = tempfile_mkdtemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT });
	char *inner = sub ? tft_join(sub, "inner") : NULL;
	bool setup = fd >= 0 && sub && make_file(inner, FILE_ATTRIBUTE_NORMAL);
	if (fd >= 0)
		_close(fd);
	int passed_on = tf_test_win32_console_event(CTRL_BREAK_EVENT);
	int left = (int)tft_count_entries(dir);
	int f1 = path ? tempfile_forget(path) : -1, f2 = sub ? tempfile_forget(sub) : -1;
	errno = 0;
	int f3 = path ? tempfile_forget(path) : 0;
	int e3 = errno;
	tft_remove_tree(dir);
	free(inner);
	free(path);
	free(sub);
	free(dir);
	cr_assert(setup, "setup: errno %d", errno);
	cr_assert(passed_on == FALSE, "the handler must let the default handler end the process");
	cr_assert(left == 0, "%d entries left", left);
	cr_assert(f1 == 0 && f2 == 0 && f3 == -1 && e3 == ENOENT, "forget: %d %d %d/%d", f1, f2, f3, e3);
}
#endif

Test(windows, cleanup_now_removes_only_what_is_still_registered)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *a = NULL, *b = NULL;
	int fa = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &a);
	int fb = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &b);
	if (fa >= 0)
		_close(fa);
	if (fb >= 0)
		_close(fb);
	int forgot = b ? tempfile_forget(b) : -1;
	int rc = tempfile_cleanup_now();
	bool a_gone = a && !tft_exists(a), b_kept = b && tft_exists(b);
	if (a)
		(void)tempfile_forget(a);
	tft_remove_tree(dir);
	free(dir);
	cr_assert(fa >= 0 && fb >= 0 && forgot == 0, "setup");
	cr_assert(rc == 0 && a_gone && b_kept, "rc %d a_gone %d b_kept %d", rc, a_gone, b_kept);
	free(a);
	free(b);
}

Test(windows, cleanup_leaves_an_object_that_replaced_a_registered_one)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *a = NULL;
	int fa = tempfile_mkstemp(&(struct tempfile_opts){ .dir = dir, .flags = TEMPFILE_AT_EXIT }, &a);
	if (fa >= 0)
		_close(fa);
	/* Made while a still exists, so it is another file (a new file made
	 * after deleting a could get the same index back). */
	char *other = tft_join(dir, "other");
	wchar_t *w = a ? tft_wide(a) : NULL, *wother = tft_wide(other);
	bool replaced = w && make_file(other, FILE_ATTRIBUTE_NORMAL) &&
		MoveFileExW(wother, w, MOVEFILE_REPLACE_EXISTING);
	free(wother);
	free(other);
	int rc = tempfile_cleanup_now();
	bool kept = a && tft_exists(a);
	if (a)
		(void)tempfile_forget(a);
	tft_remove_tree(dir);
	free(w);
	free(dir);
	cr_assert(fa >= 0 && replaced, "setup");
	cr_assert(rc == 0 && kept, "rc %d: someone else's file was removed", rc);
	free(a);
}

/* ---- atomic replacement: a hidden staging file, MoveFileExW ----------------------- */

/* The attributes of the one ".tmp*" entry in dir, or INVALID_FILE_ATTRIBUTES. */
static DWORD staged_attributes(const char *dir)
{
	char *pattern = tft_join(dir, ".tmp*");
	wchar_t *w = tft_wide(pattern);
	WIN32_FIND_DATAW found;
	HANDLE h = FindFirstFileW(w, &found);
	DWORD attributes = INVALID_FILE_ATTRIBUTES;
	if (h != INVALID_HANDLE_VALUE) {
		attributes = found.dwFileAttributes;
		if (FindNextFileW(h, &found))
			attributes = INVALID_FILE_ATTRIBUTES; /* more than one */
		FindClose(h);
	}
	free(w);
	free(pattern);
	return attributes;
}

static bool holds(const char *path, const char *want)
{
	FILE *f = fopen(path, "rb");
	char got[64] = "";
	size_t n = f ? fread(got, 1, sizeof got - 1, f) : 0;
	if (f)
		fclose(f);
	got[n] = '\0';
	return strcmp(got, want) == 0;
}

Test(windows, atomic_commit_replaces_or_refuses_and_leaves_nothing_else)
{
	char *dir = tft_scratch();
	char *path = tft_join(dir, "out");
	int w1 = tempfile_atomic_write(path, "first", 5, TEMPFILE_NOREPLACE, 0);
	int w2 = tempfile_atomic_write(path, "second", 6, TEMPFILE_SYNC, 0);
	bool second = holds(path, "second");
	errno = 0;
	int w3 = tempfile_atomic_write(path, "third", 5, TEMPFILE_NOREPLACE | TEMPFILE_SYNC, 0);
	int e3 = errno;
	bool still = holds(path, "second");
	long entries = tft_count_entries(dir);
	tft_remove_tree(dir);
	free(path);
	free(dir);
	cr_assert(w1 == 0 && w2 == 0 && second, "writes %d %d, content %d", w1, w2, second);
	cr_assert(w3 == -1 && e3 == EEXIST && still, "noreplace: %d errno %d", w3, e3);
	cr_assert(entries == 1, "%ld entries", entries);
}

Test(windows, atomic_staging_file_is_hidden_in_the_directory_and_deleted_on_discard)
{
	char *dir = tft_scratch();
	char *path = tft_join(dir, "out");
	tft_write_file(path, "old");
	struct tempfile_atomic *a = tempfile_atomic_open(path, 0, 0);
	DWORD attributes = staged_attributes(dir);
	FILE *f = a ? tempfile_atomic_stream(a) : NULL;
	if (f)
		fputs("new", f);
	int discarded = tempfile_atomic_discard(a);
	long after_discard = tft_count_entries(dir);
	bool old = holds(path, "old");
	a = tempfile_atomic_open(path, 0, 0);
	f = a ? tempfile_atomic_stream(a) : NULL;
	if (f)
		fputs("new", f);
	int committed = tempfile_atomic_commit(a);
	bool replaced = holds(path, "new");
	long after_commit = tft_count_entries(dir);
	tft_remove_tree(dir);
	free(path);
	free(dir);
	cr_assert(attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_HIDDEN),
		"one hidden .tmp file while staged: %lx", (unsigned long)attributes);
	cr_assert(discarded == 0 && after_discard == 1 && old, "discard %d, %ld entries",
		discarded, after_discard);
	cr_assert(committed == 0 && replaced && after_commit == 1, "commit %d, %ld entries",
		committed, after_commit);
}

#ifdef TEMPFILE_TEST_SEAMS
/* ---- the Win32 layer itself (needs the test build) -------------------------------- */

Test(windows, rename_replaces_or_refuses_and_moves_an_open_file)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	char *a = tft_join(dir, "a"), *b = tft_join(dir, "b"), *c = tft_join(dir, "c");
	bool setup = make_file(b, FILE_ATTRIBUTE_NORMAL);
	int fd = tf_os_create_file(a, TF_FILE_OPEN_FLAGS, 0, 0600);
	int r1 = tf_os_rename(a, b, TEMPFILE_NOREPLACE);
	int r2 = tf_os_rename(a, c, TEMPFILE_NOREPLACE | TEMPFILE_SYNC); /* still open */
	int r3 = tf_os_rename(c, b, 0);
	bool moved = !tft_exists(a) && !tft_exists(c) && tft_exists(b);
	int s1 = fd >= 0 ? tf_os_fsync(fd) : -1;
	int s2 = tf_os_fsync_path(b);
	if (fd >= 0)
		_close(fd);
	tft_remove_tree(dir);
	free(a);
	free(b);
	free(c);
	free(dir);
	cr_assert(setup && fd >= 0, "setup");
	cr_assert(r1 == -EEXIST, "noreplace over an existing file: %d", r1);
	cr_assert(r2 == 0 && r3 == 0 && moved, "renames of an open file: %d %d", r2, r3);
	cr_assert(s1 == 0 && s2 == 0, "fsync %d, fsync_path %d", s1, s2);
}

Test(windows, absolute_follows_windows_rules)
{
	char *a, *b, *e;
	int ra = tf_absolute("C:/x/./y/../z", &a);
	int rb = tf_absolute("C:\\", &b);
	bool ok = ra == 0 && strcmp(a, "C:\\x\\z") == 0 && rb == 0 && strcmp(b, "C:\\") == 0;
	int e_rc = tf_absolute("", &e);
	cr_assert(ok, "%s / %s", a ? a : "(null)", b ? b : "(null)");
	free(a);
	free(b);
	cr_assert(!e && e_rc == -EINVAL, "empty path");
	cr_assert(tf_os_is_absolute("C:\\x") && tf_os_is_absolute("c:/x") &&
			tf_os_is_absolute("\\\\server\\share") && !tf_os_is_absolute("\\tmp") &&
			!tf_os_is_absolute("C:x") && !tf_os_is_absolute("x"),
		"tf_os_is_absolute");
}
#endif

/* ---- leases ------------------------------------------------------------------------ */

/* The child half of leases_of_a_terminated_process_are_reaped: leased
 * objects in dir, then the process is terminated, as a kill would. */
static int child_lease(const char *dir)
{
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_LEASE };
	struct tempfile *t = tempfile_named(&o, NULL);
	struct tempfile_dir *d = tempfile_dir(&o);
	char *inner = d ? tft_join(tempfile_dir_path(d), "inner") : NULL;
	if (!t || !d || !make_file(inner, FILE_ATTRIBUTE_NORMAL))
		return 3;
	TerminateProcess(GetCurrentProcess(), 9);
	return 4;
}

Test(windows, leases_of_a_terminated_process_are_reaped)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	DWORD status = run_child(L"--child-lease", dir);
	long before = tft_count_entries(dir);
	int reaped = tempfile_reap(dir, 0);
	long after = tft_count_entries(dir);
	tft_remove_tree(dir);
	free(dir);
	cr_assert(status == 9, "child exit status %lu", (unsigned long)status);
	cr_assert(before == 4, "%ld entries: two objects, two markers", before);
	cr_assert(reaped == 2, "reaped %d (errno %d)", reaped, errno);
	cr_assert(after == 0, "%ld entries left", after);
}

Test(windows, a_held_lease_is_not_reaped_and_close_ends_it)
{
	char *dir = tft_scratch();
	cr_assert(dir != NULL, "errno %d", errno);
	struct tempfile_opts o = { .dir = dir, .flags = TEMPFILE_LEASE };
	struct tempfile *t = tempfile_named(&o, NULL);
	struct tempfile_dir *d = tempfile_dir(&o);
	char *kept = tempfile_mkdtemp(&o);
	bool made = t && d && kept;
	int held = tempfile_reap(dir, 0);
	long with_markers = tft_count_entries(dir);
	int closed = tempfile_close(t) == 0 && tempfile_dir_cleanup(d) == 0;
	int forgot = kept ? tempfile_forget(kept) : -1;
	long left = tft_count_entries(dir);
	int reaped = tempfile_reap(dir, 0);
	bool still = kept && tft_is_dir(kept);
	tft_remove_tree(dir);
	free(kept);
	free(dir);
	cr_assert(made, "errno %d", errno);
	cr_assert(held == 0, "a held lease was reaped (%d)", held);
	cr_assert(with_markers == 6, "%ld entries", with_markers);
	cr_assert(closed && forgot == 0, "close, cleanup, forget");
	cr_assert(left == 1, "%ld entries left: the forgotten directory alone", left);
	cr_assert(reaped == 0 && still, "an ordinary directory was reaped");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child-at-exit") == 0)
		return child_at_exit(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--child-lease") == 0)
		return child_lease(argv[2]);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
