/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * bench.h - what the files of the benchmark program share.
 *
 * The benchmark compares each libtempfile operation with a "floor" (the
 * same work as hand-written syscalls, names computed before the clock
 * starts) and with its peers (glibc, GLib, Python), interleaved in one run
 * so that machine drift hits every contender alike. See bench/README.md
 * and bench/run.sh.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_DIRS 4
#define BENCH_MAX_REPS 64
#define BENCH_MAX_CONTENDERS 16

/* ---- main.c: the run's settings ------------------------------------------ */

struct bench_config {
	size_t block;              /* ops per block, micro rows                  */
	unsigned reps;             /* repetitions, micro rows                    */
	size_t tree_dirs;          /* tree removal: directories ...              */
	size_t tree_files;         /* ... and files in each                       */
	unsigned tree_reps;
	size_t tree_disk_dirs;     /* directories of the tree on a disk file system */
	size_t spawn_block;        /* process starts per block (tmpf)            */
	unsigned spawn_reps;       /* repetitions of process-start rows          */
	size_t count_ops;          /* ops in one counted (strace) run            */
	size_t instr_ops;          /* ops in one callgrind run                   */
	const char *dirs[BENCH_MAX_DIRS];
	size_t ndirs;
	bool quick;
	bool counts;               /* run strace / callgrind                      */
	const char *only;          /* one section only, or NULL                  */
	const char *python;        /* the real python3 executable, or NULL       */
	const char *python_version;
	const char *peers_py;      /* bench/peers.py                             */
	const char *tmpf;          /* the tmpf binary, or NULL                   */
	const char *mktemp;        /* GNU mktemp, or NULL                        */
	const char *self;          /* this program                               */
	const char *strace;        /* NULL when absent                            */
	const char *valgrind;      /* NULL when absent                            */
};

extern struct bench_config bench_cfg;

/* ---- util.c ---------------------------------------------------------------- */

uint64_t bench_now_ns(void);
void bench_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *bench_xmalloc(size_t n);
char *bench_xstrdup(const char *s);
char *bench_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double bench_median(const double *v, size_t n);
void bench_min_max(const double *v, size_t n, double *min, double *max);
/* Start argv[0] (searched in PATH) with stdin/stdout connected to pipes when
 * the pointers are not NULL; stderr is inherited unless quiet_stderr. envp
 * NULL: this environment. The pid, or -1. */
pid_t bench_spawn(const char *const argv[], char *const envp[], int *to_child, int *from_child,
	bool quiet_stderr);
/* Wait for pid; its exit status (0..255), or -1 for a signal. */
int bench_wait(pid_t pid);
/* Run argv to completion, collecting stdout (NEW, NUL-terminated, may be
 * NULL). Its exit status, or -1. */
int bench_capture(const char *const argv[], char *const envp[], char **out, bool quiet_stderr);
/* Read one line from fd (no buffering beyond it): NEW, without '\n', or NULL at EOF. */
char *bench_read_line(int fd);
/* Write all of s to fd. 0 or -1. */
int bench_write_all(int fd, const char *s);
/* Where dir is and what it is: "tmpfs (rw,relatime,...)". NEW. */
char *bench_fs_description(const char *dir);
/* Remove a tree made by the benchmark, no questions asked (plain walk). */
int bench_remove_tree(const char *path);
/* The absolute path of an executable found in PATH, NEW, or NULL. */
char *bench_which(const char *name);
/* The environment with one variable set or replaced: NEW array (strings
 * borrowed or leaked, fine for a benchmark driver). */
char **bench_env_with(const char *name, const char *value);
/* "1234" or "12.3" as fits, into buf. */
const char *bench_fmt_count(char *buf, size_t size, double v);

/* ---- contenders.c: the micro operations -------------------------------------- */

enum bench_origin { ORIGIN_FLOOR, ORIGIN_LIB, ORIGIN_GLIBC, ORIGIN_GLIB, ORIGIN_PYTHON, ORIGIN_TOOL };

struct bench_ctx {
	const char *dir;           /* the scratch directory, absolute          */
	size_t capacity;           /* names[] has room for this many           */
	char **names;              /* floor: names made before the clock runs   */
	char tmpl[4096];           /* dir "/tmpXXXXXX": glibc and GLib templates */
	size_t tmpl_len;
	char target[4096];         /* dir "/atomic.target": what atomic rows replace */
	int floor_link;            /* atomic floor's linkat: 0 not probed yet,
	                              1 AT_EMPTY_PATH, 2 /proc/self/fd */
	uint64_t rng;              /* xorshift state for floor names            */
	unsigned char *data;       /* 64 KiB of payload                          */
	size_t sink;               /* keeps the compiler from dropping work      */
};

struct bench_contender {
	const char *key;           /* stable id, used by --count                 */
	const char *label;         /* the table's text                          */
	enum bench_origin origin;
	const char *glibc_partner; /* key of the glibc equivalent, or NULL       */
	/* Untimed preparation for a block of n ops (NULL: none). 0 or -1/errno. */
	int (*prepare)(struct bench_ctx *c, size_t n);
	/* n ops, timed. 0 or -1/errno (first failure stops the block). NULL when
	 * not built: missing says why. */
	int (*run)(struct bench_ctx *c, size_t n);
	const char *missing;
};

