/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * fuzz_template.c - tempfile_mktemplate() on any template.
 *
 * Input: [kind][suffix_len][template bytes...]. The template is made
 * relative to the scratch directory ('/' becomes '_', so nothing is
 * created elsewhere). Checked: EINVAL exactly when the rules say so (fewer
 * than 3 X's before the suffix, suffix_len past the start, unknown kind);
 * on success only the X run changed, to [A-Za-z0-9], and a file (0600,
 * O_RDWR|O_CLOEXEC), a directory (0700) or nothing exists there; on failure
 * the template is untouched; no descriptor is leaked.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tempfile.h"

static int expected_open_files = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_enter_scratch();
	umask(022);
	expected_open_files = fuzz_open_files();
	return 0;
}

static bool alnum_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 300)
		return 0;
	unsigned kind = data[0] % 4; /* 3: an unknown kind */
	size_t len = size - 2;
	char *tmpl = malloc(len + 1), *before = malloc(len + 1);
	if (!tmpl || !before)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = (char)data[2 + i];
		if (c == '\0')
			break;
		tmpl[n++] = c == '/' ? '_' : c;
	}
	tmpl[n] = '\0';
	size_t suffix_len = data[1] % (n + 3); /* sometimes past the start */
	memcpy(before, tmpl, n + 1);

	/* What the rules say, computed independently. */
	bool valid = kind < 3 && suffix_len <= n;
	size_t x_end = valid ? n - suffix_len : 0, x_start = x_end;
	while (valid && x_start > 0 && tmpl[x_start - 1] == 'X')
		x_start--;
	if (x_end - x_start < 3)
		valid = false;
	/* "." and ".." cannot be the name, but with 3 random characters they
	 * never are; an empty name cannot happen either (3 X's at least). */

	errno = 0;
	int result = tempfile_mktemplate(tmpl, suffix_len, (enum tempfile_kind)kind, 0, 0);
	int error = errno;
	if (!valid) {
		FUZZ_CHECK(result == -1 && error == EINVAL, "invalid template accepted: %d %s",
			result, strerror(error));
	}
	if (result < 0) {
		FUZZ_CHECK(strcmp(tmpl, before) == 0, "template changed on failure");
		FUZZ_CHECK(error != 0, "failure without errno");
	} else {
		FUZZ_CHECK(strlen(tmpl) == n, "length changed");
		for (size_t i = 0; i < n; i++) {
			if (i >= x_start && i < x_end)
				FUZZ_CHECK(alnum_ascii(tmpl[i]), "bad character at %zu", i);
			else
				FUZZ_CHECK(tmpl[i] == before[i], "byte %zu outside the X run changed", i);
		}
		struct stat st;
		int rc = lstat(tmpl, &st);
		if (kind == TEMPFILE_KIND_FILE) {
			FUZZ_CHECK(rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
				"no 0600 file");
			int flags = fcntl(result, F_GETFD), fl = fcntl(result, F_GETFL);
			FUZZ_CHECK(flags >= 0 && (flags & FD_CLOEXEC) && (fl & O_ACCMODE) == O_RDWR,
				"descriptor not O_RDWR|O_CLOEXEC");
			close(result);
			FUZZ_CHECK(unlink(tmpl) == 0, "unlink: %s", strerror(errno));
		} else if (kind == TEMPFILE_KIND_DIR) {
			FUZZ_CHECK(rc == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
				"no 0700 directory");
			FUZZ_CHECK(rmdir(tmpl) == 0, "rmdir: %s", strerror(errno));
		} else {
			FUZZ_CHECK(result == 0 && rc != 0, "name-only template created something");
		}
	}
	FUZZ_CHECK(fuzz_open_files() == expected_open_files, "descriptor leaked");
	free(tmpl);
	free(before);
	return 0;
}
