/*
 * tmpf.c - the tmpf command: GNU mktemp(1), exactly, plus three
 * subcommands (run, rm, where). Built on the public API only.
 *
 *   tmpf [OPTION]... [TEMPLATE]          GNU coreutils mktemp 9.1
 *   tmpf run [OPTION]... [--] COMMAND    COMMAND in a private TMPDIR, removed after
 *   tmpf rm [-f] PATH...                 the library's safe removal
 *   tmpf where [--explain]               tempfile_gettempdir() and why
 *
 * A first argument spelled exactly "run", "rm" or "where" is the
 * subcommand. GNU mktemp takes it as a template and always fails (fewer
 * than 3 X's), so no working mktemp command line changes meaning.
 *
 * Speed matters as much as compatibility: mktemp is called in loops by
 * shell scripts. The success path makes no locale setup, no stdio output
 * and no temp directory probe; the locale is loaded only to quote a name in
 * an error message, as GNU's quote() would.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with XSI: waitid's WNOWAIT */

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h> /* STDOUT_FILENO, STDERR_FILENO */
#include <wchar.h>
#include <wctype.h>

#include <tempfile.h>

#include "tmpf_os.h"

/* Exit statuses of the subcommands, as env(1), nice(1) and timeout(1). */
#define EXIT_TMPF_FAILED 125  /* tmpf itself failed (usage, no directory, cleanup) */
#define EXIT_CANNOT_RUN 126   /* COMMAND found but could not be run */
#define EXIT_NOT_FOUND 127    /* COMMAND not found */

/* The name messages start with: argv[0] without its directory, as GNU
 * tools print argv[0] (so a "mktemp" link to tmpf answers as mktemp). */
static const char *program_name = "tmpf";

/* ==========================================================================
 * Messages: "tmpf: what went wrong[: strerror]" on stderr, in one write.
 * ========================================================================== */

/* Write all of buf to fd; 0, or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t done = tmpf_os_write(fd, buf, len);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -1;
		buf += done;
		len -= (size_t)done;
	}
	return 0;
}

#if defined(__GNUC__) || defined(__clang__)
#  define TMPF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define TMPF_PRINTF(f, a)
#endif

/* GNU error(3): "program: message[: strerror(errnum)]\n". Composed in
 * memory first so that concurrent writers never interleave mid-line. */
static void complain(int errnum, const char *format, ...) TMPF_PRINTF(2, 3);
static void complain(int errnum, const char *format, ...)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = tmpf_os_memstream(&text, &len);
	FILE *out = m ? m : stderr;
	va_list ap;
	va_start(ap, format);
	fprintf(out, "%s: ", program_name);
	vfprintf(out, format, ap);
	va_end(ap);
	if (errnum)
		fprintf(out, ": %s", strerror(errnum));
	fputc('\n', out);
	if (m && tmpf_os_memstream_close(m) == 0)
		(void)write_all(STDERR_FILENO, text, len);
	free(text);
}

/* "Try 'tmpf --help' for more information." after a usage error. */
static void suggest_help(const char *subcommand)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = tmpf_os_memstream(&text, &len);
	if (!m)
		return;
	fprintf(m, "Try '%s%s%s --help' for more information.\n", program_name,
		subcommand ? " " : "", subcommand ? subcommand : "");
	if (tmpf_os_memstream_close(m) == 0)
		(void)write_all(STDERR_FILENO, text, len);
	free(text);
}

/* ==========================================================================
 * quote(): gnulib's locale_quoting_style, which GNU mktemp's messages use.
 * In a UTF-8 locale 'x' becomes U+2018 x U+2019; backslash, control and
 * unprintable characters are escaped C-style (\n, \t, \ooo); a character
 * equal to the closing quote gets a backslash. The locale is only loaded
 * here, on the error path.
 * ========================================================================== */

static void load_locale_once(void)
{
	static bool loaded;
	if (!loaded) {
		/* LC_ALL as GNU: if any category is invalid, all stay "C". */
		(void)setlocale(LC_ALL, "");
		loaded = true;
	}
}

/* The letter of a C escape for c (\a, \b, ...), or 0. */
static char c_escape_letter(unsigned char c)
{
	switch (c) {
	case '\a': return 'a';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	case '\v': return 'v';
	case '\\': return '\\';
	default: return 0;
	}
}

