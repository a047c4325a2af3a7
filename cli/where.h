/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * where.h - the default directory as tmpf finds it (where.c), for tmpf
 * where and tmpf run: the same search, and the same words for what was
 * wrong with a candidate passed over.
 */
#ifndef TMPF_WHERE_H
#define TMPF_WHERE_H

/* The directory temporary files go in by default: the candidate
 * tempfile_gettempdir() takes, found by the same probe (NEW, free() it).
 * Each of $TMPDIR, $TEMP, $TMP that is set but passed over is reported
 * first on stderr, once, with why. NULL after a message: none is usable
 * (the message points to 'tmpf where --explain'), or memory ran out. */
char *where_default_dir(void);

#endif
