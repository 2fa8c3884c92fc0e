/* Finding a partition by unique GUID or by name in the primary GPT (UEFI spec, chapter 5). */
#include "gpt.h"
#include "le.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define GPT_HEADER_MIN 92
#define GPT_ENTRY_MIN 128
/* Far above any real table (128 x 128 bytes is usual); bounds the CRC work. */
#define GPT_ARRAY_MAX (4u << 20)

/* Header field offsets. */
#define H_SIGNATURE 0
#define H_SIZE 12
#define H_CRC 16
#define H_MY_LBA 24
#define H_ENTRY_LBA 72
#define H_ENTRY_COUNT 80
#define H_ENTRY_SIZE 84
#define H_ENTRY_CRC 88

/* Entry field offsets. */
#define E_TYPE 0
#define E_UNIQUE 16
#define E_NAME 56
#define E_NAME_UNITS 36 /* UTF-16 code units */

/* Bit at a time: a GPT is a few KiB, a lookup table would buy nothing. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
	}
	return crc;
}

uint32_t gpt_crc32(const uint8_t *p, size_t n)
{
	return ~crc32_update(~0u, p, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Text UUID to the on-disk byte order: the first three groups are stored
 * little-endian, the last two as written.
 */
static int uuid_to_disk(const char *s, uint8_t out[16])
{
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t text[16];
	int n = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		text[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (int i = 0; i < 16; i++)
		out[order[i]] = text[i];
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool header_crc_ok(const uint8_t *h, uint32_t size)
{
	static const uint8_t zero[4];
	uint32_t crc = ~0u;

	crc = crc32_update(crc, h, H_CRC);
	crc = crc32_update(crc, zero, sizeof(zero));
	crc = crc32_update(crc, h + H_CRC + 4, size - H_CRC - 4);
	return ~crc == (uint32_t)le_get(h + H_CRC, 4);
}

/*
 * The checked entry array: *ENTRIES, *COUNT entries of *ESIZE bytes each.
 * 0, -EINVAL (no valid GPT) or -ENOSPC (LEN too short).
 */
static int gpt_entries(const uint8_t *disk, size_t len, size_t sector, const uint8_t **entries,
		       uint32_t *count, uint32_t *esize)
{
	if (!disk || sector < 512 || sector > 65536 || (sector & (sector - 1)))
		return -EINVAL;
	if (len < 2 * sector)
		return -ENOSPC;

	const uint8_t *h = disk + sector;
	uint32_t hsize = (uint32_t)le_get(h + H_SIZE, 4);
	if (memcmp(h + H_SIGNATURE, "EFI PART", 8) != 0)
		return -EINVAL;
	if (hsize < GPT_HEADER_MIN || hsize > sector || !header_crc_ok(h, hsize))
		return -EINVAL;
	if (le_get(h + H_MY_LBA, 8) != 1)
		return -EINVAL;

	uint64_t lba = le_get(h + H_ENTRY_LBA, 8);
	*count = (uint32_t)le_get(h + H_ENTRY_COUNT, 4);
	*esize = (uint32_t)le_get(h + H_ENTRY_SIZE, 4);
	if (lba < 2 || *esize < GPT_ENTRY_MIN || *esize % 8)
		return -EINVAL;
	uint64_t bytes = (uint64_t)*count * *esize;
	if (bytes > GPT_ARRAY_MAX || lba > GPT_ARRAY_MAX)
		return -EINVAL;
	uint64_t off = lba * sector;
	if (off + bytes > len)
		return -ENOSPC;

	*entries = disk + off;
	if (~crc32_update(~0u, *entries, (size_t)bytes) != (uint32_t)le_get(h + H_ENTRY_CRC, 4))
		return -EINVAL;
	return 0;
}

int gpt_check(const uint8_t *disk, size_t len, size_t sector)
{
	const uint8_t *entries;
	uint32_t count, esize;

	return gpt_entries(disk, len, sector, &entries, &count, &esize);
}

int gpt_find_partition(const uint8_t *disk, size_t len, size_t sector, const char *uuid)
{
	const uint8_t *entries;
	uint32_t count, esize;
	uint8_t want[16];

	if (!uuid || uuid_to_disk(uuid, want) < 0)
		return -EINVAL;
	int r = gpt_entries(disk, len, sector, &entries, &count, &esize);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = entries + (size_t)i * esize;
		if (all_zero(e + E_TYPE, 16))
			continue;
		if (memcmp(e + E_UNIQUE, want, 16) == 0)
			return (int)i + 1;
	}
	return -ENOENT;
}

/* The entry's UTF-16LE name is NAME exactly: ASCII, then NUL or the end of the field. */
static bool name_is(const uint8_t *field, const char *name)
{
	size_t n = strlen(name);

	if (n > E_NAME_UNITS)
		return false;
	for (size_t i = 0; i < n; i++)
		if (field[2 * i] != (uint8_t)name[i] || field[2 * i + 1] != 0)
			return false;
	return n == E_NAME_UNITS || (field[2 * n] == 0 && field[2 * n + 1] == 0);
}

int gpt_find_name(const uint8_t *disk, size_t len, size_t sector, const char *name)
{
	const uint8_t *entries;
	uint32_t count, esize;
	int found = -ENOENT;

	if (!name || !*name)
		return -EINVAL;
	int r = gpt_entries(disk, len, sector, &entries, &count, &esize);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = entries + (size_t)i * esize;
		if (all_zero(e + E_TYPE, 16) || !name_is(e + E_NAME, name))
			continue;
		if (found > 0)
			return -EEXIST;
		found = (int)i + 1;
	}
	return found;
}
