/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * test_opt.c - tmpf's option parser (cli/opt.c), called directly: what
 * it returns, which arguments and operands it gathers, and its messages,
 * byte for byte as GNU getopt_long's (glibc) that GNU mktemp prints.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tempfile.h>

#include "opt.h"

/* mktemp's table (--help before --version), and run's (an option that is a
 * prefix of another). */
enum { SUFFIX = OPTION_FIRST_OWN, VERSION, KEEP, KEEP_ON_FAILURE, PREFIX, COLOR };

static const struct long_option mktemp_table[] = {
	{ "directory", ARGUMENT_NONE, 'd' },
	{ "quiet", ARGUMENT_NONE, 'q' },
	{ "dry-run", ARGUMENT_NONE, 'u' },
	{ "suffix", ARGUMENT_REQUIRED, SUFFIX },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "help", ARGUMENT_NONE, OPTION_HELP },
	{ "version", ARGUMENT_NONE, VERSION },
	{ NULL, ARGUMENT_NONE, 0 },
};

static const struct long_option run_table[] = OPTIONS_AND_HELP(
	{ "keep", ARGUMENT_NONE, KEEP },
	{ "keep-on-failure", ARGUMENT_NONE, KEEP_ON_FAILURE },
	{ "tmpdir", ARGUMENT_OPTIONAL, 'p' },
	{ "prefix", ARGUMENT_REQUIRED, PREFIX });

/* Two spellings of one option: an abbreviation of both is not ambiguous. */
static const struct long_option synonym_table[] = {
	{ "color", ARGUMENT_NONE, COLOR },
	{ "colour", ARGUMENT_NONE, COLOR },
	{ "count", ARGUMENT_NONE, 'c' },
	{ NULL, ARGUMENT_NONE, 0 },
};

#define MAX_RESULTS 16

/* Everything one parse returned, up to OPTIONS_END. */
struct parsed {
	int values[MAX_RESULTS];
	const char *arguments[MAX_RESULTS];
	int count;
	int operands;
	char **operand; /* argv + first_operand */
};

static struct parsed parse(char **argv, const char *short_options,
	const struct long_option *table, bool stop_at_operand)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct option_parser p;
	option_parser_init(&p, argc, argv, short_options, table, stop_at_operand);
	struct parsed r = { .count = 0 };
	int c;
	while ((c = option_parser_next(&p)) != OPTIONS_END) {
		cr_assert_lt(r.count, MAX_RESULTS, "the parser does not end");
		r.values[r.count] = c;
		r.arguments[r.count] = p.argument;
		r.count++;
	}
	r.operands = p.operands;
	r.operand = argv + p.first_operand;
	return r;
}

#define ARGV(...) ((char *[]){ "tmpf", __VA_ARGS__, NULL })

static struct parsed parse_mktemp(char **argv)
{
	return parse(argv, "dp:qtuV", mktemp_table, false);
}

/* The values the parse returned, in order, and no more. */
#define VALUES(...) \
	(const int[]){ __VA_ARGS__ }, (int)(sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int))

static void expect_values(const struct parsed *r, const int *values, int count)
{
	cr_assert_eq(r->count, count, "%d options returned, not %d", r->count, count);
	for (int i = 0; i < count; i++)
		cr_assert_eq(r->values[i], values[i], "option %d: %d, not %d", i, r->values[i], values[i]);
}

static void expect_stderr(const char *expected)
{
	fflush(stderr);
	cr_assert_stderr_eq_str(expected);
}

TestSuite(opt, .init = cr_redirect_stderr);

/* ---- long options ---------------------------------------------------------------- */

Test(opt, long_option_spelled_out_returns_its_value)
{
	struct parsed r = parse_mktemp(ARGV("--directory", "--quiet", "--dry-run"));
	expect_values(&r, VALUES('d', 'q', 'u'));
	cr_assert_eq(r.operands, 0);
	expect_stderr("");
}

Test(opt, long_option_abbreviated_to_an_unambiguous_prefix)
{
	struct parsed r = parse_mktemp(ARGV("--dir", "--q", "--dr", "--h", "--v"));
	expect_values(&r, VALUES('d', 'q', 'u', OPTION_HELP, VERSION));
	expect_stderr("");
}

Test(opt, exact_match_wins_over_a_longer_option_it_prefixes)
{
	struct parsed r = parse(ARGV("--keep", "--keep-"), "p:", run_table, true);
	expect_values(&r, VALUES(KEEP, KEEP_ON_FAILURE));
	expect_stderr("");
}

Test(opt, abbreviation_of_two_spellings_of_one_option_is_not_ambiguous)
{
	struct parsed r = parse(ARGV("--col"), "", synonym_table, false);
	expect_values(&r, VALUES(COLOR));
	expect_stderr("");
}

