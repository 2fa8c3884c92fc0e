/* unit: lib/gpt.c */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gpt.h"

/*
 * The test keeps its own table-driven CRC-32 so a bug in the library's
 * bitwise one cannot hide by being used on both sides.
 */
static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;
	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* GUID fields in on-disk (mixed-endian) order, written out by hand. */
static const uint8_t type_root[16] = {0xe3, 0xbc, 0x68, 0x4f, 0xcd, 0xe8, 0xb1, 0x4d,
				      0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84, 0xb7, 0x09};
/* 01234567-89ab-cdef-0011-223344556677 */
static const uint8_t uniq_a[16] = {0x67, 0x45, 0x23, 0x01, 0xab, 0x89, 0xef, 0xcd,
				   0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
/* fedcba98-7654-3210-8899-aabbccddeeff */
static const uint8_t uniq_b[16] = {0x98, 0xba, 0xdc, 0xfe, 0x54, 0x76, 0x10, 0x32,
				   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

struct layout {
	size_t sector;
	uint64_t entry_lba;
	uint32_t count;
	uint32_t esize;
	uint32_t hsize;
};

static void fix_entry_crc(uint8_t *disk, const struct layout *l)
{
	uint8_t *h = disk + l->sector;
	put32(h + 88, crc32(disk + l->entry_lba * l->sector, (size_t)l->count * l->esize));
}

static void fix_header_crc(uint8_t *disk, const struct layout *l)
{
	uint8_t *h = disk + l->sector;
	put32(h + 16, 0);
	put32(h + 16, crc32(h, l->hsize));
}

static void set_entry(uint8_t *disk, const struct layout *l, uint32_t index, const uint8_t *type,
		      const uint8_t *uniq)
{
	uint8_t *e = disk + l->entry_lba * l->sector + (size_t)index * l->esize;
	memcpy(e, type, 16);
	memcpy(e + 16, uniq, 16);
	put64(e + 32, 2048 + index * 2048);
	put64(e + 40, 2048 + index * 2048 + 2047);
}

/*
 * A primary GPT as a partitioning tool lays it out: protective MBR, header
 * at LBA 1, entry array from ENTRY_LBA. Partition A sits in slot 0 (number
 * 1), slot 1 is unused, partition B sits in slot 4 (number 5).
 */
static uint8_t *build(const struct layout *l, size_t *len)
{
	*len = (size_t)(l->entry_lba * l->sector + (uint64_t)l->count * l->esize);
	uint8_t *disk = calloc(1, *len);
	uint8_t *h = disk + l->sector;

	disk[510] = 0x55;
	disk[511] = 0xaa;
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, l->hsize);
	put64(h + 24, 1);
	put64(h + 32, 16383);
	put64(h + 40, 2048);
	put64(h + 48, 16350);
	memcpy(h + 56, uniq_b, 16); /* disk GUID: must not be mistaken for a partition */
	put64(h + 72, l->entry_lba);
	put32(h + 80, l->count);
	put32(h + 84, l->esize);
	set_entry(disk, l, 0, type_root, uniq_a);
	set_entry(disk, l, 4, type_root, uniq_b);
	fix_entry_crc(disk, l);
	fix_header_crc(disk, l);
	return disk;
}

static const struct layout std512 = {512, 2, 128, 128, 92};

#define UA "01234567-89ab-cdef-0011-223344556677"
#define UB "fedcba98-7654-3210-8899-aabbccddeeff"

static void test_valid(void)
{
	size_t len;
	uint8_t *d = build(&std512, &len);

	CHECK(len == 34 * 512, "standard layout is 34 sectors");
	CHECK(gpt_find_partition(d, len, 512, UA) == 1, "finds partition 1");
	CHECK(gpt_find_partition(d, len, 512, UB) == 5, "finds partition 5 after unused slots");
	CHECK(gpt_find_partition(d, len, 512, "FEDCBA98-7654-3210-8899-AABBCCDDEEFF") == 5,
	      "upper-case UUID matches");
	CHECK(gpt_find_partition(d, len, 512, "FedCBA98-7654-3210-8899-aAbBccddeeFF") == 5,
	      "mixed-case UUID matches");
	CHECK(gpt_find_partition(d, len, 512, "01234567-89ab-cdef-0011-223344556678") == -ENOENT,
	      "no match is -ENOENT");
	CHECK(gpt_find_partition(d, len, 512, "4f68bce3-e8cd-4db1-96e7-fbcaf984b709") == -ENOENT,
	      "a type GUID is not a partition GUID");
	/* The byte order on disk differs from the text: a naive memcmp would match this. */
	CHECK(gpt_find_partition(d, len, 512, "67452301-ab89-efcd-0011-223344556677") == -ENOENT,
	      "mixed-endian fields are swapped");
	CHECK(gpt_find_partition(d, len + 4096, 512, UA) == 1,
	      "extra bytes after the array are fine");
	free(d);
}

static void test_unused_slot_ignored(void)
{
	size_t len;
	uint8_t *d = build(&std512, &len);
	static const uint8_t zero[16];

	/* A stale unique GUID in a slot whose type is zero is an unused entry. */
	set_entry(d, &std512, 2, zero, uniq_a);
	set_entry(d, &std512, 0, zero, uniq_a);
	fix_entry_crc(d, &std512);
	fix_header_crc(d, &std512);
	CHECK(gpt_find_partition(d, len, 512, UA) == -ENOENT, "unused entries are skipped");
	free(d);
}

static void test_other_layouts(void)
{
	size_t len;
	struct layout l4k = {4096, 2, 128, 128, 92};
	uint8_t *d = build(&l4k, &len);

	CHECK(gpt_find_partition(d, len, 4096, UB) == 5, "4096-byte sectors");
	CHECK(gpt_find_partition(d, len, 512, UB) == -EINVAL, "wrong sector size finds no header");
	free(d);

	struct layout big = {512, 2, 64, 256, 92};
	d = build(&big, &len);
	CHECK(gpt_find_partition(d, len, 512, UB) == 5, "256-byte entries");
	free(d);

	struct layout far = {512, 40, 128, 128, 92};
	d = build(&far, &len);
	CHECK(gpt_find_partition(d, len, 512, UA) == 1, "entry array at LBA 40");
	free(d);

	struct layout longhdr = {512, 2, 128, 128, 120};
	d = build(&longhdr, &len);
	CHECK(gpt_find_partition(d, len, 512, UA) == 1, "header longer than 92 bytes");
	free(d);
}

static void test_corrupt(void)
{
	size_t len;
	uint8_t *d = build(&std512, &len);

	d[512] = 'e';
	fix_header_crc(d, &std512);
	CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, "bad signature");
	free(d);

	d = build(&std512, &len);
	d[512 + 40] ^= 1; /* FirstUsableLBA, CRC left stale */
	CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, "bad header CRC");
	free(d);

	d = build(&std512, &len);
	d[512 + 16] ^= 0x80;
	CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, "header CRC field itself altered");
	free(d);

	d = build(&std512, &len);
	d[1024 + 4 * 128 + 20] ^= 0x01; /* inside partition 5's GUID */
	CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, "bad entry-array CRC");
	free(d);

	d = build(&std512, &len);
	d[len - 1] = 1; /* last byte of the array, far from any used entry */
	CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, "CRC covers the whole array");
	free(d);

	static const struct {
		size_t off;
		uint32_t val;
		int is64;
		const char *name;
	} bad[] = {
	    {12, 91, 0, "header size below 92"},
	    {12, 513, 0, "header size above the sector"},
	    {24, 2, 1, "MyLBA is not 1"},
	    {72, 1, 1, "entry array overlapping the header"},
	    {84, 64, 0, "entry size below 128"},
	    {84, 132, 0, "entry size not a multiple of 8"},
	    {80, 0x10000000, 0, "absurd entry count"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = build(&std512, &len);
		uint8_t *h = d + 512;
		if (bad[i].is64)
			put64(h + bad[i].off, bad[i].val);
		else
			put32(h + bad[i].off, bad[i].val);
		if (bad[i].off != 12)
			fix_header_crc(d, &std512);
		else
			put32(h + 16, 0); /* CRC over a bogus size would read past the header */
		CHECK(gpt_find_partition(d, len, 512, UA) == -EINVAL, bad[i].name);
		free(d);
	}
}

