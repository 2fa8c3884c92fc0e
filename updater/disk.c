/*
 * The disk under the verified root and the partitions an update touches,
 * found by GPT name in the GPT read from the disk itself (lib/blockdev.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockdev.h"
#include "gpt.h"
#include "update.h"

#define SLAVES_MAX 4

/*
 * The block devices under the root: the verity device's data and hash
 * partitions (its "slaves" in sysfs). Returns how many, or -errno.
 */
static int root_slaves(char names[SLAVES_MAX][64])
{
	char path[128];
	struct stat st;
	struct dirent *de;
	int n = 0;

	if (stat("/", &st) < 0)
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves", major(st.st_dev),
		 minor(st.st_dev));
	DIR *dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n < SLAVES_MAX) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(dir);
	return n;
}

/* The kernel name of the partition called NAME in DISK's GPT (H); logs. */
static int find_partition(const char *disk, const struct disk_head *h, const char *name, char *out,
			  size_t outlen)
{
	int num = gpt_find_name(h->buf, h->len, h->sector, name);

	if (num == -ENOENT || num == -EEXIST) {
		complain("/dev/%s: %s partition named \"%s\"", disk,
			 num == -ENOENT ? "no" : "more than one", name);
		return num;
	}
	if (num < 0) {
		complain("/dev/%s: no valid GPT", disk);
		return num;
	}
	int r = blockdev_partition(disk, num, out, outlen);
	if (r < 0)
		complain("/dev/%s: partition %d (\"%s\") has no device", disk, num, name);
	return r;
}

static bool in_list(const char *name, char list[][64], int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* The disk holding the root's partitions SLAVES (N of them), and its start, read; logs. */
static int root_disk(char slaves[][64], int n, char *disk, size_t len, struct disk_head *h)
{
	if (n <= 0) {
		complain("the root is not a verity device over partitions (%s)",
			 n < 0 ? strerror(-n) : "no slaves in sysfs");
		return n < 0 ? n : -ENODEV;
	}
	int r = blockdev_parent(slaves[0], disk, len);
	if (r < 0) {
		complain("cannot find the disk holding %s: %s", slaves[0], strerror(-r));
		return r;
	}
	if ((r = disk_head_read(disk, h)) < 0)
		complain("cannot read the GPT of /dev/%s: %s", disk, strerror(-r));
	return r;
}

int disk_probe(const struct boot *b, struct disk *d)
{
	char slaves[SLAVES_MAX][64], disk[64], names[5][24], parts[5][64];
	char target = b->slot == 'a' ? 'b' : 'a';
	struct disk_head h;
	int n = root_slaves(slaves);
	int r = root_disk(slaves, n, disk, sizeof(disk), &h);

	if (r < 0)
		return r;
	snprintf(names[0], sizeof(names[0]), "esp");
	snprintf(names[1], sizeof(names[1]), "root-%c", target);
	snprintf(names[2], sizeof(names[2]), "root-%c-verity", target);
	snprintf(names[3], sizeof(names[3]), "root-%c", b->slot);
	snprintf(names[4], sizeof(names[4]), "root-%c-verity", b->slot);
	for (int i = 0; i < 5; i++)
		if ((r = find_partition(disk, &h, names[i], parts[i], sizeof(parts[i]))) < 0)
			goto out;
	/* The GPT names must agree with what the kernel has under the root. */
	r = -EBUSY;
	if (!in_list(parts[3], slaves, n) || !in_list(parts[4], slaves, n)) {
		complain("booted from slot %c, but %s and %s are not under the root", b->slot,
			 names[3], names[4]);
		goto out;
	}
	if (in_list(parts[1], slaves, n) || in_list(parts[2], slaves, n)) {
		complain("refused: slot %c's partitions are in use by the root", target);
		goto out;
	}
	if ((r = blockdev_node(parts[0], d->esp, sizeof(d->esp))) < 0 ||
	    (r = blockdev_node(parts[1], d->root, sizeof(d->root))) < 0)
		goto out;
	if ((r = blockdev_node(parts[2], d->verity, sizeof(d->verity))) < 0 ||
	    (r = blockdev_node(parts[3], d->booted_root, sizeof(d->booted_root))) < 0)
		goto out;
	r = blockdev_node(parts[4], d->booted_verity, sizeof(d->booted_verity));
out:
	disk_head_free(&h);
	return r;
}
