/* The writes that grow the data partition to the disk's end (see gptgrow.h). */
#include "gptgrow.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "gpt.h"
#include "le.h"

/* Header fields (UEFI spec, "GPT Header"). */
#define H_SIZE 12
#define H_CRC 16
#define H_MY_LBA 24
#define H_ALTERNATE_LBA 32
#define H_FIRST_USABLE 40
#define H_LAST_USABLE 48
#define H_ENTRY_LBA 72
#define H_ENTRY_COUNT 80
#define H_ENTRY_SIZE 84
#define H_ENTRY_CRC 88

/* Entry fields. */
#define E_FIRST 32
#define E_LAST 40
#define E_ATTRS 48

/* The protective MBR's one partition record: its size in LBAs (UEFI spec, "Protective MBR"). */
#define MBR_TYPE (446 + 4)
#define MBR_SIZE_LBA (446 + 12)

static bool empty(const uint8_t *entry)
{
	static const uint8_t zero[16];

	return memcmp(entry, zero, sizeof(zero)) == 0;
}

/* Header H (SIZE bytes) pointing at its array at ENTRY_LBA, with its CRC. */
static void seal(uint8_t *h, uint32_t size, uint64_t my_lba, uint64_t alternate, uint64_t entry_lba)
{
	le_put(h + H_MY_LBA, my_lba, 8);
	le_put(h + H_ALTERNATE_LBA, alternate, 8);
	le_put(h + H_ENTRY_LBA, entry_lba, 8);
	le_put(h + H_CRC, 0, 4);
	le_put(h + H_CRC, gpt_crc32(h, size), 4);
}

/* Whether partition entry E may grow: attribute 59, and no partition among COUNT starts after it.
 */
static bool growable(const uint8_t *entries, uint32_t count, uint32_t esize, const uint8_t *e)
{
	uint64_t last = le_get(e + E_LAST, 8);

	if (empty(e) || !(le_get(e + E_ATTRS, 8) & GPT_ATTR_GROWFS) ||
	    le_get(e + E_FIRST, 8) > last)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *o = entries + (size_t)i * esize;
		if (o != e && !empty(o) && le_get(o + E_LAST, 8) > last)
			return false;
	}
	return true;
}

static void add(struct grow_plan *p, uint64_t lba, size_t sector, const uint8_t *buf, size_t len)
{
	p->w[p->n++] = (struct grow_write){lba * sector, len, buf};
}

/* The protective MBR's size when it needs one to match a disk whose last LBA is LAST, else 0. */
static uint32_t mbr_size(const uint8_t *mbr, uint64_t last)
{
	uint32_t want = last > UINT32_MAX ? UINT32_MAX : (uint32_t)last;

	if (mbr[MBR_TYPE] != 0xee || le_get(mbr + MBR_SIZE_LBA, 4) == want)
		return 0;
	return want;
}

int gpt_grow_plan(const uint8_t *head, size_t len, size_t sector, uint64_t disk_sectors, int number,
		  uint64_t align, uint8_t *work, struct grow_plan *p)
{
	*p = (struct grow_plan){0};
	int r = gpt_check(head, len, sector);
	if (r < 0)
		return r == -ENOSPC ? -EINVAL : r;
	const uint8_t *h = head + sector;
	uint32_t hsize = (uint32_t)le_get(h + H_SIZE, 4);
	uint64_t entry_lba = le_get(h + H_ENTRY_LBA, 8);
	uint32_t count = (uint32_t)le_get(h + H_ENTRY_COUNT, 4);
	uint32_t esize = (uint32_t)le_get(h + H_ENTRY_SIZE, 4);
	size_t bytes = (size_t)count * esize;
	uint64_t array_lbas = (bytes + sector - 1) / sector;

	if (number < 1 || (uint32_t)number > count || align < sector || align % sector)
		return -EINVAL;
	if (array_lbas * sector > GROW_ARRAY_MAX)
		return -E2BIG;
	/* The array's other place: after LBA 2's, before the first usable LBA; and not the current
	 * one. */
	uint64_t gap_lba = 2 + array_lbas;
	if (gap_lba + array_lbas > le_get(h + H_FIRST_USABLE, 8) ||
	    (entry_lba != 2 && entry_lba < gap_lba))
		return -ENOSPC;
	const uint8_t *entries = head + entry_lba * sector;
	const uint8_t *e = entries + (size_t)(number - 1) * esize;
	if (!growable(entries, count, esize, e))
		return -EINVAL;
	p->first = le_get(e + E_FIRST, 8);
	p->old_last = p->last = le_get(e + E_LAST, 8);
	if (disk_sectors < 2 * array_lbas + 3 || le_get(h + H_ALTERNATE_LBA, 8) >= disk_sectors)
		return -ENOSPC;
	uint64_t last_lba = disk_sectors - 1, last_usable = last_lba - array_lbas - 1;
	if (p->old_last > last_usable)
		return -ENOSPC;
	uint64_t per = align / sector, end = (last_usable + 1) / per * per;
	if (end > p->old_last + 1)
		p->last = end - 1;
	uint32_t mbr_want = mbr_size(head, last_lba);
	if (p->last == p->old_last && le_get(h + H_ALTERNATE_LBA, 8) == last_lba &&
	    entry_lba == 2 && !mbr_want)
		return 0;

	/* WORK: the new array, the backup header, the header at the gap, at LBA 2; the MBR. */
	uint8_t *array = work, *backup = work + array_lbas * sector, *at_gap = backup + sector,
		*at_two = at_gap + sector, *mbr = at_two + sector;
	memset(array, 0, array_lbas * sector);
	memcpy(array, entries, bytes);
	le_put(array + (size_t)(number - 1) * esize + E_LAST, p->last, 8);
	memcpy(backup, h, sector);
	le_put(backup + H_LAST_USABLE, last_usable, 8);
	le_put(backup + H_ENTRY_CRC, gpt_crc32(array, bytes), 4);
	memcpy(at_gap, backup, sector);
	memcpy(at_two, backup, sector);
	seal(backup, hsize, last_lba, 1, last_lba - array_lbas);
	seal(at_gap, hsize, 1, last_lba, gap_lba);
	seal(at_two, hsize, 1, last_lba, 2);

	add(p, last_lba - array_lbas, sector, array, (array_lbas + 1) * sector);
	if (entry_lba == 2) {
		add(p, gap_lba, sector, array, array_lbas * sector);
		add(p, 1, sector, at_gap, sector);
	}
	add(p, 2, sector, array, array_lbas * sector);
	add(p, 1, sector, at_two, sector);
	if (mbr_want) {
		memcpy(mbr, head, sector);
		le_put(mbr + MBR_SIZE_LBA, mbr_want, 4);
		add(p, 0, sector, mbr, sector);
	}
	return 0;
}
