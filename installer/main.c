/*
 * berth-install: berth-init's stage 1 starts it when the kernel command
 * line has berth.install= (the ESP's "Install to disk" entry), once the
 * boot disk (a USB stick holding this image) is found:
 *   berth-install ROOT [DATA]
 * ROOT and DATA are the kernel names of the boot disk's slot A root and
 * data partitions. It copies the image onto the server's internal disk
 * instead of booting it and exits 0; berth-init then reboots. It exits 1
 * after a refusal (saying why, having written nothing) or a failure;
 * berth-init then halts: never a reboot into the installer again. While it
 * runs, berth-init keeps the watchdog fed and loads the drivers of disks
 * that appear.
 *
 * The image ends where the stick's GPT says its backup header is (the
 * build puts it in the image's last sector; in install mode the stick's
 * data partition is not grown). A stick that has booted as a system is
 * refused: its /var is a machine's, not the image's. Written in 1 MiB
 * pieces, blocks of zeros cleared by the kernel (BLKZEROOUT), the first MiB
 * (MBR and GPT) last, so a cut copy leaves a disk without a partition table
 * that no firmware boots; then flushed and read back against the stick.
 * The target's ESP then loses the installer entry, and BootNext names the
 * target's firmware entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev.h"
#include "bootdisk.h"
#include "booted.h"
#include "clock.h"
#include "cmdline.h"
#include "efivar.h"
#include "fileio.h"
#include "gpt.h"
#include "install.h"
#include "say.h"

#define CHUNK (1u << 20)
#define DISKS_MAX 32
#define STR_(x) #x
#define STR(x) STR_(x)
/* The disks are looked at until none has come or gone for SETTLE_MS, at most WAIT_MS. */
#define SETTLE_MS 5000
#define WAIT_MS 30000
#define POLL_MS 500
#define TARGET_ESP "/install-esp"
#define MIB(x) ((unsigned long long)((x) >> 20))

struct disks {
	struct install_disk d[DISKS_MAX];
	bool candidate[DISKS_MAX];
	size_t n;
	bool more;	  /* more disks than DISKS_MAX: no choice is made among some of them */
	const char *boot; /* the boot disk's kernel name */
};

static uint8_t buf[CHUNK], back[CHUNK];

static noreturn void refuse(const char *why)
{
	say("install: REFUSED: %s; nothing was written", why);
	exit(1);
}

/* The serial number sysfs shows for DISK (NVMe, virtio, SCSI with one), trimmed, into OUT. */
static void disk_serial(const char *disk, char *out, size_t len)
{
	static const char *const attrs[] = {"device/serial", "serial"};

	out[0] = '\0';
	for (size_t i = 0; i < 2 && !out[0]; i++) {
		if (block_attr(disk, attrs[i], out, len) < 0) {
			out[0] = '\0';
			continue;
		}
		char *s = out;
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, "\n");
		while (n && s[n - 1] == ' ')
			n--;
		memmove(out, s, n);
		out[n] = '\0';
	}
}

static int disk_add(void *ctx, int dirfd, const char *name)
{
	struct disks *ds = ctx;
	char attr[32];

	(void)dirfd;
	if (name[0] == '.' || block_attr(name, "partition", attr, sizeof(attr)) == 0 ||
	    install_virtual(name))
		return 0;
	if (ds->n == DISKS_MAX) {
		ds->more = true;
		return 0;
	}
	struct install_disk *d = &ds->d[ds->n++];
	*d = (struct install_disk){.boot = strcmp(name, ds->boot) == 0};
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (block_attr(name, "size", attr, sizeof(attr)) == 0)
		d->bytes = strtoull(attr, NULL, 10) * 512; /* sysfs counts 512-byte sectors */
	d->removable = block_attr(name, "removable", attr, sizeof(attr)) == 0 && attr[0] == '1';
	disk_serial(name, d->serial, sizeof(d->serial));
	return 0;
}

static void disks_scan(struct disks *ds)
{
	int fd = open(SYS_BLOCK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ds->n = 0;
	ds->more = false;
	if (fd >= 0) {
		dir_each(fd, disk_add, ds);
		close(fd);
	}
}

/* Whether two scans saw the same disks of the same sizes. */
static bool disks_same(const struct disks *a, const struct disks *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->d[i].name, b->d[i].name) || a->d[i].bytes != b->d[i].bytes)
			return false;
	return true;
}