static void test_short(void)
{
	size_t len;
	uint8_t *d = build(&std512, &len);

	CHECK(gpt_find_partition(d, len - 1, 512, UA) == -ENOSPC, "array cut by one byte");
	CHECK(gpt_find_partition(d, 2 * 512, 512, UA) == -ENOSPC, "header only");
	CHECK(gpt_find_partition(d, 512 + 100, 512, UA) == -ENOSPC, "header cut short");
	CHECK(gpt_find_partition(d, 0, 512, UA) == -ENOSPC, "empty buffer");
	CHECK(gpt_check(d, len, 512) == 0, "gpt_check: the whole GPT");
	CHECK(gpt_check(d, len + 512, 512) == 0, "gpt_check: more than the GPT");
	CHECK(gpt_check(d, len - 1, 512) == -ENOSPC, "gpt_check: array cut by one byte");
	CHECK(gpt_check(d, 2 * 512, 512) == -ENOSPC, "gpt_check: header only");
	CHECK(gpt_check(d, len, 4096) == -EINVAL, "gpt_check: wrong sector size");
	d[len - 1] ^= 1;
	CHECK(gpt_check(d, len, 512) == -EINVAL, "gpt_check: bad entry-array CRC");
	free(d);
}

static void test_bad_args(void)
{
	size_t len;
	uint8_t *d = build(&std512, &len);

	CHECK(gpt_find_partition(d, len, 512, "01234567-89ab-cdef-0011-22334455667") == -EINVAL,
	      "UUID too short");
	CHECK(gpt_find_partition(d, len, 512, "01234567-89ab-cdef-0011-2233445566770") == -EINVAL,
	      "UUID too long");
	CHECK(gpt_find_partition(d, len, 512, "01234567x89ab-cdef-0011-223344556677") == -EINVAL,
	      "UUID without dashes");
	CHECK(gpt_find_partition(d, len, 512, "0123456g-89ab-cdef-0011-223344556677") == -EINVAL,
	      "UUID with a non-hex digit");
	CHECK(gpt_find_partition(d, len, 500, UA) == -EINVAL, "sector size not a power of two");
	CHECK(gpt_find_partition(d, len, 256, UA) == -EINVAL, "sector size below 512");
	CHECK(gpt_find_partition(NULL, len, 512, UA) == -EINVAL, "NULL disk");
	CHECK(gpt_find_partition(d, len, 512, NULL) == -EINVAL, "NULL uuid");
	free(d);
}

