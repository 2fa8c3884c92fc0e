/* Block devices in sysfs and /dev, and a disk's GPT (see blockdev.h). */
#include "blockdev.h"
#include "fileio.h"
#include "gpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Past any real GPT (the entry array is usually 16 KiB at LBA 2). */
#define GPT_READ_MAX (8u << 20)

int blockdev_node(const char *name, char *node, size_t len)
{
	if (pathf(node, len, "/dev/%s", name) < 0)
		return -ENAMETOOLONG;
	for (char *c = node; *c; c++)
		if (*c == '!')
			*c = '/';
	return 0;
}

int blockdev_sector_size(const char *disk, size_t *sector)
{
	char attr[32];

	*sector = 512;
	if (block_attr(disk, "queue/logical_block_size", attr, sizeof(attr)) == 0)
		*sector = (size_t)strtoul(attr, NULL, 10);
	return *sector < 512 || *sector > 65536 ? -EINVAL : 0;
}

struct child_find {
	const char *disk;
	int number;
	char *name;
	size_t len;
};

/* 1 when NAME, in the folder of disk F->disk, is partition F->number. */
static int child_match(void *ctx, int dirfd, const char *name)
{
	const struct child_find *f = ctx;
	char rel[192], attr[32];

	(void)dirfd;
	if (name[0] == '.' || pathf(rel, sizeof(rel), "%s/%s", f->disk, name) < 0)
		return 0;
	if (block_attr(rel, "partition", attr, sizeof(attr)) < 0 || atoi(attr) != f->number)
		return 0;
	return pathf(f->name, f->len, "%s", name) < 0 ? -ENAMETOOLONG : 1;
}

int blockdev_partition(const char *disk, int number, char *name, size_t len)
{
	char path[256];
	struct child_find f = {disk, number, name, len};

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s", disk) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = dir_each(fd, child_match, &f);
	close(fd);
	return r > 0 ? 0 : r < 0 ? r : -ENOENT;
}

int blockdev_parent(const char *part, char *disk, size_t len)
{
	char path[256], link[1024];

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s", part) < 0)
		return -ENAMETOOLONG;
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	/* ".../block/DISK/PART": the folder above the partition's own. */
	char *own = strrchr(link, '/');
	if (!own)
		return -EINVAL;
	*own = '\0';
	char *parent = strrchr(link, '/');
	return pathf(disk, len, "%s", parent ? parent + 1 : link) < 0 ? -ENAMETOOLONG : 0;
}

/* LEN bytes of anonymous memory into H, filled from FD as far as it goes. */
static int head_fill(int fd, struct disk_head *h, size_t len)
{
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		return -errno;
	ssize_t n = pread_full(fd, buf, len, 0);
	if (n < 0) {
		munmap(buf, len);
		return (int)n;
	}
	*h = (struct disk_head){.buf = buf, .size = len, .len = (size_t)n, .sector = h->sector};
	return 0;
}

int disk_head_read(const char *disk, struct disk_head *h)
{
	char node[128];
	int r;

	*h = (struct disk_head){0};
	if ((r = blockdev_sector_size(disk, &h->sector)) < 0 ||
	    (r = blockdev_node(disk, node, sizeof(node))) < 0)
		return r;
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* LBA 0-33 covers the usual layout; grow only for an unusual one. */
	for (size_t len = 34 * h->sector;; len *= 8) {
		if ((r = head_fill(fd, h, len)) < 0)
			break;
		if (gpt_check(h->buf, h->len, h->sector) != -ENOSPC || h->len < len ||
		    len >= GPT_READ_MAX)
			break;
		disk_head_free(h);
	}
	close(fd);
	return r;
}

void disk_head_free(struct disk_head *h)
{
	if (h->buf)
		munmap(h->buf, h->size);
	h->buf = NULL;
}
