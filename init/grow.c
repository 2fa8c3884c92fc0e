/*
 * The data partition fills its disk: an image is built small and written
 * onto drives of any size. Stage 1 grows the partition in the GPT (the
 * writes gptgrow.c plans) and tells the kernel; stage 2, once /var is
 * mounted, grows its ext4 online. Each step looks at what is on the disk,
 * not at a mark, so a power cut anywhere leaves the rest to the next boot,
 * and a boot that finds everything grown does nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "blockdev.h"
#include "gptgrow.h"
#include "init.h"
#include "le.h"

/* The partition ends on a whole MiB, as image/mkdisk.sh lays the others out. */
#define ALIGN (1u << 20)

/* fs/ext4/ext4.h: not in the kernel's exported headers. */
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
/* The ext4 superblock, 1024 bytes into the file system, and the fields read here. */
#define EXT4_SB_OFFSET 1024
#define SB_BLOCKS_LO 0x4
#define SB_LOG_BLOCK_SIZE 0x18
#define SB_MAGIC 0x38
#define SB_INCOMPAT 0x60
#define SB_BLOCKS_HI 0x150
#define EXT4_INCOMPAT_64BIT 0x80

/* The writes of plan P on FD, each flushed to the disk before the next. */
static int plan_write(int fd, const struct grow_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		int r = pwrite_all(fd, p->w[i].buf, p->w[i].len, (off_t)p->w[i].off);
		if (r < 0)
			return r;
		if (fdatasync(fd) < 0)
			return -errno;
	}
	return 0;
}

/* The kernel's view of partition NUMBER on the disk open as FD: FIRST..LAST (LBAs of SECTOR). */
static int kernel_resize(int fd, int number, uint64_t first, uint64_t last, size_t sector)
{
	struct blkpg_partition part = {
	    .start = (long long)(first * sector),
	    .length = (long long)((last - first + 1) * sector),
	    .pno = number,
	};
	struct blkpg_ioctl_arg arg = {
	    .op = BLKPG_RESIZE_PARTITION, .datalen = sizeof(part), .data = &part};

	return ioctl(fd, BLKPG, &arg) < 0 ? -errno : 0;
}

/* Grows partition NUMBER of DISK, open as FD; logs what it did or why not. */
static void grow_on(int fd, const char *disk, const char *data, int number)
{
	static uint8_t work[GROW_WORK_SIZE];
	struct disk_head h = {0};
	struct grow_plan p;
	uint64_t bytes;
	int r = disk_head_read(disk, &h);

	if (r == 0 && ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		r = -errno;
	if (r == 0)
		r = gpt_grow_plan(h.buf, h.len, h.sector, bytes / h.sector, number, ALIGN, work,
				  &p);
	if (r < 0) {
		say("data partition: %s not grown: %s", data,
		    r == -EINVAL ? "not the disk's last partition, or without GPT attribute 59"
				 : strerror(-r));
		goto out;
	}
	if (p.n == 0)
		goto out;
	if ((r = plan_write(fd, &p)) < 0) {
		say("data partition: writing /dev/%s's GPT: %s", disk, strerror(-r));
		goto out;
	}
	if (p.last == p.old_last) {
		/* A growth cut after the table took the new size, or a disk a little larger. */
		say("data partition: %s: /dev/%s's GPT completed at the disk's end", data, disk);
		goto out;
	}
	r = kernel_resize(fd, number, p.first, p.last, h.sector);
	say("data partition: %s grown from %llu to %llu MiB%s%s", data,
	    (unsigned long long)((p.old_last - p.first + 1) * h.sector >> 20),
	    (unsigned long long)((p.last - p.first + 1) * h.sector >> 20),
	    r < 0 ? "; the kernel sees it at the next boot: " : "", r < 0 ? strerror(-r) : "");
out:
	disk_head_free(&h);
}

void disk_grow(const char *data)
{
	char disk[64], node[80], attr[16];

	if (!data[0])
		return;
	int r = blockdev_parent(data, disk, sizeof(disk));
	if (r == 0)
		r = block_attr(data, "partition", attr, sizeof(attr));
	if (r == 0)
		r = blockdev_node(disk, node, sizeof(node));
	int fd = r < 0 ? r : open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("data partition: %s not grown: its disk: %s", data,
		    strerror(r < 0 ? -r : errno));
		return;
	}
	grow_on(fd, disk, data, atoi(attr));
	close(fd);
}

/* The block count and block size of the ext4 on NODE (open as FD): 0 or -errno. */
static int ext4_size(int fd, uint64_t *blocks, uint64_t *block_size)
{
	uint8_t sb[1024];
	ssize_t n = pread_full(fd, sb, sizeof(sb), EXT4_SB_OFFSET);

	if (n < 0)
		return (int)n;
	if (n != sizeof(sb) || le_get(sb + SB_MAGIC, 2) != 0xef53 ||
	    le_get(sb + SB_LOG_BLOCK_SIZE, 4) > 6)
		return -EINVAL;
	*block_size = 1024u << le_get(sb + SB_LOG_BLOCK_SIZE, 4);
	*blocks = le_get(sb + SB_BLOCKS_LO, 4);
	if (le_get(sb + SB_INCOMPAT, 4) & EXT4_INCOMPAT_64BIT)
		*blocks |= le_get(sb + SB_BLOCKS_HI, 4) << 32;
	return 0;
}

void var_grow(const char *node)
{
	uint64_t blocks, grown, size, bytes, want;
	int fd = open(node, O_RDONLY | O_CLOEXEC), var = -1, r;

	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
		r = -errno;
		goto out;
	}
	if ((r = ext4_size(fd, &blocks, &size)) < 0 || (want = bytes / size) <= blocks)
		goto out;
	var = open("/var", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (var < 0 || ioctl(var, EXT4_IOC_RESIZE_FS, &want) < 0)
		r = -errno;
	/* The kernel leaves out a last group too small for its own metadata: then nothing grew. */
	else if ((r = ext4_size(fd, &grown, &size)) == 0 && grown > blocks)
		say("/var: ext4 grown from %llu to %llu MiB",
		    (unsigned long long)(blocks * size >> 20),
		    (unsigned long long)(grown * size >> 20));
out:
	if (r < 0)
		say("/var: not grown: %s", strerror(-r));
	if (var >= 0)
		close(var);
	if (fd >= 0)
		close(fd);
}
