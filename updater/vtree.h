/*
 * A dm-verity hash tree as `veritysetup format` writes it for berth's roots
 * (image/mkroot.sh: format 1, SHA-256, 4096-byte data and hash blocks, a
 * salt, the superblock first): checked against the root hash the signed
 * bundle manifest names, then used to check each data block before it is
 * written, so that nothing unverified reaches the slot (docs/update.md).
 *
 * Layout (the kernel's Documentation/admin-guide/device-mapper/verity.rst,
 * and cryptsetup's): the superblock in the first hash block, then the
 * levels from the top one down to the leaves. Level 0 holds one digest per
 * data block, 128 to a hash block, the rest of its last block zeros; each
 * level above holds the digests of the blocks of the level below. A digest
 * is sha256(salt || block); the root hash is the top block's. The caller
 * passes the hash function (vtree_sha256, libsodium's, on the device and in
 * the tests); nothing here does I/O.
 */
#ifndef BERTH_VTREE_H
#define BERTH_VTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTREE_BLOCK 4096
#define VTREE_DIGEST 32
#define VTREE_PER_BLOCK (VTREE_BLOCK / VTREE_DIGEST)
#define VTREE_LEVELS_MAX 8 /* 128^8 data blocks: more than any disk */
#define VTREE_SALT_MAX 256
/* The largest tree berth-update holds in memory: that of an 8 GiB root. */
#define VTREE_TREE_MAX (64u << 20)

/* sha256(SALT || DATA) into OUT. */
typedef void vtree_hash_fn(const uint8_t *salt, size_t saltlen, const uint8_t *data, size_t len,
			   uint8_t out[VTREE_DIGEST]);
/* The vtree_hash_fn of dm-verity's SHA-256 (libsodium). */
void vtree_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *data, size_t len,
		  uint8_t out[VTREE_DIGEST]);

struct vtree {
	uint64_t data_blocks;
	uint8_t salt[VTREE_SALT_MAX];
	size_t saltlen;
	unsigned levels;
	uint64_t level_blocks[VTREE_LEVELS_MAX]; /* level 0: the leaves */
	uint64_t level_start[VTREE_LEVELS_MAX];	 /* in hash blocks from the image's start */
	uint64_t size;				 /* bytes of the image the tree takes */
	const uint8_t *image;			 /* the hash image, superblock first */
	vtree_hash_fn *hash;
};

/*
 * The tree of DATA_BLOCKS data blocks with SALT in IMAGE (LEN bytes, the
 * superblock first): its geometry into T, and every hash block checked
 * against its parent's digest, the top one against ROOTHASH. 0; -EINVAL
 * when the geometry does not fit LEN or the superblock disagrees; -EBADMSG
 * at the first block that does not match (*BAD its index in the image,
 * when BAD is not NULL).
 */
int vtree_open(struct vtree *t, const uint8_t *image, size_t len, uint64_t data_blocks,
	       const uint8_t *salt, size_t saltlen, const uint8_t roothash[VTREE_DIGEST],
	       vtree_hash_fn *hash, uint64_t *bad);

/* The data blocks a superblock (a hash image's first VTREE_BLOCK bytes) counts; 0: not berth's. */
uint64_t vtree_superblock_blocks(const uint8_t *sb);

/* The levels of the tree of DATA_BLOCKS data blocks into T, without an image: 0 or -EINVAL. */
int vtree_geometry(struct vtree *t, uint64_t data_blocks);

/* Bytes of the hash image of DATA_BLOCKS data blocks, its superblock counted; 0 when none can be.
 */
uint64_t vtree_size(uint64_t data_blocks);

/* Whether data block N (VTREE_BLOCK bytes at DATA) is the one T's leaves name. */
bool vtree_check(const struct vtree *t, uint64_t n, const uint8_t *data);

/* Data block N's digest as T's leaves hold it. */
const uint8_t *vtree_leaf(const struct vtree *t, uint64_t n);

#endif
