/*
 * platform/os.h - the operating system's types the core needs, so that
 * the .c files outside src/platform/ include no OS header of their own: mode_t,
 * ssize_t, off_t, dev_t, ino_t, struct stat, the O_* open flags. Included
 * by internal.h only.
 */
#ifndef TEMPFILE_PLATFORM_OS_H
#define TEMPFILE_PLATFORM_OS_H

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#endif
