/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * sections.c - the rows that are not loops of one op: tree removal, the
 * first gettempdir of a process, two threads and two processes, and the
 * tmpf command per invocation. Each is interleaved like the micro rows
 * (contenders in rotating order within every repetition, ratios taken per
 * repetition) and prints its own table.
 */
#include "bench.h"
#include "bench_have.h"

#include <tempfile.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONTENDERS 8

struct timed {
	const char *label;
	double v[BENCH_MAX_REPS];
	unsigned n;
	const char *missing;  /* not measured: why */
	struct bench_counts counts;
};

static double ratio_median(const struct timed *a, const struct timed *b)
{
	if (a->missing || b->missing)
		return NAN;
	double r[BENCH_MAX_REPS];
	size_t n = 0;
	for (unsigned i = 0; i < a->n && i < b->n; i++)
		if (!isnan(a->v[i]) && !isnan(b->v[i]) && b->v[i] > 0)
			r[n++] = a->v[i] / b->v[i];
	return n ? bench_median(r, n) : NAN;
}

static void fmt_ratio(char *buf, size_t size, double r)
{
	if (isnan(r))
		snprintf(buf, size, "—");
	else
		snprintf(buf, size, "%.2f", r);
}

/* median and min–max of t scaled by scale (e.g. 1e-3 for µs), `digits` decimals. */
static void fmt_stats(const struct timed *t, double scale, int digits, char *med, char *range,
	size_t size)
{
	double lo, hi;
	bench_min_max(t->v, t->n, &lo, &hi);
	snprintf(med, size, "%.*f", digits, bench_median(t->v, t->n) * scale);
	snprintf(range, size, "%.*f–%.*f", digits, lo * scale, digits, hi * scale);
}

static char *scratch_in(const char *dir, const char *what)
{
	char *path = bench_printf("%s/tfbench-%s.XXXXXX", dir, what);
	if (!mkdtemp(path))
		bench_fatal("mkdtemp in %s: %s", dir, strerror(errno));
	return path;
}

/* =================================================================================
 * Tree removal
 * ================================================================================= */

/* TREE_SEQ: tempfile_rmtree with TEMPFILE_RMTREE_THREADS=1, the sequential walk. */
enum tree_kind { TREE_FLOOR, TREE_LIB, TREE_RM, TREE_PYTHON, TREE_SEQ, TREE_KINDS };

/* Kept out of line: callgrind counts inside it (--toggle-collect). */
__attribute__((noinline)) int bench_measured_tree(enum tree_kind kind, const char *path);
__attribute__((noinline)) int bench_measured_tree(enum tree_kind kind, const char *path)
{
	switch (kind) {
	case TREE_FLOOR:
		return bench_tree_floor(path);
	case TREE_LIB:
	case TREE_SEQ:
#ifdef BENCH_HAVE_tempfile_rmtree
		return tempfile_rmtree(path, 0);
#else
		errno = ENOSYS;
		return -1;
#endif
	default:
		errno = EINVAL;
		return -1;
	}
}

int bench_tree_count_main(const char *contender, const char *path, bool baseline)
{
	(void)baseline;
	enum tree_kind kind = strcmp(contender, "lib") == 0 ? TREE_LIB : TREE_FLOOR;
	if (bench_measured_tree(kind, path) != 0)
		bench_fatal("removing %s: %s", path, strerror(errno));
	return 0;
}

/* Remove path with contender kind; ns, or NAN with errno. */
static double tree_remove(enum tree_kind kind, const char *path, struct bench_python *py)
{
	if (kind == TREE_SEQ)
		setenv("TEMPFILE_RMTREE_THREADS", "1", 1);
	uint64_t start = bench_now_ns();
	if (kind == TREE_RM) {
		const char *argv[] = { "rm", "-rf", path, NULL };
		if (bench_capture(argv, NULL, NULL, false) != 0) {
			errno = EIO;
			return NAN;
		}
	} else if (kind == TREE_PYTHON) {
		char *answer = bench_python_ask(py, path);
		double ns = answer ? strtod(answer, NULL) : NAN;
		free(answer);
		if (isnan(ns) || ns <= 0)
			errno = EIO;
		return ns > 0 ? ns : NAN;
	} else if (bench_measured_tree(kind, path) != 0) {
		unsetenv("TEMPFILE_RMTREE_THREADS");
		return NAN;
	}
	double ns = (double)(bench_now_ns() - start);
	unsetenv("TEMPFILE_RMTREE_THREADS");
	struct stat st;
	if (lstat(path, &st) == 0) {
		errno = ENOTEMPTY; /* a remover that leaves the tree behind has failed */
		return NAN;
	}
	return ns;
}

