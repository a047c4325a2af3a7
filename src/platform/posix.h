/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * platform/posix.h - what posix.c lends the other POSIX platform files
 * (posix_atomic.c, posix_dirpersist.c) beyond the tf_os_* layer. Never
 * included outside src/platform/.
 */
#ifndef TEMPFILE_PLATFORM_POSIX_H
#define TEMPFILE_PLATFORM_POSIX_H

#include "internal.h"

/* The kernel's renameat2 flags (linux/fs.h), for C libraries that do not
 * name them. */
#define TF_RENAME_NOREPLACE 1u
#define TF_RENAME_EXCHANGE 2u

/* renameat2(2) with how (TF_RENAME_*), through syscall(2) where the C
 * library lacks the wrapper (musl, old glibc); -ENOSYS where the OS has
 * neither. 0 or -errno. */
TF_HIDDEN int tf_posix_renameat2(int fromdir, const char *from, int todir, const char *to,
	unsigned how);

/* fsync what path names, opened read-only (enough for fsync(2) on Linux and
 * the BSDs) with extra_flags (O_DIRECTORY, O_NOFOLLOW). 0 or -errno. */
TF_HIDDEN int tf_posix_fsync_opened(const char *path, int extra_flags);

#endif