/* How many bytes starting at s[i] form one character, and whether it is
 * printable in the current locale. 0 bytes means an invalid sequence (the
 * caller escapes one byte and goes on). */
static size_t character_at(const char *s, size_t i, size_t n, bool *printable)
{
	unsigned char c = (unsigned char)s[i];
	if (MB_CUR_MAX == 1) {
		*printable = isprint(c) != 0;
		return 1;
	}
	mbstate_t state;
	memset(&state, 0, sizeof state);
	size_t m = 0;
	*printable = true;
	do {
		wchar_t w;
		size_t bytes = mbrtowc(&w, s + i + m, n - (i + m), &state);
		if (bytes == 0)
			break;
		if (bytes == (size_t)-1) {
			*printable = false;
			break;
		}
		if (bytes == (size_t)-2) { /* truncated: the rest is one bad character */
			*printable = false;
			m = n - i;
			break;
		}
		if (!iswprint((wint_t)w))
			*printable = false;
		m += bytes;
	} while (!mbsinit(&state));
	return m;
}

/* Append the quoted form of s to out. */
static void put_quoted(FILE *out, const char *s)
{
	load_locale_once();
	const char *left = "'", *right = "'";
	if (tmpf_os_utf8_quotes()) {
		left = "\xe2\x80\x98";
		right = "\xe2\x80\x99";
	}
	size_t n = strlen(s), right_len = strlen(right);
	fputs(left, out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool is_right_quote = n - i >= right_len && memcmp(s + i, right, right_len) == 0;
		char letter = c_escape_letter(c);
		if (letter) {
			fputc('\\', out);
			fputc(letter, out);
			continue;
		}
		bool printable = true;
		size_t m = (c >= 0x20 && c < 0x7f) ? 1 : character_at(s, i, n, &printable);
		size_t count = m ? m : 1;
		for (size_t j = 0; j < count; j++) {
			unsigned char b = (unsigned char)s[i + j];
			if (!printable) {
				fprintf(out, "\\%o%o%o", b >> 6, (b >> 3) & 7u, b & 7u);
				continue;
			}
			if (j == 0 && is_right_quote)
				fputc('\\', out);
			fputc(b, out);
		}
		i += count - 1;
	}
	fputs(right, out);
}

/* The quoted form of s, valid until the call after next (two slots, so
 * one message can quote two strings). Unquoted s if memory runs out.
 * errno is preserved: loading the locale fails opens on the way, and in
 * complain(errno, "...%s", quote(x)) the arguments may be evaluated in
 * any order. */
static const char *quote(const char *s)
{
	static char *slots[2];
	static int next;
	int saved_errno = errno;
	char *text = NULL;
	size_t len = 0;
	const char *result = s;
	FILE *m = tmpf_os_memstream(&text, &len);
	if (m) {
		put_quoted(m, s);
		if (tmpf_os_memstream_close(m) == 0) {
			free(slots[next]);
			slots[next] = text;
			next ^= 1;
			result = text;
		} else {
			free(text);
		}
	}
	errno = saved_errno;
	return result;
}

/* ==========================================================================
 * Standard output. Results only; a failed write is an error ("write
 * error"), never silent, like GNU's close_stdout.
 * ========================================================================== */

/* Flush and close stdout: 0, or -1 with errno (0 if the stream had failed
 * earlier and the cause is lost). An stdout closed from the start with
 * nothing written to it is fine, as in gnulib's close_stream. */
static int close_stdout(void)
{
	if (fflush(stdout) != 0)
		return -1;
	if (ferror(stdout)) {
		errno = 0;
		return -1;
	}
	if (fclose(stdout) != 0 && errno != EBADF)
		return -1;
	return 0;
}

/* For output written with stdio: close stdout and report a failure.
 * Returns status, or failure_status if stdout could not be written. */
static int finish_output(int status, int failure_status)
{
	if (close_stdout() != 0) {
		complain(errno, "write error");
		return failure_status;
	}
	return status;
}

