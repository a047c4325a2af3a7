/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_rmtree_pool.c - the removal by a pool of threads
 * (platform/posix_rmtree_pool.c): every test of test_rmtree.c once more
 * with the pool forced on (two threads, started at the first directory, so
 * each removal of a tree with a subdirectory runs pthread_create), then the
 * pool's own tests.
 */
#define TF_RMTREE_POOLED 1
#include "test_rmtree.c"
