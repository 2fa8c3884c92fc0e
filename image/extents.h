/*
 * The parts of a disk image that hold data: what `berth flash` copies and
 * reads back. Decided by content (a 4 KiB block of zeros is not data),
 * with the file's holes skipped unread, so the answer is the same on any
 * file system.
 */
#ifndef BERTH_EXTENTS_H
#define BERTH_EXTENTS_H

#include <stdint.h>

#define EXTENT_BLOCK 4096

/*
 * Calls FN(CTX, OFFSET, LEN) for each run of blocks of FD (SIZE bytes)
 * that are not all zeros, in order, runs as long as they go (the last
 * block may be short). 0, a read's -errno, or the first non-zero that FN
 * returns.
 */
int extents_each(int fd, uint64_t size, int (*fn)(void *ctx, uint64_t off, uint64_t len),
		 void *ctx);

#endif