/* ==========================================================================
 * Option parsing: GNU getopt_long's behaviour and messages, so that every
 * mktemp command line, good or bad, gets the same answer on any libc.
 * Operands are gathered, in order, at the front of the argument vector.
 * ========================================================================== */

enum option_argument { ARGUMENT_NONE, ARGUMENT_REQUIRED, ARGUMENT_OPTIONAL };

struct long_option {
	const char *name;
	enum option_argument argument;
	int value;
};

#define OPTIONS_END (-1)
#define OPTIONS_ERROR '?'

struct option_parser {
	int argc;
	char **argv;
	const char *short_options;          /* getopt(3) syntax: "dp:qtuV" */
	const struct long_option *long_options; /* ends with a NULL name */
	bool stop_at_operand;               /* POSIXLY_CORRECT: no permutation */
	int next;                           /* next argv element to read */
	const char *cluster;                /* rest of "-abc" being read */
	int operands;                       /* gathered at argv[first_operand...] */
	int first_operand;
	const char *argument;               /* the current option's argument */
};

static void parser_init(struct option_parser *p, int argc, char **argv, const char *short_options,
	const struct long_option *long_options, bool stop_at_operand)
{
	*p = (struct option_parser){
		.argc = argc,
		.argv = argv,
		.short_options = short_options,
		.long_options = long_options,
		.stop_at_operand = stop_at_operand || getenv("POSIXLY_CORRECT") != NULL,
		.next = 1,
		.first_operand = 1,
	};
}

static void take_operand(struct option_parser *p, int index)
{
	p->argv[p->first_operand + p->operands++] = p->argv[index];
}

/* Every remaining element is an operand. */
static int take_rest(struct option_parser *p)
{
	while (p->next < p->argc)
		take_operand(p, p->next++);
	return OPTIONS_END;
}

static int next_short_option(struct option_parser *p)
{
	char c = *p->cluster++;
	const char *spec = c != ':' ? strchr(p->short_options, c) : NULL;
	p->argument = NULL;
	if (!spec) {
		complain(0, "invalid option -- '%c'", c);
		p->cluster = NULL;
		return OPTIONS_ERROR;
	}
	if (spec[1] == ':') {
		if (*p->cluster) {
			p->argument = p->cluster;
		} else if (p->next < p->argc) {
			p->argument = p->argv[p->next++];
		} else {
			complain(0, "option requires an argument -- '%c'", c);
			p->cluster = NULL;
			return OPTIONS_ERROR;
		}
		p->cluster = NULL;
	}
	if (p->cluster && !*p->cluster)
		p->cluster = NULL;
	return (unsigned char)c;
}

/* An abbreviation that fits several options: glibc's message lists every
 * option it fits that differs from the first one found, in table order. */
static void report_ambiguous(const struct option_parser *p, const char *text, size_t name_len,
	const struct long_option *first)
{
	char *list = NULL;
	size_t len = 0;
	FILE *m = tmpf_os_memstream(&list, &len);
	if (!m)
		return;
	for (const struct long_option *o = p->long_options; o->name; o++) {
		bool fits = strncmp(o->name, text, name_len) == 0;
		bool differs = o->argument != first->argument || o->value != first->value;
		if (fits && (o == first || differs))
			fprintf(m, " '--%s'", o->name);
	}
	if (tmpf_os_memstream_close(m) == 0)
		complain(0, "option '--%s' is ambiguous; possibilities:%s", text, list);
	free(list);
}

static const struct long_option *find_long_option(const struct option_parser *p, const char *text,
	size_t name_len, bool *ambiguous)
{
	const struct long_option *found = NULL;
	*ambiguous = false;
	for (const struct long_option *o = p->long_options; o->name; o++)
		if (strncmp(o->name, text, name_len) == 0 && strlen(o->name) == name_len)
			return o; /* an exact match wins over abbreviations */
	for (const struct long_option *o = p->long_options; o->name; o++) {
		if (strncmp(o->name, text, name_len) != 0)
			continue;
		if (!found)
			found = o;
		else if (o->argument != found->argument || o->value != found->value)
			*ambiguous = true;
	}
	return found;
}

