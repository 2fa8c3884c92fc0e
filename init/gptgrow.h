/*
 * Growing the data partition to the end of its disk: the pure part, the
 * writes that take a GPT there. init/growdisk.c reads the disk and makes
 * the writes; tests/unit/test_gptgrow.c checks every prefix of them.
 *
 * The kernel reads the primary GPT and looks at the backup only when told
 * to (the `gpt` parameter), so the primary must be valid after every
 * write: a power cut can fall between any two. A header is one sector,
 * written whole, but the entry array it covers with a CRC is many: the new
 * array goes where the header does not point yet, then the header is
 * switched to it. The plan, in order, each write flushed before the next:
 *   1. the backup array and header at the disk's end (the old backup, now
 *      inside the grown partition, is no longer pointed at);
 *   2. the new array in the gap after LBA 2's array, 3. the header to it;
 *   4. the new array at LBA 2, 5. the header back to it, the usual place;
 *   6. the protective MBR's size.
 * A table found between 3 and 5 (array away from LBA 2) gets 4 and 5 on
 * the next boot; one already grown and in place, nothing.
 */
#ifndef BERTH_GPTGROW_H
#define BERTH_GPTGROW_H

#include <stddef.h>
#include <stdint.h>

#define GROW_WRITES_MAX 6
/* The largest entry array grown: berth's tables have the usual 128 x 128 bytes (16 KiB). */
#define GROW_ARRAY_MAX (32u << 10)
/* Workspace: the array, three header sectors and the MBR, at the largest sector size. */
#define GROW_WORK_SIZE (GROW_ARRAY_MAX + 4 * 4096u)
/* GPT entry attribute 59: grow the file system to the partition (Discoverable Partitions). */
#define GPT_ATTR_GROWFS (1ull << 59)

struct grow_write {
	uint64_t off; /* bytes from the disk's start */
	size_t len;
	const uint8_t *buf;
};

struct grow_plan {
	struct grow_write w[GROW_WRITES_MAX];
	size_t n;	      /* writes; 0: nothing to do */
	uint64_t first, last; /* the partition's first and last LBA once they are made */
	uint64_t old_last;    /* and its last LBA before */
};

/*
 * The writes that grow partition NUMBER (1-based) of the GPT in HEAD (the
 * disk's first LEN bytes, as gpt_check takes them; SECTOR bytes per LBA)
 * to the end of a disk of DISK_SECTORS sectors, ending on a multiple of
 * ALIGN bytes, into P; their bytes are in WORK (GROW_WORK_SIZE bytes).
 * Only a partition with attribute 59 that no other partition follows is
 * grown. 0 (P->n may be 0); -EINVAL: no valid GPT, or a partition that
 * may not grow; -ENOSPC: the disk is smaller than its GPT says, or no
 * room for the array in the gap before the first usable LBA; -E2BIG: an
 * array over GROW_ARRAY_MAX.
 */
int gpt_grow_plan(const uint8_t *head, size_t len, size_t sector, uint64_t disk_sectors, int number,
		  uint64_t align, uint8_t *work, struct grow_plan *p);

#endif
