/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * mktemp.c - tmpf [OPTION]... [TEMPLATE]: GNU coreutils 9.1 mktemp,
 * src/mktemp.c rule by rule, messages byte for byte.
 *
 * Speed matters as much as compatibility: mktemp is called in loops by
 * shell scripts. The success path makes no locale setup, no stdio output,
 * no malloc and no temp directory probe; the locale is loaded only to
 * quote a name in an error message, as GNU's quote() would.
 */
#include "mktemp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* STDOUT_FILENO */

#include <tempfile.h>

#include "msg.h"
#include "opt.h"
#include "quote.h"
#include "tmpf.h"
#include "tmpf_os.h"

enum { OPTION_SUFFIX = OPTION_FIRST_OWN };

static const char default_template[] = "tmp.XXXXXXXXXX";

static const char mktemp_help[] =
	"Create a temporary file or directory, safely, and print its name.\n"
	"TEMPLATE must contain at least 3 consecutive 'X's in last component.\n"
	"If TEMPLATE is not specified, use tmp.XXXXXXXXXX, and --tmpdir is implied.\n"
	"Files are created u+rw, and directories u+rwx, minus umask restrictions.\n"
	"\n"
	"  -d, --directory     create a directory, not a file\n"
	"  -u, --dry-run       do not create anything; merely print a name (unsafe)\n"
	"  -q, --quiet         suppress diagnostics about file/dir-creation failure\n"
	"      --suffix=SUFF   append SUFF to TEMPLATE; SUFF must not contain a slash.\n"
	"                        This option is implied if TEMPLATE does not end in X\n"
	"  -p DIR, --tmpdir[=DIR]  interpret TEMPLATE relative to DIR; if DIR is not\n"
	"                        specified, use $TMPDIR if set, else /tmp.  With\n"
	"                        this option, TEMPLATE must not be an absolute name;\n"
	"                        unlike with -t, TEMPLATE may contain slashes, but\n"
	"                        tmpf creates only the final component\n"
	"  -t                  interpret TEMPLATE as a single file name component,\n"
	"                        relative to a directory: $TMPDIR, if set; else the\n"
	"                        directory specified via -p; else /tmp [deprecated]\n"
	"      --help        display this help and exit\n"
	"      --version     output version information and exit\n"
	"\n"
	"Subcommands (a first argument spelled exactly so is not a template):\n"
	"  run [OPTION]... [--] COMMAND [ARG]...\n"
	"                      run COMMAND with TMPDIR, TMP and TEMP set to a new\n"
	"                        private directory, removed when COMMAND ends\n"
	"  reap [-n] [-v] [DIR]\n"
	"                      remove your abandoned leases: objects made with\n"
	"                        TEMPFILE_LEASE (run's too) whose creator is gone\n"
	"  rm [-f] PATH...     remove files and whole trees; never follows links\n"
	"  where [--explain]   print the directory temporary files go in by default\n"
	"  write [OPTION]... FILE\n"
	"                      replace FILE atomically with standard input\n"
	"\n"
	"Exit status: 0 on success, 1 on any error; for run, see 'tmpf run --help'.\n"
	"Details: 'tmpf SUBCOMMAND --help' and the tmpf(1) manual page.\n";

static const struct long_option mktemp_options[] = {
	{ "directory", ARGUMENT_NONE, 'd' },
	{ "quiet", ARGUMENT_NONE, 'q' },
	{ "dry-run", ARGUMENT_NONE, 'u' },
	{ "suffix", ARGUMENT_REQUIRED, OPTION_SUFFIX },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ "version", ARGUMENT_NONE, OPTION_VERSION },
	{ NULL, ARGUMENT_NONE, 0 },
};
/* size bytes in b: its room, or malloc'ed. NULL with errno. */
static char *buffer_get(struct mktemp_buffer *b, size_t size)
{
	mktemp_buffer_release(b);
	b->text = size <= sizeof b->room ? b->room : malloc(size);
	return b->text;
}

void mktemp_buffer_release(struct mktemp_buffer *b)
{
	if (b->text != b->room)
		free(b->text);
	b->text = NULL;
}

/* gnulib last_component: the last file name component of name, skipping
 * leading slashes; trailing slashes stay part of it. */