static int next_long_option(struct option_parser *p, const char *text)
{
	const char *equals = strchr(text, '=');
	size_t name_len = equals ? (size_t)(equals - text) : strlen(text);
	bool ambiguous;
	const struct long_option *o = find_long_option(p, text, name_len, &ambiguous);
	p->argument = NULL;
	if (ambiguous) {
		report_ambiguous(p, text, name_len, o);
		return OPTIONS_ERROR;
	}
	if (!o) {
		complain(0, "unrecognized option '--%s'", text);
		return OPTIONS_ERROR;
	}
	if (equals) {
		if (o->argument == ARGUMENT_NONE) {
			complain(0, "option '--%s' doesn't allow an argument", o->name);
			return OPTIONS_ERROR;
		}
		p->argument = equals + 1;
	} else if (o->argument == ARGUMENT_REQUIRED) {
		if (p->next >= p->argc) {
			complain(0, "option '--%s' requires an argument", o->name);
			return OPTIONS_ERROR;
		}
		p->argument = p->argv[p->next++];
	}
	return o->value;
}

/* The next option's value (its argument in p->argument), OPTIONS_END when
 * only operands are left (p->operands of them at argv[1...]), or
 * OPTIONS_ERROR after printing why. */
static int next_option(struct option_parser *p)
{
	if (p->cluster)
		return next_short_option(p);
	while (p->next < p->argc) {
		const char *arg = p->argv[p->next];
		if (strcmp(arg, "--") == 0) {
			p->next++;
			return take_rest(p);
		}
		if (arg[0] == '-' && arg[1] == '-') {
			p->next++;
			return next_long_option(p, arg + 2);
		}
		if (arg[0] == '-' && arg[1] != '\0') {
			p->next++;
			p->cluster = arg + 1;
			return next_short_option(p);
		}
		if (p->stop_at_operand)
			return take_rest(p);
		take_operand(p, p->next++);
	}
	return OPTIONS_END;
}

/* ==========================================================================
 * mktemp mode: coreutils 9.1 src/mktemp.c, rule by rule.
 * ========================================================================== */

enum { OPTION_SUFFIX = 256, OPTION_HELP, OPTION_VERSION };

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

static const char default_template[] = "tmp.XXXXXXXXXX";

static int print_version(void)
{
	printf("tmpf (libtempfile) %s\n"
	       "A drop-in for GNU mktemp (coreutils 9.1), with run, rm and where.\n",
		tempfile_version());
	return finish_output(EXIT_SUCCESS, EXIT_FAILURE);
}

static int print_main_help(void)
{
	printf("Usage: %s [OPTION]... [TEMPLATE]\n", program_name);
	fputs("Create a temporary file or directory, safely, and print its name.\n"
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
	      "  rm [-f] PATH...     remove files and whole trees; never follows links\n"
	      "  where [--explain]   print the directory temporary files go in by default\n"
	      "\n"
	      "Exit status: 0 on success, 1 on any error; for run, see 'tmpf run --help'.\n"
	      "Details: 'tmpf SUBCOMMAND --help' and the tmpf(1) manual page.\n",
		stdout);
	return finish_output(EXIT_SUCCESS, EXIT_FAILURE);
}

/* mktemp's few strings come from here: a static arena, so that the common
 * path never calls malloc (glibc's first malloc costs three syscalls, a
 * tenth of a mktemp run); what does not fit is malloc()ed. */
static char arena[8192];
static size_t arena_used;

static void *scratch_alloc(size_t n)
{
#ifndef __clang_analyzer__
	/* (The static analyzer cannot follow scratch_free's range check; it
	 * is shown malloc() alone, so that it still checks every free.) */
	if (n <= sizeof arena - arena_used) {
		void *p = arena + arena_used;
		arena_used += n;
		return p;
	}
#endif
	return malloc(n);
}

static void scratch_free(void *p)
{
	if ((uintptr_t)p - (uintptr_t)arena >= sizeof arena)
		free(p);
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
 * '/' between. From scratch_alloc, or NULL with errno. */
static char *join_dir(const char *dir, const char *name)
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
	char *path = scratch_alloc(dir_len + 1 + name_len + 1);
	if (!path)
		return NULL;
	memcpy(path, dir, dir_len);
	size_t at = dir_len;
	if (separator)
		path[at++] = separator;
	memcpy(path + at, name, name_len + 1);
	return path;
}

