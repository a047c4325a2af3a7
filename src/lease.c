/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * lease.c - TEMPFILE_LEASE and tempfile_reap, the portable front: the
 * lease objects, the list of leases no handle owns (tempfile_mkstemp,
 * _mkdtemp, _mktemplate), and the public reaping calls. How an object is
 * held and recognised is the platform's (platform/posix_lease.c,
 * platform/win32_lease.c); doc/design.md "Leases" says why.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tf_lease {
	struct tf_os_lease os;
	char *path;            /* NEW: as the creator returned it */
	struct tf_lease *next; /* in the adopted list */
};

/* The adopted leases. They share the settings lock (posix_lock.c), which
 * fork() never leaves held in a child: a list this small needs no lock of
 * its own, and it is never held across a system call. */
static struct tf_lease *adopted;

int tf_lease_take(const char *path, int fd, bool is_dir, struct tf_lease **out)
{
	*out = NULL;
	struct tf_lease *l = calloc(1, sizeof *l);
	size_t n = strlen(path) + 1;
	char *copy = l ? malloc(n) : NULL;
	if (!copy) {
		free(l);
		return -ENOMEM;
	}
	memcpy(copy, path, n);
	int rc = tf_os_lease_take(path, fd, is_dir, &l->os);
	if (rc < 0) {
		free(copy);
		free(l);
		return rc;
	}
	l->path = copy;
	*out = l;
	return 0;
}

void tf_lease_release(struct tf_lease *l, bool kept)
{
	if (!l)
		return;
	tf_os_lease_drop(&l->os, kept);
	free(l->path);
	free(l);
}

void tf_lease_adopt(struct tf_lease *l)
{
	tf_os_settings_lock();
	l->next = adopted;
	adopted = l;
	tf_os_settings_unlock();
}

int tf_lease_forget(const char *path)
{
	struct tf_lease *found = NULL;
	tf_os_settings_lock();
	for (struct tf_lease **at = &adopted; *at;) {
		struct tf_lease *l = *at;
		if (strcmp(l->path, path) == 0) {
			*at = l->next;
			l->next = found;
			found = l;
		} else {
			at = &l->next;
		}
	}
	tf_os_settings_unlock();
	int rc = found ? 0 : -ENOENT;
	while (found) { /* outside the lock: these make system calls */
		struct tf_lease *next = found->next;
		tf_lease_release(found, true);
		found = next;
	}
	return rc;
}

/* ---- tempfile_reap --------------------------------------------------------- */

struct explain {
	void (*fn)(const struct tempfile_reaped *entry, void *arg);
	void *arg;
};

static void report(void *arg, const char *name, bool is_dir, int error)
{
	const struct explain *e = arg;
	struct tempfile_reaped entry = { .name = name, .is_dir = is_dir, .error = error };
	e->fn(&entry, e->arg);
}

static int reap(const char *dir, unsigned flags, const struct explain *e)
{
	if ((flags & ~TEMPFILE_DRY_RUN) != 0 || (dir && !*dir))
		return -EINVAL;
	char *absolute = NULL;
	int rc = dir ? tf_absolute(dir, &absolute) : tf_default_dir(&absolute);
	if (rc < 0)
		return rc;
	rc = tf_os_reap(absolute, (flags & TEMPFILE_DRY_RUN) != 0, e && e->fn ? report : NULL,
		(void *)e);
	free(absolute);
	return rc;
}

int tempfile_reap(const char *dir, unsigned flags)
{
	return tf_public_result(flags == 0 ? reap(dir, 0, NULL) : -EINVAL);
}

int tempfile_reap_explain(const char *dir, unsigned flags,
	void (*fn)(const struct tempfile_reaped *entry, void *arg), void *arg)
{
	struct explain e = { .fn = fn, .arg = arg };
	return tf_public_result(reap(dir, flags, &e));
}