static const char *const tree_labels[] = {
	"floor: plain unlinkat walk (no checks)",
	"libtempfile tempfile_rmtree",
	"rm -rf (includes its fork+exec)",
	"Python shutil.rmtree (timed inside Python)",
	"libtempfile, sequential walk (TEMPFILE_RMTREE_THREADS=1)",
};

/* The trees removed (issues 6 and 16). The first is the README's row. */
enum tree_form { FORM_DIRS, FORM_FLAT, FORM_CHAIN };
struct tree_shape {
	const char *key; /* --only KEY, and the results' key */
	enum tree_form form;
	size_t dirs, files;      /* FORM_DIRS: dirs of files; FLAT: files; CHAIN: dirs deep */
	size_t disk_dirs, disk_files; /* the same on a disk file system (0: skipped there) */
	bool full_only;
};

static const struct tree_shape tree_shapes[] = {
	{ "tree", FORM_DIRS, 1000, 100, 20, 100, false },
	{ "tree_flat", FORM_FLAT, 0, 100000, 0, 2000, false },
	{ "tree_chain", FORM_CHAIN, 10000, 0, 2000, 0, false },
	{ "tree_1m", FORM_DIRS, 1000, 1000, 0, 0, true },
};

static int shape_build(const struct tree_shape *s, const char *root, size_t dirs, size_t files)
{
	switch (s->form) {
	case FORM_FLAT:
		return bench_tree_build_flat(root, files);
	case FORM_CHAIN:
		return bench_tree_build_chain(root, dirs);
	default:
		return bench_tree_build(root, dirs, files);
	}
}

static const char *shape_text(const struct tree_shape *s, size_t dirs, size_t files)
{
	switch (s->form) {
	case FORM_FLAT:
		return bench_printf("%zu files in one directory", files);
	case FORM_CHAIN:
		return bench_printf("a chain of %zu directories", dirs);
	default:
		return bench_printf("%zu files in %zu directories", dirs * files, dirs);
	}
}

/* Syscalls and instructions per entry, in dir, on a tree of 2,020 entries
 * (20 directories of 100 files): past the pool's threshold of 1,000. */
static void tree_counts(const char *dir, struct timed *t)
{
	size_t dirs = 20, files = 100;
	double entries = (double)(dirs * files + dirs);
	for (int k = 0; k < TREE_KINDS; k++) {
		if (t[k].missing)
			continue;
		char *tree = bench_printf("%s/count-tree", dir), *empty = bench_printf("%s/count-empty", dir);
		char *tree2 = bench_printf("%s/count-tree2", dir);
		bench_remove_tree(tree);
		bench_remove_tree(empty);
		bench_remove_tree(tree2);
		if (bench_tree_build(tree, dirs, files) != 0 || mkdir(empty, 0700) != 0 ||
			bench_tree_build(tree2, dirs, files) != 0)
			bench_fatal("building the count tree: %s", strerror(errno));
		const char *key = k == TREE_LIB || k == TREE_SEQ ? "lib" : "floor";
		char **env = k == TREE_SEQ ? bench_env_with("TEMPFILE_RMTREE_THREADS", "1") : NULL;
		bench_note("counting tree: %s", t[k].label);
		const char *c_argv[] = { bench_cfg.self, "--count-tree", key, tree, NULL };
		const char *c_base[] = { bench_cfg.self, "--count-tree", key, empty, NULL };
		const char *rm_argv[] = { "rm", "-rf", tree, NULL };
		const char *rm_base[] = { "rm", "-rf", empty, NULL };
		const char *py_argv[] = { bench_cfg.python ? bench_cfg.python : "python3",
			bench_cfg.peers_py, "rmtree1", tree, NULL };
		const char *py_base[] = { bench_cfg.python ? bench_cfg.python : "python3",
			bench_cfg.peers_py, "rmtree1", empty, NULL };
		const char *const *argv = k == TREE_RM ? rm_argv : k == TREE_PYTHON ? py_argv : c_argv;
		const char *const *base = k == TREE_RM ? rm_base : k == TREE_PYTHON ? py_base : c_base;
		bench_count_diff(argv, base, env, entries, &t[k].counts);
		t[k].counts.instructions = NAN;
		if (k == TREE_FLOOR || k == TREE_LIB || k == TREE_SEQ) {
			const char *i_argv[] = { bench_cfg.self, "--count-tree", key, tree2, NULL };
			t[k].counts.instructions = bench_count_instructions_in(i_argv, env,
				"bench_measured_tree", entries);
		}
		bench_remove_tree(tree);
		bench_remove_tree(empty);
		bench_remove_tree(tree2);
		free(tree);
		free(empty);
		free(tree2);
	}
}

