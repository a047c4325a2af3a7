/*
 * basics.c - where temporary files go, and the three low-level calls.
 * Build: cc basics.c $(pkg-config --cflags --libs tempfile)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <tempfile.h>

int main(void)
{
	const char *dir = tempfile_gettempdir();
	if (!dir) {
		fprintf(stderr, "no usable temporary directory: %s\n", strerror(errno));
		return 1;
	}
	printf("gettempdir:  %s\n", dir);

	char *path;
	int fd = tempfile_mkstemp(&(struct tempfile_opts){ .suffix = ".txt" }, &path);
	if (fd < 0) {
		fprintf(stderr, "mkstemp: %s\n", strerror(errno));
		return 1;
	}
	if (write(fd, "hello\n", 6) != 6)
		perror("write");
	printf("mkstemp:     %s (fd %d, 6 bytes written)\n", path, fd);
	close(fd);
	unlink(path);
	printf("             removed\n");
	free(path);

	char *d = tempfile_mkdtemp(&(struct tempfile_opts){ .prefix = "demo-" });
	if (!d) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	printf("mkdtemp:     %s\n", d);
	rmdir(d);
	printf("             removed\n");
	free(d);
	return 0;
}
