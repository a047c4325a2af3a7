/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/* test_version.c - tempfile_version (src/version.c). */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(version, is_the_version_the_header_announces_and_a_static_string)
{
	const char *v = tempfile_version();
	cr_assert_str_eq(v, TEMPFILE_VERSION_STRING);
	cr_assert_eq(tempfile_version(), v, "BORROWED, static: the same string every time");
	char expect[32];
	snprintf(expect, sizeof expect, "%d.%d.%d", TEMPFILE_VERSION_MAJOR, TEMPFILE_VERSION_MINOR,
		TEMPFILE_VERSION_PATCH);
	cr_assert_str_eq(v, expect);
}

/* Usable in #if, as the header says. */
#if !TEMPFILE_CHECK_VERSION(TEMPFILE_VERSION_MAJOR, TEMPFILE_VERSION_MINOR, TEMPFILE_VERSION_PATCH)
#error "TEMPFILE_CHECK_VERSION is false for the header's own version"
#endif
#if TEMPFILE_CHECK_VERSION(TEMPFILE_VERSION_MAJOR, TEMPFILE_VERSION_MINOR, TEMPFILE_VERSION_PATCH + 1)
#error "TEMPFILE_CHECK_VERSION is true for a later version"
#endif
_Static_assert(TEMPFILE_VERSION_MINOR < 100 && TEMPFILE_VERSION_PATCH < 100,
	"minor and patch must stay below 100 for TEMPFILE_VERSION_NUMBER");

Test(version, number_is_major_minor_patch_in_two_digit_places)
{
	cr_assert_eq(TEMPFILE_VERSION_NUMBER, TEMPFILE_VERSION_MAJOR * 10000 +
		TEMPFILE_VERSION_MINOR * 100 + TEMPFILE_VERSION_PATCH);
	char expect[16];
	snprintf(expect, sizeof expect, "%d%02d%02d", TEMPFILE_VERSION_MAJOR, TEMPFILE_VERSION_MINOR,
		TEMPFILE_VERSION_PATCH);
	cr_assert_eq(TEMPFILE_VERSION_NUMBER, atoi(expect));
}

/* The header's version is maj.min.pat or later, compared part by part. */
static int header_at_least(int major, int minor, int patch)
{
	if (TEMPFILE_VERSION_MAJOR != major)
		return TEMPFILE_VERSION_MAJOR > major;
	if (TEMPFILE_VERSION_MINOR != minor)
		return TEMPFILE_VERSION_MINOR > minor;
	return TEMPFILE_VERSION_PATCH >= patch;
}

Test(version, check_version_is_true_up_to_the_header_and_false_after)
{
	enum { MAJOR = TEMPFILE_VERSION_MAJOR, MINOR = TEMPFILE_VERSION_MINOR, PATCH = TEMPFILE_VERSION_PATCH };
	static const int versions[][3] = {
		{ 0, 0, 0 }, { 0, 0, 99 }, { 0, 1, 0 }, { 0, 1, 1 }, { 0, 2, 0 }, { 0, 99, 99 },
		{ 1, 0, 0 }, { 1, 99, 99 }, { 2, 0, 0 },
		{ MAJOR, MINOR, PATCH }, { MAJOR, MINOR, PATCH + 1 }, { MAJOR, MINOR + 1, 0 },
		{ MAJOR + 1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		const int *v = versions[i];
		cr_assert_eq(TEMPFILE_CHECK_VERSION(v[0], v[1], v[2]) ? 1 : 0,
			header_at_least(v[0], v[1], v[2]), "TEMPFILE_CHECK_VERSION(%d, %d, %d)", v[0], v[1],
			v[2]);
	}
	cr_assert(TEMPFILE_CHECK_VERSION(MAJOR, MINOR, PATCH));
	cr_assert(!TEMPFILE_CHECK_VERSION(MAJOR, MINOR, PATCH + 1));
}

Test(version, the_library_run_with_has_the_headers_major_version)
{
	int major, minor, patch;
	cr_assert_eq(sscanf(tempfile_version(), "%d.%d.%d", &major, &minor, &patch), 3);
	cr_assert_eq(major, TEMPFILE_VERSION_MAJOR, "the SONAME is libtempfile.so.MAJOR");
	cr_assert(minor >= 0 && minor < 100 && patch >= 0 && patch < 100);
}
