/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * util.c - clocks, statistics, processes and files for the benchmark driver.
 *
 * This is a driver, not the library: on a setup failure it says why and
 * exits (bench_fatal); failures of a measured contender are reported in its
 * row instead.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

extern char **environ;

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tempfile_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

void bench_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("# ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void *bench_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		bench_fatal("out of memory");
	return p;
}

char *bench_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		bench_fatal("out of memory");
	return p;
}

char *bench_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0)
		bench_fatal("out of memory");
	return s;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(const double *v, size_t n)
{
	double sorted[BENCH_MAX_REPS * 4];
	if (n == 0 || n > sizeof sorted / sizeof *sorted)
		return 0;
	memcpy(sorted, v, n * sizeof *v);
	qsort(sorted, n, sizeof *sorted, compare_doubles);
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

void bench_min_max(const double *v, size_t n, double *min, double *max)
{
	*min = *max = n ? v[0] : 0;
	for (size_t i = 1; i < n; i++) {
		if (v[i] < *min)
			*min = v[i];
		if (v[i] > *max)
			*max = v[i];
	}
}

pid_t bench_spawn(const char *const argv[], char *const envp[], int *to_child, int *from_child,
	bool quiet_stderr)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	if ((to_child && pipe2(in, O_CLOEXEC) != 0) || (from_child && pipe2(out, O_CLOEXEC) != 0))
		bench_fatal("pipe: %s", strerror(errno));
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	if (to_child)
		posix_spawn_file_actions_adddup2(&actions, in[0], 0);
	if (from_child)
		posix_spawn_file_actions_adddup2(&actions, out[1], 1);
	if (quiet_stderr)
		posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv,
		envp ? envp : environ);
	posix_spawn_file_actions_destroy(&actions);
	if (to_child) {
		close(in[0]);
		*to_child = in[1];
	}
	if (from_child) {
		close(out[1]);
		*from_child = out[0];
	}
	if (rc != 0) {
		if (to_child)
			close(in[1]);
		if (from_child)
			close(out[0]);
		errno = rc;
		return -1;
	}
	return pid;
}

int bench_wait(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Read everything from fd into a NEW string. */
static char *read_all(int fd)
{
	size_t size = 4096, used = 0;
	char *buf = bench_xmalloc(size);
	for (;;) {
		if (used + 1 == size) {
			size *= 2;
			buf = realloc(buf, size);
			if (!buf)
				bench_fatal("out of memory");
		}
		ssize_t got = read(fd, buf + used, size - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
	}
	buf[used] = '\0';
	return buf;
}

int bench_capture(const char *const argv[], char *const envp[], char **out, bool quiet_stderr)
{
	/* Output is always collected, so that a command's output never lands
	 * in the table; out NULL discards it. */
	int from = -1;
	pid_t pid = bench_spawn(argv, envp, NULL, &from, quiet_stderr);
	if (pid < 0) {
		if (out)
			*out = NULL;
		return -1;
	}
	char *text = read_all(from);
	close(from);
	if (out)
		*out = text;
	else
		free(text);
	return bench_wait(pid);
}

char *bench_read_line(int fd)
{
	size_t size = 256, used = 0;
	char *line = bench_xmalloc(size);
	for (;;) {
		char ch;
		ssize_t got = read(fd, &ch, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (used == 0) {
				free(line);
				return NULL;
			}
			break;
		}
		if (ch == '\n')
			break;
		if (used + 1 == size) {
			size *= 2;
			line = realloc(line, size);
			if (!line)
				bench_fatal("out of memory");
		}
		line[used++] = ch;
	}
	line[used] = '\0';
	return line;
}

int bench_write_all(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t put = write(fd, s, n);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		s += put;
		n -= (size_t)put;
	}
	return 0;
}

char *bench_fs_description(const char *dir)
{
	char real[4096];
	if (!realpath(dir, real))
		return bench_xstrdup("?");
	FILE *mounts = fopen("/proc/self/mounts", "re");
	if (!mounts)
		return bench_xstrdup("?");
	char line[4096], best[4096] = "?";
	size_t best_len = 0;
	while (fgets(line, sizeof line, mounts)) {
		char source[1024], target[1024], type[64], options[2048];
		if (sscanf(line, "%1023s %1023s %63s %2047s", source, target, type, options) != 4)
			continue;
		size_t len = strlen(target);
		bool inside = strncmp(real, target, len) == 0 &&
			(real[len] == '/' || real[len] == '\0' || strcmp(target, "/") == 0);
		if (inside && len >= best_len) {
			best_len = len;
			snprintf(best, sizeof best, "%s on %s (%s)", type, target, options);
		}
	}
	fclose(mounts);
	return bench_xstrdup(best);
}

/* Remove everything under the directory open at fd, then nothing else. */
static int remove_contents(int fd)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = -1;
			continue;
		}
		int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || remove_contents(sub) != 0 ||
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int bench_remove_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (remove_contents(fd) != 0)
		return -1;
	return rmdir(path);
}

char *bench_which(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? bench_xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	char *copy = bench_xstrdup(path), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *candidate = bench_printf("%s/%s", d, name);
		if (access(candidate, X_OK) == 0) {
			free(copy);
			return candidate;
		}
		free(candidate);
	}
	free(copy);
	return NULL;
}

char **bench_env_with(const char *name, const char *value)
{
	size_t n = 0, name_len = strlen(name);
	while (environ[n])
		n++;
	char **env = bench_xmalloc((n + 2) * sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!(strncmp(environ[i], name, name_len) == 0 && environ[i][name_len] == '='))
			env[k++] = environ[i];
	if (value)
		env[k++] = bench_printf("%s=%s", name, value);
	env[k] = NULL;
	return env;
}

const char *bench_fmt_count(char *buf, size_t size, double v)
{
	if (v != v) /* NaN: not measured */
		snprintf(buf, size, "—");
	else if (v >= 100 || v == (double)(long long)v)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.2f", v);
	return buf;
}

/* ---- the Python peer process ------------------------------------------------------- */

int bench_python_start(struct bench_python *p, const char *const *args)
{
	const char *argv[24] = { bench_cfg.python, "-u", bench_cfg.peers_py };
	size_t n = 3;
	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	p->pid = bench_spawn(argv, NULL, &p->to, &p->from, false);
	return p->pid < 0 ? -1 : 0;
}

char *bench_python_ask(struct bench_python *p, const char *line)
{
	char *with_newline = bench_printf("%s\n", line);
	int rc = bench_write_all(p->to, with_newline);
	free(with_newline);
	return rc == 0 ? bench_read_line(p->from) : NULL;
}

void bench_python_stop(struct bench_python *p)
{
	close(p->to);
	close(p->from);
	(void)bench_wait(p->pid);
	p->pid = -1;
}
