/* SPDX-License-Identifier: MIT */
/* SPDX-FileCopyrightText: 2026 the libtempfile authors */
/*
 * fuzz_spooled.c - SpooledTemporaryFile operation sequences against a real
 * file doing the same.
 *
 * Input: [max_size lo][max_size hi] then operations, each an opcode byte
 * and its argument bytes: write n, read n, seek (whence, offset), tell,
 * truncate size, rollover, flush, fileno. After every operation the
 * result, errno class and position must match the real file's (a write
 * past the end zero-fills, truncate extends with zeros and keeps the
 * position, a negative seek is EINVAL); at the end the whole content must
 * match; rolled() must be 1 once a write went past max_size, a truncate
 * asked for a size past it other than the current one (as Python), or a
 * rollover/fileno happened, and 0 with max_size 0 and none of these. No descriptor may leak after close.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tempfile.h"

static int expected_open_files = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_enter_scratch();
	if (tempfile_settempdir(".") != 0)
		abort();
	expected_open_files = fuzz_open_files();
	return 0;
}

/* The input, consumed from the front. */
struct input {
	const uint8_t *data;
	size_t size;
};

static unsigned take(struct input *in)
{
	if (in->size == 0)
		return 0;
	in->size--;
	return *in->data++;
}

static unsigned take16(struct input *in)
{
	unsigned lo = take(in);
	return lo | take(in) << 8;
}

#define MAX_FILE (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size > 4096)
		return 0;
	struct input in = { data, size };
	size_t max_size = take16(&in) % 1024;

	struct tempfile_spooled *s = tempfile_spooled(max_size, NULL, NULL);
	FUZZ_CHECK(s != NULL, "tempfile_spooled: %s", strerror(errno));
	char model_path[] = "modelXXXXXX";
	int model = mkstemp(model_path);
	FUZZ_CHECK(model >= 0 && unlink(model_path) == 0, "model file");

	bool must_be_rolled = false;
	unsigned char buf[512], want[512];
	while (in.size > 0) {
		unsigned op = take(&in) % 8;
		switch (op) {
		case 0: { /* write */
			size_t n = take(&in);
			for (size_t i = 0; i < n; i++)
				buf[i] = (unsigned char)(take(&in) ^ i);
			off_t pos = lseek(model, 0, SEEK_CUR);
			if ((size_t)pos + n > MAX_FILE)
				break;
			ssize_t got = tempfile_spooled_write(s, buf, n);
			ssize_t expect = write(model, buf, n);
			FUZZ_CHECK(got == expect, "write %zu: %zd, file %zd (%s)", n, got, expect,
				strerror(errno));
			if (max_size && pos + (off_t)n > (off_t)max_size)
				must_be_rolled = true;
			break;
		}
		case 1: { /* read */
			size_t n = (size_t)take(&in) * 2;
			ssize_t got = tempfile_spooled_read(s, buf, n);
			ssize_t expect = read(model, want, n);
			FUZZ_CHECK(got == expect, "read %zu: %zd, file %zd", n, got, expect);
			FUZZ_CHECK(got <= 0 || memcmp(buf, want, (size_t)got) == 0, "read different bytes");
			break;
		}
		case 2: { /* seek */
			int whence = (int)(take(&in) % 3);
			off_t off = (off_t)(int16_t)take16(&in);
			off_t model_pos = lseek(model, 0, SEEK_CUR);
			off_t model_end = lseek(model, 0, SEEK_END);
			lseek(model, model_pos, SEEK_SET);
			off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? model_pos : model_end;
			if (base + off > (off_t)MAX_FILE)
				break;
			errno = 0;
			off_t got = tempfile_spooled_seek(s, off, whence);
			int got_errno = errno;
			off_t expect = lseek(model, off, whence);
			FUZZ_CHECK(got == expect, "seek %lld/%d: %lld, file %lld", (long long)off, whence,
				(long long)got, (long long)expect);
			if (expect < 0)
				FUZZ_CHECK(got_errno == EINVAL, "bad seek errno %s", strerror(got_errno));
			break;
		}
		case 3: { /* tell */
			off_t got = tempfile_spooled_tell(s);
			FUZZ_CHECK(got == lseek(model, 0, SEEK_CUR), "tell %lld", (long long)got);
			break;
		}
		case 4: { /* truncate */
			off_t to = (off_t)(take16(&in) % 2048);
			off_t model_pos = lseek(model, 0, SEEK_CUR);
			off_t model_size = lseek(model, 0, SEEK_END);
			lseek(model, model_pos, SEEK_SET);
			int got = tempfile_spooled_truncate(s, to);
			int expect = ftruncate(model, to);
			FUZZ_CHECK(got == expect, "truncate %lld: %d, file %d", (long long)to, got, expect);
			/* Python: a size past max_size rolls over (max_size 0 too),
			 * the current size never does. */
			if (to > (off_t)max_size && to != model_size)
				must_be_rolled = true;
			break;
		}
		case 5: /* rollover */
			FUZZ_CHECK(tempfile_spooled_rollover(s) == 0, "rollover: %s", strerror(errno));
			must_be_rolled = true;
			break;
		case 6: /* flush */
			FUZZ_CHECK(tempfile_spooled_flush(s) == 0, "flush: %s", strerror(errno));
			break;
		case 7: { /* fileno: rolls over, and the descriptor sees the same data */
			int fd = tempfile_spooled_fileno(s);
			FUZZ_CHECK(fd >= 0, "fileno: %s", strerror(errno));
			must_be_rolled = true;
			struct stat st_fd, st_model;
			FUZZ_CHECK(fstat(fd, &st_fd) == 0 && fstat(model, &st_model) == 0, "fstat");
			FUZZ_CHECK(st_fd.st_size == st_model.st_size, "fileno size %lld, file %lld",
				(long long)st_fd.st_size, (long long)st_model.st_size);
			break;
		}
		}
		off_t pos = tempfile_spooled_tell(s);
		off_t model_pos = lseek(model, 0, SEEK_CUR);
		FUZZ_CHECK(pos == model_pos, "position %lld, file %lld after op %u", (long long)pos,
			(long long)model_pos, op);
		if (must_be_rolled)
			FUZZ_CHECK(tempfile_spooled_rolled(s) == 1, "not rolled over after op %u", op);
	}

	/* The whole content. */
	off_t model_end = lseek(model, 0, SEEK_END);
	FUZZ_CHECK(tempfile_spooled_seek(s, 0, SEEK_SET) == 0 && lseek(model, 0, SEEK_SET) == 0,
		"rewind");
	for (off_t done = 0; done < model_end;) {
		ssize_t got = tempfile_spooled_read(s, buf, sizeof buf);
		ssize_t expect = read(model, want, sizeof want);
		FUZZ_CHECK(got == expect && got > 0, "final read %zd, file %zd", got, expect);
		FUZZ_CHECK(memcmp(buf, want, (size_t)got) == 0, "content differs at %lld",
			(long long)done);
		done += got;
	}
	FUZZ_CHECK(tempfile_spooled_read(s, buf, sizeof buf) == 0, "data past the end");
	if (!must_be_rolled && max_size == 0)
		FUZZ_CHECK(tempfile_spooled_rolled(s) == 0, "rolled over without a reason");
	FUZZ_CHECK(tempfile_spooled_close(s) == 0, "close: %s", strerror(errno));
	close(model);
	FUZZ_CHECK(fuzz_open_files() == expected_open_files, "descriptor leaked");
	return 0;
}
