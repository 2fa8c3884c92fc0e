/* unit: updater/[dflprsv]*.c lib/[a-z]*.c -lsodium */
/*
 * Format 3's root onto a slot (updater/rootcopy.c) from a file, with a tree
 * veritysetup made: copied whole; a flipped bit refused at its block with
 * nothing from its megabyte on written; a bundle cut short refused the same
 * way. The slot is a file: O_DIRECT works on it as on a partition.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "update.h"
#include "vtree.h"

#define SALT "00112233445566778899aabbccddeeff"
#define BLOCKS (3 * 256 + 5) /* three whole chunks and a part of one */
#define SIZE ((size_t)BLOCKS * VTREE_BLOCK)
#define MIB (1u << 20)

static char dir[] = "/tmp/berth-rootcopy-XXXXXX";
static uint8_t data[SIZE], slot[SIZE], tree_image[VTREE_TREE_MAX >> 8];
static struct vtree tree;

static void path(char *out, const char *name)
{
	snprintf(out, 256, "%s/%s", dir, name);
}

static int put(const char *name, const void *p, size_t n)
{
	char f[256];
	path(f, name);
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, p, n) == (ssize_t)n;
	return (fd >= 0 && close(fd) == 0 && ok) ? 0 : -1;
}

static int get(const char *name, void *p, size_t n)
{
	char f[256];
	path(f, name);
	int fd = open(f, O_RDONLY);
	int ok = fd >= 0 && read(fd, p, n) == (ssize_t)n;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* The data, its tree by veritysetup, opened against veritysetup's root hash. */
static int fixture(void)
{
	char cmd[768], line[128], d[256], h[256];
	uint8_t root[VTREE_DIGEST], salt[16];
	size_t len;
	FILE *f;

	for (size_t i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 7 + i / 4093);
	if (!mkdtemp(dir) || put("data", data, SIZE) < 0)
		return -1;
	path(d, "data");
	path(h, "tree");
	snprintf(cmd, sizeof(cmd),
		 "veritysetup format %s %s --hash=sha256 --data-block-size=4096 "
		 "--hash-block-size=4096 --salt=" SALT " | sed -n 's/^Root hash:[[:space:]]*//p'",
		 d, h);
	if (!(f = popen(cmd, "r")))
		return -1;
	int ok = fgets(line, sizeof(line), f) &&
		 sodium_hex2bin(root, sizeof(root), line, 64, NULL, NULL, NULL) == 0;
	if (pclose(f) != 0 || !ok || !(f = fopen(h, "rb")))
		return -1;
	len = fread(tree_image, 1, sizeof(tree_image), f);
	fclose(f);
	sodium_hex2bin(salt, sizeof(salt), SALT, 32, NULL, NULL, NULL);
	return vtree_open(&tree, tree_image, len, BLOCKS, salt, sizeof(salt), root, vtree_sha256,
			  NULL);
}

/* BUNDLE (LEN bytes of the data, BAD flipped when it is below LEN) onto a slot of 0xee. */
static int copy(size_t len, size_t bad)
{
	char src_path[256], node[256];
	struct source src;
	uint8_t *b = malloc(len ? len : 1);

	memcpy(b, data, len);
	if (bad < len)
		b[bad] ^= 0x20;
	memset(slot, 0xee, SIZE);
	int r = put("bundle", b, len) < 0 || put("slot", slot, SIZE) < 0 ? -1 : 0;
	free(b);
	path(src_path, "bundle");
	path(node, "slot");
	if (r < 0 || source_open(&src, src_path, NULL, NULL, -1) < 0)
		return -1000;
	struct root_job job = {&src, node, &tree, SIZE, false};
	r = root_copy(&job);
	source_close(&src, true);
	return get("slot", slot, SIZE) < 0 ? -1000 : r;
}

/* Whether the slot from byte AT on is as copy() left it before the install. */
static int untouched_from(size_t at)
{
	for (size_t i = at; i < SIZE; i++)
		if (slot[i] != 0xee)
			return 0;
	return 1;
}

int main(void)
{
	size_t bad = 2 * MIB + 5 * VTREE_BLOCK + 123; /* block 517, in the third chunk */
	char want[160];

	CHECK(fixture() == 0, "fixture: data and its tree by veritysetup");

	CHECK(copy(SIZE, SIZE) == 0, "a whole root: copied");
	CHECK(memcmp(slot, data, SIZE) == 0, "... the slot holds it byte for byte");

	CHECK(copy(SIZE, bad) == -EBADMSG, "a bit flipped in block 517: refused");
	snprintf(want, sizeof(want),
		 "refused: root block 517 (byte %zu) does not match its hash in the verity tree; "
		 "nothing from byte %u on was written",
		 bad / VTREE_BLOCK * VTREE_BLOCK, 2 * MIB);
	CHECK(strcmp(complaint, want) == 0, "... said at that block and its megabyte");
	CHECK(untouched_from(2 * MIB), "... nothing from that megabyte on was written");

	CHECK(copy(2 * MIB + MIB / 2, SIZE) == -EPIPE, "a bundle ending inside the root: refused");
	CHECK(strcmp(complaint, "refused: the bundle ends inside the root") == 0, "... said so");
	CHECK(untouched_from(2 * MIB), "... nothing from the short megabyte on was written");

	snprintf(want, sizeof(want), "rm -rf %s", dir);
	CHECK(system(want) == 0, "clean-up");
	return CHECK_DONE();
}