struct bench_row {
	const char *key;           /* named, anon, dir, spool1k, spool1m          */
	const char *title;
	const char *floor_text;    /* what the floor does                        */
	size_t block_divisor;      /* block = config block / this                */
	const struct bench_contender *contenders;
	size_t ncontenders;
	const struct bench_contender *python; /* run by peers.py, run == NULL    */
	size_t npython;
};

extern const struct bench_row bench_rows[];
extern const size_t bench_nrows;

const struct bench_row *bench_find_row(const char *key);
const struct bench_contender *bench_find_contender(const struct bench_row *row, const char *key);
/* Set up c for dir with room for capacity floor names. Sets $TMPDIR and
 * tempfile_settempdir to dir, so that every "default directory" contender
 * works there. */
void bench_ctx_init(struct bench_ctx *c, const char *dir, size_t capacity);
void bench_ctx_free(struct bench_ctx *c);
/* Make n fresh floor names (same length and alphabet as libtempfile's). */
void bench_ctx_fresh_names(struct bench_ctx *c, size_t n);

/* The timed call, kept out of line so that callgrind can count exactly it
 * (--toggle-collect=bench_measured_block). */
int bench_measured_block(const struct bench_contender *k, struct bench_ctx *c, size_t n);

/* ---- micro.c: interleaved blocks, the statistics, the tables ------------------ */

/* Results of one contender over the repetitions. */
struct bench_series {
	const struct bench_contender *contender;
	double ns[BENCH_MAX_REPS];  /* ns per op, per repetition               */
	unsigned n;
	int error;                  /* errno of the failure, or 0              */
	const char *missing;        /* not built / not present: why            */
};

/* Counts from count.c for one contender, NaN when not measured. */
struct bench_counts {
	double syscalls;
	double instructions;
	char mix[256];              /* "openat 1, close 1, unlink 1"           */
};

/* Run one micro row in dir and print its table. counts: per contender
 * (rows order: C contenders then Python), or NULL. */
void bench_micro_row(const struct bench_row *row, const char *dir, bool with_counts,
	const struct bench_counts *counts);

/* ---- count.c: syscalls and instructions per op ------------------------------- */

/* Counts for every contender of row (C then Python), measured in dir. */
void bench_count_row(const struct bench_row *row, const char *dir, struct bench_counts *out);
/* The counted run itself (this program under strace or callgrind). */
int bench_count_main(const char *row, const char *contender, size_t n, bool baseline,
	const char *dir);
/* Syscalls and instructions of one whole command (tmpf, mktemp). */
void bench_count_command(const char *const argv[], char *const envp[], struct bench_counts *out);
/* Syscalls of a command, minus those of a baseline command, divided by per. */
void bench_count_diff(const char *const argv[], const char *const base[], char *const envp[],
	double per, struct bench_counts *out);
/* Instructions inside function fn (callgrind --toggle-collect) of argv, divided by per. */
double bench_count_instructions_in(const char *const argv[], char *const envp[], const char *fn,
	double per);

/* ---- sections.c: the rows that are not plain op loops --------------------------- */

/* The tree-removal rows: the one named key (tree, tree_flat, tree_chain,
 * tree_1m), or all (NULL; tree_1m not with --quick). */
void bench_tree_section(const char *key);
void bench_gettempdir_section(void);
void bench_threads_section(void);
void bench_tmpf_section(void);
/* Child modes (run by the driver in a fresh process). */
int bench_gettempdir_child(const char *variant);
int bench_tree_count_main(const char *contender, const char *dir, bool baseline);

/* ---- lease.c: TEMPFILE_LEASE's rows and tempfile_reap ------------------------------- */

/* The rows lease_file and lease_dir (sized here: bench_rows needs constants). */
#define BENCH_NLEASE_FILE 3
#define BENCH_NLEASE_DIR 5
extern const struct bench_contender bench_lease_file[BENCH_NLEASE_FILE];
extern const struct bench_contender bench_lease_dir[BENCH_NLEASE_DIR];
/* The section reap: tempfile_reap over 10,000 entries, 100 abandoned. */
void bench_reap_section(void);

/* ---- tree.c: the tree-removal contenders ------------------------------------------ */

/* Build root with dirs directories of files empty files each. 0 or -1/errno. */
int bench_tree_build(const char *root, size_t dirs, size_t files);
/* The floor: a plain recursive unlinkat walk, no checks. 0 or -1/errno. */
int bench_tree_floor(const char *root);
/* Build root with files empty files in it. 0 or -1/errno. */
int bench_tree_build_flat(const char *root, size_t files);
/* Build root with a chain of depth directories below it. 0 or -1/errno. */
int bench_tree_build_chain(const char *root, size_t depth);

/* ---- peers: the Python process ----------------------------------------------------- */

struct bench_python {
	pid_t pid;
	int to, from;
};
/* Start peers.py in mode with extra arguments (NULL-terminated). */
int bench_python_start(struct bench_python *p, const char *const *args);
/* Send one line, read one line back (NEW), or NULL. */
char *bench_python_ask(struct bench_python *p, const char *line);
void bench_python_stop(struct bench_python *p);

/* ---- results.c: numbers for the Targets table ------------------------------------ */

/* Where a child sends its results (-1: keep them here). */
extern int bench_results_fd;
/* "d0" for the first directory, "d1" for the second, ... */
extern const char *bench_dir_tag;
/* Record value under the name fmt... ("tmpfs/named/lib_mkstemp/x_floor"). */
void bench_result(double value, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Read "name value" lines from fd until EOF and record them. */
void bench_results_take(int fd);
/* The value recorded under the name, or NaN. */
double bench_result_get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
