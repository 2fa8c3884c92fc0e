/*
 * Finding this image's partitions straight from sysfs and the disks
 * themselves (no udev, no blkid), and only on the boot disk: every machine
 * of a product has the same PARTUUIDs, so another disk carrying them (a
 * stick, a copy of the image) must never supply the root or /var.
 * bootdisk.c decides which disk is the boot disk from what this file reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "bootdisk.h"
#include "efivar.h"
#include "gpt.h"
#include "init.h"

#define POLL_MS 50
/* Disks holding this image's PARTUUIDs that are told apart; more is refused as ambiguous. */
#define DISKS_MAX 8

enum { P_ESP, P_ROOT, P_VERITY, P_DATA, P_COUNT };
static const char *const part_words[P_COUNT] = {"esp", "root", "verity", "data"};

struct disk {
	char name[64];
	int num[P_COUNT]; /* partition numbers; 0: not on this disk */
};

/* One look at every disk. */
struct scan {
	const char *uuid[P_COUNT];	 /* NULL: not looked for */
	const struct pci_path *entry;	 /* where the firmware's boot entry points, or NULL */
	struct disk disk[DISKS_MAX + 1]; /* those holding any of UUID; the last, a scratch */
	struct disk_facts facts[DISKS_MAX];
	size_t n;
	bool verbose; /* say what each disk holds */
};

/* Whole disks that could hold our GPT; skips empty drives and floppies, whose reads can hang. */
static bool candidate_disk(const char *name)
{
	char attr[32];

	if (name[0] == '.' || block_attr(name, "partition", attr, sizeof(attr)) == 0 ||
	    strncmp(name, "fd", 2) == 0)
		return false;
	return block_attr(name, "size", attr, sizeof(attr)) == 0 && strcmp(attr, "0") != 0;
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

/* "esp root data": the partitions D holds, into BUF. */
static const char *held(const struct disk *d, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < P_COUNT; i++)
		if (d->num[i] && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? " " : "",
					       part_words[i]);
	return buf;
}

/*
 * Whether disk NAME, in the folder DIRFD (SYS_BLOCK), sits where the boot
 * entry ENTRY points (NULL: it does not say).
 */
static bool at_entry(int dirfd, const char *name, const struct pci_path *entry)
{
	char link[256];
	struct pci_path p;

	if (!entry)
		return false;
	ssize_t n = readlinkat(dirfd, name, link, sizeof(link));
	if (n <= 0 || (size_t)n == sizeof(link))
		return false;
	link[n] = '\0';
	return sysfs_pci_path(link, &p) == 0 && memcmp(&p, entry, sizeof(p)) == 0;
}

/* D's partition numbers from the GPT in H: 0, or -EINVAL when H holds no valid GPT. */
static int disk_parts(const struct scan *s, const struct disk_head *h, struct disk *d)
{
	for (int i = 0; i < P_COUNT; i++) {
		int num = s->uuid[i] ? gpt_find_partition(h->buf, h->len, h->sector, s->uuid[i])
				     : -ENOENT;
		if (num < 0 && num != -ENOENT)
			return num;
		d->num[i] = num > 0 ? num : 0;
	}
	return 0;
}

/* Adds disk NAME to the scan CTX when it holds any of the scan's PARTUUIDs. */
static int disk_scan(void *ctx, int dirfd, const char *name)
{
	struct scan *s = ctx;
	struct disk *d = &s->disk[s->n];
	struct disk_head h;
	char buf[32];

	if (!candidate_disk(name))
		return 0;
	memset(d->num, 0, sizeof(d->num));
	int r = disk_head_read(name, &h);
	if (r == 0)
		r = disk_parts(s, &h, d);
	disk_head_free(&h);
	held(d, buf, sizeof(buf));
	if (s->verbose)
		say("  disk %s: %s", name,
		    r == -EINVAL ? "no valid GPT"
		    : r < 0	 ? strerror(-r)
		    : buf[0]	 ? buf
				 : "GPT without this image's partitions");
	if (r < 0 || !buf[0])
		return 0;
	if (s->n == DISKS_MAX)
		return -EEXIST; /* more than can be told apart */
	snprintf(d->name, sizeof(d->name), "%s", name);
	s->facts[s->n++] = (struct disk_facts){.esp = d->num[P_ESP] > 0,
					       .root = d->num[P_ROOT] > 0,
					       .verity = d->num[P_VERITY] > 0,
					       .booted = at_entry(dirfd, name, s->entry)};
	return 0;
}