/*
 * The disks once they have settled: drivers probe controllers at their own
 * pace, and a disk that appears after the choice must not make it a guess.
 */
static void disks_settle(struct disks *ds)
{
	static struct disks prev;
	uint64_t start = boottime_ms(), stable = start;

	disks_scan(ds);
	while (boottime_ms() - stable < SETTLE_MS && boottime_ms() - start < WAIT_MS) {
		prev = *ds;
		sleep_ms(POLL_MS);
		disks_scan(ds);
		if (!disks_same(ds, &prev))
			stable = boottime_ms();
	}
}

/* Every disk looked at; CANDIDATES marks those berth.install=auto would take. */
static void disks_tell(const struct disks *ds, bool candidates)
{
	for (size_t i = 0; i < ds->n; i++) {
		const struct install_disk *d = &ds->d[i];
		say("install:   %s %s: %llu MiB%s%s%s%s%s",
		    candidates && ds->candidate[i] ? "*" : "-", d->name, MIB(d->bytes),
		    d->serial[0] ? ", serial " : "", d->serial, d->removable ? ", removable" : "",
		    d->boot ? ", the boot disk" : "", d->bytes ? "" : ", empty");
	}
}

/* The target for S among the settled disks: its index, or a refusal. */
static size_t choose(const struct install_spec *s, struct disks *ds)
{
	static char why[700];
	char names[300] = "";
	size_t at = 0;

	disks_settle(ds);
	if (ds->more)
		refuse("more than " STR(DISKS_MAX) " disks: too many to choose among");
	int r = install_choose(s, ds->d, ds->n, ds->candidate);
	if (r >= 0)
		return (size_t)r;
	for (size_t i = 0; i < ds->n; i++)
		if (ds->candidate[i] && at < sizeof(names))
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
					       at ? ", " : "", ds->d[i].name);
	say("install: the disks (* a candidate: a whole disk, not removable, not the boot disk):");
	disks_tell(ds, s->how == INSTALL_AUTO);
	switch (-r) {
	case INSTALL_NONE:
		refuse("no internal disk to install onto");
	case INSTALL_SEVERAL:
		snprintf(
		    why, sizeof(why),
		    "%s: %s; berth-install does not guess: name one (berth.install=/dev/NAME or "
		    "serial:TEXT)",
		    s->how == INSTALL_AUTO ? "several internal disks could be the target"
					   : "several disks have that serial",
		    names);
		refuse(why);
	case INSTALL_IS_BOOT:
		snprintf(why, sizeof(why), "%s is the disk this machine booted from", s->name);
		refuse(why);
	default:
		snprintf(why, sizeof(why), "no disk %s%s here",
			 s->how == INSTALL_SERIAL ? "serial " : "", s->name);
		refuse(why);
	}
}

