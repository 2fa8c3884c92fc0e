/*
 * berth flash IMAGE TARGET [--yes]: a built disk image onto a drive, or
 * into a file. Only the image's data is copied (extents.h); the rest, its
 * holes and blocks of zeros, is zeroed by the kernel on a drive
 * (BLKZEROOUT: write-zeroes where the drive offers it) and punched in a
 * file, so the target reads as the image does whatever it held: a file
 * system's empty directory block or a root's zero block must not show
 * the drive's old bytes. Then it is flushed, dropped from the page cache
 * and its data read back against the image. A drive
 * that is mounted, swapped on or held by another device (device-mapper, md:
 * a running system's root) is refused, and one that holds a partition table
 * is overwritten only after a yes. Exit status: 0 written and checked,
 * 1 failed, 2 refused (nothing written).
 */
#define _GNU_SOURCE
#include "flash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "extents.h"
#include "fileio.h"
#include "util.h"

#define CHUNK (1u << 20)
#define MIB(x) ((unsigned long long)((x) >> 20))

struct flash {
	const char *image, *target;
	int in, out;
	uint64_t size;	   /* the image's */
	bool file;	   /* TARGET is a regular file */
	uint64_t written;  /* bytes of data */
	uint64_t zeroed;   /* bytes cleared between them */
	uint64_t hole_end; /* where the next stretch without data starts */
	int percent;	   /* last progress told */
};

/* Whether sysfs block device folder DIR (in /sys/dev/block) is held, mounted or swapped on. */
static const char *dev_busy(const char *dir, const char *mounts, const char *swaps)
{
	char path[512], dev[32], key[40];
	DIR *d;

	if (pathf(path, sizeof(path), "%s/dev", dir) < 0 || read_text(path, dev, sizeof(dev)) < 0)
		return NULL;
	dev[strcspn(dev, "\n")] = '\0';
	snprintf(key, sizeof(key), " %s ", dev);
	if (strstr(mounts, key))
		return "is mounted";
	if (strstr(swaps, key))
		return "is in use as swap";
	if (pathf(path, sizeof(path), "%s/holders", dir) == 0 && (d = opendir(path))) {
		struct dirent *e;
		while ((e = readdir(d)) && e->d_name[0] == '.')
			;
		closedir(d);
		if (e)
			return "is held by another device (device-mapper or md: a running system's "
			       "root?)";
	}
	return NULL;
}

/* " M:m " of every mounted device, from /proc/self/mountinfo's third field, into BUF. */
static void mounted_devs(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], dev[32];
	size_t at = 0;

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %31s", dev) == 1 && at < len)
			at += (size_t)snprintf(buf + at, len - at, " %s ", dev);
	if (f)
		fclose(f);
}

/* " M:m " of every block device swapped on, from /proc/swaps, into BUF. */
static void swap_devs(char *buf, size_t len)
{
	FILE *f = fopen("/proc/swaps", "re");
	char line[4096], name[4000];
	struct stat st;
	size_t at = 0;

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%3999s", name) == 1 && stat(name, &st) == 0 &&
		    S_ISBLK(st.st_mode) && at < len)
			at += (size_t)snprintf(buf + at, len - at, " %u:%u ", major(st.st_rdev),
					       minor(st.st_rdev));
	if (f)
		fclose(f);
}

/* Refuses drive RDEV when it, or a partition of it, is busy: 0 or -EBUSY (told). */
static int drive_free(const char *target, dev_t rdev)
{
	static char mounts[1 << 16], swaps[1 << 12];
	char dir[64], sub[600];
	const char *why;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major(rdev), minor(rdev));
	if (pathf(sub, sizeof(sub), "%s/partition", dir) == 0 && access(sub, F_OK) == 0) {
		say("flash: %s is a partition: the image is a whole disk, give its drive", target);
		return -EBUSY;
	}
	mounted_devs(mounts, sizeof(mounts));
	swap_devs(swaps, sizeof(swaps));
	if ((why = dev_busy(dir, mounts, swaps))) {
		say("flash: %s %s: refused", target, why);
		return -EBUSY;
	}
	if (!(d = opendir(dir)))
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' ||
		    pathf(sub, sizeof(sub), "%s/%s/partition", dir, e->d_name) < 0 ||
		    access(sub, F_OK) != 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if ((why = dev_busy(sub, mounts, swaps))) {
			say("flash: %s: its partition %s %s: refused", target, e->d_name, why);
			closedir(d);
			return -EBUSY;
		}
	}
	closedir(d);
	return 0;
}

