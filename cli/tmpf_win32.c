/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tmpf_win32.c - tmpf's OS layer on Windows (see tmpf_os.h). Arguments,
 * paths and the environment are handled as UTF-16 underneath and UTF-8
 * above, like the library.
 */
#include "tmpf_os.h"

#include <errno.h>
#include <fcntl.h> /* _O_BINARY */
#include <io.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <shellapi.h>

/* The library's own UTF-8/UTF-16 conversions and error mapping
 * (tf_win_wide, tf_win_utf8, tf_win_errno in src/platform/win32.c): tmpf
 * links the static library, where they are, so it shares them. */
#include "platform/win32.h"

/* The library's conversion returns -errno and hands the string out; tmpf's
 * OS layer speaks NULL and errno. */
static wchar_t *wide(const char *s)
{
	wchar_t *w;
	int r = tf_win_wide(s, &w);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return w;
}

/* ---- errors -------------------------------------------------------------------- */

/* CreateProcessW's "not a program" is ENOEXEC, as execve(2) says it; the
 * rest as the library maps them. */
static int errno_from(DWORD error)
{
	return error == ERROR_BAD_EXE_FORMAT ? ENOEXEC : tf_win_errno(error);
}

static int fail(void)
{
	errno = errno_from(GetLastError());
	return -1;
}

/* ---- start, output ------------------------------------------------------------- */

void tmpf_os_init(int *argc, char ***argv)
{
	int n = 0;
	wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
	if (!wargv)
		return; /* keep the C runtime's ANSI argv */
	char **utf8 = calloc((size_t)n + 1, sizeof *utf8);
	for (int i = 0; utf8 && i < n; i++) {
		if (tf_win_utf8(wargv[i], &utf8[i]) < 0) {
			for (int j = 0; j < i; j++)
				free(utf8[j]);
			free(utf8);
			utf8 = NULL;
		}
	}
	LocalFree(wargv);
	if (!utf8)
		return;
	/* Kept for the life of the process, as argv is. */
	*argc = n;
	*argv = utf8;
}

