/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * scratch_file.c - a scratch file no one else can see: tempfile_temporary().
 *
 * The file has no name (O_TMPFILE where the file system has it, elsewhere
 * it is unlinked at once), so no other process can open it, and it is gone
 * when it is closed or the process dies in any way, even by SIGKILL. Use it
 * for intermediate data this process alone writes and reads back.
 *
 * Build: cc scratch_file.c $(pkg-config --cflags --libs tempfile)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tempfile.h>

int main(void)
{
	/* NULL options: the default directory (tempfile_gettempdir()).
	 * "w+": write, then read back on the same stream. */
	FILE *f = tempfile_temporary(NULL, "w+");
	if (!f) {
		fprintf(stderr, "tempfile_temporary: %s\n", strerror(errno));
		return 1;
	}

	for (int i = 1; i <= 3; i++)
		fprintf(f, "record %d\n", i);
	/* A full disk shows up at the flush, not at fprintf. */
	if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "writing the scratch file: %s\n", strerror(errno));
		fclose(f);
		return 1;
	}

	char line[64];
	int records = 0;
	while (fgets(line, sizeof line, f)) {
		printf("read back: %s", line);
		records++;
	}
	if (ferror(f)) {
		fprintf(stderr, "reading the scratch file: %s\n", strerror(errno));
		fclose(f);
		return 1;
	}

	/* Closing the stream is all the cleanup there is: the file goes with it. */
	if (fclose(f) != 0) {
		fprintf(stderr, "fclose: %s\n", strerror(errno));
		return 1;
	}
	printf("%d records; the file is gone with the stream\n", records);
	return 0;
}
