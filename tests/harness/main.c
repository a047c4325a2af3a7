/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * main.c - the default main() of a test program on the builtin runner, in
 * its own object of the runner's static library so that the linker takes
 * it only when the test program has no main() of its own (as Criterion's
 * libcriterion does; no weak symbols, which PE/COFF lacks).
 */
#include "criterion/criterion.h"

int main(int argc, char *argv[])
{
	struct criterion_test_set *set = criterion_initialize();
	int result = 1;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(set);
	criterion_finalize(set);
	return result;
}
