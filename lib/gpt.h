/* Finding a partition by its unique GUID or its name in a GPT read from a disk; its CRC. */
#ifndef BERTH_GPT_H
#define BERTH_GPT_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 GPT headers and entry arrays carry (IEEE 802.3, reflected). */
uint32_t gpt_crc32(const uint8_t *p, size_t n);

/*
 * Whether DISK, the first LEN bytes of a disk, holds its whole primary GPT
 * (checked as below): 0, -EINVAL when it is not a valid GPT, -ENOSPC when
 * LEN is too short to hold the entry array.
 */
int gpt_check(const uint8_t *disk, size_t len, size_t sector);

/*
 * DISK is the first bytes of a disk: at least LBA 0..1 plus the partition
 * entry array (the header's PartitionEntryLBA * SECTOR + entries). LEN is
 * how many bytes DISK holds. Checks the header signature, header CRC32 and
 * entry-array CRC32. Returns the 1-based partition number whose unique
 * partition GUID equals UUID (text form, any case), -ENOENT when no entry
 * matches, -EINVAL when the GPT is invalid, -ENOSPC when LEN is too short
 * to hold the entry array.
 */
int gpt_find_partition(const uint8_t *disk, size_t len, size_t sector, const char *uuid);

/*
 * Like gpt_find_partition, by partition name (ASCII, compared exactly with
 * the entry's UTF-16LE name). -EEXIST when two partitions carry NAME: an
 * updater must not guess which one to overwrite.
 */
int gpt_find_name(const uint8_t *disk, size_t len, size_t sector, const char *name);

#endif
