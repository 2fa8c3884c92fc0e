/* The parts of a disk image that hold data (see extents.h). */
#define _GNU_SOURCE
#include "extents.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

#define CHUNK (1u << 20)

struct run {
	uint64_t start, end; /* the open run, [start, end); empty when equal */
	int (*fn)(void *ctx, uint64_t off, uint64_t len);
	void *ctx;
};

static bool zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Adds [OFF, OFF+LEN) of data to R, handing R's open run to FN when this one does not extend it. */
static int add(struct run *r, uint64_t off, uint64_t len)
{
	int ret = 0;

	if (r->end != off && r->end > r->start)
		ret = r->fn(r->ctx, r->start, r->end - r->start);
	if (r->end != off)
		r->start = off;
	r->end = off + len;
	return ret;
}

/* The data blocks of [FROM, TO) of FD, a data extent, into R. */
static int scan(int fd, uint64_t from, uint64_t to, struct run *r)
{
	static uint8_t buf[CHUNK];

	for (uint64_t at = from; at < to;) {
		size_t want = to - at < CHUNK ? (size_t)(to - at) : CHUNK;
		ssize_t n = pread_full(fd, buf, want, (off_t)at);
		if (n < 0)
			return (int)n;
		if ((size_t)n != want)
			return -EIO; /* the file shrank under us */
		for (size_t i = 0; i < want; i += EXTENT_BLOCK) {
			size_t len = want - i < EXTENT_BLOCK ? want - i : EXTENT_BLOCK;
			int ret = zero(buf + i, len) ? 0 : add(r, at + i, len);
			if (ret)
				return ret;
		}
		at += want;
	}
	return 0;
}

int extents_each(int fd, uint64_t size, int (*fn)(void *ctx, uint64_t off, uint64_t len), void *ctx)
{
	struct run r = {0, 0, fn, ctx};

	for (uint64_t at = 0; at < size;) {
		off_t data = lseek(fd, (off_t)at, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			return -errno;
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		/* Whole EXTENT_BLOCKs from 0, whatever the file system's blocks are. */
		uint64_t from = (uint64_t)data / EXTENT_BLOCK * EXTENT_BLOCK;
		uint64_t to = ((uint64_t)hole + EXTENT_BLOCK - 1) / EXTENT_BLOCK * EXTENT_BLOCK;
		if (to > size)
			to = size;
		int ret = scan(fd, from > at ? from : at, to, &r);
		if (ret)
			return ret;
		at = to;
	}
	return r.end > r.start ? fn(ctx, r.start, r.end - r.start) : 0;
}