ssize_t tmpf_os_read(int fd, void *buf, size_t n)
{
	/* The C runtime opens standard input in text mode (CR LF to LF, ^Z
	 * ends it); tmpf write copies bytes. Idempotent, so set on every call. */
	if (_setmode(fd, _O_BINARY) == -1)
		return -1;
	return _read(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

ssize_t tmpf_os_write(int fd, const void *buf, size_t n)
{
	return _write(fd, buf, n > INT_MAX ? INT_MAX : (unsigned)n);
}

int tmpf_os_close(int fd)
{
	return _close(fd);
}

bool tmpf_os_utf8_quotes(void)
{
	return GetConsoleOutputCP() == CP_UTF8;
}

bool tmpf_os_is_separator(char c)
{
	return c == '/' || c == '\\';
}

/* ---- tmpf rm ---------------------------------------------------------------------- */

int tmpf_os_kind(const char *path, enum tmpf_os_kind *kind)
{
	wchar_t *w = wide(path);
	if (!w)
		return -1;
	DWORD attributes = GetFileAttributesW(w);
	if (attributes == INVALID_FILE_ATTRIBUTES) {
		int rc = fail();
		free(w);
		return rc;
	}
	if (!(attributes & FILE_ATTRIBUTE_DIRECTORY) || (attributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
		*kind = TMPF_OS_OTHER;
	} else {
		/* The root of a volume ("C:\", a mounted volume's root, a UNC
		 * share): its volume path is itself. */
		wchar_t full[MAX_PATH], volume[MAX_PATH];
		DWORD got = GetFullPathNameW(w, MAX_PATH, full, NULL);
		bool root = got > 0 && got < MAX_PATH && GetVolumePathNameW(full, volume, MAX_PATH);
		if (root) {
			size_t lf = wcslen(full), lv = wcslen(volume);
			while (lf > 0 && (full[lf - 1] == L'\\' || full[lf - 1] == L'/'))
				lf--;
			while (lv > 0 && volume[lv - 1] == L'\\')
				lv--;
			root = lf == lv && _wcsnicmp(full, volume, lf) == 0;
		}
		*kind = root ? TMPF_OS_ROOT : TMPF_OS_DIRECTORY;
	}
	free(w);
	return 0;
}

int tmpf_os_unlink(const char *path)
{
	wchar_t *w = wide(path);
	if (!w)
		return -1;
	/* A link to a directory, or a junction, is a directory entry:
	 * RemoveDirectoryW removes the link itself. */
	DWORD attributes = GetFileAttributesW(w);
	bool dir_link = attributes != INVALID_FILE_ATTRIBUTES &&
		(attributes & FILE_ATTRIBUTE_DIRECTORY) && (attributes & FILE_ATTRIBUTE_REPARSE_POINT);
	if (!dir_link && attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY)) {
		free(w);
		errno = EISDIR;
		return -1;
	}
	BOOL ok = dir_link ? RemoveDirectoryW(w) : DeleteFileW(w);
	int rc = ok ? 0 : fail();
	free(w);
	return rc;
}

int tmpf_os_rmdir(const char *path)
{
	wchar_t *w = wide(path);
	if (!w)
		return -1;
	int rc = RemoveDirectoryW(w) ? 0 : fail();
	free(w);
	return rc;
}

int tmpf_os_setenv(const char *name, const char *value)
{
	wchar_t *wname = wide(name), *wvalue = wname ? wide(value) : NULL;
	/* Both the process environment (what CreateProcessW passes on) and
	 * the C runtime's copy (what getenv reads). */
	int rc = wvalue && SetEnvironmentVariableW(wname, wvalue) &&
			_wputenv_s(wname, wvalue) == 0
		? 0
		: -1;
	if (rc != 0 && wvalue)
		errno = ENOMEM;
	free(wname);
	free(wvalue);
	return rc;
}

/* ---- tmpf run ------------------------------------------------------------------- */

/* Append arg to the command line at *line (length *len), quoted as the
 * Microsoft C runtime's parser (CommandLineToArgvW) reads it back. */
static bool append_argument(wchar_t **line, size_t *len, const wchar_t *arg)
{
	size_t n = wcslen(arg);
	/* Worst case: every character a backslash doubled, plus quotes, space. */
	wchar_t *grown = realloc(*line, (*len + 2 * n + 4) * sizeof *grown);
	if (!grown)
		return false;
	*line = grown;
	wchar_t *out = grown + *len;
	if (*len > 0)
		*out++ = L' ';
	bool quote = n == 0 || wcspbrk(arg, L" \t\n\v\"") != NULL;
	if (quote)
		*out++ = L'"';
	size_t backslashes = 0;
	for (size_t i = 0; i < n; i++) {
		if (arg[i] == L'\\') {
			backslashes++;
			*out++ = L'\\';
			continue;
		}
		if (arg[i] == L'"') {
			for (size_t b = 0; b < backslashes + 1; b++)
				*out++ = L'\\';
		}
		backslashes = 0;
		*out++ = arg[i];
	}
	if (quote) {
		for (size_t b = 0; b < backslashes; b++)
			*out++ = L'\\';
		*out++ = L'"';
	}
	*out = L'\0';
	*len = (size_t)(out - grown);
	return true;
}

/* Ctrl-C and Ctrl-Break reach every process on the console, the command
 * included: tmpf only has to survive them, and clean up afterwards. */
static BOOL WINAPI survive_interrupts(DWORD event)
{
	return event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT;
}

/* A job object that ends every process in it when its last handle closes,
 * tmpf's end included; NULL where one cannot be made (the command alone is
 * then the unit). */
static HANDLE make_job(void)
{
	HANDLE job = CreateJobObjectW(NULL, NULL);
	if (!job)
		return NULL;
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = { 0 };
	limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
		CloseHandle(job);
		return NULL;
	}
	return job;
}

/* How many processes of the job still run (0 if it cannot tell). */
static unsigned job_processes(HANDLE job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &info, sizeof info, NULL))
		return 0;
	return (unsigned)info.ActiveProcesses;
}

/* End what is left of the job: Windows has no SIGTERM to send first, so
 * at once. Returns once none of it runs (or after a minute of trying). */
