/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_cleanup.c - the exit and console-event registry
 * (TEMPFILE_AT_EXIT) on Windows, under src/cleanup.c's public calls.
 *
 * Windows has no signals to interrupt a thread in the middle of an update:
 * Ctrl-C, Ctrl-Break and closing the console run a handler on a new thread
 * of their own (SetConsoleCtrlHandler). So the registry is a plain list
 * under a lock, and the handler takes the lock like anyone else. Objects
 * are removed only while their path still names the object registered
 * (volume serial number and file index), never through a link.
 *
 * Windows calls the most recently installed console handler first, and
 * ours is installed at the first registration: objects are removed before
 * any handler the program installed earlier runs, even one that would keep
 * the process alive. A program that survives Ctrl-C should install its own
 * handler after its first TEMPFILE_AT_EXIT object, or not use the flag.
 */
#include "internal.h"
#include "platform/win32.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tf_registration {
	struct tf_registration *next;
	struct tf_registration **prev_next; /* the pointer that points here */
	char *path;
	enum tf_registered_kind kind;
	DWORD volume;   /* volume serial number (st_dev)                        */
	ULONGLONG index; /* the whole 64-bit file index; st_ino holds 16 bits */
	bool cleaned;
};

static SRWLOCK registry_lock = SRWLOCK_INIT;
static struct tf_registration *registry; /* under registry_lock */
static INIT_ONCE handlers_once = INIT_ONCE_STATIC_INIT;
static volatile LONG creations_in_flight;

/* Open path itself (never a link's target) with access. */
static HANDLE open_registered(const char *path, DWORD access)
{
	wchar_t *w;
	if (tf_win_wide(path, &w) < 0)
		return INVALID_HANDLE_VALUE; /* the conversion's last error stays */
	HANDLE h = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
		NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
	DWORD error = GetLastError();
	free(w);
	SetLastError(error);
	return h;
}

static ULONGLONG file_index(const BY_HANDLE_FILE_INFORMATION *info)
{
	return ((ULONGLONG)info->nFileIndexHigh << 32) | info->nFileIndexLow;
}

/* Is the object at path still the one registered (whole file index)? */
static bool still_ours(const struct tf_registration *r)
{
	HANDLE h = open_registered(r->path, FILE_READ_ATTRIBUTES);
	if (h == INVALID_HANDLE_VALUE)
		return false;
	BY_HANDLE_FILE_INFORMATION info;
	bool ours = GetFileInformationByHandle(h, &info) &&
		info.dwVolumeSerialNumber == r->volume && file_index(&info) == r->index;
	CloseHandle(h);
	return ours;
}

/* Remove one object if the path still names it. 0, or -errno; already
 * gone or replaced is not an error. */
static int remove_registered(const struct tf_registration *r)
{
	if (r->kind == TF_REGISTERED_DIR) {
		/* The whole index here; rmtree checks again, on the handle it
		 * empties (st_ino's 16 bits), that nothing was swapped since. */
		if (!still_ours(r))
			return 0;
		struct tf_file_id expect = { 0 };
		expect.dev = (_dev_t)r->volume;
		expect.ino = (_ino_t)r->index;
		int err = tf_rmtree_path_signal_safe(r->path, 0, &expect);
		return err == -ENOENT || err == -TF_WIN_ESTALE || err == -ENOTDIR ? 0 : err;
	}
	HANDLE h = open_registered(r->path, DELETE | FILE_READ_ATTRIBUTES);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD error = GetLastError();
		return error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND
			? 0
			: -tf_win_errno(error);
	}
	int err = 0;
	BY_HANDLE_FILE_INFORMATION info;
	FILE_DISPOSITION_INFO disposition = { TRUE };
	if (!GetFileInformationByHandle(h, &info))
		err = -tf_win_errno(GetLastError());
	else if (info.dwVolumeSerialNumber != r->volume || file_index(&info) != r->index)
		err = 0; /* someone else's object now: not ours to remove */
	else if (!SetFileInformationByHandle(h, FileDispositionInfo, &disposition, sizeof disposition))
		err = -tf_win_errno(GetLastError());
	CloseHandle(h);
	return err;
}

/* Remove everything registered and not removed yet. Returns the first
 * error (-errno; 0 if none); goes on past errors. */
static int clean_all(void)
{
	int first = 0;
	AcquireSRWLockExclusive(&registry_lock);
	for (struct tf_registration *r = registry; r; r = r->next) {
		if (r->cleaned)
			continue;
		int err = remove_registered(r);
		if (err == 0)
			r->cleaned = true;
		else if (first == 0)
			first = err;
	}
	ReleaseSRWLockExclusive(&registry_lock);
	return first;
}

static void clean_at_exit(void)
{
	(void)clean_all();
}

/* A creation between tf_creation_begin and tf_register would be missed:
 * wait for it, briefly (the same bounded back-off as sharing violations). */
