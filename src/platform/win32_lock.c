/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/win32_lock.c - the lock of tempdir.c's settings: a slim
 * reader/writer lock, taken exclusively. Windows has no fork, so nothing
 * can inherit it held.
 */
#include "internal.h"

#include <windows.h>

static SRWLOCK settings_lock = SRWLOCK_INIT;

void tf_os_settings_lock(void)
{
	AcquireSRWLockExclusive(&settings_lock);
}

void tf_os_settings_unlock(void)
{
	ReleaseSRWLockExclusive(&settings_lock);
}
