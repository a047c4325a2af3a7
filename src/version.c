/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * version.c - tempfile_version: the version the library was built as,
 * which a program may compare with the TEMPFILE_VERSION_* it was compiled
 * against (a shared library can be newer than its header).
 */
#include "internal.h"

const char *tempfile_version(void)
{
	return TEMPFILE_VERSION_STRING;
}
