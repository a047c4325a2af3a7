/* test_version.c - tempfile_version (src/version.c). */
#include "support.h"

#include <stdio.h>
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
