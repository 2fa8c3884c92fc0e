/*
 * A delta install's plan: which blocks of the new root are already on the
 * machine and which must be fetched. Both roots' verity trees are salted
 * with the image's own salt, the same in every release (docs/boot.md), so
 * a block that did not change has the same leaf digest in both; the
 * booted slot's leaves, indexed by digest, answer "where is this block
 * here?". Whatever is found is still checked against the new tree's leaf
 * before it is written, like a fetched block: the index only saves
 * transfers, it is never trusted. Pure: no I/O, no hashing.
 *
 * Leaves are a tree's level 0 as it lies in the hash image: 32-byte
 * digests, one per data block, back to back (vtree_leaf(t, 0) onwards).
 */
#ifndef BERTH_DELTA_H
#define BERTH_DELTA_H

#include <stddef.h>
#include <stdint.h>

#define DELTA_NONE UINT64_MAX /* a new block found nowhere on the machine */

struct delta_index {
	const uint8_t *leaves; /* the booted root's */
	uint64_t blocks;
	uint64_t *slot; /* open addressing: block number + 1, 0 for empty */
	uint64_t mask;	/* slots - 1, a power of two at least twice BLOCKS */
};

/* Indexes BLOCKS leaves at LEAVES (not copied). 0, -EINVAL, or -ENOMEM. */
int delta_index_build(struct delta_index *ix, const uint8_t *leaves, uint64_t blocks);
void delta_index_free(struct delta_index *ix);

/* A booted block whose leaf is DIGEST, or DELTA_NONE. */
uint64_t delta_find(const struct delta_index *ix, const uint8_t digest[32]);

/* A new block the target slot already holds where it belongs (an install resumed). */
#define DELTA_HERE (UINT64_MAX - 1)

/* For each of the new root's BLOCKS leaves at LEAVES: into FROM[i] the booted block that holds it,
 * or DELTA_NONE. */
void delta_locate(const struct delta_index *ix, const uint8_t *leaves, uint64_t blocks,
		  uint64_t *from);

/* Blocks FIRST to FIRST + COUNT - 1 of the new root, fetched in one request. */
struct delta_range {
	uint64_t first, count;
};

/*
 * The blocks of FROM (BLOCKS of them) that are DELTA_NONE into RANGES (at
 * most MAX), in order, two ranges apart by GAP blocks or fewer made one
 * (fetching a few blocks again costs less than a request; inside a range
 * the fetched copy is the one used). Returns the number of ranges,
 * -ENOSPC when they do not fit MAX, or -EINVAL when MAX is above INT_MAX.
 */
int delta_ranges(const uint64_t *from, uint64_t blocks, struct delta_range *ranges, size_t max,
		 uint64_t gap);

#endif