Test(opt, required_argument_after_equals_or_in_the_next_element)
{
	struct parsed r = parse_mktemp(ARGV("--suffix=.a", "--suf", ".b", "--suffix=", "--suffix", "-d"));
	cr_assert_eq(r.count, 4);
	cr_assert_str_eq(r.arguments[0], ".a");
	cr_assert_str_eq(r.arguments[1], ".b");
	cr_assert_str_eq(r.arguments[2], "");
	cr_assert_str_eq(r.arguments[3], "-d", "a required argument is taken even if it looks like an option");
	cr_assert_eq(r.operands, 0);
	expect_stderr("");
}

Test(opt, optional_argument_only_after_equals)
{
	struct parsed r = parse_mktemp(ARGV("--tmpdir", "dir", "--tmp=", "--tmpdir=a=b"));
	cr_assert_eq(r.count, 3);
	cr_assert_eq(r.values[0], 'p');
	cr_assert_null(r.arguments[0]);
	cr_assert_str_eq(r.arguments[1], "");
	cr_assert_str_eq(r.arguments[2], "a=b");
	cr_assert_eq(r.operands, 1);
	cr_assert_str_eq(r.operand[0], "dir");
	expect_stderr("");
}

Test(opt, option_without_argument_is_null_argument)
{
	struct parsed r = parse_mktemp(ARGV("--suffix=x", "-d"));
	cr_assert_eq(r.count, 2);
	cr_assert_null(r.arguments[1], "the previous option's argument does not linger");
	expect_stderr("");
}

/* ---- long option errors ------------------------------------------------------------ */

Test(opt, ambiguous_abbreviation_lists_the_possibilities)
{
	struct parsed r = parse_mktemp(ARGV("--d"));
	expect_values(&r, VALUES(OPTIONS_ERROR));
	expect_stderr("tmpf: option '--d' is ambiguous; possibilities: '--directory' '--dry-run'\n");
}

Test(opt, ambiguous_abbreviation_with_an_argument_quotes_it_whole)
{
	parse_mktemp(ARGV("--d=1"));
	expect_stderr("tmpf: option '--d=1' is ambiguous; possibilities: '--directory' '--dry-run'\n");
}

Test(opt, empty_name_fits_every_option)
{
	parse_mktemp(ARGV("--=x"));
	expect_stderr("tmpf: option '--=x' is ambiguous; possibilities: '--directory' '--quiet' "
		      "'--dry-run' '--suffix' '--tmpdir' '--help' '--version'\n");
}

Test(opt, ambiguous_prefix_of_an_exact_name_and_a_longer_one)
{
	parse(ARGV("--kee"), "p:", run_table, true);
	expect_stderr("tmpf: option '--kee' is ambiguous; possibilities: '--keep' '--keep-on-failure'\n");
}

Test(opt, synonyms_are_listed_once_among_possibilities)
{
	parse(ARGV("--co"), "", synonym_table, false);
	expect_stderr("tmpf: option '--co' is ambiguous; possibilities: '--color' '--count'\n");
}

