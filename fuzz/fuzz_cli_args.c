/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * fuzz_cli_args.c - the CLI's argument and template parsing, on any argv.
 *
 * Linked with the CLI's option parser and the stages of its subcommands
 * (cli/opt.c, mktemp.c, run.c, write.c and what they use; not main.c),
 * called directly: mktemp_parse, then mktemp_checked_template and
 * mktemp_placed_template (the name it would create, nothing created),
 * run_parse for "tmpf run ..." (nothing run) and write_parse for "tmpf
 * write ..." (nothing read or written). Input: the arguments, separated by
 * NUL bytes. Checked, beyond the sanitizers: a template that passes has at
 * least 3 X's right before its suffix, ends in the --suffix given, and with
 * --tmpdir/-p lies under the directory; a write command line that passes
 * names one FILE, a mode of at most 07777 and no flag but the two.
 */
#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "mktemp.h"
#include "run.h"
#include "write.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_enter_scratch();
	/* Where -t and a bare --tmpdir place templates; libFuzzer's -merge
	 * keeps its control file there too, so it must exist. */
	setenv("TMPDIR", fuzz_scratch_dir, 1);
	return 0;
}

#define MAX_ARGS 12

static void check_template(const struct mktemp_request *r, const char *path, size_t suffix_len,
	bool placed)
{
	size_t len = strlen(path);
	FUZZ_CHECK(suffix_len + 3 <= len, "template too short for its suffix");
	for (size_t i = len - suffix_len - 3; i < len - suffix_len; i++)
		FUZZ_CHECK(path[i] == 'X', "fewer than 3 X's before the suffix: %s", path);
	if (r->suffix) {
		size_t s = strlen(r->suffix);
		FUZZ_CHECK(s <= len && strcmp(path + len - s, r->suffix) == 0, "suffix lost");
		FUZZ_CHECK(s == suffix_len, "suffix length %zu, not %zu", suffix_len, s);
	}
	if (placed && r->use_dir && !r->deprecated_t && r->dir_arg && *r->dir_arg) {
		/* Under dir_arg, up to trailing slashes. */
		size_t d = strlen(r->dir_arg);
		while (d > 1 && r->dir_arg[d - 1] == '/')
			d--;
		FUZZ_CHECK(strncmp(path, r->dir_arg, d) == 0, "not under --tmpdir: %s", path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2048)
		return 0;
	char *copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *argv[MAX_ARGS + 2] = { "tmpf" };
	int argc = 1;
	for (char *p = copy; argc < MAX_ARGS && p < copy + size; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	if (argc > 1 && strcmp(argv[1], "run") == 0) {
		struct run_request rr = { 0 };
		int status = run_parse(argc - 1, argv + 1, &rr);
		if (status < 0)
			FUZZ_CHECK(rr.command && rr.command[0], "run without a command accepted");
	} else if (argc > 1 && strcmp(argv[1], "write") == 0) {
		struct write_request wr = { 0 };
		if (write_parse(argc - 1, argv + 1, &wr) < 0) {
			FUZZ_CHECK(wr.path != NULL, "write without FILE accepted");
			FUZZ_CHECK(wr.mode <= 07777, "mode %o accepted", wr.mode);
			FUZZ_CHECK((wr.flags & ~(TEMPFILE_NOREPLACE | TEMPFILE_SYNC)) == 0,
				"flags %x", wr.flags);
		}
	} else if (argc > 1 && (strcmp(argv[1], "rm") == 0 || strcmp(argv[1], "where") == 0)) {
		/* These act at once (remove, probe): not parsed here. */
	} else {
		struct mktemp_request r = { 0 };
		int status = mktemp_parse(argc, argv, &r);
		if (status < 0) {
			FUZZ_CHECK(r.template != NULL, "no template after parsing");
			struct mktemp_buffer template_buffer = { 0 }, path_buffer = { 0 };
			size_t suffix_len = 0;
			errno = 0;
			char *tmpl = mktemp_checked_template(&r, &template_buffer, &suffix_len);
			if (tmpl) {
				check_template(&r, tmpl, suffix_len, false);
				char *path = mktemp_placed_template(&r, tmpl, &path_buffer);
				if (path)
					check_template(&r, path, suffix_len, true);
			}
			mktemp_buffer_release(&path_buffer);
			mktemp_buffer_release(&template_buffer);
		}
	}
	free(copy);
	return 0;
}
