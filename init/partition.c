/*
 * Finding partitions by GPT unique partition GUID, straight from sysfs and
 * the disks themselves: no udev, no blkid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "gpt.h"
#include "init.h"

#define SYS_BLOCK "/sys/class/block"
/* Past any real GPT (the entry array is usually 16 KiB at LBA 2). */
#define GPT_READ_MAX (8u << 20)
#define POLL_MS 50

static bool has_attr(const char *dev, const char *attr)
{
	char path[256];

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s/%s", dev, attr) < 0)
		return false;
	return access(path, F_OK) == 0;
}

/* Whole disks that could hold our GPT; skips empty drives and floppies, whose reads can hang. */
static bool candidate_disk(const char *name)
{
	char size[32];

	if (name[0] == '.' || has_attr(name, "partition") || strncmp(name, "fd", 2) == 0)
		return false;
	return block_attr(name, "size", size, sizeof(size)) == 0 && strcmp(size, "0") != 0;
}

static ssize_t read_head(int fd, uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len) {
		ssize_t r = pread(fd, buf + n, len - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* Partition number of UUID on DISK, or -errno (-ENOENT: not there). */
static int disk_lookup(const char *disk, const char *uuid)
{
	char attr[32], node[128];
	size_t sector = 512;
	int r;

	if (block_attr(disk, "queue/logical_block_size", attr, sizeof(attr)) == 0)
		sector = (size_t)strtoul(attr, NULL, 10);
	if (sector < 512 || sector > 65536)
		return -EINVAL;
	/* sysfs spells a '/' in a device name as '!' (e.g. cciss!c0d0). */
	if (pathf(node, sizeof(node), "/dev/%s", disk) < 0)
		return -ENAMETOOLONG;
	for (char *c = node; *c; c++)
		if (*c == '!')
			*c = '/';
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * LBA 0-33 covers the usual layout; grow only for an unusual one.
	 * Anonymous memory, not malloc: berth-init links no allocator.
	 */
	for (size_t len = 34 * sector;; len *= 8) {
		uint8_t *buf =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			r = -errno;
			break;
		}
		ssize_t n = read_head(fd, buf, len);
		r = n < 0 ? (int)n : gpt_find_partition(buf, (size_t)n, sector, uuid);
		munmap(buf, len);
		if (n < 0 || r != -ENOSPC || (size_t)n < len || len >= GPT_READ_MAX)
			break;
	}
	close(fd);
	return r;
}

/* sysfs "dev" files hold "major:minor" (sscanf would pull 10 KB of musl in). */
static int parse_devnum(const char *s, unsigned *maj, unsigned *min)
{
	char *end;

	unsigned long a = strtoul(s, &end, 10);
	if (end == s || *end != ':')
		return -EINVAL;
	s = end + 1;
	unsigned long b = strtoul(s, &end, 10);
	if (end == s || *end || a > 0xfff || b > 0xfffff)
		return -EINVAL;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return 0;
}

struct child_find {
	const char *disk;
	int number;
	struct part *out;
};

/* 1 when NAME, in the folder of disk F->disk, is partition F->number. */
static int child_match(void *ctx, int dirfd, const char *name)
{
	const struct child_find *f = ctx;
	char rel[192], attr[32];
	unsigned maj, min;

	(void)dirfd;
	if (name[0] == '.')
		return 0;
	if (pathf(rel, sizeof(rel), "%s/%s", f->disk, name) < 0)
		return 0;
	if (block_attr(rel, "partition", attr, sizeof(attr)) < 0 || atoi(attr) != f->number)
		return 0;
	if (block_attr(rel, "dev", attr, sizeof(attr)) < 0 || parse_devnum(attr, &maj, &min) < 0)
		return 0;
	if (pathf(f->out->name, sizeof(f->out->name), "%s", name) < 0)
		return 0;
	snprintf(f->out->devnum, sizeof(f->out->devnum), "%u:%u", maj, min);
	f->out->dev = makedev(maj, min);
	return 1;
}

/* The child of DISK whose "partition" attribute is NUMBER. */
static int child_partition(const char *disk, int number, struct part *out)
{
	char path[256];
	struct child_find f = {disk, number, out};

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s", disk) < 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = dir_each(fd, child_match, &f);
	close(fd);
	return r > 0 ? 0 : -ENOENT;
}

struct disk_find {
	const char *uuid;
	struct part *out;
	bool verbose;
	int r; /* -ENOENT, or what the last child_partition() returned */
};

/* 1 when disk NAME has partition F->uuid, found as F->out. */
static int disk_match(void *ctx, int dirfd, const char *name)
{
	struct disk_find *f = ctx;

	(void)dirfd;
	if (!candidate_disk(name))
		return 0;
	int num = disk_lookup(name, f->uuid);
	if (num > 0)
		f->r = child_partition(name, num, f->out);
	if (f->verbose)
		say("  disk %s: %s", name,
		    num > 0 ? (f->r == 0 ? "has it" : "has it, but the partition device is missing")
		    : num == -ENOENT ? "GPT without it"
		    : num == -EINVAL ? "no valid GPT"
				     : strerror(-num));
	return num > 0 && f->r == 0;
}

/* With VERBOSE, says what each disk held: used once, when the wait gives up. */
static int part_find(const char *uuid, struct part *out, bool verbose)
{
	struct disk_find f = {uuid, out, verbose, -ENOENT};
	int fd = open(SYS_BLOCK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		if (verbose)
			say("cannot list " SYS_BLOCK ": %s", strerror(errno));
		return -ENOENT;
	}
	dir_each(fd, disk_match, &f);
	close(fd);
	return f.r;
}

/* Polls until every UUID is found or TIMEOUT_MS passes; returns 0 or -ETIMEDOUT. */
int part_wait(const char *const uuids[], struct part parts[], size_t n, unsigned timeout_ms)
{
	uint64_t deadline = boottime_ms() + timeout_ms;
	bool found[8] = {false};
	bool announced = false;

	if (n > sizeof(found) / sizeof(found[0]))
		return -EINVAL;
	for (;;) {
		size_t missing = 0;
		for (size_t i = 0; i < n; i++) {
			if (!found[i] && part_find(uuids[i], &parts[i], false) == 0) {
				found[i] = true;
				say("PARTUUID=%s is %s (%s)", uuids[i], parts[i].name,
				    parts[i].devnum);
			}
			missing += !found[i];
		}
		if (!missing)
			return 0;
		if (boottime_ms() >= deadline)
			break;
		if (!announced)
			say("waiting up to %u s for %zu partition(s)", timeout_ms / 1000, missing);
		announced = true;
		sleep_ms(POLL_MS);
	}
	for (size_t i = 0; i < n; i++) {
		if (found[i])
			continue;
		say("PARTUUID=%s not found; block devices:", uuids[i]);
		part_find(uuids[i], &parts[i], true);
	}
	return -ETIMEDOUT;
}
