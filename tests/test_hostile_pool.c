/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_hostile_pool.c - test_hostile.c once more with its removals through
 * the pool of threads (platform/posix_rmtree_pool.c), forced on from the
 * first directory: the attacker races threads started by pthread_create in
 * every round.
 */
#define TF_RMTREE_POOLED 1
#include "test_hostile.c"

/* Its trees are big and many: on tmpfs, not on /tmp's disk (the sequential
 * program runs the same tests there). */
__attribute__((constructor)) static void scratch_on_tmpfs(void)
{
	tft_prefer_tmpfs();
}
