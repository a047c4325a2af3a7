/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * reap.h - tmpf reap [--dry-run] [--verbose] [DIR] (reap.c): the abandoned
 * leases of the caller removed with tempfile_reap_explain.
 */
#ifndef TMPF_REAP_H
#define TMPF_REAP_H

/* argv[0] is "reap"; returns the exit status. */
int reap_main(int argc, char **argv);

#endif
