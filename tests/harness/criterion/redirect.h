/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * The builtin runner's <criterion/redirect.h>: the stderr capture the
 * tests use. After cr_redirect_stderr (a suite's .init), what the test
 * writes to stderr goes to a file; cr_assert_stderr_eq_str compares what
 * was written since the last comparison. The runner's own reports still
 * reach the real stderr.
 */
#ifndef TFC_REDIRECT_H
#define TFC_REDIRECT_H

#include "criterion.h"

void cr_redirect_stderr(void);
/* Whether the test wrote exactly this to stderr since the last call. */
bool tfc_stderr_is(const char *expected);

#define cr_assert_stderr_eq_str(s, ...) cr_assert(tfc_stderr_is(s), __VA_ARGS__)
#define cr_expect_stderr_eq_str(s, ...) cr_expect(tfc_stderr_is(s), __VA_ARGS__)

#endif