Test(opt, unknown_long_option_is_unrecognized)
{
	struct parsed r = parse_mktemp(ARGV("--nope", "--nope=1", "---"));
	cr_assert_eq(r.count, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(r.values[i], OPTIONS_ERROR);
	expect_stderr("tmpf: unrecognized option '--nope'\n"
		      "tmpf: unrecognized option '--nope=1'\n"
		      "tmpf: unrecognized option '---'\n");
}

Test(opt, argument_to_an_option_without_one_names_the_option_in_full)
{
	struct parsed r = parse_mktemp(ARGV("--dir=x"));
	cr_assert_eq(r.values[0], OPTIONS_ERROR);
	expect_stderr("tmpf: option '--directory' doesn't allow an argument\n");
}

Test(opt, missing_required_argument_at_the_end)
{
	struct parsed r = parse_mktemp(ARGV("--suf"));
	expect_values(&r, VALUES(OPTIONS_ERROR));
	expect_stderr("tmpf: option '--suffix' requires an argument\n");
}

/* ---- short options --------------------------------------------------------------- */

Test(opt, short_options_cluster)
{
	struct parsed r = parse_mktemp(ARGV("-dqu", "-t"));
	expect_values(&r, VALUES('d', 'q', 'u', 't'));
	expect_stderr("");
}

Test(opt, short_argument_attached_or_in_the_next_element)
{
	struct parsed r = parse_mktemp(ARGV("-pdir", "-p", "-d", "-dpX"));
	cr_assert_eq(r.count, 4);
	cr_assert_str_eq(r.arguments[0], "dir");
	cr_assert_str_eq(r.arguments[1], "-d");
	cr_assert_eq(r.values[2], 'd');
	cr_assert_eq(r.values[3], 'p');
	cr_assert_str_eq(r.arguments[3], "X");
	cr_assert_eq(r.operands, 0);
	expect_stderr("");
}

Test(opt, unknown_short_option_is_invalid_and_parsing_goes_on)
{
	struct parsed r = parse_mktemp(ARGV("-x", "-d", "-dzq"));
	cr_assert_eq(r.count, 4);
	cr_assert_eq(r.values[0], OPTIONS_ERROR);
	cr_assert_eq(r.values[1], 'd');
	cr_assert_eq(r.values[2], 'd');
	cr_assert_eq(r.values[3], OPTIONS_ERROR, "the rest of a cluster after an error is dropped");
	expect_stderr("tmpf: invalid option -- 'x'\n"
		      "tmpf: invalid option -- 'z'\n");
}

Test(opt, colon_is_never_an_option)
{
	struct parsed r = parse_mktemp(ARGV("-:"));
	cr_assert_eq(r.values[0], OPTIONS_ERROR);
	expect_stderr("tmpf: invalid option -- ':'\n");
}

Test(opt, missing_short_argument_at_the_end)
{
	struct parsed r = parse_mktemp(ARGV("-dp"));
	expect_values(&r, VALUES('d', OPTIONS_ERROR));
	expect_stderr("tmpf: option requires an argument -- 'p'\n");
}

/* ---- operands, "--", permutation --------------------------------------------------- */

Test(opt, operands_mixed_with_options_are_gathered_in_order)
{
	char **argv = ARGV("a", "-d", "b", "--quiet", "c");
	struct parsed r = parse_mktemp(argv);
	cr_assert_eq(r.count, 2);
	cr_assert_eq(r.operands, 3);
	cr_assert_eq(r.operand, argv + 1, "operands start at argv[1]");
	cr_assert_str_eq(r.operand[0], "a");
	cr_assert_str_eq(r.operand[1], "b");
	cr_assert_str_eq(r.operand[2], "c");
	expect_stderr("");
}

Test(opt, double_dash_ends_options)
{
	struct parsed r = parse_mktemp(ARGV("a", "--", "-d", "--", "--quiet"));
	cr_assert_eq(r.count, 0);
	cr_assert_eq(r.operands, 4);
	cr_assert_str_eq(r.operand[0], "a");
	cr_assert_str_eq(r.operand[1], "-d");
	cr_assert_str_eq(r.operand[2], "--");
	cr_assert_str_eq(r.operand[3], "--quiet");
	expect_stderr("");
}

Test(opt, lone_dash_is_an_operand)
{
	struct parsed r = parse_mktemp(ARGV("-", "-d"));
	cr_assert_eq(r.count, 1);
	cr_assert_eq(r.operands, 1);
	cr_assert_str_eq(r.operand[0], "-");
}

Test(opt, stop_at_operand_leaves_the_rest_as_operands)
{
	struct parsed r = parse(ARGV("--keep", "cmd", "--keep", "-p", "--"), "p:", run_table, true);
	expect_values(&r, VALUES(KEEP));
	cr_assert_eq(r.operands, 4);
	cr_assert_str_eq(r.operand[0], "cmd");
	cr_assert_str_eq(r.operand[1], "--keep");
	cr_assert_str_eq(r.operand[2], "-p");
	cr_assert_str_eq(r.operand[3], "--");
	expect_stderr("");
}

Test(opt, posixly_correct_stops_at_the_first_operand)
{
	cr_assert_eq(setenv("POSIXLY_CORRECT", "1", 1), 0);
	struct parsed r = parse_mktemp(ARGV("-q", "fooXXX", "-d"));
	cr_assert_eq(unsetenv("POSIXLY_CORRECT"), 0);
	expect_values(&r, VALUES('q'));
	cr_assert_eq(r.operands, 2);
	cr_assert_str_eq(r.operand[0], "fooXXX");
	cr_assert_str_eq(r.operand[1], "-d");
}

Test(opt, no_arguments_at_all)
{
	struct parsed r = parse_mktemp(ARGV(NULL));
	cr_assert_eq(r.count, 0);
	cr_assert_eq(r.operands, 0);
	expect_stderr("");
}

/* ---- command_parse: --help, usage errors, the command's own options -------------- */

static int record_option(void *request, int value, const char *argument)
{
	struct parsed *r = request;
	r->values[r->count] = value;
	r->arguments[r->count] = argument;
	r->count++;
	return value == 'V' ? 42 : -1; /* 'V' stops, as --version does */
}

static const struct command run_like = { .name = "run", .usage = "run [OPTION]... COMMAND",
	.help = "Run it.\n", .failure_status = 125, .short_options = "p:V",
	.long_options = run_table, .stop_at_operand = true, .option = record_option };

static const struct long_option flag_table[] = OPTIONS_AND_HELP({ "force", ARGUMENT_NONE, 'f' });
static const struct command flag_like = { .name = NULL, .usage = "[-f] PATH...",
	.help = "Remove.\n", .failure_status = 1, .short_options = "f", .long_options = flag_table,
	.option = command_flag };

Test(opt, command_hands_its_options_to_the_command)
{
	struct parsed r = { .count = 0 };
	struct option_parser p;
	char **argv = ARGV("--keep", "-pdir", "cmd", "-V");
	cr_assert_eq(command_parse(&run_like, &p, 5, argv, &r), -1);
	expect_values(&r, VALUES(KEEP, 'p'));
	cr_assert_str_eq(r.arguments[1], "dir");
	cr_assert_eq(p.operands, 2, "the command stops the options");
	cr_assert_str_eq(argv[p.first_operand], "cmd");
	expect_stderr("");
}

Test(opt, command_option_can_stop_with_an_exit_status)
{
	struct parsed r = { .count = 0 };
	struct option_parser p;
	cr_assert_eq(command_parse(&run_like, &p, 4, ARGV("-V", "--keep", "--nope"), &r), 42);
	cr_assert_eq(r.count, 1, "nothing is read after the stop");
	expect_stderr("");
}

Test(opt, command_usage_error_suggests_the_subcommand_help)
{
	struct parsed r = { .count = 0 };
	struct option_parser p;
	cr_assert_eq(command_parse(&run_like, &p, 2, ARGV("--nope"), &r), 125);
	cr_assert_eq(command_usage_error(&run_like, "missing %s", "command"), 125);
	expect_stderr("tmpf: unrecognized option '--nope'\n"
		      "Try 'tmpf run --help' for more information.\n"
		      "tmpf: missing command\n"
		      "Try 'tmpf run --help' for more information.\n");
}

Test(opt, command_without_a_name_suggests_the_program_help)
{
	bool force = false;
	struct option_parser p;
	cr_assert_eq(command_parse(&flag_like, &p, 3, ARGV("-f", "-x"), &force), 1);
	cr_assert(force, "command_flag sets the flag");
	expect_stderr("tmpf: invalid option -- 'x'\n"
		      "Try 'tmpf --help' for more information.\n");
}

Test(opt, command_flag_stays_false_without_its_option)
{
	bool force = false;
	struct option_parser p;
	cr_assert_eq(command_parse(&flag_like, &p, 2, ARGV("path"), &force), -1);
	cr_assert_not(force);
	cr_assert_eq(p.operands, 1);
}

/* --help and --version close stdout, as the command would before exiting:
 * run command_parse in a child whose stdout is a pipe; what it printed
 * into out. */
static void parse_in_child(const struct command *command, char **argv, int argc, char *out,
	size_t size, int expected_status)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		bool flag = false;
		struct option_parser p;
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(99);
		close(fds[0]);
		close(fds[1]);
		_exit(command_parse(command, &p, argc, argv, &flag));
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while ((n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), expected_status, "status %d", WEXITSTATUS(status));
}

