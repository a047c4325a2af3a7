/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * rm.c - tmpf rm [-f] PATH...: each PATH removed with the library's safe
 * removal (tempfile_rmtree), never following a link.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "tmpf_os.h"

static const char rm_help[] =
	"Remove each PATH: a directory with everything in it, anything else by\n"
	"unlinking its name. A symbolic link is removed, never followed, and the\n"
	"removal of a tree never leaves it, even if entries are swapped for links\n"
	"while it runs; nothing mounted in the tree is entered, bind mounts\n"
	"included. Read-only directories inside the tree are made writable to\n"
	"empty them.\n"
	"\n"
	"  -f, --force     ignore missing paths, and no PATH at all\n"
	"      --help      display this help and exit\n"
	"      --version   output version information and exit\n"
	"\n"
	"Trailing slashes are ignored: 'link/' removes the link, not what it\n"
	"points to. '.', '..' and '/' are refused.\n"
	"\n"
	"Exit status: 0 if every PATH was removed, 1 otherwise.\n";

/* path without trailing slashes ("/" stays "/"). NEW or NULL. */
static char *without_trailing_slashes(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && tmpf_os_is_separator(path[len - 1]))
		len--;
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, path, len);
		copy[len] = '\0';
	}
	return copy;
}

static bool is_dot_or_dotdot(const char *path)
{
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (tmpf_os_is_separator(*p))
			base = p + 1;
	return strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
}

/* Remove one operand; 0, or -1 after a message. */
static int remove_one(const char *operand, bool force)
{
	char *path = without_trailing_slashes(operand);
	if (!path) {
		complain(errno, "cannot remove %s", quote(operand));
		return -1;
	}
	int result = -1;
	enum tmpf_os_kind kind;
	if (is_dot_or_dotdot(path)) {
		complain(0, "refusing to remove '.' or '..' directory: skipping %s", quote(operand));
		goto done;
	}
	if (tmpf_os_kind(path, &kind) != 0) {
		if (force && errno == ENOENT)
			result = 0;
		else
			complain(errno, "cannot remove %s", quote(operand));
		goto done;
	}
	if (kind == TMPF_OS_ROOT) {
		complain(0, "refusing to remove %s: it is the root directory", quote(operand));
		goto done;
	}
	bool directory = kind == TMPF_OS_DIRECTORY;
	result = directory ? tempfile_rmtree(path, 0) : tmpf_os_unlink(path);
	/* Swapped between lstat and removal: a directory became a link or
	 * the other way round; remove whatever is there now. */
	if (result != 0 && errno == ENOTDIR && directory)
		result = tmpf_os_unlink(path);
	else if (result != 0 && (errno == EISDIR || errno == EPERM) && !directory &&
		 tmpf_os_kind(path, &kind) == 0 && kind == TMPF_OS_DIRECTORY)
		result = tempfile_rmtree(path, 0);
	if (result != 0 && force && errno == ENOENT)
		result = 0;
	if (result != 0)
		complain(errno, "cannot remove %s", quote(operand));
done:
	free(path);
	return result;
}

static const struct long_option rm_options[] = OPTIONS_AND_HELP({ "force", ARGUMENT_NONE, 'f' });
static const struct command rm_command = { .name = "rm", .usage = "rm [-f] [--] PATH...",
	.help = rm_help, .failure_status = EXIT_FAILURE, .short_options = "f",
	.long_options = rm_options, .option = command_flag };

int rm_main(int argc, char **argv)
{
	bool force = false;
	struct option_parser p;
	int status = command_parse(&rm_command, &p, argc, argv, &force);
	if (status >= 0)
		return status;
	if (p.operands == 0 && !force)
		return command_usage_error(&rm_command, "missing operand");
	status = EXIT_SUCCESS;
	for (int i = 0; i < p.operands; i++)
		if (remove_one(argv[p.first_operand + i], force) != 0)
			status = EXIT_FAILURE;
	return status;
}
