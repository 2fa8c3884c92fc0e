/*
 * libFuzzer target for the GPT reader berth-init and berth-update run on
 * every disk they find (lib/gpt.c), and for the plan that grows the data
 * partition (init/gptgrow.c): a disk's first bytes are whatever the disk
 * holds. Input: one byte of options, then the disk's bytes. Unless the
 * options say otherwise the header's and the entry array's CRC32s are set
 * right first, so that the fuzzer reaches the entries instead of stopping
 * at a checksum; its upper bits pick the partition to grow and how much
 * larger than its bytes the disk is. Besides not crashing, every answer
 * must be one the headers document, and every planned write must fall
 * inside the disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gpt.h"
#include "gptgrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The CRCs a well-formed table would carry, where the bytes hold them. */
static void fix_crcs(uint8_t *disk, size_t len, size_t sector)
{
	uint8_t *h = disk + sector;

	if (len < 2 * sector)
		return;
	uint64_t lba = le32(h + 72), count = le32(h + 80), esize = le32(h + 84);
	if (lba < len / sector && count * esize <= len - lba * sector)
		put_le32(h + 88, (uint32_t)crc32(0, disk + lba * sector, (uInt)(count * esize)));
	uint32_t hsize = le32(h + 12);
	if (hsize >= 92 && hsize <= sector) {
		put_le32(h + 16, 0);
		put_le32(h + 16, (uint32_t)crc32(0, h, hsize));
	}
}

static void check(int r)
{
	if (r != -EINVAL && r != -ENOENT && r != -ENOSPC && r != -EEXIST && (r < 1 || r > 65536))
		abort();
}

static void check_grow(const uint8_t *disk, size_t len, size_t sector, uint8_t options)
{
	static uint8_t work[GROW_WORK_SIZE];
	struct grow_plan p;
	uint64_t sectors = len / sector + ((uint64_t)(options >> 5) << 20);
	int r = gpt_grow_plan(disk, len, sector, sectors, (options >> 2) & 7, 1u << 20, work, &p);

	if (r != 0 && r != -EINVAL && r != -ENOSPC && r != -E2BIG)
		abort();
	if (r != 0 && p.n)
		abort();
	for (size_t i = 0; i < p.n; i++)
		if (p.w[i].off + p.w[i].len > sectors * sector || p.w[i].off % sector ||
		    p.w[i].len % sector)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t sector = data[0] & 1 ? 4096 : 512, len = size - 1;
	uint8_t *disk = malloc(len ? len : 1);

	memcpy(disk, data + 1, len);
	if (!(data[0] & 2))
		fix_crcs(disk, len, sector);
	check(gpt_find_partition(disk, len, sector, "2d7f46f1-3c52-4a5c-9e1e-0c3a5b7d9f10"));
	check(gpt_find_name(disk, len, sector, "esp"));
	check(gpt_find_name(disk, len, sector, "root-b-verity"));
	check_grow(disk, len, sector, data[0]);
	free(disk);
	return 0;
}