/* Whether the first bytes of FD hold an MBR or a GPT. */
static const char *table_kind(int fd)
{
	uint8_t b[1024];

	if (pread_full(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return NULL;
	if (memcmp(b + 512, "EFI PART", 8) == 0)
		return "a GPT";
	return b[510] == 0x55 && b[511] == 0xaa ? "an MBR partition table" : NULL;
}

/* Whether the user, asked on the terminal, says yes. */
static bool confirmed(const char *target, const char *kind)
{
	char answer[16];

	if (!isatty(STDIN_FILENO)) {
		say("flash: %s holds %s: refused (--yes overwrites it)", target, kind);
		return false;
	}
	fprintf(stderr, "berth: flash: %s holds %s; overwrite the whole drive? [y/N] ", target,
		kind);
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return !strcmp(answer, "y\n") || !strcmp(answer, "yes\n");
}

/* Opens F->target, a drive (ST) or a file: 0, or 2 (refused, told) or 1. */
static int open_kind(struct flash *f, const struct stat *st, uint64_t *room)
{
	if (S_ISBLK(st->st_mode)) {
		if (drive_free(f->target, st->st_rdev) < 0)
			return 2;
		/* O_EXCL on a drive: the kernel's own refusal when something has claimed it. */
		f->out = open(f->target, O_RDWR | O_CLOEXEC | O_EXCL);
		if (f->out < 0 || ioctl(f->out, BLKGETSIZE64, room) < 0) {
			say("flash: %s: %s: refused", f->target, strerror(errno));
			return 2;
		}
		return 0;
	}
	if (!S_ISREG(st->st_mode)) {
		say("flash: %s is neither a drive nor a file: refused", f->target);
		return 2;
	}
	f->file = true;
	f->out = open(f->target, O_RDWR | O_CLOEXEC);
	*room = st->st_size ? (uint64_t)st->st_size : f->size;
	if (f->out < 0) {
		say("flash: %s: %s", f->target, strerror(errno));
		return 1;
	}
	return 0;
}

/* Opens F->target and checks it may take the image: 0, or 2 (refused, told) or 1. */
static int open_target(struct flash *f, bool yes)
{
	struct stat st = {.st_mode = S_IFREG};
	uint64_t room;
	const char *kind;
	int r;

	if (stat(f->target, &st) < 0) {
		/* A drive's name mistyped must not become a file in /dev. */
		if (errno != ENOENT || !strncmp(f->target, "/dev/", 5)) {
			say("flash: %s: %s: refused", f->target, strerror(errno));
			return 2;
		}
		int fd = open(f->target, O_WRONLY | O_CLOEXEC | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || close(fd) < 0) {
			say("flash: %s: %s", f->target, strerror(errno));
			return 1;
		}
		st.st_size = 0;
	}
	if ((r = open_kind(f, &st, &room)) != 0)
		return r;
	if (room < f->size) {
		say("flash: %s holds %llu MiB, the image %llu MiB: refused", f->target, MIB(room),
		    MIB(f->size));
		return 2;
	}
	if ((kind = table_kind(f->out)) && !yes && !confirmed(f->target, kind))
		return 2;
	if (f->file && !st.st_size && ftruncate(f->out, (off_t)f->size) < 0) {
		say("flash: %s: %s", f->target, strerror(errno));
		return 1;
	}
	return 0;
}

static void progress(struct flash *f, uint64_t at)
{
	int percent = (int)(at * 100 / f->size);

	if (percent == f->percent || (percent / 10 == f->percent / 10 && percent != 100))
		return;
	f->percent = percent;
	fprintf(stderr, "%sberth: flash: %3d%%, %llu MiB of data written%s",
		isatty(STDERR_FILENO) ? "\r" : "", percent, MIB(f->written),
		isatty(STDERR_FILENO) && percent != 100 ? "" : "\n");
}

/* [F->hole_end, TO) holds no data in the image: zeros on a drive, a hole in a file. */
static int clear_gap(struct flash *f, uint64_t to)
{
	uint64_t range[2] = {f->hole_end, to - f->hole_end};

	if (to <= f->hole_end)
		return 0;
	if (f->file ? fallocate(f->out, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)range[0],
				(off_t)range[1]) < 0
		    : ioctl(f->out, BLKZEROOUT, range) < 0)
		return -errno;
	f->zeroed += range[1];
	return 0;
}

static int copy_run(void *ctx, uint64_t off, uint64_t len)
{
	static uint8_t buf[CHUNK];
	struct flash *f = ctx;
	int r = clear_gap(f, off);

	for (uint64_t at = off; r == 0 && at < off + len;) {
		size_t n = off + len - at < CHUNK ? (size_t)(off + len - at) : CHUNK;
		ssize_t got = pread_full(f->in, buf, n, (off_t)at);
		r = got < 0	       ? (int)got
		    : (size_t)got != n ? -EIO
				       : pwrite_all(f->out, buf, n, (off_t)at);
		at += n;
		f->written += n;
		progress(f, at);
	}
	f->hole_end = off + len;
	return r;
}

static int check_run(void *ctx, uint64_t off, uint64_t len)
{
	static uint8_t want[CHUNK], got[CHUNK];
	struct flash *f = ctx;

	for (uint64_t at = off; at < off + len;) {
		size_t n = off + len - at < CHUNK ? (size_t)(off + len - at) : CHUNK;
		if (pread_full(f->in, want, n, (off_t)at) != (ssize_t)n ||
		    pread_full(f->out, got, n, (off_t)at) != (ssize_t)n || memcmp(want, got, n)) {
			say("flash: read back: %s differs from the image in the MiB at %llu",
			    f->target, MIB(at));
			return -EIO;
		}
		at += n;
	}
	return 0;
}

/* Writes, flushes and reads back: 0 or 1 (told). */
static int write_image(struct flash *f)
{
	int r = extents_each(f->in, f->size, copy_run, f);

	if (r == 0)
		r = clear_gap(f, f->size);
	if (r == 0 && fsync(f->out) < 0)
		r = -errno;
	if (r < 0) {
		say("flash: writing %s: %s", f->target, strerror(-r));
		return 1;
	}
	progress(f, f->size);
	/* What is read back must come from the drive, not from the page cache. */
	posix_fadvise(f->out, 0, 0, POSIX_FADV_DONTNEED);
	if (!f->file)
		ioctl(f->out, BLKFLSBUF, 0);
	return extents_each(f->in, f->size, check_run, f) == 0 ? 0 : 1;
}

int cmd_flash(int argc, char **argv)
{
	struct flash f = {.in = -1, .out = -1, .percent = -1};
	char image[4096];
	bool yes = false;
	struct stat st;
	int n = 0, r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--yes"))
			yes = true;
		else if (n++ == 0)
			f.image = argv[i];
		else
			f.target = argv[i];
	}
	if (n != 2) {
		say("usage: berth flash IMAGE TARGET [--yes]");
		return 2;
	}
	/* An output folder stands for its disk.raw. */
	if (stat(f.image, &st) == 0 && S_ISDIR(st.st_mode) &&
	    pathf(image, sizeof(image), "%s/disk.raw", f.image) == 0)
		f.image = image;
	f.in = open(f.image, O_RDONLY | O_CLOEXEC);
	if (f.in < 0 || fstat(f.in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		say("flash: %s: %s", f.image, f.in < 0 ? strerror(errno) : "not a disk image");
		r = 2;
		goto out;
	}
	f.size = (uint64_t)st.st_size;
	time_t start = time(NULL);
	if ((r = open_target(&f, yes)) == 0 && (r = write_image(&f)) == 0)
		say("flash: %s: the image's %llu MiB: %llu MiB of data written, read back and "
		    "checked, %llu MiB %s, in %lld s",
		    f.target, MIB(f.size), MIB(f.written), MIB(f.zeroed),
		    f.file ? "left as holes" : "zeroed", (long long)(time(NULL) - start));
out:
	if (f.in >= 0)
		close(f.in);
	if (f.out >= 0)
		close(f.out);
	return r;
}
