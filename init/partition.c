/*
 * Finding partitions by GPT unique partition GUID, straight from sysfs and
 * the disks themselves: no udev, no blkid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "gpt.h"
#include "init.h"

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

/* Partition number of UUID on DISK, or -errno (-ENOENT: not there). */
static int disk_lookup(const char *disk, const char *uuid)
{
	struct disk_head h;
	int r = disk_head_read(disk, &h);

	if (r < 0)
		return r;
	r = gpt_find_partition(h.buf, h.len, h.sector, uuid);
	disk_head_free(&h);
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

/* Partition NUMBER of DISK, with its device number. */
static int child_partition(const char *disk, int number, struct part *out)
{
	char attr[32];
	unsigned maj, min;
	int r = blockdev_partition(disk, number, out->name, sizeof(out->name));

	if (r < 0)
		return r;
	if (block_attr(out->name, "dev", attr, sizeof(attr)) < 0 ||
	    parse_devnum(attr, &maj, &min) < 0)
		return -ENOENT;
	snprintf(out->devnum, sizeof(out->devnum), "%u:%u", maj, min);
	out->dev = makedev(maj, min);
	return 0;
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