static void tree_in(const struct tree_shape *shape, const char *dir, const char *tag,
	bool with_counts)
{
	struct timed t[TREE_KINDS];
	memset(t, 0, sizeof t);
	for (int k = 0; k < TREE_KINDS; k++)
		t[k].label = tree_labels[k];
#ifndef BENCH_HAVE_tempfile_rmtree
	t[TREE_LIB].missing = "not available: tempfile_rmtree() is not in this build of libtempfile";
	t[TREE_SEQ].missing = t[TREE_LIB].missing;
#endif
	if (!bench_which("rm"))
		t[TREE_RM].missing = "skipped: rm not found";
	char *fs = bench_fs_description(dir);
	/* Building is untimed, but on ext4 without a journal every new inode
	 * skips the inodes deleted in the last minutes (recently_deleted() in
	 * find_inode_bit), so after create/unlink churn one create costs about a
	 * millisecond: 100,000 files would take minutes per repetition. Disk
	 * directories get a smaller tree, and the table says so. */
	bool small = strncmp(fs, "tmpfs", 5) != 0;
	size_t dirs = small ? shape->disk_dirs : shape->dirs;
	size_t files = small ? shape->disk_files : shape->files;
	if (small && shape->form == FORM_DIRS && shape == &tree_shapes[0])
		dirs = bench_cfg.tree_disk_dirs < bench_cfg.tree_dirs ? bench_cfg.tree_disk_dirs
								       : bench_cfg.tree_dirs;
	else if (shape == &tree_shapes[0]) {
		dirs = bench_cfg.tree_dirs;
		files = bench_cfg.tree_files;
	}
	if (small && dirs == 0 && files == 0) {
		printf("\n#### Tree removal in %s: %s skipped (%s: building it would take too long)\n",
			dir, shape->key, fs);
		free(fs);
		return;
	}
	struct bench_python py = { .pid = -1 };
	if (!bench_cfg.python) {
		t[TREE_PYTHON].missing = "skipped: no python3 (not found or --python none)";
	} else {
		const char *args[] = { "rmtree", NULL };
		if (bench_python_start(&py, args) != 0)
			t[TREE_PYTHON].missing = "failed: cannot start python3";
	}
	char *scratch = scratch_in(dir, "tree");
	const char *what = shape_text(shape, dirs, files);
	if (shape->form == FORM_CHAIN) {
		/* The floor keeps a descriptor per level, Python too. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	unsigned reps = shape->full_only && bench_cfg.tree_reps > 3 ? 3 : bench_cfg.tree_reps;
	bench_note("tree removal in %s: %s, %u repetitions", dir, what, reps);
	unsigned serial = 0;
	int slots[TREE_KINDS] = { 0 }, nslots = 0;
	for (int k = 0; k < TREE_KINDS; k++)
		if (!t[k].missing)
			slots[nslots++] = k;
	for (unsigned r = 0; r < reps; r++) {
		for (int j = 0; j < nslots; j++) {
			int k = slots[((int)r + j) % nslots];
			if (t[k].missing)
				continue;
			char *root = bench_printf("%s/t%u", scratch, serial++);
			if (shape_build(shape, root, dirs, files) != 0)
				bench_fatal("building %s: %s", root, strerror(errno));
			sync();
			double ns = tree_remove((enum tree_kind)k, root, &py);
			if (isnan(ns)) {
				t[k].missing = bench_printf("failed: %s", strerror(errno));
				bench_remove_tree(root);
			}
			t[k].v[r] = ns;
			t[k].n = r + 1;
			free(root);
		}
	}
	if (py.pid > 0)
		bench_python_stop(&py);
	if (with_counts)
		tree_counts(scratch, t);
	printf("\n#### Tree removal in %s: %s (%s)\n\n", dir, what, fs);
	if (small && shape == &tree_shapes[0])
		printf("A smaller tree here: building is untimed, but on ext4 without a journal "
		       "each new inode skips every inode deleted in the last minutes (recently_deleted() "
		       "in the kernel's find_inode_bit), so after create/unlink churn one create "
		       "costs about a millisecond and %zu files would take many minutes per repetition.\n\n",
			bench_cfg.tree_dirs * bench_cfg.tree_files);
	printf("Each repetition builds a fresh tree per contender (untimed), runs sync, then times "
	       "the removal; contenders in rotating order.\n\n");
	printf("| contender | ms median | min–max | × floor | × rm -rf | × sequential |%s\n",
		with_counts ? " syscalls/entry | instructions/entry |" : "");
	printf("|---|---:|---:|---:|---:|---:|%s\n", with_counts ? "---:|---:|" : "");
	for (int k = 0; k < TREE_KINDS; k++) {
		char med[64], range[64], f[32], rm[32], seq[32], sys[32], ins[32];
		if (t[k].missing) {
			printf("| %s | %s | | | | |%s\n", t[k].label, t[k].missing,
				with_counts ? " | |" : "");
			continue;
		}
		fmt_stats(&t[k], 1e-6, 1, med, range, sizeof med);
		fmt_ratio(f, sizeof f, ratio_median(&t[k], &t[TREE_FLOOR]));
		fmt_ratio(rm, sizeof rm, t[TREE_RM].missing ? NAN : ratio_median(&t[k], &t[TREE_RM]));
		fmt_ratio(seq, sizeof seq, ratio_median(&t[k], &t[TREE_SEQ]));
		bench_result(ratio_median(&t[k], &t[TREE_FLOOR]), "%s/%s/%d/x_floor", tag, shape->key, k);
		bench_result(t[TREE_RM].missing ? NAN : ratio_median(&t[k], &t[TREE_RM]),
			"%s/%s/%d/x_rm", tag, shape->key, k);
		bench_result(ratio_median(&t[k], &t[TREE_SEQ]), "%s/%s/%d/x_seq", tag, shape->key, k);
		bench_result(bench_median(t[k].v, t[k].n), "%s/%s/%d/median", tag, shape->key, k);
		printf("| %s | %s | %s | %s | %s | %s |", t[k].label, med, range, f, rm, seq);
		if (with_counts)
			printf(" %s | %s |", bench_fmt_count(sys, sizeof sys, t[k].counts.syscalls),
				bench_fmt_count(ins, sizeof ins, t[k].counts.instructions));
		printf("\n");
	}
	if (with_counts) {
		printf("\nSyscall mix per entry (%zu-entry tree, minus an empty one; strace -f):\n\n",
			(size_t)20 * 100 + 20);
		for (int k = 0; k < TREE_KINDS; k++)
			if (!t[k].missing && t[k].counts.mix[0])
				printf("- %s: %s\n", t[k].label, t[k].counts.mix);
	}
	fflush(stdout);
	bench_remove_tree(scratch);
	free(scratch);
	free(fs);
}

void bench_tree_section(const char *key)
{
	for (size_t s = 0; s < sizeof tree_shapes / sizeof *tree_shapes; s++) {
		const struct tree_shape *shape = &tree_shapes[s];
		if (key ? strcmp(key, shape->key) != 0 : shape->full_only && bench_cfg.quick)
			continue;
		for (size_t i = 0; i < bench_cfg.ndirs; i++)
			tree_in(shape, bench_cfg.dirs[i], i == 0 ? "d0" : "d1",
				bench_cfg.counts && i == 0 && s == 0);
	}
}

/* =================================================================================
 * gettempdir: the first call in a fresh process
 * ================================================================================= */

/* The least a first gettempdir must do: prove $TMPDIR usable by creating,
 * writing and removing a file whose name was made beforehand. */
__attribute__((noinline)) int bench_gettempdir_floor(const char *path);
__attribute__((noinline)) int bench_gettempdir_floor(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write(fd, "blat", 4) == 4 ? 0 : -1;
	rc |= close(fd);
	return rc | unlink(path);
}

int bench_gettempdir_child(const char *variant)
{
	const char *dir = getenv("TMPDIR");
	char *probe = bench_printf("%s/probe%d", dir ? dir : "/tmp", (int)getpid());
	bool floor = variant && strcmp(variant, "floor") == 0;
	bool baseline = variant && strcmp(variant, "base") == 0;
	uint64_t start = bench_now_ns();
	if (floor && bench_gettempdir_floor(probe) != 0)
		bench_fatal("probe %s: %s", probe, strerror(errno));
	if (!floor && !baseline && !tempfile_gettempdir())
		bench_fatal("tempfile_gettempdir: %s", strerror(errno));
	uint64_t end = bench_now_ns();
	printf("%llu\n", (unsigned long long)(end - start));
	return 0;
}

/* One fresh process; its own measurement of the first call, in ns. */
static double gettempdir_once(int k, char **env)
{
	const char *floor_argv[] = { bench_cfg.self, "--gettempdir-child", "floor", NULL };
	const char *c_argv[] = { bench_cfg.self, "--gettempdir-child", NULL };
	const char *py_argv[] = { bench_cfg.python ? bench_cfg.python : "python3",
		bench_cfg.peers_py, "gettempdir", NULL };
	const char *const *argv = k == 0 ? floor_argv : k == 1 ? c_argv : py_argv;
	char *out = NULL;
	int status = bench_capture(argv, env, &out, false);
	double ns = status == 0 && out ? strtod(out, NULL) : NAN;
	free(out);
	return ns > 0 ? ns : NAN;
}

static void gettempdir_in(const char *dir, const char *tag, bool with_counts)
{
	char *scratch = scratch_in(dir, "gettempdir");
	char **env = bench_env_with("TMPDIR", scratch);
	struct timed t[3] = {
		{ .label = "floor: open + write 4 bytes + close + unlink, name made beforehand" },
		{ .label = "libtempfile tempfile_gettempdir" },
		{ .label = "Python tempfile.gettempdir" } };
	if (!bench_cfg.python)
		t[2].missing = "skipped: no python3 (not found or --python none)";
	unsigned reps = bench_cfg.spawn_reps * 2;
	if (reps > BENCH_MAX_REPS)
		reps = BENCH_MAX_REPS;
	for (unsigned r = 0; r < reps; r++) {
		for (int j = 0; j < 3; j++) {
			int k = ((int)r + j) % 3;
			if (t[k].missing)
				continue;
			t[k].v[r] = gettempdir_once(k, env);
			t[k].n = r + 1;
			if (isnan(t[k].v[r]))
				t[k].missing = "failed";
		}
	}
	for (int k = 0; k < 3; k++) {
		t[k].counts.syscalls = t[k].counts.instructions = NAN;
		t[k].counts.mix[0] = '\0';
	}
	if (with_counts) {
		bench_note("counting gettempdir");
		const char *f_argv[] = { bench_cfg.self, "--gettempdir-child", "floor", NULL };
		const char *c_argv[] = { bench_cfg.self, "--gettempdir-child", NULL };
		const char *c_base[] = { bench_cfg.self, "--gettempdir-child", "base", NULL };
		bench_count_diff(f_argv, c_base, env, 1, &t[0].counts);
		t[0].counts.instructions = bench_count_instructions_in(f_argv, env,
			"bench_gettempdir_floor", 1);
		bench_count_diff(c_argv, c_base, env, 1, &t[1].counts);
		t[1].counts.instructions = bench_count_instructions_in(c_argv, env,
			"tempfile_gettempdir", 1);
		if (!t[2].missing) {
			const char *py_argv[] = { bench_cfg.python, bench_cfg.peers_py, "gettempdir", NULL };
			const char *py_base[] = { bench_cfg.python, bench_cfg.peers_py, "gettempdir",
				"base", NULL };
			bench_count_diff(py_argv, py_base, env, 1, &t[2].counts);
		}
	}
	printf("\n#### gettempdir, first call in a fresh process, $TMPDIR in %s (%s)\n\n", dir,
		bench_fs_description(dir));
	printf("Each sample is a new process timing its own first call (process start not "
	       "included); %u samples per contender in rotating order.\n\n", reps);
	printf("| contender | µs median | min–max | × floor |%s\n",
		with_counts ? " syscalls | instructions |" : "");
	printf("|---|---:|---:|---:|%s\n", with_counts ? "---:|---:|" : "");
	for (int k = 0; k < 3; k++) {
		char med[64], range[64], ratio[32], sys[32], ins[32];
		if (t[k].missing) {
			printf("| %s | %s | | |%s\n", t[k].label, t[k].missing, with_counts ? " | |" : "");
			continue;
		}
		fmt_stats(&t[k], 1e-3, 1, med, range, sizeof med);
		fmt_ratio(ratio, sizeof ratio, ratio_median(&t[k], &t[0]));
		bench_result(bench_median(t[k].v, t[k].n) * 1e-3, "%s/gettempdir/%d/median_us", tag, k);
		bench_result(t[k].counts.syscalls, "%s/gettempdir/%d/syscalls", tag, k);
		printf("| %s | %s | %s | %s |", t[k].label, med, range, ratio);
		if (with_counts)
			printf(" %s | %s |", bench_fmt_count(sys, sizeof sys, t[k].counts.syscalls),
				bench_fmt_count(ins, sizeof ins, t[k].counts.instructions));
		printf("\n");
	}
	if (with_counts) {
		printf("\n");
		for (int k = 0; k < 3; k++)
			if (!t[k].missing && t[k].counts.mix[0])
				printf("- syscalls of %s: %s\n", t[k].label, t[k].counts.mix);
	}
	fflush(stdout);
	free(env);
	bench_remove_tree(scratch);
	free(scratch);
}

void bench_gettempdir_section(void)
{
	for (size_t i = 0; i < bench_cfg.ndirs; i++)
		gettempdir_in(bench_cfg.dirs[i], i == 0 ? "d0" : "d1", bench_cfg.counts && i == 0);
}

/* =================================================================================
 * Two threads and two processes creating in one directory
 * ================================================================================= */

static const char *const parallel_keys[] = { "floor", "lib_mkstemp", "glibc_mkstemp" };
#define NPARALLEL 3
enum { ONE_THREAD, TWO_THREADS, TWO_PROCESSES, NCONFIGS };

struct worker {
	const struct bench_contender *k;
	struct bench_ctx *ctx;
	size_t n;
	atomic_int *ready;
	atomic_int *go;
	int rc;
};

/* Say ready, wait for the go, run. Spinning keeps the start sharp; the
 * yield lets the other threads have the CPU meanwhile. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	atomic_fetch_add(w->ready, 1);
	while (!atomic_load(w->go))
		sched_yield();
	w->rc = w->k->run(w->ctx, w->n);
	return NULL;
}

/* Wall time of one configuration, ns per op over all workers, or NAN. */
static double parallel_once(const struct bench_contender *k, struct bench_ctx ctx[2], size_t n,
	int config)
{
	for (int i = 0; i < (config == ONE_THREAD ? 1 : 2); i++)
		if (k->prepare && k->prepare(&ctx[i], n) != 0)
			return NAN;
	if (config == ONE_THREAD) {
		uint64_t start = bench_now_ns();
		int rc = k->run(&ctx[0], n);
		uint64_t end = bench_now_ns();
		return rc == 0 ? (double)(end - start) / (double)n : NAN;
	}
	if (config == TWO_THREADS) {
		atomic_int ready = 0, go = 0;
		struct worker w[2];
		pthread_t th[2];
		for (int i = 0; i < 2; i++) {
			w[i] = (struct worker){ k, &ctx[i], n, &ready, &go, 0 };
			if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
				bench_fatal("pthread_create failed");
		}
		while (atomic_load(&ready) < 2)
			sched_yield();
		uint64_t start = bench_now_ns();
		atomic_store(&go, 1);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		uint64_t end = bench_now_ns();
		return w[0].rc == 0 && w[1].rc == 0 ? (double)(end - start) / (double)(2 * n) : NAN;
	}
	/* Two processes: each says it is ready, waits for the go, runs. */
	int ready[2], go[2];
	if (pipe(ready) != 0 || pipe(go) != 0)
		bench_fatal("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid[2];
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			bench_fatal("fork: %s", strerror(errno));
		if (pid[i] == 0) {
			char byte = 'r';
			close(ready[0]);
			close(go[1]);
			if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1)
				_exit(3);
			_exit(k->run(&ctx[i], n) == 0 ? 0 : 1);
		}
	}
	close(ready[1]);
	close(go[0]);
	char bytes[2] = { 0 };
	for (size_t got = 0; got < 2;) {
		ssize_t r = read(ready[0], bytes + got, 2 - got);
		if (r <= 0)
			bench_fatal("worker did not start");
		got += (size_t)r;
	}
	uint64_t start = bench_now_ns();
	if (write(go[1], "gg", 2) != 2)
		bench_fatal("cannot start workers");
	int ok = bench_wait(pid[0]) == 0;
	ok &= bench_wait(pid[1]) == 0;
	uint64_t end = bench_now_ns();
	close(ready[0]);
	close(go[1]);
	return ok ? (double)(end - start) / (double)(2 * n) : NAN;
}

static void threads_in(const char *dir, const char *tag)
{
	const struct bench_row *row = bench_find_row("named");
	/* bench_ctx_init points $TMPDIR at the scratch directory; this runs in
	 * the driver itself, so put it back afterwards (valgrind, run later,
	 * needs a $TMPDIR that exists). */
	const char *old_tmpdir = getenv("TMPDIR");
	char *saved_tmpdir = old_tmpdir ? bench_xstrdup(old_tmpdir) : NULL;
	char *scratch = scratch_in(dir, "parallel");
	size_t n = bench_cfg.block / 4 < 20 ? 20 : bench_cfg.block / 4;
	struct bench_ctx ctx[2];
	bench_ctx_init(&ctx[0], scratch, n);
	bench_ctx_init(&ctx[1], scratch, n);
	struct timed t[NPARALLEL][NCONFIGS];
	memset(t, 0, sizeof t);
	const struct bench_contender *k[NPARALLEL];
	for (int c = 0; c < NPARALLEL; c++)
		k[c] = bench_find_contender(row, parallel_keys[c]);
	for (unsigned r = 0; r < bench_cfg.reps; r++) {
		for (int j = 0; j < NPARALLEL; j++) {
			int c = ((int)r + j) % NPARALLEL;
			for (int q = 0; q < NCONFIGS; q++) {
				int config = ((int)r + q) % NCONFIGS;
				struct timed *s = &t[c][config];
				if (s->missing)
					continue;
				s->v[r] = parallel_once(k[c], ctx, n, config);
				s->n = r + 1;
				if (isnan(s->v[r]))
					s->missing = "failed";
			}
		}
	}
	printf("\n#### 2 threads and 2 processes creating in one directory, %s (%s)\n\n", dir,
		bench_fs_description(dir));
	printf("Each worker: %zu × (create + close + unlink). ns/op = wall time / all ops. "
	       "Scaling = 1-worker ns/op ÷ 2-worker ns/op, per repetition, median (2.00 is perfect).\n\n",
		n);
	printf("| contender | 1 thread ns/op | 2 threads ns/op | 2 processes ns/op | "
	       "2-thread scaling | 2-process scaling |\n|---|---:|---:|---:|---:|---:|\n");
	for (int c = 0; c < NPARALLEL; c++) {
		char med[NCONFIGS][160], range[64], s2t[32], s2p[32];
		bool bad = false;
		for (int q = 0; q < NCONFIGS; q++) {
			if (t[c][q].missing) {
				snprintf(med[q], sizeof med[q], "%s", t[c][q].missing);
				bad = true;
				continue;
			}
			char m[64];
			fmt_stats(&t[c][q], 1, 0, m, range, sizeof m);
			snprintf(med[q], sizeof med[q], "%s (%s)", m, range);
		}
		fmt_ratio(s2t, sizeof s2t, bad ? NAN : ratio_median(&t[c][ONE_THREAD], &t[c][TWO_THREADS]));
		fmt_ratio(s2p, sizeof s2p, bad ? NAN : ratio_median(&t[c][ONE_THREAD], &t[c][TWO_PROCESSES]));
		bench_result(bad ? NAN : ratio_median(&t[c][ONE_THREAD], &t[c][TWO_THREADS]),
			"%s/threads/%s/scale2t", tag, k[c]->key);
		bench_result(bad ? NAN : ratio_median(&t[c][ONE_THREAD], &t[c][TWO_PROCESSES]),
			"%s/threads/%s/scale2p", tag, k[c]->key);
		printf("| %s | %s | %s | %s | %s | %s |\n", k[c]->label, med[0], med[1], med[2], s2t, s2p);
	}
	fflush(stdout);
	bench_ctx_free(&ctx[0]);
	bench_ctx_free(&ctx[1]);
	bench_remove_tree(scratch);
	free(scratch);
	if (saved_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	free(saved_tmpdir);
	if (tempfile_settempdir(NULL) != 0)
		bench_note("tempfile_settempdir(NULL) failed");
}

void bench_threads_section(void)
{
	for (size_t i = 0; i < bench_cfg.ndirs; i++)
		threads_in(bench_cfg.dirs[i], i == 0 ? "d0" : "d1");
}

/* =================================================================================
 * tmpf per invocation
 * ================================================================================= */

/* One invocation; ns, or NAN. A created name is removed after the clock stops. */
static double invoke_once(const char *const argv[], char **env)
{
	int from;
	uint64_t start = bench_now_ns();
	pid_t pid = bench_spawn(argv, env, NULL, &from, false);
	if (pid < 0)
		return NAN;
	char buf[4096];
	size_t used = 0;
	for (;;) {
		ssize_t got = read(from, buf + used, sizeof buf - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
		if (used == sizeof buf - 1)
			break;
	}
	close(from);
	int status = bench_wait(pid);
	uint64_t end = bench_now_ns();
	buf[used] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (buf[0] == '/')
		(void)unlink(buf);
	return status == 0 ? (double)(end - start) : NAN;
}

enum { INVOKE_TRUE, INVOKE_MKTEMP, INVOKE_MKTEMP_C, INVOKE_TMPF, INVOKE_RUN, NINVOKE };

static void tmpf_in(const char *dir, const char *tag, bool with_counts)
{
	char *scratch = scratch_in(dir, "tmpf");
	const char *true_argv[] = { "/bin/true", NULL };
	const char *mktemp_argv[] = { bench_cfg.mktemp ? bench_cfg.mktemp : "mktemp", "-p", scratch,
		NULL };
	const char *tmpf_argv[] = { bench_cfg.tmpf ? bench_cfg.tmpf : "tmpf", "-p", scratch, NULL };
	/* tmpf run's own cost: a directory made and removed around a spawn. */
	const char *run_argv[] = { tmpf_argv[0], "run", "-p", scratch, "/bin/true", NULL };
	const char *const *argv[NINVOKE] = { true_argv, mktemp_argv, mktemp_argv, tmpf_argv, run_argv };
	/* GNU mktemp calls setlocale(LC_ALL, ""): under a UTF-8 locale it reads
	 * the locale files on every start; under LC_ALL=C it reads none. Both
	 * are shown, so that tmpf is compared with the cheaper one too. */
	const char *lang = getenv("LC_ALL") ? getenv("LC_ALL") : getenv("LANG");
	char **c_env = bench_env_with("LC_ALL", "C");
	char **envs[NINVOKE] = { NULL, NULL, c_env, NULL, NULL };
	char mktemp_label[128];
	snprintf(mktemp_label, sizeof mktemp_label, "GNU mktemp -p DIR (%s%s)",
		lang ? "locale " : "no locale set", lang ? lang : "");
	struct timed t[NINVOKE] = { { .label = "exec of /bin/true" }, { .label = mktemp_label },
		{ .label = "GNU mktemp -p DIR (LC_ALL=C)" }, { .label = "tmpf -p DIR" },
		{ .label = "tmpf run -p DIR /bin/true" } };
	for (int k = 0; k < NINVOKE; k++) {
		t[k].counts.syscalls = t[k].counts.instructions = NAN;
		t[k].counts.mix[0] = '\0';
	}
	if (!bench_cfg.mktemp)
		t[INVOKE_MKTEMP].missing = t[INVOKE_MKTEMP_C].missing = "skipped: mktemp not found";
	if (!bench_cfg.tmpf)
		t[INVOKE_TMPF].missing = t[INVOKE_RUN].missing =
			"not available: tmpf is not built yet (cli/main.c)";
	for (int k = 1; k < NINVOKE; k++)
		if (!t[k].missing && isnan(invoke_once(argv[k], envs[k])))
			t[k].missing = "failed: did not run cleanly";
	size_t n = bench_cfg.spawn_block;
	for (unsigned r = 0; r < bench_cfg.spawn_reps; r++) {
		for (int j = 0; j < NINVOKE; j++) {
			int k = ((int)r + j) % NINVOKE;
			if (t[k].missing)
				continue;
			double sum = 0;
			for (size_t i = 0; i < n && !isnan(sum); i++)
				sum += invoke_once(argv[k], envs[k]);
			t[k].v[r] = sum / (double)n;
			t[k].n = r + 1;
			if (isnan(sum))
				t[k].missing = "failed";
		}
	}
	if (with_counts) {
		for (int k = 0; k < NINVOKE; k++) {
			if (t[k].missing)
				continue;
			bench_note("counting %s", t[k].label);
			bench_count_command(argv[k], envs[k], &t[k].counts);
		}
	}
	printf("\n#### tmpf per invocation, %s (%s)\n\n", dir, bench_fs_description(dir));
	printf("Each invocation: spawn, read its output, wait (the created file is removed after "
	       "the clock stops). %zu invocations per block, %u blocks per command in rotating "
	       "order. Syscalls and instructions: one whole invocation (strace -f -c; callgrind, "
	       "user space incl. the dynamic loader).\n\n", n, bench_cfg.spawn_reps);
	printf("| command | µs/invocation median | min–max | × mktemp | × mktemp (LC_ALL=C) | "
	       "minus /bin/true µs |%s\n", with_counts ? " syscalls | instructions |" : "");
	printf("|---|---:|---:|---:|---:|---:|%s\n", with_counts ? "---:|---:|" : "");
	for (int k = 0; k < NINVOKE; k++) {
		char med[64], range[64], ratio[32], ratio_c[32], own[32], sys[32], ins[32];
		if (t[k].missing) {
			printf("| %s | %s | | | | |%s\n", t[k].label, t[k].missing,
				with_counts ? " | |" : "");
			continue;
		}
		fmt_stats(&t[k], 1e-3, 0, med, range, sizeof med);
		double x = t[INVOKE_MKTEMP].missing ? NAN : ratio_median(&t[k], &t[INVOKE_MKTEMP]);
		double xc = t[INVOKE_MKTEMP_C].missing ? NAN : ratio_median(&t[k], &t[INVOKE_MKTEMP_C]);
		fmt_ratio(ratio, sizeof ratio, x);
		fmt_ratio(ratio_c, sizeof ratio_c, xc);
		double d[BENCH_MAX_REPS];
		for (unsigned r = 0; r < t[k].n; r++)
			d[r] = t[k].v[r] - t[INVOKE_TRUE].v[r];
		snprintf(own, sizeof own, "%.0f", bench_median(d, t[k].n) * 1e-3);
		bench_result(x, "%s/tmpf/%d/x_mktemp", tag, k);
		bench_result(xc, "%s/tmpf/%d/x_mktemp_c", tag, k);
		bench_result(t[k].counts.syscalls, "%s/tmpf/%d/syscalls", tag, k);
		printf("| %s | %s | %s | %s | %s | %s |", t[k].label, med, range, ratio, ratio_c, own);
		if (with_counts)
			printf(" %s | %s |", bench_fmt_count(sys, sizeof sys, t[k].counts.syscalls),
				bench_fmt_count(ins, sizeof ins, t[k].counts.instructions));
		printf("\n");
	}
	if (with_counts) {
		printf("\n");
		for (int k = 0; k < NINVOKE; k++)
			if (!t[k].missing && t[k].counts.mix[0])
				printf("- syscalls of %s: %s\n", t[k].label, t[k].counts.mix);
	}
	fflush(stdout);
	free(c_env);
	bench_remove_tree(scratch);
	free(scratch);
}

void bench_tmpf_section(void)
{
	for (size_t i = 0; i < bench_cfg.ndirs; i++)
		tmpf_in(bench_cfg.dirs[i], i == 0 ? "d0" : "d1", bench_cfg.counts && i == 0);
}
