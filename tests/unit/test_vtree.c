/* unit: updater/vtree.c -lsodium */
/* Hash trees that veritysetup itself wrote, checked and then broken a bit at a time. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vtree.h"

#define SALT "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

struct fixture {
	uint64_t blocks;
	uint8_t *data, *image, root[VTREE_DIGEST], salt[16];
	size_t image_len;
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	if (f)
		fclose(f);
	return buf;
}

/* BLOCKS data blocks of a pattern, and veritysetup's tree of them, into X. */
static int make(struct fixture *x, uint64_t blocks)
{
	char dir[] = "/tmp/berth-vtree-XXXXXX", cmd[512], line[256];
	size_t len = 0;
	FILE *f;
	int ok = 0;

	if (!mkdtemp(dir))
		return -1;
	x->blocks = blocks;
	x->data = calloc(blocks, VTREE_BLOCK);
	for (uint64_t i = 0; x->data && i < blocks * VTREE_BLOCK; i += 97)
		x->data[i] = (uint8_t)(i / 97 * 31);
	snprintf(cmd, sizeof(cmd), "%s/data", dir);
	f = fopen(cmd, "wb");
	ok = f && x->data && fwrite(x->data, VTREE_BLOCK, blocks, f) == blocks;
	if (f)
		fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "veritysetup format %s/data %s/hash --hash=sha256 --data-block-size=4096 "
		 "--hash-block-size=4096 --salt=" SALT " | sed -n 's/^Root hash:[[:space:]]*//p'",
		 dir, dir);
	f = ok ? popen(cmd, "r") : NULL;
	ok = f && fgets(line, sizeof(line), f) &&
	     sodium_hex2bin(x->root, sizeof(x->root), line, 64, NULL, NULL, NULL) == 0;
	if (f)
		pclose(f);
	sodium_hex2bin(x->salt, sizeof(x->salt), SALT, 32, NULL, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "%s/hash", dir);
	x->image = ok ? slurp(cmd, &len) : NULL;
	x->image_len = len;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || !x->image)
		return -1;
	return 0;
}

static int open_tree(struct vtree *t, const struct fixture *x, uint64_t *bad)
{
	return vtree_open(t, x->image, x->image_len, x->blocks, x->salt, sizeof(x->salt), x->root,
			  vtree_sha256, bad);
}

/* Every data block checks; a flipped bit in one fails that block only. */
static void blocks_check(const char *what, struct fixture *x)
{
	struct vtree t;
	uint64_t bad = 0, ok = 0, mid = x->blocks / 2;

	CHECK(open_tree(&t, x, &bad) == 0, what);
	for (uint64_t n = 0; n < x->blocks; n++)
		ok += vtree_check(&t, n, x->data + n * VTREE_BLOCK);
	CHECK(ok == x->blocks, "every data block matches its leaf");
	x->data[mid * VTREE_BLOCK + 1234] ^= 0x10;
	CHECK(!vtree_check(&t, mid, x->data + mid * VTREE_BLOCK),
	      "a bit flipped: that block fails");
	CHECK(mid == 0 || vtree_check(&t, mid - 1, x->data + (mid - 1) * VTREE_BLOCK),
	      "... and the one before it still checks");
	x->data[mid * VTREE_BLOCK + 1234] ^= 0x10;
	CHECK(!vtree_check(&t, 0, x->data + VTREE_BLOCK) || x->blocks == 1,
	      "a block at another's place fails");
	CHECK(!vtree_check(&t, x->blocks, x->data), "a block past the end fails");
}

static void test_trees(void)
{
	static const struct {
		uint64_t blocks;
		unsigned levels;
		const char *what;
	} sizes[] = {
	    {2, 1, "2 data blocks: one level"},
	    {128, 1, "128 data blocks: one full leaf block"},
	    {129, 2, "129 data blocks: two levels"},
	    {16385, 3, "16385 data blocks: three levels"},
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct fixture x;
		struct vtree t;
		if (make(&x, sizes[i].blocks) < 0) {
			CHECK(0, "veritysetup format makes a tree");
			continue;
		}
		blocks_check(sizes[i].what, &x);
		CHECK(open_tree(&t, &x, NULL) == 0 && t.levels == sizes[i].levels &&
			  t.size <= x.image_len,
		      "the levels the kernel would count, within the image");
		CHECK(vtree_superblock_blocks(x.image) == sizes[i].blocks &&
			  vtree_size(sizes[i].blocks) == t.size,
		      "the superblock's count of blocks; the tree's size from it alone");
		free(x.data);
		free(x.image);
	}
}

static void test_refusals(void)
{
	uint8_t sb[VTREE_BLOCK] = "not verity";

	CHECK(vtree_superblock_blocks(sb) == 0 && vtree_size(0) == 0 && vtree_size(1) == 0,
	      "no superblock counts no blocks; no tree of 0 or 1 data block");
	struct fixture x;
	struct vtree t;
	uint64_t bad = 0;

	if (make(&x, 300) < 0) {
		CHECK(0, "veritysetup format makes a tree");
		return;
	}
	x.root[5] ^= 1;
	CHECK(open_tree(&t, &x, &bad) == -EBADMSG && bad == 1,
	      "another root hash: refused at the top block (the first after the superblock)");
	x.root[5] ^= 1;
	x.image[3 * VTREE_BLOCK + 100] ^= 1;
	CHECK(open_tree(&t, &x, &bad) == -EBADMSG && bad == 3,
	      "a bit flipped in a leaf block: refused at that block");
	x.image[3 * VTREE_BLOCK + 100] ^= 1;
	x.blocks++;
	CHECK(open_tree(&t, &x, NULL) == -EINVAL, "another data block count than the superblock's");
	x.blocks--;
	x.salt[0] ^= 1;
	CHECK(open_tree(&t, &x, NULL) == -EINVAL, "another salt than the superblock's");
	x.salt[0] ^= 1;
	x.image[0] = 'V';
	CHECK(open_tree(&t, &x, NULL) == -EINVAL, "no verity superblock");
	x.image[0] = 'v';
	CHECK(vtree_open(&t, x.image, 4 * VTREE_BLOCK, x.blocks, x.salt, sizeof(x.salt), x.root,
			 vtree_sha256, NULL) == -EINVAL,
	      "an image cut short of its tree");
	CHECK(open_tree(&t, &x, NULL) == 0, "the tree itself, after all that");
	free(x.data);
	free(x.image);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_trees();
	test_refusals();
	return CHECK_DONE();
}