static int open_disk(const char *name, int flags)
{
	char node[128];

	if (blockdev_node(name, node, sizeof(node)) < 0)
		return -ENAMETOOLONG;
	int fd = open(node, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Where the image on the boot disk BOOT (open as FD) ends: the byte count,
 * or a refusal. Its sector size into *SECTOR.
 */
static uint64_t image_end(const char *boot, int fd, size_t *sector)
{
	static char why[200];
	struct disk_head h;
	uint64_t end = 0;
	int r = disk_head_read(boot, &h);

	if (r == 0)
		r = install_image_end(h.buf, h.len, h.sector, &end);
	if (r == 0 &&
	    (pread_full(fd, buf, h.sector, (off_t)(end - h.sector)) != (ssize_t)h.sector ||
	     !install_backup_ok(buf, h.sector, end / h.sector - 1)))
		r = -ENOENT;
	*sector = h.sector;
	disk_head_free(&h);
	if (r < 0) {
		snprintf(why, sizeof(why), "the boot disk %s: %s", boot,
			 r == -ENOENT ? "no backup GPT header where its primary header says"
				      : "no valid GPT to tell where the image ends");
		refuse(why);
	}
	return end;
}

/* [OFF, OFF+LEN) of SRC onto DST: written, or cleared when it is all zeros. */
static int copy_piece(int src, int dst, uint64_t off, size_t len)
{
	if (pread_full(src, buf, len, (off_t)off) != (ssize_t)len)
		return -EIO;
	/* All zeros: the first byte is, and each equals the next. */
	bool zeros = buf[0] == 0 && memcmp(buf, buf + 1, len - 1) == 0;
	if (!zeros)
		return pwrite_all(dst, buf, len, (off_t)off);
	uint64_t range[2] = {off, len};
	return ioctl(dst, BLKZEROOUT, range) < 0 ? -errno : 0;
}

static void progress(const char *what, uint64_t at, uint64_t end, int *told)
{
	int percent = (int)(at * 100 / end);

	if (percent / 10 == *told / 10)
		return;
	*told = percent;
	say("install: %s %3d%% (%llu of %llu MiB)", what, percent, MIB(at), MIB(end));
}

/* The image, END bytes of SRC, onto DST: the first MiB last. 0 or -errno. */
static int copy_image(int src, int dst, uint64_t end)
{
	int told = -10, r = 0;

	for (uint64_t at = CHUNK; r == 0 && at < end; at += CHUNK) {
		r = copy_piece(src, dst, at, end - at < CHUNK ? (size_t)(end - at) : CHUNK);
		progress("copied", at, end, &told);
	}
	if (r == 0 && fsync(dst) < 0)
		r = -errno;
	/* The partition table, once everything it points at is on the disk. */
	if (r == 0)
		r = copy_piece(src, dst, 0, end < CHUNK ? (size_t)end : CHUNK);
	if (r == 0 && fsync(dst) < 0)
		r = -errno;
	return r;
}

/* The target's bytes read back from the disk, not the page cache, against the image. */
static int check_image(int src, int dst, uint64_t end, uint64_t *bad)
{
	int told = -10;

	ioctl(dst, BLKFLSBUF, 0);
	for (uint64_t at = 0; at < end; at += CHUNK) {
		size_t n = end - at < CHUNK ? (size_t)(end - at) : CHUNK;
		if (pread_full(src, buf, n, (off_t)at) != (ssize_t)n ||
		    pread_full(dst, back, n, (off_t)at) != (ssize_t)n)
			return -EIO;
		if (memcmp(buf, back, n) != 0) {
			*bad = at;
			return -EILSEQ;
		}
		progress("read back", at + n, end, &told);
	}
	return 0;
}

/*
 * The target's ESP (partition ESP_NUM of TARGET) without the installer's
 * entry. The kernel is told the new table first, with the disk no longer
 * held exclusively: that would keep the partition from being mounted.
 */
static int drop_installer(const char *target, int esp_num)
{
	static const char *const files[] = {TARGET_ESP "/loader/entries/install.conf",
					    TARGET_ESP "/EFI/berth/install.efi"};
	char esp[INSTALL_NAME_MAX];
	char node[96];
	int fd = open_disk(target, O_RDONLY), r = fd;

	if (fd >= 0) {
		r = ioctl(fd, BLKRRPART, 0) < 0 ? -errno : 0;
		close(fd);
	}
	if (r == 0)
		r = blockdev_partition(target, esp_num, esp, sizeof(esp));
	if (r == 0)
		r = blockdev_node(esp, node, sizeof(node));
	if (r == 0 && ((mkdir(TARGET_ESP, 0700) < 0 && errno != EEXIST) ||
		       mount(node, TARGET_ESP, "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
		r = -errno;
	if (r < 0)
		return r;
	for (size_t i = 0; i < 2; i++)
		if (unlink(files[i]) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	rmdir(TARGET_ESP "/EFI/berth");
	sync();
	if (umount(TARGET_ESP) < 0 && r == 0)
		r = -errno;
	return r;
}

/* The ESP's partition number on the boot disk BOOT (the one the firmware booted), or 0. */
static int esp_number(const char *boot)
{
	char uuid[GUID_TEXT_LEN + 1];
	struct disk_head h;
	int r = efivar_guid(EFIVAR_DEVICE_PART_UUID, uuid);

	if (r == 0 && (r = disk_head_read(boot, &h)) == 0) {
		r = gpt_find_partition(h.buf, h.len, h.sector, uuid);
		disk_head_free(&h);
	}
	return r > 0 ? r : 0;
}

struct entry_find {
	struct pci_path want;
	int number; /* the matching Boot####; -1: none yet, -2: several */
};

/* One efivarfs file: a Boot#### whose device path is at F->want's PCI path. */
static int entry_match(void *ctx, int dirfd, const char *name)
{
	static uint8_t var[1024];
	struct entry_find *f = ctx;
	struct pci_path p;
	char *end;

	(void)dirfd;
	if (strlen(name) != 9 + GUID_TEXT_LEN || strncmp(name, "Boot", 4) != 0 || name[8] != '-' ||
	    strcmp(name + 9, EFI_GLOBAL_GUID) != 0)
		return 0;
	long number = strtol(name + 4, &end, 16);
	ssize_t n = end == name + 8 ? efivar_read(name, var, sizeof(var)) : -EINVAL;
	if (n < 0 || load_option_pci_path(var, (size_t)n, &p) < 0 ||
	    memcmp(&p, &f->want, sizeof(p)) != 0)
		return 0;
	f->number = f->number == -1 ? (int)number : -2;
	return 0;
}

/*
 * BootNext: the firmware's own boot entry for disk TARGET (the one Boot####
 * at its PCI path), so that the reboot starts the installed system even
 * with the stick still in. Without one (or with several) the firmware's
 * boot order decides.
 */
static void boot_next(const char *target)
{
	struct entry_find f = {.number = -1};
	char path[128], link[256];
	int fd = -1;

	ssize_t n = pathf(path, sizeof(path), SYS_BLOCK "/%s", target) < 0
			? -1
			: readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (sysfs_pci_path(link, &f.want) == 0)
			fd = open(EFIVARS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd >= 0) {
		dir_each(fd, entry_match, &f);
		close(fd);
	}
	uint8_t next[2] = {(uint8_t)f.number, (uint8_t)(f.number >> 8)};
	if (f.number >= 0 &&
	    efivar_write(EFIVAR_BOOT_NEXT,
			 EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
			     EFI_VARIABLE_RUNTIME_ACCESS,
			 next, sizeof(next)) == 0)
		say("install: the firmware starts Boot%04X, %s's entry, next", f.number, target);
	else
		say("install: no firmware boot entry of %s's own to start next: its boot order "
		    "decides",
		    target);
}

static noreturn void failed(const char *what, int err)
{
	say("install: FAILED: %s: %s", what, strerror(err));
	exit(1);
}

/*
 * The boot disk's data partition DATA as the build made it: a file system
 * never mounted. One that was is a machine's /var (its identity, its
 * containers), which must not be copied to every server installed.
 */
static void data_fresh(const char *data)
{
	static char why[300];
	uint8_t sb[INSTALL_SB_LEN];
	int fd = open_disk(data, O_RDONLY);
	ssize_t n = fd < 0 ? fd : pread_full(fd, sb, sizeof(sb), INSTALL_SB_OFFSET);
	int r = n == (ssize_t)sizeof(sb) ? install_fs_used(sb) : -EIO;

	if (fd >= 0)
		close(fd);
	if (r > 0)
		snprintf(why, sizeof(why),
			 "the boot disk has started as a system (its data partition %s has been "
			 "mounted): write the image onto it again to install from it",
			 data);
	else if (r == -EINVAL)
		snprintf(why, sizeof(why),
			 "the boot disk's data partition %s holds no ext4 file system", data);
	else if (r < 0)
		snprintf(why, sizeof(why), "the boot disk's data partition %s: %s", data,
			 strerror(n < 0 ? (int)-n : EIO));
	if (r != 0)
		refuse(why);
}

/*
 * The chosen disk T, checked against S and an image of END bytes in
 * sectors of SECTOR bytes: opened for writing, or a refusal. Looked at
 * read-only first: a refused disk is not even opened for writing.
 */
static int take_target(const struct install_spec *s, struct install_disk *t, uint64_t end,
		       size_t sector)
{
	static char why[300];
	size_t target_sector;

	/* A GPT's places are in sectors: the copy is one only on a disk of the same size. */
	if (blockdev_sector_size(t->name, &target_sector) < 0 || target_sector != sector) {
		snprintf(why, sizeof(why), "%s has sectors of %zu bytes, the boot disk of %zu",
			 t->name, target_sector, sector);
		refuse(why);
	}
	int dst = open_disk(t->name, O_RDONLY);
	ssize_t n = dst < 0 ? dst : pread_full(dst, back, 8192, 0);
	if (dst >= 0)
		close(dst);
	t->table = n > 0 && install_has_table(back, (size_t)n, 4096);
	int r = n < 0 ? 1 : install_target_ok(s, t, end);
	if (r == 1)
		snprintf(why, sizeof(why), "%s: %s", t->name, strerror((int)-n));
	if (r == -INSTALL_TOO_SMALL)
		snprintf(why, sizeof(why), "%s holds %llu MiB, the image %llu MiB", t->name,
			 MIB(t->bytes), MIB(end));
	if (r == -INSTALL_HAS_TABLE)
		snprintf(why, sizeof(why),
			 "%s holds a partition table (GPT or MBR); an entry with "
			 "berth.install=...,wipe overwrites it",
			 t->name);
	/* O_EXCL: the kernel's refusal when something has claimed the disk. */
	if (r == 0 && (dst = open_disk(t->name, O_RDWR | O_EXCL)) < 0) {
		snprintf(why, sizeof(why), "%s: %s", t->name, strerror(-dst));
		r = 1;
	}
	if (r != 0)
		refuse(why);
	return dst;
}

static void install(const struct install_spec *s, const char *root, const char *data)
{
	static struct disks ds;
	static char why[300];
	char boot[64];
	size_t sector;
	uint64_t bad = 0;
	int r = 0;

	say("install: berth.install=%s%s%s: installing the image from the boot disk",
	    s->how == INSTALL_AUTO     ? "auto"
	    : s->how == INSTALL_SERIAL ? "serial:"
				       : "/dev/",
	    s->name, s->wipe ? ",wipe" : "");
	if (blockdev_parent(root, boot, sizeof(boot)) < 0)
		refuse("cannot tell the boot disk's name");
	int src = open_disk(boot, O_RDONLY);
	if (src < 0)
		failed(boot, -src);
	uint64_t end = image_end(boot, src, &sector);
	if (data)
		data_fresh(data);
	int esp = esp_number(boot);
	if (!esp)
		refuse("the boot disk's ESP (LoaderDevicePartUUID) is not found");
	ds.boot = boot;
	struct install_disk *t = &ds.d[choose(s, &ds)];
	int dst = take_target(s, t, end, sector);
	say("install: %s (%llu MiB%s) onto %s (%llu MiB%s%s)", boot, MIB(end), ", the image",
	    t->name, MIB(t->bytes), t->serial[0] ? ", serial " : "", t->serial);
	if (t->table) {
		/* An old table must not point into the half-written image should this be cut. */
		uint64_t range[2] = {0, CHUNK};
		say("install: wiping %s's partition table", t->name);
		if (ioctl(dst, BLKZEROOUT, range) < 0 || fsync(dst) < 0)
			r = -errno;
	}
	uint64_t start = boottime_ms();
	if (r == 0)
		r = copy_image(src, dst, end);
	if (r < 0)
		failed("writing the image", -r);
	r = check_image(src, dst, end, &bad);
	if (r == -EILSEQ) {
		snprintf(why, sizeof(why),
			 "read back: %s differs from the image in the MiB at %llu", t->name,
			 MIB(bad));
		failed(why, EIO);
	}
	if (r < 0)
		failed("reading the image back", -r);
	say("install: %llu MiB written onto %s, read back and checked, in %llu s", MIB(end),
	    t->name, (unsigned long long)((boottime_ms() - start) / 1000));
	close(dst);
	close(src);
	if ((r = drop_installer(t->name, esp)) < 0)
		failed("removing the installer's entry from the installed ESP", -r);
	boot_next(t->name);
	sync();
	say("install: done: %s holds this image without the installer's entry", t->name);
}

int main(int argc, char **argv)
{
	static char line[CMDLINE_MAX + 1], err[200];
	struct install_spec s;

	if (argc < 2 || argc > 3) {
		say("install: usage: berth-install ROOT [DATA] (berth-init starts it)");
		return 2;
	}
	ssize_t n = read_text("/proc/cmdline", line, sizeof(line));
	int r = n < 0 ? (int)n : install_requested(line, &s, err, sizeof(err));
	if (r == 0)
		snprintf(err, sizeof(err), "no berth.install= on the kernel command line");
	else if (r < 0 && n < 0)
		snprintf(err, sizeof(err), "/proc/cmdline: %s", strerror((int)-n));
	if (r <= 0)
		refuse(err);
	install(&s, argv[1], argc == 3 ? argv[2] : NULL);
	return 0;
}
