/*
 * The running system as berth-update sees it: the booted slot and
 * version, the disk under the verified root and its partitions (found by
 * GPT name, read from the disk itself), the ESP and its boot entries, and
 * systemd-boot's LoaderBootCountPath.
 */
#define _GNU_SOURCE /* unshare */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "gpt.h"
#include "pe.h"
#include "text.h"
#include "update.h"

#define SYS_BLOCK "/sys/class/block"
#define EFIVARS "/sys/firmware/efi/efivars"
#define EFIVARFS_MAGIC 0xde5e81e4
#define BOOT_COUNT_VAR "LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
#define SECURE_BOOT_VAR "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define CMDLINE_MAX 4096
#define GPT_READ_MAX (8u << 20) /* past any real GPT */
#define SLAVES_MAX 4
#define FSCK_FAT "/usr/sbin/fsck.fat"

int boot_probe(struct boot *b)
{
	static char text[CMDLINE_MAX + 1];
	struct boot_params p;
	char err[160];
	ssize_t n = read_text("/proc/cmdline", text, sizeof(text));

	if (n < 0) {
		complain("cannot read /proc/cmdline: %s", strerror((int)-n));
		return (int)n;
	}
	if (cmdline_parse(text, &p, err, sizeof(err)) < 0) {
		complain("cannot tell the booted slot from /proc/cmdline: %s", err);
		return -EINVAL;
	}
	b->slot = p.slot;
	n = read_text("/etc/os-release", text, sizeof(text));
	if (n < 0) {
		complain("cannot read /etc/os-release: %s", strerror((int)-n));
		return (int)n;
	}
	if (osrelease_value(text, "VERSION_ID", b->version, sizeof(b->version)) < 0) {
		complain("/etc/os-release has no usable VERSION_ID");
		return -EINVAL;
	}
	return 0;
}

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

/* The whole disk a partition is on: its sysfs folder's parent. */
static int parent_disk(const char *part, char *disk, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s/..", part) < 0)
		return -ENAMETOOLONG;
	if (!realpath(path, real))
		return -errno;
	return pathf(disk, len, "%s", strrchr(real, '/') + 1);
}

/* The GPT at the start of FD into *BUF, grown until the entry array fits; its length or -errno. */
static ssize_t gpt_read(int fd, size_t sector, uint8_t **buf)
{
	/* LBA 0-33 covers the usual layout; grow only for an unusual one. */
	for (size_t len = 34 * sector;; len *= 8) {
		free(*buf);
		*buf = malloc(len);
		if (!*buf)
			return -ENOMEM;
		ssize_t n = pread(fd, *buf, len, 0);
		if (n < 0)
			return -errno;
		/* Any name tells whether the entry array fits. */
		if (gpt_find_name(*buf, (size_t)n, sector, "esp") != -ENOSPC || (size_t)n < len ||
		    len >= GPT_READ_MAX)
			return n;
	}
}

/* The child of DISK in sysfs whose "partition" attribute is NUMBER: its kernel name. */
static int partition_name(const char *disk, int number, char *out, size_t len)
{
	char path[PATH_MAX], attr[32];
	struct dirent *de;
	int r = -ENOENT;

	if (pathf(path, sizeof(path), SYS_BLOCK "/%s", disk) < 0)
		return -ENAMETOOLONG;
	DIR *dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char rel[PATH_MAX];
		if (de->d_name[0] == '.' || pathf(rel, sizeof(rel), "%s/%s", disk, de->d_name) < 0)
			continue;
		if (block_attr(rel, "partition", attr, sizeof(attr)) < 0 || atoi(attr) != number)
			continue;
		r = pathf(out, len, "%s", de->d_name);
		break;
	}
	closedir(dir);
	return r;
}

