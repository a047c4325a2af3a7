/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * spooled.c - data that is usually small: tempfile_spooled().
 *
 * The data stays in memory (no file, no system call to write it) until it
 * grows past max_size; then it "rolls over" into a temporary file with no
 * name, same content and position, and the program goes on with the same
 * calls. Good for request bodies, decompressed chunks, anything usually
 * small and sometimes large.
 *
 * Build: cc spooled.c $(pkg-config --cflags --libs tempfile)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tempfile.h>

#define MAX_IN_MEMORY 4096 /* bytes kept in memory before the rollover */
#define CHUNK 1024
#define CHUNKS 6

int main(void)
{
	struct tempfile_spooled *s = tempfile_spooled(MAX_IN_MEMORY, NULL, "w+b");
	if (!s) {
		fprintf(stderr, "tempfile_spooled: %s\n", strerror(errno));
		return 1;
	}

	char chunk[CHUNK];
	for (int i = 0; i < CHUNKS; i++) {
		memset(chunk, 'a' + i, sizeof chunk);
		if (tempfile_spooled_write(s, chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
			fprintf(stderr, "tempfile_spooled_write: %s\n", strerror(errno));
			goto fail;
		}
		int rolled = tempfile_spooled_rolled(s);
		if (rolled < 0) {
			fprintf(stderr, "tempfile_spooled_rolled: %s\n", strerror(errno));
			goto fail;
		}
		printf("%5d bytes: %s\n", (i + 1) * CHUNK, rolled ? "in a file" : "in memory");
	}

	/* Read it back from the start, as from any file. */
	if (tempfile_spooled_seek(s, 0, SEEK_SET) != 0) {
		fprintf(stderr, "tempfile_spooled_seek: %s\n", strerror(errno));
		goto fail;
	}
	long total = 0;
	ssize_t n;
	while ((n = tempfile_spooled_read(s, chunk, sizeof chunk)) > 0) {
		for (ssize_t j = 0; j < n; j++) {
			if (chunk[j] != 'a' + (int)(total / CHUNK)) {
				fprintf(stderr, "byte %ld differs\n", total);
				goto fail;
			}
			total++;
		}
	}
	if (n < 0) {
		fprintf(stderr, "tempfile_spooled_read: %s\n", strerror(errno));
		goto fail;
	}
	printf("read back %ld bytes, all as written\n", total);

	/* Frees the memory or closes (and so removes) the file. */
	if (tempfile_spooled_close(s) != 0) {
		fprintf(stderr, "tempfile_spooled_close: %s\n", strerror(errno));
		return 1;
	}
	return 0;

fail:
	tempfile_spooled_close(s);
	return 1;
}