/* What one mktemp invocation asks for. */
struct mktemp_request {
	bool directory, dry_run, quiet, use_dir, deprecated_t;
	const char *dir_arg; /* -p or --tmpdir=DIR; NULL for a bare --tmpdir */
	const char *suffix;  /* --suffix, or NULL */
	const char *template;
};

static const char *nonempty_env(const char *name)
{
	const char *value = getenv(name);
	return value && *value ? value : NULL;
}

/* The template with --suffix appended, checked as coreutils checks it.
 * Sets *suffix_len. From scratch_alloc, or NULL after a message (errno 0)
 * or with errno. */
static char *checked_template(const struct mktemp_request *r, size_t *suffix_len)
{
	const char *t = r->template;
	size_t len = strlen(t);
	char *full;
	const char *suffix;
	if (r->suffix) {
		if (len == 0 || t[len - 1] != 'X') {
			complain(0, "with --suffix, template %s must end in X", quote(t));
			errno = 0;
			return NULL;
		}
		size_t add = strlen(r->suffix);
		if (!(full = scratch_alloc(len + add + 1)))
			return NULL;
		memcpy(full, t, len);
		memcpy(full + len, r->suffix, add + 1);
		suffix = full + len;
	} else {
		if (!(full = scratch_alloc(len + 1)))
			return NULL;
		memcpy(full, t, len + 1);
		const char *last_x = strrchr(full, 'X');
		suffix = last_x ? last_x + 1 : full + len;
	}
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
	scratch_free(full);
	errno = 0;
	return NULL;
}

/* The template placed in its directory (-t, -p, --tmpdir, or none given).
 * Takes tmpl. From scratch_alloc, or NULL after a message (errno 0) or
 * with errno. */
static char *placed_template(const struct mktemp_request *r, char *tmpl)
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
			goto invalid;
		}
	} else {
		dir = r->dir_arg && *r->dir_arg ? r->dir_arg : nonempty_env("TMPDIR");
		if (!dir)
			dir = "/tmp";
		if (tmpl[0] == '/') {
			complain(0, "invalid template, %s; with --tmpdir, it may not be absolute",
				quote(tmpl));
			goto invalid;
		}
	}
	char *path = join_dir(dir, tmpl);
	int saved = errno;
	scratch_free(tmpl);
	errno = saved;
	return path;
invalid:
	scratch_free(tmpl);
	errno = 0;
	return NULL;
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

/* Create (or with -u, only pick) the entry and print its name. */
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

/* Parse; 0 to go on, else the exit status. */
static int mktemp_parse(int argc, char **argv, struct mktemp_request *r)
{
	struct option_parser p;
	parser_init(&p, argc, argv, "dp:qtuV", mktemp_options, false);
	int c;
	while ((c = next_option(&p)) != OPTIONS_END) {
		switch (c) {
		case 'd': r->directory = true; break;
		case 'p': r->dir_arg = p.argument; r->use_dir = true; break;
		case 'q': r->quiet = true; break;
		case 't': r->use_dir = r->deprecated_t = true; break;
		case 'u': r->dry_run = true; break;
		case OPTION_SUFFIX: r->suffix = p.argument; break;
		case OPTION_HELP: return print_main_help();
		case 'V': /* undocumented alias, as in GNU */
		case OPTION_VERSION: return print_version();
		default: suggest_help(NULL); return EXIT_FAILURE;
		}
	}
	if (p.operands >= 2) {
		complain(0, "too many templates");
		suggest_help(NULL);
		return EXIT_FAILURE;
	}
	if (p.operands == 0) {
		r->use_dir = true;
		r->template = default_template;
	} else {
		r->template = argv[p.first_operand];
	}
	return -1;
}

static int mktemp_main(int argc, char **argv)
{
	struct mktemp_request r = { 0 };
	int status = mktemp_parse(argc, argv, &r);
	if (status >= 0)
		return status;
	size_t suffix_len;
	char *tmpl = checked_template(&r, &suffix_len);
	char *path = tmpl ? placed_template(&r, tmpl) : NULL;
	if (!path) {
		if (errno) /* only malloc fails without a message: GNU's xalloc_die */
			complain(0, "memory exhausted");
		return EXIT_FAILURE;
	}
	status = mktemp_create(&r, path, suffix_len);
	scratch_free(path);
	return status;
}

