#include "support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

char *tft_scratch(void)
{
	const char *root = getenv("TF_TEST_ROOT");
	if (!root || !*root)
		root = "/tmp";
	char *path = NULL;
	cr_assert(asprintf(&path, "%s/tftest.XXXXXX", root) > 0);
	cr_assert_not_null(mkdtemp(path), "mkdtemp in %s: %s", root, strerror(errno));
	cr_assert_eq(chmod(path, 0755), 0);
	return path;
}

void tft_remove_tree(const char *path)
{
	char *cmd = NULL;
	if (asprintf(&cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", path, path) > 0) {
		int rc = system(cmd);
		(void)rc;
	}
	free(cmd);
}

long tft_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

bool tft_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int tft_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory stream's own descriptor */
}

bool tft_all_in(const char *s, size_t n, const char *alphabet)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return false;
	return true;
}

char *tft_join(const char *a, const char *b)
{
	char *p = NULL;
	cr_assert(asprintf(&p, "%s/%s", a, b) > 0);
	return p;
}

void tft_write_file(const char *path, const char *contents)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
	fputs(contents, f);
	cr_assert_eq(fclose(f), 0);
}

bool tft_become_nobody(void)
{
	if (geteuid() != 0)
		return getuid() == 65534;
	gid_t gid = 65534;
	if (setgroups(1, &gid) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		setresuid(65534, 65534, 65534) != 0)
		return false;
	/* A credential change makes the process non-dumpable, and then
	 * LeakSanitizer cannot ptrace it to check for leaks at exit. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0;
}

void tft_drop_privileges(void)
{
	if (!tft_become_nobody())
		cr_skip_test("cannot become nobody: %s", strerror(errno));
}

bool tft_under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#  else
	return false;
#  endif
#else
	return false;
#endif
}
