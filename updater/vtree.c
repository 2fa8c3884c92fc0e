/* A dm-verity hash tree, checked from its root hash down (vtree.h). */
#include "vtree.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "le.h"

/* cryptsetup's superblock (lib/verity/verity.c there), little-endian. */
#define SB_SIGNATURE "verity\0\0"
#define SB_VERSION 8
#define SB_HASH_TYPE 12
#define SB_ALGORITHM 32
#define SB_DATA_BLOCK_SIZE 64
#define SB_HASH_BLOCK_SIZE 68
#define SB_DATA_BLOCKS 72
#define SB_SALT_SIZE 80
#define SB_SALT 88

static uint64_t le_get2(const uint8_t *p)
{
	return le_get(p, 2);
}

static uint64_t le_get4(const uint8_t *p)
{
	return le_get(p, 4);
}

static uint64_t le_get8(const uint8_t *p)
{
	return le_get(p, 8);
}

static bool superblock_ok(const uint8_t *sb, uint64_t data_blocks, const uint8_t *salt,
			  size_t saltlen)
{
	return !memcmp(sb, SB_SIGNATURE, 8) && le_get4(sb + SB_VERSION) == 1 &&
	       le_get4(sb + SB_HASH_TYPE) == 1 &&
	       !strncmp((const char *)sb + SB_ALGORITHM, "sha256", 32) &&
	       le_get4(sb + SB_DATA_BLOCK_SIZE) == VTREE_BLOCK &&
	       le_get4(sb + SB_HASH_BLOCK_SIZE) == VTREE_BLOCK &&
	       le_get8(sb + SB_DATA_BLOCKS) == data_blocks &&
	       le_get2(sb + SB_SALT_SIZE) == saltlen && !memcmp(sb + SB_SALT, salt, saltlen);
}

/* The levels as the kernel's dm-verity lays them out: the top one first, after the superblock. */
static int geometry(struct vtree *t, size_t len)
{
	uint64_t pos = 1; /* the superblock's block */

	t->levels = 0;
	while ((t->data_blocks - 1) >> (7 * t->levels))
		if (++t->levels > VTREE_LEVELS_MAX)
			return -EINVAL;
	if (t->levels == 0)
		return -EINVAL; /* one data block: no tree to speak of, and no root of berth's */
	for (unsigned i = t->levels; i-- > 0;) {
		t->level_blocks[i] = ((t->data_blocks - 1) >> (7 * (i + 1))) + 1;
		t->level_start[i] = pos;
		pos += t->level_blocks[i];
	}
	t->size = pos * VTREE_BLOCK;
	return t->size <= len ? 0 : -EINVAL;
}

uint64_t vtree_superblock_blocks(const uint8_t *sb)
{
	uint64_t n = le_get8(sb + SB_DATA_BLOCKS);
	size_t saltlen = (size_t)le_get2(sb + SB_SALT_SIZE);

	return saltlen <= VTREE_SALT_MAX && superblock_ok(sb, n, sb + SB_SALT, saltlen) ? n : 0;
}

int vtree_geometry(struct vtree *t, uint64_t data_blocks)
{
	memset(t, 0, sizeof(*t));
	t->data_blocks = data_blocks;
	return data_blocks ? geometry(t, SIZE_MAX) : -EINVAL;
}

uint64_t vtree_size(uint64_t data_blocks)
{
	struct vtree t;

	return vtree_geometry(&t, data_blocks) == 0 ? t.size : 0;
}

static const uint8_t *block(const struct vtree *t, unsigned level, uint64_t n)
{
	return t->image + (t->level_start[level] + n) * VTREE_BLOCK;
}

int vtree_open(struct vtree *t, const uint8_t *image, size_t len, uint64_t data_blocks,
	       const uint8_t *salt, size_t saltlen, const uint8_t roothash[VTREE_DIGEST],
	       vtree_hash_fn *hash, uint64_t *bad)
{
	uint8_t sum[VTREE_DIGEST];

	if (data_blocks == 0 || saltlen > VTREE_SALT_MAX || len < VTREE_BLOCK ||
	    !superblock_ok(image, data_blocks, salt, saltlen))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->data_blocks = data_blocks;
	memcpy(t->salt, salt, saltlen);
	t->saltlen = saltlen;
	t->image = image;
	t->hash = hash;
	if (geometry(t, len) < 0)
		return -EINVAL;
	for (unsigned i = t->levels; i-- > 0;)
		for (uint64_t n = 0; n < t->level_blocks[i]; n++) {
			const uint8_t *want = i == t->levels - 1
						  ? roothash
						  : block(t, i + 1, n / VTREE_PER_BLOCK) +
							n % VTREE_PER_BLOCK * VTREE_DIGEST;
			hash(salt, saltlen, block(t, i, n), VTREE_BLOCK, sum);
			if (memcmp(sum, want, VTREE_DIGEST) != 0) {
				if (bad)
					*bad = t->level_start[i] + n;
				return -EBADMSG;
			}
		}
	return 0;
}

const uint8_t *vtree_leaf(const struct vtree *t, uint64_t n)
{
	return block(t, 0, n / VTREE_PER_BLOCK) + n % VTREE_PER_BLOCK * VTREE_DIGEST;
}

bool vtree_check(const struct vtree *t, uint64_t n, const uint8_t *data)
{
	uint8_t sum[VTREE_DIGEST];

	if (n >= t->data_blocks)
		return false;
	t->hash(t->salt, t->saltlen, data, VTREE_BLOCK, sum);
	return memcmp(sum, vtree_leaf(t, n), VTREE_DIGEST) == 0;
}

void vtree_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *data, size_t len,
		  uint8_t out[VTREE_DIGEST])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, saltlen);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}