/* ==========================================================================
 * tmpf where [--explain]
 * ========================================================================== */

static const struct long_option where_options[] = {
	{ "explain", ARGUMENT_NONE, 'e' },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ NULL, ARGUMENT_NONE, 0 },
};

static int where_help(void)
{
	printf("Usage: %s where [--explain]\n", program_name);
	fputs("Print the directory temporary files go in by default: the first of\n"
	      "$TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp and the current directory\n"
	      "in which a file can really be created, written and removed.\n"
	      "\n"
	      "      --explain   show every candidate, one per line, tab-separated:\n"
	      "                    SOURCE  PATH  VERDICT\n"
	      "                  SOURCE is TMPDIR, TEMP, TMP, default or cwd; PATH is '-'\n"
	      "                  for an unset or empty variable; VERDICT is chosen,\n"
	      "                  usable, unset, empty, or why it was rejected: missing,\n"
	      "                  not a directory, not writable, read-only file system,\n"
	      "                  full, name too long, symbolic link loop, or unusable\n"
	      "                  (with the system's error message)\n"
	      "      --help      display this help and exit\n"
	      "\n"
	      "Unlike mktemp -t and --tmpdir, which take $TMPDIR or /tmp without looking,\n"
	      "this probes each candidate.\n"
	      "\n"
	      "Exit status: 0 if a usable directory was found, 1 otherwise.\n",
		stdout);
	return finish_output(EXIT_SUCCESS, EXIT_FAILURE);
}

/* Why a candidate was rejected, in a word or three. */
static const char *rejection(int error)
{
	switch (error) {
	case ENOENT: return "missing";
	case ENOTDIR: return "not a directory";
	case EACCES:
	case EPERM: return "not writable";
	case EROFS: return "read-only file system";
#ifdef EDQUOT /* not in every C library (mingw) */
	case EDQUOT:
#endif
	case ENOSPC: return "full";
	case ENAMETOOLONG: return "name too long";
	case ELOOP: return "symbolic link loop";
	default: return "unusable";
	}
}

static int explain_candidate(const struct tempfile_candidate *c, void *arg)
{
	(void)arg;
	bool variable = strcmp(c->source, "default") != 0 && strcmp(c->source, "cwd") != 0;
	if (!c->path && variable) {
		printf("%s\t-\t%s\n", c->source, getenv(c->source) ? "empty" : "unset");
	} else if (!c->path) {
		printf("%s\t-\tunusable (%s)\n", c->source, strerror(c->error));
	} else if (c->error == 0) {
		printf("%s\t%s\t%s\n", c->source, c->path, c->chosen ? "chosen" : "usable");
	} else if (strcmp(rejection(c->error), "unusable") == 0) {
		printf("%s\t%s\tunusable (%s)\n", c->source, c->path, strerror(c->error));
	} else {
		printf("%s\t%s\t%s\n", c->source, c->path, rejection(c->error));
	}
	return 0;
}

static int where_main(int argc, char **argv)
{
	struct option_parser p;
	parser_init(&p, argc, argv, "", where_options, false);
	bool explain = false;
	int c;
	while ((c = next_option(&p)) != OPTIONS_END) {
		switch (c) {
		case 'e': explain = true; break;
		case OPTION_HELP: return where_help();
		default: suggest_help("where"); return EXIT_FAILURE;
		}
	}
	if (p.operands > 0) {
		complain(0, "extra operand %s", quote(argv[p.first_operand]));
		suggest_help("where");
		return EXIT_FAILURE;
	}
	bool found;
	if (explain) {
		found = tempfile_gettempdir_explain(explain_candidate, NULL) == 0;
	} else {
		const char *dir = tempfile_gettempdir();
		found = dir != NULL;
		if (found)
			printf("%s\n", dir);
	}
	int status = finish_output(EXIT_SUCCESS, EXIT_FAILURE);
	if (!found) {
		complain(0, "no usable temporary directory (see '%s where --explain')",
			program_name);
		status = EXIT_FAILURE;
	}
	return status;
}

