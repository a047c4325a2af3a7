/*
 * cleanup.c - the exit and signal registry (TEMPFILE_AT_EXIT).
 *
 * Not built yet: registration fails with ENOSYS, so a creator asked for
 * TEMPFILE_AT_EXIT fails cleanly (and undoes its creation) rather than
 * pretending. Issue 4 replaces this file.
 */
#include "internal.h"

#include <errno.h>

struct tf_registration *tf_register(const char *path, enum tf_registered_kind kind,
	const struct stat *st)
{
	(void)path;
	(void)kind;
	(void)st;
	errno = ENOSYS;
	return NULL;
}

void tf_unregister(struct tf_registration *r)
{
	(void)r;
}

int tempfile_cleanup_now(void)
{
	return 0;
}

int tempfile_forget(const char *path)
{
	(void)path;
	errno = ENOENT;
	return -1;
}