static void expect_help(const struct command *command, char **argv, int argc, const char *expected,
	int expected_status)
{
	char out[256];
	parse_in_child(command, argv, argc, out, sizeof out, expected_status);
	cr_assert_str_eq(out, expected);
}

/* The whole text is tests/test_tmpf.sh's; here, that the command layer
 * prints it and stops, abbreviated or not. */
static void expect_version(const struct command *command, char **argv, int argc)
{
	char out[1024], first[64];
	parse_in_child(command, argv, argc, out, sizeof out, 0);
	snprintf(first, sizeof first, "tmpf (libtempfile) %s\n", tempfile_version());
	cr_assert_eq(strncmp(out, first, strlen(first)), 0, "%s", out);
	cr_assert(strstr(out, "\nLicense: MIT <https://opensource.org/licenses/MIT>.\n"), "%s", out);
}

Test(opt, command_version_prints_the_licence_and_ends_the_parse)
{
	expect_version(&flag_like, ARGV("--version", "-x"), 3);
	expect_version(&flag_like, ARGV("--v"), 2);
	expect_version(&run_like, ARGV("--vers", "--nope"), 3);
	expect_stderr("");
}

Test(opt, command_help_prints_usage_and_help_and_ends_the_parse)
{
	expect_help(&flag_like, ARGV("--he", "-x"), 3, "Usage: tmpf [-f] PATH...\nRemove.\n", 0);
	expect_help(&run_like, ARGV("--help"), 2, "Usage: tmpf run [OPTION]... COMMAND\nRun it.\n", 0);
	expect_stderr("");
}
