/* unit: updater/delta.c */
/* A delta install's plan (updater/delta.h): the booted root's leaves by digest, ranges to fetch. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delta.h"

/* The leaf of a block whose contents are number ID: 32 bytes no other ID gives. */
static void leaf(uint8_t *out, uint64_t id)
{
	for (int w = 0; w < 4; w++) {
		uint64_t z = id * 4 + (uint64_t)w + 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(out + 8 * w, &z, 8);
	}
}

/* Leaves of blocks whose contents are IDS[0..N-1]. */
static uint8_t *leaves_of(const uint64_t *ids, uint64_t n)
{
	uint8_t *l = malloc(n * 32 + 1);

	for (uint64_t i = 0; i < n; i++)
		leaf(l + i * 32, ids[i]);
	return l;
}

static void test_find(void)
{
	enum { N = 1000 };
	uint64_t ids[N];
	struct delta_index ix;
	uint8_t d[32];
	bool all = true;

	for (uint64_t i = 0; i < N; i++)
		ids[i] = i;
	ids[7] = ids[5] = 4242; /* a block that repeats, like zeros */
	uint8_t *l = leaves_of(ids, N);
	CHECK(delta_index_build(&ix, l, N) == 0, "index: 1000 leaves");
	for (uint64_t i = 0; i < N; i++)
		if (i != 5 && i != 7) {
			leaf(d, i);
			all &= delta_find(&ix, d) == i;
		}
	CHECK(all, "index: each leaf is found at its block");
	leaf(d, 4242);
	CHECK(delta_find(&ix, d) == 5, "index: a repeated leaf is found at its first block");
	leaf(d, 5);
	CHECK(delta_find(&ix, d) == DELTA_NONE, "index: a leaf the root lacks is not found");
	delta_index_free(&ix);
	free(l);

	/* Digests alike in the 8 bytes the table hashes: probing must tell them apart. */
	uint8_t same[64 * 32];
	for (int i = 0; i < 64; i++) {
		leaf(d, (uint64_t)i);
		memset(same + i * 32, 0xab, 8);
		memcpy(same + i * 32 + 8, d, 24);
	}
	CHECK(delta_index_build(&ix, same, 64) == 0, "index: 64 leaves of one hash");
	all = true;
	for (uint64_t i = 0; i < 64; i++)
		all &= delta_find(&ix, same + i * 32) == i;
	CHECK(all, "index: leaves of one hash each found at its own block");
	delta_index_free(&ix);

	CHECK(delta_index_build(&ix, NULL, 0) == 0 && delta_find(&ix, d) == DELTA_NONE,
	      "index: no booted leaves, nothing found");
	delta_index_free(&ix);
}

/* The plan of NEW against BOOTED (block contents by ID), in ranges of GAP. */
static int plan(const uint64_t *booted, uint64_t nb, const uint64_t *new, uint64_t nn,
		uint64_t *from, struct delta_range *r, size_t max, uint64_t gap)
{
	struct delta_index ix;
	uint8_t *lb = leaves_of(booted, nb), *ln = leaves_of(new, nn);
	int n = delta_index_build(&ix, lb, nb);

	if (n == 0) {
		delta_locate(&ix, ln, nn, from);
		n = delta_ranges(from, nn, r, max, gap);
	}
	delta_index_free(&ix);
	free(lb);
	free(ln);
	return n;
}

static bool range_is(const struct delta_range *r, uint64_t first, uint64_t count)
{
	return r->first == first && r->count == count;
}

static void test_plan(void)
{
	enum { NB = 1000, NN = 1005 };
	static uint64_t booted[NB], new[NN], from[NN];
	struct delta_range r[8];
	bool ok = true;

	for (uint64_t i = 0; i < NB; i++)
		booted[i] = new[i] = i;
	new[10] = 5000, new[11] = 5001, new[13] = 5003, new[500] = 5500;
	new[20] = 900; /* a block that moved */
	for (uint64_t i = NB; i < NN; i++)
		new[i] = 6000 + i; /* a longer root */
	int n = plan(booted, NB, new, NN, from, r, 8, 0);
	CHECK(n == 4 && range_is(&r[0], 10, 2) && range_is(&r[1], 13, 1) &&
		  range_is(&r[2], 500, 1) && range_is(&r[3], NB, 5),
	      "plan: changed blocks and the new tail, each run one range");
	for (uint64_t i = 0; i < NN; i++) {
		bool fetched = i == 10 || i == 11 || i == 13 || i == 500 || i >= NB;
		ok &= from[i] == (fetched ? DELTA_NONE : i == 20 ? 900 : i);
	}
	CHECK(ok, "plan: every other block from the booted slot, the moved one from where it is");

	n = plan(booted, NB, new, NN, from, r, 8, 1);
	CHECK(n == 3 && range_is(&r[0], 10, 4) && range_is(&r[1], 500, 1) && range_is(&r[2], NB, 5),
	      "plan: a gap of one block closed into one range of four");
	n = plan(booted, NB, new, NN, from, r, 8, 600);
	CHECK(n == 1 && range_is(&r[0], 10, NN - 10),
	      "plan: with a wide gap, one range from the first changed block to the end");
	n = plan(booted, NB, new, NN, from, r, 2, 0);
	CHECK(n == -ENOSPC && from[20] == 900 && from[NN - 1] == DELTA_NONE,
	      "plan: more ranges than room: -ENOSPC, the blocks' sources all the same");
	n = plan(booted, 0, new, NN, from, r, 8, 0);
	CHECK(n == 1 && range_is(&r[0], 0, NN) && from[0] == DELTA_NONE,
	      "plan: nothing booted to take from: one range, the whole root");
	n = plan(booted, NB, booted, NB, from, r, 8, 0);
	CHECK(n == 0 && from[999] == 999, "plan: the same root: nothing to fetch");
	CHECK(plan(booted, NB, new, NN, from, r, (size_t)INT32_MAX + 1, 0) == -EINVAL,
	      "plan: room for more ranges than an int counts refused");

	/* An install resumed: blocks the target slot holds already are not fetched. */
	plan(booted, NB, new, NN, from, r, 8, 0);
	from[11] = from[500] = from[NB + 1] = DELTA_HERE;
	n = delta_ranges(from, NN, r, 8, 0);
	CHECK(n == 4 && range_is(&r[0], 10, 1) && range_is(&r[1], 13, 1) &&
		  range_is(&r[2], NB, 1) && range_is(&r[3], NB + 2, 3),
	      "ranges: blocks already in the target slot are not fetched");
}

int main(void)
{
	test_find();
	test_plan();
	return CHECK_DONE();
}