/* ==========================================================================
 * tmpf rm [-f] PATH...
 * ========================================================================== */

static const struct long_option rm_options[] = {
	{ "force", ARGUMENT_NONE, 'f' },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ NULL, ARGUMENT_NONE, 0 },
};

static int rm_help(void)
{
	printf("Usage: %s rm [-f] [--] PATH...\n", program_name);
	fputs("Remove each PATH: a directory with everything in it, anything else by\n"
	      "unlinking its name. A symbolic link is removed, never followed, and the\n"
	      "removal of a tree never leaves it, even if entries are swapped for links\n"
	      "while it runs; nothing mounted in the tree is entered, bind mounts\n"
	      "included. Read-only directories inside the tree are made writable to\n"
	      "empty them.\n"
	      "\n"
	      "  -f, --force     ignore missing paths, and no PATH at all\n"
	      "      --help      display this help and exit\n"
	      "\n"
	      "Trailing slashes are ignored: 'link/' removes the link, not what it\n"
	      "points to. '.', '..' and '/' are refused.\n"
	      "\n"
	      "Exit status: 0 if every PATH was removed, 1 otherwise.\n",
		stdout);
	return finish_output(EXIT_SUCCESS, EXIT_FAILURE);
}

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

static int rm_main(int argc, char **argv)
{
	struct option_parser p;
	parser_init(&p, argc, argv, "f", rm_options, false);
	bool force = false;
	int c;
	while ((c = next_option(&p)) != OPTIONS_END) {
		switch (c) {
		case 'f': force = true; break;
		case OPTION_HELP: return rm_help();
		default: suggest_help("rm"); return EXIT_FAILURE;
		}
	}
	if (p.operands == 0 && !force) {
		complain(0, "missing operand");
		suggest_help("rm");
		return EXIT_FAILURE;
	}
	int status = EXIT_SUCCESS;
	for (int i = 0; i < p.operands; i++)
		if (remove_one(argv[p.first_operand + i], force) != 0)
			status = EXIT_FAILURE;
	return status;
}

/* ==========================================================================
 * tmpf run [--keep] [--keep-on-failure] [-p DIR] [--prefix P] [--] COMMAND...
 * ========================================================================== */

enum { OPTION_KEEP = 300, OPTION_KEEP_ON_FAILURE, OPTION_PREFIX };

static const struct long_option run_options[] = {
	{ "keep", ARGUMENT_NONE, OPTION_KEEP },
	{ "keep-on-failure", ARGUMENT_NONE, OPTION_KEEP_ON_FAILURE },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "prefix", ARGUMENT_REQUIRED, OPTION_PREFIX },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ NULL, ARGUMENT_NONE, 0 },
};

static int run_help(void)
{
	printf("Usage: %s run [OPTION]... [--] COMMAND [ARG]...\n", program_name);
	fputs("Create a private temporary directory (mode 0700), run COMMAND with TMPDIR,\n"
	      "TMP and TEMP set to it, then remove it with everything COMMAND left there,\n"
	      "read-only or not. Replaces: tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT\n"
	      "\n"
	      "      --keep              keep the directory (its name is printed on stderr)\n"
	      "      --keep-on-failure   keep it only when COMMAND fails or is killed\n"
	      "  -p DIR, --tmpdir[=DIR]  create it in DIR, not in the directory that\n"
	      "                            'tmpf where' prints\n"
	      "      --prefix=P          start its name with P (default: tmpf.)\n"
	      "      --help              display this help and exit\n"
	      "\n"
	      "SIGINT, SIGTERM and SIGHUP sent to tmpf are passed on to COMMAND; tmpf\n"
	      "waits for it and cleans up. Options end at the first non-option.\n"
	      "\n"
	      "Exit status: COMMAND's status, or 128+N if it was killed by signal N;\n"
	      "125 if tmpf itself failed (bad usage, directory not created, or not\n"
	      "removed after COMMAND succeeded); 126 if COMMAND could not be run;\n"
	      "127 if COMMAND was not found.\n",
		stdout);
	return finish_output(EXIT_SUCCESS, EXIT_TMPF_FAILED);
}

