/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * fuzz_common.h - what the libFuzzer targets share: a private scratch
 * directory as the working directory, and a descriptor-leak check.
 */
#ifndef TF_FUZZ_COMMON_H
#define TF_FUZZ_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_scratch_dir[64];

/* At exit: the scratch directory, empty when every run cleaned up. */
static void fuzz_remove_scratch(void)
{
	(void)rmdir(fuzz_scratch_dir);
}

/* Make a scratch directory (on /dev/shm when there is one: no disk I/O)
 * and enter it. Called once, from LLVMFuzzerInitialize. */
static inline void fuzz_enter_scratch(void)
{
	/* .ci/fuzz.sh names one per target, and removes it: libFuzzer's merge
	 * and crash paths leave the process without running atexit. */
	const char *given = getenv("TF_FUZZ_SCRATCH");
	if (given && *given && strlen(given) < sizeof fuzz_scratch_dir) {
		strcpy(fuzz_scratch_dir, given);
		if ((mkdir(fuzz_scratch_dir, 0700) != 0 && errno != EEXIST) ||
			chdir(fuzz_scratch_dir) != 0)
			abort();
		return;
	}
	strcpy(fuzz_scratch_dir, "/dev/shm/tffuzz.XXXXXX");
	if (!mkdtemp(fuzz_scratch_dir)) {
		strcpy(fuzz_scratch_dir, "/tmp/tffuzz.XXXXXX");
		if (!mkdtemp(fuzz_scratch_dir))
			abort();
	}
	if (chdir(fuzz_scratch_dir) != 0)
		abort();
	atexit(fuzz_remove_scratch);
}

/* How many descriptors are open on files and directories (not pipes or
 * devices: the sanitizers' leak checker and symbolizer open pipes of their
 * own while the target runs). It must not creep up between runs. */
static inline int fuzz_open_files(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		abort();
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		char link[64], target[256];
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof target - 1);
		if (len > 0 && target[0] == '/' && strncmp(target, "/dev/", 5) != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Report a broken promise and crash, so that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

#endif