static unsigned end_job(HANDLE job)
{
	unsigned left = job_processes(job);
	if (left == 0)
		return 0;
	(void)TerminateJobObject(job, 1);
	for (int i = 0; i < 6000 && job_processes(job) > 0; i++)
		Sleep(10);
	return left;
}

/* Wait for the process until the deadline (GetTickCount64; 0: none). */
static DWORD wait_until(HANDLE process, ULONGLONG deadline)
{
	for (;;) {
		DWORD ms = INFINITE;
		if (deadline) {
			ULONGLONG now = GetTickCount64();
			if (now >= deadline)
				return WAIT_TIMEOUT;
			ULONGLONG left = deadline - now;
			ms = left > 86400000u ? 86400000u : (DWORD)left;
		}
		DWORD r = WaitForSingleObject(process, ms);
		if (r != WAIT_TIMEOUT || !deadline)
			return r;
	}
}

int tmpf_os_run(struct tmpf_run *run)
{
	wchar_t *line = NULL;
	size_t len = 0;
	run->step = TMPF_RUN_PRIVATE_TMP;
	if (run->private_tmp)
		return ENOSYS; /* no mount namespaces */
	run->step = TMPF_RUN_SPAWN;
	for (char **arg = run->command; *arg; arg++) {
		wchar_t *w = wide(*arg);
		bool ok = w && append_argument(&line, &len, w);
		free(w);
		if (!ok) {
			free(line);
			return errno ? errno : ENOMEM;
		}
	}
	if (!SetConsoleCtrlHandler(survive_interrupts, TRUE)) {
		free(line);
		run->step = TMPF_RUN_FORWARDING;
		return errno_from(GetLastError());
	}
	HANDLE job = run->contain ? make_job() : NULL;
	bool suspended = job != NULL;
	STARTUPINFOW si = { .cb = sizeof si };
	PROCESS_INFORMATION pi;
	/* NULL application name: the first word is searched as the shell
	 * would (the program's directory, the current one, the system ones,
	 * then PATH), ".exe" appended when missing. Suspended until it is in
	 * the job, so that nothing it starts escapes. */
	BOOL started = CreateProcessW(NULL, line, NULL, NULL, TRUE, suspended ? CREATE_SUSPENDED : 0, NULL,
		NULL, &si, &pi);
	DWORD error = started ? 0 : GetLastError();
	free(line);
	int result = 0;
	if (!started) {
		result = errno_from(error);
	} else {
		if (job && !AssignProcessToJobObject(job, pi.hProcess)) {
			CloseHandle(job); /* an older Windows in a job of its own: the command alone */
			job = NULL;
		}
		if (suspended)
			(void)ResumeThread(pi.hThread);
		ULONGLONG deadline = run->timeout > 0 ? GetTickCount64() + (ULONGLONG)(run->timeout * 1000) : 0;
		DWORD code = 0;
		DWORD waited = wait_until(pi.hProcess, deadline);
		if (waited == WAIT_TIMEOUT) {
			/* The timeout: the unit ends at once (no SIGTERM here). */
			run->timed_out = true;
			if (job)
				(void)TerminateJobObject(job, 124);
			else
				(void)TerminateProcess(pi.hProcess, 124);
			waited = WaitForSingleObject(pi.hProcess, INFINITE);
		}
		if (waited != WAIT_OBJECT_0 || !GetExitCodeProcess(pi.hProcess, &code)) {
			result = errno_from(GetLastError());
			run->step = TMPF_RUN_WAIT;
		} else {
			/* STATUS_CONTROL_C_EXIT: ended by Ctrl-C or Ctrl-Break, which
			 * a POSIX shell would report as 128 + SIGINT. */
			run->status = run->timed_out ? 124 : code == 0xC000013Au ? 130 : (int)code;
			if (job)
				run->left_running = end_job(job);
		}
		CloseHandle(pi.hProcess);
		CloseHandle(pi.hThread);
	}
	if (job)
		CloseHandle(job);
	(void)SetConsoleCtrlHandler(survive_interrupts, FALSE);
	return result;
}