/* The kernel name of the partition called NAME in DISK's GPT; logs. */
static int find_partition(const char *disk, const uint8_t *gpt, size_t len, size_t sector,
			  const char *name, char *out, size_t outlen)
{
	int num = gpt_find_name(gpt, len, sector, name);

	if (num == -ENOENT || num == -EEXIST) {
		complain("/dev/%s: %s partition named \"%s\"", disk,
			 num == -ENOENT ? "no" : "more than one", name);
		return num;
	}
	if (num < 0) {
		complain("/dev/%s: no valid GPT", disk);
		return num;
	}
	int r = partition_name(disk, num, out, outlen);
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

int disk_probe(const struct boot *b, struct disk *d)
{
	char slaves[SLAVES_MAX][64], disk[64], attr[32], node[80];
	char names[5][24], parts[5][64];
	char target = b->slot == 'a' ? 'b' : 'a';
	size_t sector = 512;
	uint8_t *gpt = NULL;
	int r;

	int n = root_slaves(slaves);
	if (n <= 0) {
		complain("the root is not a verity device over partitions (%s)",
			 n < 0 ? strerror(-n) : "no slaves in sysfs");
		return n < 0 ? n : -ENODEV;
	}
	r = parent_disk(slaves[0], disk, sizeof(disk));
	if (r < 0) {
		complain("cannot find the disk holding %s: %s", slaves[0], strerror(-r));
		return r;
	}
	if (block_attr(disk, "queue/logical_block_size", attr, sizeof(attr)) == 0)
		sector = (size_t)strtoul(attr, NULL, 10);
	if (pathf(node, sizeof(node), "/dev/%s", disk) < 0)
		return -ENAMETOOLONG;
	int fd = open(node, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		complain("cannot open %s: %s", node, strerror(errno));
		return -errno;
	}
	ssize_t len = gpt_read(fd, sector, &gpt);
	close(fd);
	r = (int)len;
	if (len < 0) {
		complain("cannot read %s: %s", node, strerror(-r));
		goto out;
	}
	snprintf(names[0], sizeof(names[0]), "esp");
	snprintf(names[1], sizeof(names[1]), "root-%c", target);
	snprintf(names[2], sizeof(names[2]), "root-%c-verity", target);
	snprintf(names[3], sizeof(names[3]), "root-%c", b->slot);
	snprintf(names[4], sizeof(names[4]), "root-%c-verity", b->slot);
	for (int i = 0; i < 5; i++) {
		r = find_partition(disk, gpt, (size_t)len, sector, names[i], parts[i],
				   sizeof(parts[i]));
		if (r < 0)
			goto out;
	}
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
	if ((r = pathf(d->esp, sizeof(d->esp), "/dev/%s", parts[0])) < 0 ||
	    (r = pathf(d->root, sizeof(d->root), "/dev/%s", parts[1])) < 0)
		goto out;
	r = pathf(d->verity, sizeof(d->verity), "/dev/%s", parts[2]);
out:
	free(gpt);
	return r;
}

int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		complain("cannot make a private mount namespace: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int take_lock(void)
{
	if (mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) {
		complain("cannot create " RUN_DIR ": %s", strerror(errno));
		return -errno;
	}
	/* Left open: the lock lasts as long as the process. */
	int fd = open(UPDATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK)
			complain("another berth-update is running");
		else
			complain("cannot lock " UPDATE_LOCK ": %s", strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return 0;
}

/*
 * Runs fsck.fat MODE NODE with its output (as much as fits) in OUT. Returns
 * its exit status, or -errno when it could not be run.
 */
static int fsck_fat(const char *mode, const char *node, char *out, size_t len)
{
	char drain[256];
	size_t used = 0;
	ssize_t n;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		goto fail;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execl(FSCK_FAT, "fsck.fat", mode, node, (char *)NULL);
		dprintf(STDERR_FILENO, "cannot run " FSCK_FAT ": %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		bool room = used + 1 < len;
		n = room ? read(p[0], out + used, len - 1 - used)
			 : read(p[0], drain, sizeof(drain));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			used += (size_t)n;
	}
	close(p[0]);
	out[used] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			goto fail;
	if (!WIFEXITED(status)) {
		complain(FSCK_FAT " was killed by signal %d", WTERMSIG(status));
		return -EIO;
	}
	return WEXITSTATUS(status);
fail:
	complain("cannot run " FSCK_FAT ": %s", strerror(errno));
	return -errno;
}

/*
 * A power cut while the ESP is mounted writable can leave a FAT chain
 * half-written; Linux then turns the mount read-only at the first touch of
 * it (errors=remount-ro) and the chain's clusters leak. So, as systemd-fsck
 * does for /efi, fsck.fat repairs the ESP before every writable mount, and
 * a repair must leave a file system that fsck.fat -n finds clean. Returns 1
 * when it repaired something, 0 when the ESP was clean.
 */
static int esp_repair(const char *node)
{
	static char out[4096];
	int r = fsck_fat("-a", node, out, sizeof(out));

	if (r <= 0)
		return r;
	if (r == 1) {
		complain("repaired the ESP (%s); fsck.fat said:\n%s", node, out);
		if ((r = fsck_fat("-n", node, out, sizeof(out))) <= 0)
			return r < 0 ? r : 1;
	}
	complain("the ESP (%s) is damaged beyond fsck.fat -a (exit status %d):\n%s", node, r, out);
	return -EIO;
}

/*
 * fsck.fat -a keeps each lost chain as /FSCKnnnn.REC. On the ESP such a
 * chain is part of a UKI whose write a cut stopped, never a boot entry; left
 * there, they would fill the ESP a cut at a time.
 */
static int remove_salvaged(void)
{
	DIR *d = opendir(ESP_MOUNT);
	struct dirent *e;
	int r = 0;

	if (!d) {
		r = -errno;
		complain("cannot read " ESP_MOUNT ": %s", strerror(-r));
		return r;
	}
	while (r == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		if (strlen(n) != 12 || strncasecmp(n, "FSCK", 4) != 0 ||
		    strspn(n + 4, "0123456789") != 4 || strcasecmp(n + 8, ".REC") != 0)
			continue;
		if (unlinkat(dirfd(d), n, 0) < 0) {
			r = -errno;
			complain("cannot remove " ESP_MOUNT "/%s: %s", n, strerror(-r));
		} else
			complain("removed %s, a piece of an interrupted write fsck.fat kept", n);
	}
	closedir(d);
	if (r == 0 && (r = sync_dir(ESP_MOUNT)) < 0)
		complain("cannot sync " ESP_MOUNT ": %s", strerror(-r));
	return r;
}

int esp_mount(const char *node, bool writable)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME;
	int repaired = 0;

	if (writable && (repaired = esp_repair(node)) < 0)
		return repaired;
	if ((mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(ESP_MOUNT, 0700) < 0 && errno != EEXIST) ||
	    mount(node, ESP_MOUNT, "vfat", flags | (writable ? 0 : MS_RDONLY), NULL) < 0) {
		complain("cannot mount the ESP (%s) on " ESP_MOUNT ": %s", node, strerror(errno));
		return -errno;
	}
	if (repaired) {
		int r = remove_salvaged();
		if (r < 0) {
			esp_umount();
			return r;
		}
	}
	return 0;
}

int esp_umount(void)
{
	if (umount2(ESP_MOUNT, 0) < 0) {
		complain("cannot unmount " ESP_MOUNT ": %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int efivars_mount(void)
{
	struct statfs fs;

	if (access("/sys/firmware/efi", F_OK) < 0) {
		complain("not booted through UEFI (no /sys/firmware/efi)");
		return -ENOTSUP;
	}
	if (statfs(EFIVARS, &fs) == 0 && fs.f_type == EFIVARFS_MAGIC)
		return 0;
	if (mount("efivarfs", EFIVARS, "efivarfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
		  NULL) < 0) {
		complain("cannot mount efivarfs on " EFIVARS ": %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * EFI variable NAME (efivarfs file name, 4 bytes of attributes first) into
 * BUF: its length, -ENOENT when firmware or loader did not set it (not
 * logged), or -errno (logged).
 */
static ssize_t efivar_read(const char *name, uint8_t *buf, size_t len)
{
	char path[128];
	int r = efivars_mount();

	if (r < 0)
		return r;
	if ((r = pathf(path, sizeof(path), EFIVARS "/%s", name)) < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len);
	r = n < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		complain("cannot read EFI variable %s: %s", name, strerror(-r));
		return r;
	}
	return n;
}

int secure_boot_on(void)
{
	uint8_t var[8];
	ssize_t n = efivar_read(SECURE_BOOT_VAR, var, sizeof(var));

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	if (n != 5) {
		complain("EFI variable SecureBoot is %zd bytes, not 5", n);
		return -EINVAL;
	}
	/* 4 bytes of attributes, then the UEFI boolean. */
	return var[4] != 0;
}

int booted_counted_entry(char *file, size_t len)
{
	uint8_t var[4 + 2 * 512];
	char path[512];
	ssize_t n = efivar_read(BOOT_COUNT_VAR, var, sizeof(var));
	int r;

	if (n < 0)
		return (int)n;
	if ((r = boot_count_path(var, (size_t)n, path, sizeof(path))) < 0) {
		complain("cannot read LoaderBootCountPath: %s", strerror(-r));
		return r;
	}
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (strcasecmp(path, "/EFI/Linux") != 0) {
		complain("the booted entry %s/%s is not a UKI in /EFI/Linux", path, slash + 1);
		return -EINVAL;
	}
	return pathf(file, len, "%s", slash + 1);
}

/* The slot a UKI's .cmdline names, or 0 when it names none (or is no UKI). */
static char uki_slot(int dir_fd, const char *file)
{
	static uint8_t head[PE_HEAD_MAX];
	static char text[CMDLINE_MAX + 1];
	struct pe_section s;
	struct boot_params p;
	struct stat st;
	char slot = 0;
	int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	ssize_t n = fstat(fd, &st) < 0 ? -1 : pread(fd, head, sizeof(head), 0);
	if (n < 0 || pe_find_section(head, (size_t)n, (uint64_t)st.st_size, ".cmdline", &s) < 0 ||
	    s.size > CMDLINE_MAX)
		goto out;
	n = pread(fd, text, s.size, s.offset);
	if (n != (ssize_t)s.size)
		goto out;
	text[n] = '\0';
	if (cmdline_parse(text, &p, NULL, 0) == 0)
		slot = p.slot;
out:
	close(fd);
	return slot;
}

static int by_boot_order(const void *pa, const void *pb)
{
	const struct esp_entry *a = pa, *b = pb;

	if (a->named != b->named)
		return a->named ? -1 : 1;
	int c = a->named ? entry_order(&a->n, &b->n) : 0;
	return c ? c : strcmp(a->file, b->file);
}

int esp_scan(struct esp_entries *l)
{
	struct dirent *de;
	int r = 0;
	DIR *dir = opendir(ENTRY_DIR);

	l->n = 0;
	if (!dir) {
		complain("cannot list " ENTRY_DIR ": %s", strerror(errno));
		return -errno;
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		struct stat st;
		/* A leading dot: our own temporary file, which systemd-boot does not list either.
		 */
		if (de->d_name[0] == '.' || len < 4 || len >= ENTRY_FILE_MAX ||
		    strcasecmp(de->d_name + len - 4, ".efi") != 0)
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (l->n == ENTRIES_MAX) {
			complain("more than %d boot entries in " ENTRY_DIR, ENTRIES_MAX);
			r = -E2BIG;
			break;
		}
		struct esp_entry *e = &l->e[l->n++];
		strcpy(e->file, de->d_name);
		e->named = entry_parse(e->file, &e->n) == 0;
		e->bytes = (uint64_t)st.st_blocks * 512;
		e->slot = uki_slot(dirfd(dir), e->file);
	}
	closedir(dir);
	qsort(l->e, l->n, sizeof(l->e[0]), by_boot_order);
	return r;
}

int esp_booted(const struct esp_entries *l, const struct boot *b, const char *counted)
{
	int found = -ENOENT, same_version = -ENOENT, good = 0, matches = 0;

	for (size_t i = 0; counted && *counted && i < l->n; i++)
		if (strcasecmp(l->e[i].file, counted) == 0)
			return (int)i;
	/* No counter (or marked good since): the slot's good entry, by version if it has several.
	 */
	for (size_t i = 0; i < l->n; i++) {
		const struct esp_entry *e = &l->e[i];
		if (!e->named || e->n.left >= 0 || e->slot != b->slot)
			continue;
		found = (int)i;
		good++;
		if (strcmp(e->n.version, b->version) == 0) {
			same_version = (int)i;
			matches++;
		}
	}
	if (good == 1)
		return found;
	return matches == 1 ? same_version : -ENOENT;
}
