/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * tmpf.h - what the files of the tmpf command share: its subcommands (one
 * file each), exit statuses and the name it answers as.
 *
 *   tmpf [OPTION]... [TEMPLATE]          mktemp.c: GNU coreutils mktemp 9.1
 *   tmpf run [OPTION]... [--] COMMAND    run.c: COMMAND in a private TMPDIR
 *   tmpf rm [-f] PATH...                 rm.c: the library's safe removal
 *   tmpf where [--explain]               where.c: tempfile_gettempdir() and why
 *   tmpf write [OPTION]... FILE          write.c: standard input replaces FILE
 *                                        atomically (tempfile_atomic_*)
 *
 * main.c dispatches; opt.c parses options as GNU getopt_long does, and
 * handles --help and usage errors (command_parse); msg.c prints; quote.c
 * quotes names in messages as gnulib does; tmpf_posix.c or tmpf_win32.c
 * (tmpf_os.h) is the OS underneath. Built on the public API (tempfile.h)
 * only.
 */
#ifndef TMPF_H
#define TMPF_H

/* Exit statuses of tmpf run, as env(1), nice(1) and timeout(1). */
#define EXIT_TMPF_FAILED 125 /* tmpf itself failed (usage, no directory, cleanup) */
#define EXIT_CANNOT_RUN 126  /* COMMAND found but could not be run */
#define EXIT_NOT_FOUND 127   /* COMMAND not found */

/* The name messages and help start with: argv[0] without its directory,
 * as GNU tools print it (so a "mktemp" link to tmpf answers as mktemp).
 * Set once by main before anything is printed; "tmpf" until then. */
extern const char *program_name;

/* Each subcommand: argv[0] is the subcommand's name (or the program's, for
 * mktemp mode); returns the exit status. */
int mktemp_main(int argc, char **argv);
int run_main(int argc, char **argv);
int rm_main(int argc, char **argv);
int where_main(int argc, char **argv);
int write_main(int argc, char **argv);

#endif