/* Looks at every disk: 0, -EEXIST when too many hold this image's PARTUUIDs, or -errno. */
static int scan_disks(struct scan *s)
{
	int fd = open(SYS_BLOCK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	s->n = 0;
	if (fd < 0) {
		int r = -errno;
		if (s->verbose)
			say("cannot list " SYS_BLOCK ": %s", strerror(-r));
		return r;
	}
	int r = dir_each(fd, disk_scan, s);
	close(fd);
	return r < 0 ? r : 0;
}

/* The ESP the firmware booted, from systemd-boot's variable: true when it says. */
static bool booted_esp(char uuid[GUID_TEXT_LEN + 1])
{
	int r = efivarfs_mount(MS_NOSUID | MS_NODEV | MS_NOEXEC);

	/* A failed mount is told as the reason the variable is not there. */
	if (r == 0)
		r = efivar_guid(EFIVAR_DEVICE_PART_UUID, uuid);
	if (r == 0)
		say("boot disk: the one holding the ESP the firmware booted, PARTUUID=%s", uuid);
	else
		say("boot disk: no LoaderDevicePartUUID (%s): the one holding root and verity",
		    strerror(-r));
	return r == 0;
}

/* Where the firmware's boot entry (the Boot#### of BootCurrent) points: 0 or -errno. */
static int boot_entry(struct pci_path *out)
{
	uint8_t cur[8], var[1024];
	char name[64];
	ssize_t n = efivar_read(EFIVAR_BOOT_CURRENT, cur, sizeof(cur));

	if (n < 0)
		return (int)n;
	if (n != 6)
		return -EINVAL;
	snprintf(name, sizeof(name), "Boot%04X-" EFI_GLOBAL_GUID, cur[4] | cur[5] << 8);
	n = efivar_read(name, var, sizeof(var));
	return n < 0 ? (int)n : load_option_pci_path(var, (size_t)n, out);
}

static void tell_ambiguous(const struct scan *s)
{
	char buf[32];

	say("boot disk: refused: cannot tell which disk the firmware booted; these (and maybe "
	    "more) hold this image's PARTUUIDs:");
	for (size_t i = 0; i < s->n; i++)
		say("  disk %s: %s%s", s->disk[i].name, held(&s->disk[i], buf, sizeof(buf)),
		    s->facts[i].booted ? " (where the boot entry points)" : "");
}

static void tell_chosen(const struct scan *s, size_t chosen, const struct part parts[3])
{
	char buf[32];
	const struct disk *d = &s->disk[chosen];

	say("boot disk: %s (%s)%s: root %s, verity %s, data %s", d->name, held(d, buf, sizeof(buf)),
	    s->facts[chosen].booted ? ", where the firmware's boot entry points" : "",
	    parts[0].name, parts[1].name, parts[2].name[0] ? parts[2].name : "none");
	for (size_t i = 0; i < s->n; i++)
		if (i != chosen)
			say("boot disk: %s also holds this image's PARTUUIDs (%s): another copy, "
			    "ignored",
			    s->disk[i].name, held(&s->disk[i], buf, sizeof(buf)));
}

/*
 * Root and verity of the boot disk D into PARTS: 0 once both have their
 * devices. The data partition too when D has it; else PARTS[2] is "".
 */
static int boot_parts(const struct disk *d, struct part parts[3])
{
	parts[2].name[0] = '\0';
	if (!d->num[P_ROOT] || !d->num[P_VERITY])
		return -ENOENT;
	int r = child_partition(d->name, d->num[P_ROOT], &parts[0]);
	if (r == 0)
		r = child_partition(d->name, d->num[P_VERITY], &parts[1]);
	if (r == 0 && d->num[P_DATA] && child_partition(d->name, d->num[P_DATA], &parts[2]) < 0)
		parts[2].name[0] = '\0';
	return r;
}

int boot_disk_wait(const struct boot_params *p, struct part parts[3], unsigned timeout_ms)
{
	char esp[GUID_TEXT_LEN + 1];
	struct pci_path entry;
	bool have_esp = booted_esp(esp);
	struct scan s = {
	    .uuid = {have_esp ? esp : NULL, p->root_uuid, p->verity_uuid, p->data_uuid},
	    .entry = have_esp && boot_entry(&entry) == 0 ? &entry : NULL,
	};
	uint64_t deadline = boottime_ms() + timeout_ms;
	bool announced = false;
	int r;

	for (;;) {
		r = scan_disks(&s);
		if (r == 0)
			r = bootdisk_choose(s.facts, s.n, have_esp);
		if (r == -EEXIST) {
			tell_ambiguous(&s);
			return r;
		}
		if (r >= 0 && boot_parts(&s.disk[r], parts) == 0) {
			tell_chosen(&s, (size_t)r, parts);
			return 0;
		}
		if (boottime_ms() >= deadline)
			break;
		if (!announced)
			say("waiting up to %u s for the boot disk", timeout_ms / 1000);
		announced = true;
		drivers_wait(POLL_MS, -1);
	}
	say("boot disk: %s%s; block devices:", r >= 0 ? s.disk[r].name : "not found",
	    r >= 0 ? ", without both root and verity" : "");
	s.verbose = true;
	scan_disks(&s);
	return -ETIMEDOUT;
}