/* Header and used entries of a GPT written by sfdisk (util-linux 2.38). */
static const uint8_t real_header[92] = {
    0x45, 0x46, 0x49, 0x20, 0x50, 0x41, 0x52, 0x54, 0x00, 0x00, 0x01, 0x00, 0x5c, 0x00, 0x00, 0x00,
    0x00, 0x3b, 0x50, 0x30, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xde, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5a, 0x3e, 0x7d, 0x0b, 0x2f, 0x1c, 0x6b, 0x4a,
    0x9d, 0x8e, 0x7f, 0x6a, 0x5b, 0x4c, 0x3d, 0x2e, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x78, 0xf8, 0x87, 0x25,
};
static const uint8_t real_entries[384] = {
    0xe3, 0xbc, 0x68, 0x4f, 0xcd, 0xe8, 0xb1, 0x4d, 0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84, 0xb7, 0x09,
    0x2b, 0x1a, 0x3f, 0x6e, 0x5d, 0x4c, 0x6f, 0x4e, 0x8a, 0x9b, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
    0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x6f, 0x00, 0x74, 0x00,
    0x2d, 0x00, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xed, 0x57, 0x73, 0x2c, 0xd2, 0xeb, 0xd9, 0x46, 0xae, 0xc1, 0x23, 0xd4, 0x37, 0xec, 0x2b, 0xf5,
    0xd4, 0xc3, 0xb2, 0xa1, 0xf6, 0xe5, 0x11, 0x47, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x72, 0x00, 0x6f, 0x00, 0x6f, 0x00, 0x74, 0x00,
    0x2d, 0x00, 0x61, 0x00, 0x2d, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x69, 0x00, 0x74, 0x00,
    0x79, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x16, 0xb0, 0x21, 0x4d, 0x34, 0xb5, 0xc2, 0x45, 0xa9, 0xfb, 0x5c, 0x16, 0xe0, 0x91, 0xfd, 0x2d,
    0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xef, 0x4d, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
    0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x37, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x61, 0x00, 0x74, 0x00, 0x61, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_real(void)
{
	size_t len = 34 * 512;
	uint8_t *d = calloc(1, len);

	memcpy(d + 512, real_header, sizeof(real_header));
	memcpy(d + 1024, real_entries, sizeof(real_entries));
	CHECK(gpt_find_partition(d, len, 512, "6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5B") == 1,
	      "sfdisk GPT: root-a is 1");
	CHECK(gpt_find_partition(d, len, 512, "a1b2c3d4-e5f6-4711-8899-aabbccddeeff") == 2,
	      "sfdisk GPT: root-a-verity is 2");
	CHECK(gpt_find_partition(d, len, 512, "12345678-9abc-4def-8123-456789abcdef") == 3,
	      "sfdisk GPT: data is 3");
	CHECK(gpt_find_partition(d, len, 512, "0b7d3e5a-1c2f-4a6b-9d8e-7f6a5b4c3d2e") == -ENOENT,
	      "sfdisk GPT: disk GUID is not a partition");
	CHECK(crc32(d + 1024, 128 * 128) == 0x2587f878u, "test CRC agrees with sfdisk");
	CHECK(gpt_find_name(d, len, 512, "root-a") == 1, "sfdisk GPT: named root-a is 1");
	CHECK(gpt_find_name(d, len, 512, "root-a-verity") == 2,
	      "sfdisk GPT: root-a-verity by name");
	CHECK(gpt_find_name(d, len, 512, "data") == 3, "sfdisk GPT: data by name");
	CHECK(gpt_find_name(d, len, 512, "root") == -ENOENT, "a name's prefix does not match");
	CHECK(gpt_find_name(d, len, 512, "root-a-verity-x") == -ENOENT,
	      "a longer name does not match");
	CHECK(gpt_find_name(d, len, 512, "ROOT-A") == -ENOENT, "names compare exactly");
	CHECK(gpt_find_name(d, len, 512, "") == -EINVAL, "empty name refused");
	CHECK(gpt_find_name(d, len - 1, 512, "data") == -ENOSPC, "by name: array cut short");
	d[1024 + 60] ^= 1;
	CHECK(gpt_find_name(d, len, 512, "root-a") == -EINVAL, "by name: entry CRC checked");
	free(d);
}

static void set_name(uint8_t *disk, const struct layout *l, uint32_t index, const char *name)
{
	uint8_t *e = disk + l->entry_lba * l->sector + (size_t)index * l->esize + 56;
	memset(e, 0, 72);
	for (size_t i = 0; name[i] && i < 36; i++)
		e[2 * i] = (uint8_t)name[i];
}

static void test_names(void)
{
	static const uint8_t zero[16];
	/* 36 characters: fills the name field, no NUL after it. */
	static const char full[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t len;
	uint8_t *d = build(&std512, &len);

	set_name(d, &std512, 0, "esp");
	set_name(d, &std512, 4, full);
	fix_entry_crc(d, &std512);
	fix_header_crc(d, &std512);
	CHECK(gpt_find_name(d, len, 512, "esp") == 1, "name in entry 1");
	CHECK(gpt_find_name(d, len, 512, full) == 5, "a 36-character name fills the field");

	set_entry(d, &std512, 2, zero, uniq_a);
	set_name(d, &std512, 2, "esp");
	fix_entry_crc(d, &std512);
	fix_header_crc(d, &std512);
	CHECK(gpt_find_name(d, len, 512, "esp") == 1, "an unused entry's stale name is skipped");

	set_name(d, &std512, 4, "esp");
	fix_entry_crc(d, &std512);
	fix_header_crc(d, &std512);
	CHECK(gpt_find_name(d, len, 512, "esp") == -EEXIST, "two partitions of one name refused");

	/* Non-ASCII UTF-16 unit whose low byte is an ASCII letter. */
	set_name(d, &std512, 4, "esp");
	d[std512.entry_lba * 512 + 4 * 128 + 56 + 1] = 0x01;
	set_name(d, &std512, 0, "data");
	fix_entry_crc(d, &std512);
	fix_header_crc(d, &std512);
	CHECK(gpt_find_name(d, len, 512, "esp") == -ENOENT, "high bytes of UTF-16 are compared");
	free(d);
}

int main(void)
{
	crc_init();
	CHECK(crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u, "CRC-32 check value");
	test_valid();
	test_unused_slot_ignored();
	test_other_layouts();
	test_corrupt();
	test_short();
	test_bad_args();
	test_real();
	test_names();
	return CHECK_DONE();
}
