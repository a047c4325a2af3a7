/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix_cleanup.h - what the two halves of the POSIX exit
 * registry share: posix_registry.c (the slots) and posix_cleanup.c (the
 * owner token, the removal of one object, the exit and signal handlers).
 * Never included outside src/platform/.
 */
#ifndef TEMPFILE_PLATFORM_POSIX_CLEANUP_H
#define TEMPFILE_PLATFORM_POSIX_CLEANUP_H

#include "internal.h"

#include <limits.h>

/* A slot's word is owner token << TF_SLOT_STATE_BITS | state. */
#define TF_SLOT_STATE_BITS 3u
/* Owner tokens grow by one per generation of processes that register
 * (a child's is above its parent's); refuse what the word cannot hold. */
#define TF_MAX_OWNER (UINT_MAX >> TF_SLOT_STATE_BITS)

/* ---- posix_cleanup.c ---- */

/* The owner token to register under: the one g took (g not NULL), else
 * this process's, taken now if it has none; installs the handlers first.
 * 0 and *owner, or -errno (-ENOMEM: no handlers; -EOVERFLOW). */
TF_HIDDEN int tf_posix_register_owner(const struct tf_creation_guard *g, unsigned *owner);

/* Remove the object at path if it still is the one id identifies. 0 also
 * when it is gone or replaced (not ours any more), else -errno.
 * ASYNC-SIGNAL-SAFE. */
TF_HIDDEN int tf_posix_remove_registered(enum tf_registered_kind kind, const char *path,
	const struct tf_file_id *id);

/* ---- posix_registry.c: ASYNC-SIGNAL-SAFE ---- */

/* Remove every registered object of owner not removed yet. The first
 * error (-errno), or 0; goes on past errors. */
TF_HIDDEN int tf_posix_clean_pass(unsigned owner);

/* Whether some thread is removing an object of owner right now. */
TF_HIDDEN bool tf_posix_any_cleaning(unsigned owner);

#endif