static void wait_for_creations(void)
{
	for (unsigned attempt = 0; attempt < TF_WIN_RETRIES; attempt++) {
		if (InterlockedCompareExchange(&creations_in_flight, 0, 0) == 0)
			return;
		tf_win_backoff(attempt);
	}
}

/* Runs on its own thread. FALSE: let the next handler (in the end the
 * default one, which ends the process) have the event too. */
static BOOL WINAPI console_handler(DWORD event)
{
	switch (event) {
	case CTRL_C_EVENT:
	case CTRL_BREAK_EVENT:
	case CTRL_CLOSE_EVENT:
	case CTRL_LOGOFF_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		wait_for_creations();
		(void)clean_all();
		break;
	default:
		break;
	}
	return FALSE;
}

static BOOL CALLBACK install_handlers(PINIT_ONCE once, PVOID param, PVOID *context)
{
	(void)once;
	(void)param;
	(void)context;
	/* Both are best effort: without a console there are no console events,
	 * and atexit can only fail for lack of memory. */
	(void)atexit(clean_at_exit);
	(void)SetConsoleCtrlHandler(console_handler, TRUE);
	return TRUE;
}

int tf_register(const char *path, enum tf_registered_kind kind, const struct tf_file_id *id,
	const struct tf_creation_guard *g, struct tf_registration **out)
{
	(void)g; /* no owner token: a process never shares its memory */
	*out = NULL;
	if (!path || !tf_os_is_absolute(path) || !id)
		return -EINVAL;
	(void)InitOnceExecuteOnce(&handlers_once, install_handlers, NULL, NULL);
	struct tf_registration *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->path = strdup(path);
	if (!r->path) {
		free(r);
		return -ENOMEM;
	}
	r->kind = kind;
	/* id has only 16 bits of the file index: read the whole of it. The
	 * object was just made by this process, so the path still names it. */
	HANDLE h = open_registered(path, FILE_READ_ATTRIBUTES);
	BY_HANDLE_FILE_INFORMATION info;
	int error = 0;
	if (h == INVALID_HANDLE_VALUE || !GetFileInformationByHandle(h, &info))
		error = tf_win_errno(GetLastError());
	else if (info.dwVolumeSerialNumber != (DWORD)id->dev ||
		 (_ino_t)info.nFileIndexLow != id->ino)
		error = EIO; /* not what was just made there: never register it */
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	if (error) {
		free(r->path);
		free(r);
		return -error;
	}
	r->volume = info.dwVolumeSerialNumber;
	r->index = file_index(&info);
	AcquireSRWLockExclusive(&registry_lock);
	r->next = registry;
	if (registry)
		registry->prev_next = &r->next;
	r->prev_next = &registry;
	registry = r;
	ReleaseSRWLockExclusive(&registry_lock);
	*out = r;
	return 0;
}

/* Unlink r from the list. Call under registry_lock. */
static void unlink_locked(struct tf_registration *r)
{
	*r->prev_next = r->next;
	if (r->next)
		r->next->prev_next = r->prev_next;
}

static void free_registration(struct tf_registration *r)
{
	free(r->path);
	free(r);
}

void tf_unregister(struct tf_registration *r)
{
	if (!r)
		return;
	AcquireSRWLockExclusive(&registry_lock);
	unlink_locked(r);
	ReleaseSRWLockExclusive(&registry_lock);
	free_registration(r);
}

void tf_creation_begin(struct tf_creation_guard *g)
{
	(void)g;
	InterlockedIncrement(&creations_in_flight);
}

void tf_creation_end(struct tf_creation_guard *g)
{
	(void)g;
	InterlockedDecrement(&creations_in_flight);
}

int tf_registry_clean_now(void)
{
	return clean_all();
}

int tf_registry_forget(const char *path)
{
	struct tf_registration *found = NULL;
	AcquireSRWLockExclusive(&registry_lock);
	for (struct tf_registration *r = registry; r && !found; r = r->next)
		if (strcmp(r->path, path) == 0)
			found = r;
	if (found)
		unlink_locked(found);
	ReleaseSRWLockExclusive(&registry_lock);
	if (!found)
		return -ENOENT;
	free_registration(found);
	return 0;
}

#ifdef TEMPFILE_TEST_SEAMS
/* Tests only: what the console handler does for event (it is hard to
 * deliver a real console event to a process run by CTest under wine). */
int tf_test_win32_console_event(unsigned long event)
{
	return console_handler((DWORD)event);
}

size_t tf_test_registry_chunks(void)
{
	return 1;
}

size_t tf_test_registry_entries(void)
{
	size_t n = 0;
	AcquireSRWLockShared(&registry_lock);
	for (struct tf_registration *r = registry; r; r = r->next)
		n++;
	ReleaseSRWLockShared(&registry_lock);
	return n;
}
#endif
