/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * fuzz_opts.c - tempfile_mkstemp/mkdtemp/mktemp with any prefix and suffix.
 *
 * Input: [op][prefix bytes] 0x00 [suffix bytes]. Checked: EINVAL exactly
 * when the prefix or suffix holds a '/'; ENAMETOOLONG exactly when the
 * name is longer than NAME_MAX; otherwise the name is prefix + 8
 * characters of [a-z0-9_] + suffix, in the scratch directory, with the
 * right type and mode; no descriptor is leaked.
 */
#include "fuzz_common.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tempfile.h"

static int expected_open_files = -1;
static char scratch[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_enter_scratch();
	if (!getcwd(scratch, sizeof scratch))
		abort();
	umask(022);
	expected_open_files = fuzz_open_files();
	return 0;
}

static bool in_name_alphabet(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 600)
		return 0;
	unsigned op = data[0] % 3;
	const char *rest = (const char *)data + 1;
	size_t rest_len = size - 1;
	const char *nul = memchr(rest, '\0', rest_len);
	size_t prefix_len = nul ? (size_t)(nul - rest) : rest_len;
	char *prefix = strndup(rest, prefix_len);
	char *suffix = nul ? strndup(nul + 1, rest_len - prefix_len - 1) : strdup("");
	if (!prefix || !suffix)
		abort();
	prefix_len = strlen(prefix);
	size_t suffix_len = strlen(suffix);
	bool slash = strchr(prefix, '/') || strchr(suffix, '/');
	bool too_long = prefix_len + 8 + suffix_len > NAME_MAX;

	struct tempfile_opts o = { .dir = scratch, .prefix = prefix, .suffix = suffix };
	char *path = NULL;
	int fd = -1;
	errno = 0;
	if (op == 0)
		fd = tempfile_mkstemp(&o, &path);
	else if (op == 1)
		path = tempfile_mkdtemp(&o);
	else
		path = tempfile_mktemp(&o);
	int error = errno;
	bool ok = op == 0 ? fd >= 0 : path != NULL;

	if (slash) {
		FUZZ_CHECK(!ok && error == EINVAL, "a '/' was accepted");
	} else if (too_long) {
		FUZZ_CHECK(!ok && error == ENAMETOOLONG, "over NAME_MAX: %s",
			ok ? "accepted" : strerror(error));
	} else {
		FUZZ_CHECK(ok, "failed: %s", strerror(error));
		size_t dir_len = strlen(scratch);
		FUZZ_CHECK(strncmp(path, scratch, dir_len) == 0 && path[dir_len] == '/',
			"not in the directory");
		const char *name = path + dir_len + 1;
		FUZZ_CHECK(strlen(name) == prefix_len + 8 + suffix_len, "wrong length");
		FUZZ_CHECK(memcmp(name, prefix, prefix_len) == 0, "prefix changed");
		for (size_t i = 0; i < 8; i++)
			FUZZ_CHECK(in_name_alphabet(name[prefix_len + i]), "bad random character");
		FUZZ_CHECK(strcmp(name + prefix_len + 8, suffix) == 0, "suffix changed");
		struct stat st;
		int rc = lstat(path, &st);
		if (op == 0) {
			FUZZ_CHECK(rc == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
				"no 0600 file");
			close(fd);
			FUZZ_CHECK(unlink(path) == 0, "unlink");
		} else if (op == 1) {
			FUZZ_CHECK(rc == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
				"no 0700 directory");
			FUZZ_CHECK(rmdir(path) == 0, "rmdir");
		} else {
			FUZZ_CHECK(rc != 0, "mktemp created something");
		}
	}
	if (!ok)
		FUZZ_CHECK(path == NULL, "path set on failure");
	FUZZ_CHECK(fuzz_open_files() == expected_open_files, "descriptor leaked");
	free(path);
	free(prefix);
	free(suffix);
	return 0;
}