struct run_request {
	bool keep, keep_on_failure;
	const char *dir;    /* NULL: tempfile_gettempdir() */
	const char *prefix; /* NULL: "tmpf." */
	char **command;     /* NULL-terminated */
};

/* Run COMMAND in the new directory; its status, or 125-127 after a message. */
static int run_command(char **command, const char *dir)
{
	static const char *const variables[] = { "TMPDIR", "TMP", "TEMP" };
	for (size_t i = 0; i < sizeof variables / sizeof *variables; i++) {
		if (tmpf_os_setenv(variables[i], dir) != 0) {
			complain(errno, "cannot set %s", variables[i]);
			return EXIT_TMPF_FAILED;
		}
	}
	int status;
	enum tmpf_run_step step;
	int error = tmpf_os_run(command, &status, &step);
	if (error && step == TMPF_RUN_FORWARDING) {
		complain(error, "cannot set up signal forwarding");
		return EXIT_TMPF_FAILED;
	}
	if (error && step == TMPF_RUN_SPAWN) {
		complain(error, "cannot run %s", quote(command[0]));
		return error == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	if (error) {
		complain(error, "cannot wait for %s", quote(command[0]));
		return EXIT_TMPF_FAILED;
	}
	return status;
}

static int run_parse(int argc, char **argv, struct run_request *r)
{
	struct option_parser p;
	parser_init(&p, argc, argv, "p:", run_options, true);
	int c;
	while ((c = next_option(&p)) != OPTIONS_END) {
		switch (c) {
		case OPTION_KEEP: r->keep = true; break;
		case OPTION_KEEP_ON_FAILURE: r->keep_on_failure = true; break;
		case 'p': r->dir = p.argument && *p.argument ? p.argument : NULL; break;
		case OPTION_PREFIX: r->prefix = p.argument; break;
		case OPTION_HELP: return run_help();
		default: suggest_help("run"); return EXIT_TMPF_FAILED;
		}
	}
	if (p.operands == 0) {
		complain(0, "missing command");
		suggest_help("run");
		return EXIT_TMPF_FAILED;
	}
	if (r->prefix && strchr(r->prefix, '/')) {
		complain(0, "invalid prefix %s, contains directory separator", quote(r->prefix));
		return EXIT_TMPF_FAILED;
	}
	argv[p.first_operand + p.operands] = NULL; /* was argv[argc] or an option */
	r->command = argv + p.first_operand;
	return -1;
}

static int run_main(int argc, char **argv)
{
	struct run_request r = { 0 };
	int status = run_parse(argc, argv, &r);
	if (status >= 0)
		return status;
	const struct tempfile_opts opts = { .dir = r.dir, .prefix = r.prefix ? r.prefix : "tmpf." };
	char *dir = tempfile_mkdtemp(&opts);
	if (!dir) {
		if (r.dir)
			complain(errno, "cannot create a temporary directory in %s", quote(r.dir));
		else
			complain(errno, "cannot create a temporary directory");
		return EXIT_TMPF_FAILED;
	}
	status = run_command(r.command, dir);
	bool failed = status != EXIT_SUCCESS;
	if (r.keep || (r.keep_on_failure && failed)) {
		complain(0, "kept temporary directory %s", quote(dir));
	} else if (tempfile_rmtree(dir, 0) != 0) {
		complain(errno, "cannot remove temporary directory %s", quote(dir));
		if (!failed)
			status = EXIT_TMPF_FAILED;
	}
	free(dir);
	return status;
}

/* ==========================================================================
 * main: dispatch on the first argument.
 * ========================================================================== */

int main(int argc, char **argv)
{
	tmpf_os_init(&argc, &argv);
	if (argc > 0 && argv[0] && *argv[0]) {
		const char *slash = NULL;
		for (const char *p = argv[0]; *p; p++)
			if (tmpf_os_is_separator(*p))
				slash = p;
		program_name = slash && slash[1] ? slash + 1 : argv[0];
	}
	if (argc > 1) {
		if (strcmp(argv[1], "run") == 0)
			return run_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "rm") == 0)
			return rm_main(argc - 1, argv + 1);
		if (strcmp(argv[1], "where") == 0)
			return where_main(argc - 1, argv + 1);
	}
	return mktemp_main(argc, argv);
}
