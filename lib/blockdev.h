/*
 * Block devices as sysfs names them, their /dev nodes, and the GPT read
 * from a whole disk: berth-init finds the root's partitions with it,
 * berth-update the slot it writes. Plain system calls, no allocator
 * (berth-init links none), no logging.
 */
#ifndef BERTH_BLOCKDEV_H
#define BERTH_BLOCKDEV_H

#include <stddef.h>
#include <stdint.h>

#define SYS_BLOCK "/sys/class/block"

/*
 * The /dev node of block device NAME, a sysfs name (sysfs spells a '/' in
 * a device name as '!', e.g. cciss!c0d0), into NODE: 0 or -ENAMETOOLONG.
 */
int blockdev_node(const char *name, char *node, size_t len);

/*
 * The logical sector size of disk DISK into *SECTOR: 512 when sysfs does
 * not say. 0, or -EINVAL when it is not 512 to 65536.
 */
int blockdev_sector_size(const char *disk, size_t *sector);

/*
 * The kernel name of partition NUMBER of disk DISK (its child in sysfs
 * whose "partition" attribute is NUMBER) into NAME: 0, -ENOENT, or -errno.
 */
int blockdev_partition(const char *disk, int number, char *name, size_t len);

/* The kernel name of the disk that holds partition PART into DISK: 0 or -errno. */
int blockdev_parent(const char *part, char *disk, size_t len);

/* The first bytes of a disk, enough to hold its GPT (lib/gpt.h). */
struct disk_head {
	uint8_t *buf; /* anonymous memory of SIZE bytes, LEN of them read */
	size_t size, len;
	size_t sector;
};

/*
 * Reads the start of disk DISK into H: its first 34 sectors, more when
 * its GPT's entry array lies beyond them (up to 8 MiB). 0 (release H with
 * disk_head_free), or -errno. Whether it holds a valid GPT is gpt.h's to say.
 */
int disk_head_read(const char *disk, struct disk_head *h);
void disk_head_free(struct disk_head *h);

#endif
