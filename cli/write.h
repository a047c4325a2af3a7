/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * write.h - the parsing stage of tmpf write (write.c), for write_main and
 * the fuzzer (fuzz/fuzz_cli_args.c), which parses without reading or
 * writing anything.
 */
#ifndef TMPF_WRITE_H
#define TMPF_WRITE_H

/* What one tmpf write invocation asks for. */
struct write_request {
	unsigned flags;   /* TEMPFILE_NOREPLACE, TEMPFILE_SYNC */
	unsigned mode;    /* 0..07777; 0: FILE's own, or 0666 & ~umask if new */
	const char *path; /* FILE, within argv */
};

/* Parse argv into *r: -1 to go on, else the exit status (after --help,
 * --version or a usage error and its message). Reorders argv. */
int write_parse(int argc, char **argv, struct write_request *r);

#endif