static const char *last_component(const char *name)
{
	const char *base = name;
	while (*base == '/')
		base++;
	bool after_slash = false;
	for (const char *p = base; *p; p++) {
		if (*p == '/') {
			after_slash = true;
		} else if (after_slash) {
			base = p;
			after_slash = false;
		}
	}
	return base;
}

/* gnulib file_name_concat(dir, name): trailing slashes of dir dropped, one
 * '/' between. In b, or NULL with errno. */
static char *join_dir(const char *dir, const char *name, struct mktemp_buffer *b)
{
	const char *dir_base = last_component(dir);
	size_t base_len = strlen(dir_base);
	while (base_len > 1 && dir_base[base_len - 1] == '/')
		base_len--;
	size_t dir_len = (size_t)(dir_base - dir) + base_len, name_len = strlen(name);
	char separator = 0;
	if (base_len > 0)
		separator = name[0] != '/' ? '/' : 0;
	else if (name[0] == '/')
		separator = '.'; /* "/" + "/x": "/./x", as gnulib */
	char *path = buffer_get(b, dir_len + 1 + name_len + 1);
	if (!path)
		return NULL;
	memcpy(path, dir, dir_len);
	size_t at = dir_len;
	if (separator)
		path[at++] = separator;
	memcpy(path + at, name, name_len + 1);
	return path;
}

static const char *nonempty_env(const char *name)
{
	const char *value = getenv(name);
	return value && *value ? value : NULL;
}

/* template + suffix (NULL: none) in b; sets *suffix_start to where the
 * suffix begins. NULL with errno. */
static char *with_suffix(const char *template, const char *suffix, struct mktemp_buffer *b,
	const char **suffix_start)
{
	size_t len = strlen(template), add = suffix ? strlen(suffix) : 0;
	char *full = buffer_get(b, len + add + 1);
	if (!full)
		return NULL;
	memcpy(full, template, len + 1);
	if (suffix) {
		memcpy(full + len, suffix, add + 1);
		*suffix_start = full + len;
	} else {
		/* Without --suffix, what follows the last X is the suffix. */
		const char *last_x = strrchr(full, 'X');
		*suffix_start = last_x ? last_x + 1 : full + len;
	}
	return full;
}

char *mktemp_checked_template(const struct mktemp_request *r, struct mktemp_buffer *b,
	size_t *suffix_len)
{
	const char *t = r->template;
	size_t len = strlen(t);
	if (r->suffix && (len == 0 || t[len - 1] != 'X')) {
		complain(0, "with --suffix, template %s must end in X", quote(t));
		errno = 0;
		return NULL;
	}
	const char *suffix;
	char *full = with_suffix(t, r->suffix, b, &suffix);
	if (!full)
		return NULL;
	*suffix_len = strlen(suffix);
	size_t x_end = (size_t)(suffix - full), x_count = 0;
	while (x_count < x_end && full[x_end - 1 - x_count] == 'X')
		x_count++;
	if (*suffix_len && last_component(suffix) != suffix) {
		complain(0, "invalid suffix %s, contains directory separator", quote(suffix));
	} else if (x_count < 3) {
		complain(0, "too few X's in template %s", quote(full));
	} else {
		return full;
	}
	errno = 0;
	return NULL;
}

char *mktemp_placed_template(const struct mktemp_request *r, char *tmpl, struct mktemp_buffer *b)
{
	if (!r->use_dir)
		return tmpl;
	const char *dir;
	if (r->deprecated_t) {
		dir = nonempty_env("TMPDIR");
		if (!dir)
			dir = r->dir_arg && *r->dir_arg ? r->dir_arg : "/tmp";
		if (last_component(tmpl) != tmpl) {
			complain(0, "invalid template, %s, contains directory separator", quote(tmpl));
			errno = 0;
			return NULL;
		}
	} else {
		dir = r->dir_arg && *r->dir_arg ? r->dir_arg : nonempty_env("TMPDIR");
		if (!dir)
			dir = "/tmp";
		if (tmpl[0] == '/') {
			complain(0, "invalid template, %s; with --tmpdir, it may not be absolute",
				quote(tmpl));
			errno = 0;
			return NULL;
		}
	}
	return join_dir(dir, tmpl, b);
}

