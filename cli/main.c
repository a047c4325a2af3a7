/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * main.c - the tmpf command: GNU mktemp(1), exactly, plus five
 * subcommands (run, reap, rm, where, write); see tmpf.h for which file does
 * what (reap.h for reap).
 *
 * A first argument spelled exactly "run", "reap", "rm", "where" or "write"
 * is the subcommand. GNU mktemp takes it as a template and always fails (fewer
 * than 3 X's), so no working mktemp command line changes meaning.
 */
#include <string.h>

#include "reap.h"
#include "tmpf.h"
#include "tmpf_os.h"

/* argv[0] without its directory; argv[0] itself if that leaves nothing. */
static const char *base_name(const char *path)
{
	const char *separator = NULL;
	for (const char *p = path; *p; p++)
		if (tmpf_os_is_separator(*p))
			separator = p;
	return separator && separator[1] ? separator + 1 : path;
}

int main(int argc, char **argv)
{
	tmpf_os_init(&argc, &argv);
	if (argc > 0 && argv[0] && *argv[0])
		program_name = base_name(argv[0]);
	if (argc > 1) {
		if (strcmp(argv[1], "run") == 0)
			return run_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "reap") == 0)
			return reap_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "rm") == 0)
			return rm_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "where") == 0)
			return where_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "write") == 0)
			return write_main(argc - 1, argv + 1);
	}
	return mktemp_main(argc, argv);
}
