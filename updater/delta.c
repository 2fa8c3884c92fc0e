/* A delta install's plan (delta.h). */
#include "delta.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DIGEST 32

/* A digest is SHA-256: its first bytes are as good a hash as any. */
static uint64_t hash(const uint8_t *digest)
{
	uint64_t h;

	memcpy(&h, digest, sizeof(h));
	return h;
}

int delta_index_build(struct delta_index *ix, const uint8_t *leaves, uint64_t blocks)
{
	uint64_t slots = 2;

	memset(ix, 0, sizeof(*ix));
	if (blocks > UINT64_MAX / 4 / sizeof(uint64_t))
		return -EINVAL;
	while (slots < 2 * blocks)
		slots *= 2;
	if (slots > SIZE_MAX / sizeof(uint64_t) || !(ix->slot = calloc(slots, sizeof(uint64_t))))
		return -ENOMEM;
	ix->leaves = leaves;
	ix->blocks = blocks;
	ix->mask = slots - 1;
	for (uint64_t n = 0; n < blocks; n++) {
		const uint8_t *d = leaves + n * DIGEST;
		uint64_t i = hash(d) & ix->mask;
		/* One entry per digest: a block that repeats (zeros) is found at its first. */
		while (ix->slot[i] && memcmp(leaves + (ix->slot[i] - 1) * DIGEST, d, DIGEST))
			i = (i + 1) & ix->mask;
		if (!ix->slot[i])
			ix->slot[i] = n + 1;
	}
	return 0;
}

void delta_index_free(struct delta_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
}

uint64_t delta_find(const struct delta_index *ix, const uint8_t digest[32])
{
	if (!ix->slot)
		return DELTA_NONE;
	for (uint64_t i = hash(digest) & ix->mask; ix->slot[i]; i = (i + 1) & ix->mask)
		if (!memcmp(ix->leaves + (ix->slot[i] - 1) * DIGEST, digest, DIGEST))
			return ix->slot[i] - 1;
	return DELTA_NONE;
}

void delta_locate(const struct delta_index *ix, const uint8_t *leaves, uint64_t blocks,
		  uint64_t *from)
{
	for (uint64_t b = 0; b < blocks; b++)
		from[b] = delta_find(ix, leaves + b * DIGEST);
}

int delta_ranges(const uint64_t *from, uint64_t blocks, struct delta_range *ranges, size_t max,
		 uint64_t gap)
{
	size_t n = 0;

	if (max > INT_MAX)
		return -EINVAL;
	for (uint64_t b = 0; b < blocks; b++) {
		if (from[b] != DELTA_NONE)
			continue;
		struct delta_range *last = n ? &ranges[n - 1] : NULL;
		if (last && b - (last->first + last->count) <= gap)
			last->count = b - last->first + 1;
		else if (n < max)
			ranges[n++] = (struct delta_range){b, 1};
		else
			return -ENOSPC;
	}
	return (int)n;
}