/* Remove what was created when its name could not be printed. */
static void undo_creation(const char *path, bool directory)
{
	int saved = errno;
	if (directory)
		(void)tmpf_os_rmdir(path);
	else
		(void)tmpf_os_unlink(path);
	errno = saved;
}

/* Create (or with -u, only pick) the entry and print its name. path has
 * room for a newline in place of its NUL. */
static int mktemp_create(const struct mktemp_request *r, char *path, size_t suffix_len)
{
	/* mktemp -u is racy by definition: the deprecation is for others. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	enum tempfile_kind kind = r->dry_run ? TEMPFILE_KIND_NAME
		: r->directory                 ? TEMPFILE_KIND_DIR
					       : TEMPFILE_KIND_FILE;
#pragma GCC diagnostic pop
	int result = tempfile_mktemplate(path, suffix_len, kind, 0, 0);
	if (result >= 0 && kind == TEMPFILE_KIND_FILE && tmpf_os_close(result) != 0 &&
		errno != EINTR) {
		undo_creation(path, false); /* an error leaves nothing behind */
		result = -1;
	}
	if (result < 0) {
		if (!r->quiet)
			complain(errno, "failed to create %s via template %s",
				r->directory ? "directory" : "file", quote(path));
		return EXIT_FAILURE;
	}
	size_t len = strlen(path);
	path[len] = '\n'; /* printed with its newline in one write */
	int written = write_all(STDOUT_FILENO, path, len + 1);
	path[len] = '\0';
	if (written == 0 && close_stdout() == 0)
		return EXIT_SUCCESS;
	if (!r->dry_run)
		undo_creation(path, r->directory);
	/* coreutils: -q hides this for a created entry, not for -u. */
	if (r->dry_run || !r->quiet)
		complain(errno, "write error");
	return EXIT_FAILURE;
}

/* Each option of mktemp mode into *request. */
static int mktemp_option(void *request, int value, const char *argument)
{
	struct mktemp_request *r = request;
	switch (value) {
	case 'p': r->dir_arg = argument; r->use_dir = true; break;
	case 'd': r->directory = true; break;
	case 'q': r->quiet = true; break;
	case 't': r->use_dir = r->deprecated_t = true; break;
	case 'u': r->dry_run = true; break;
	case OPTION_SUFFIX: r->suffix = argument; break;
	case 'V': return print_version(EXIT_FAILURE); /* undocumented alias, as in GNU */
	default: break;
	}
	return -1;
}

static const struct command mktemp_command = { .usage = "[OPTION]... [TEMPLATE]",
	.help = mktemp_help, .failure_status = EXIT_FAILURE, .short_options = "dp:qtuV",
	.long_options = mktemp_options,
	.option = mktemp_option };

int mktemp_parse(int argc, char **argv, struct mktemp_request *r)
{
	struct option_parser p;
	int status = command_parse(&mktemp_command, &p, argc, argv, r);
	if (status >= 0)
		return status;
	if (p.operands >= 2)
		return command_usage_error(&mktemp_command, "too many templates");
	if (p.operands == 0) {
		r->use_dir = true;
		r->template = default_template;
	} else {
		r->template = argv[p.first_operand];
	}
	return -1;
}

/* Check and place the template, then create (or pick) and print. */
static int make_from_template(const struct mktemp_request *r)
{
	struct mktemp_buffer template_buffer, path_buffer; /* rooms left uninitialised: 2 KiB */
	template_buffer.text = path_buffer.text = NULL;
	size_t suffix_len = 0;
	char *tmpl = mktemp_checked_template(r, &template_buffer, &suffix_len);
	char *path = tmpl ? mktemp_placed_template(r, tmpl, &path_buffer) : NULL;
	int status = EXIT_FAILURE;
	if (path)
		status = mktemp_create(r, path, suffix_len);
	else if (errno) /* only malloc fails without a message: GNU's xalloc_die */
		complain(0, "memory exhausted");
	mktemp_buffer_release(&path_buffer);
	mktemp_buffer_release(&template_buffer);
	return status;
}

int mktemp_main(int argc, char **argv)
{
	struct mktemp_request r = { 0 };
	int status = mktemp_parse(argc, argv, &r);
	return status >= 0 ? status : make_from_template(&r);
}
