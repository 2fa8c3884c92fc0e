/*
 * The ESP: repaired with fsck.fat before every writable mount, mounted in
 * our namespace, and its boot entries listed in systemd-boot's order with
 * the slot each one's UKI boots; entries renamed without ever replacing one.
 */
#define _GNU_SOURCE /* syscall */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "booted.h"
#include "pe.h"
#include "run.h"
#include "uki.h"
#include "update.h"

#define FSCK_FAT "/usr/sbin/fsck.fat"

/*
 * Runs fsck.fat MODE NODE with its output (as much as fits) in OUT. Returns
 * its exit status, or -errno when it could not be run; logs.
 */
static int fsck_fat(const char *mode, const char *node, char *out, size_t len)
{
	char *const argv[] = {"fsck.fat", (char *)mode, (char *)node, NULL};
	struct capture cap = {.buf = out, .size = len};

	int status = run_capture(FSCK_FAT, argv, NULL, -1, &cap);
	if (status < 0) {
		complain("cannot run " FSCK_FAT ": %s", strerror(-status));
		return status;
	}
	if (!WIFEXITED(status)) {
		complain(FSCK_FAT " was killed by signal %d", WTERMSIG(status));
		return -EIO;
	}
	return WEXITSTATUS(status);
}

/*
 * A power cut while the ESP is mounted writable can leave a FAT chain
 * half-written; Linux then turns the mount read-only at the first touch of
 * it (errors=remount-ro) and the chain's clusters leak. So, as systemd-fsck
 * does for /efi, fsck.fat repairs the ESP before every writable mount, and
 * a repair must leave a file system that fsck.fat -n finds clean. Once per
 * process: what this process unmounted it left whole, and a process that
 * dies with the ESP mounted leaves it whole too (its private mount goes with
 * it, written back), so only a power cut, which ends this process as well,
 * can make it need one again. Returns 1 when it repaired something, 0 when
 * the ESP was clean.
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

/* ESP_LOCK, held while the ESP is mounted; -1 when it is not. */
static int esp_lock = -1;

/*
 * Another berth-update's mount of the same FAT shares its superblock: a
 * read-only one and a writable one cannot both exist (EBUSY), and fsck.fat
 * must not repair a file system someone has mounted. So readers share
 * ESP_LOCK and a writer holds it alone; each holds it for a few seconds.
 */
static int lock_esp(bool writable)
{
	esp_lock = open(ESP_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (esp_lock < 0 || flock(esp_lock, writable ? LOCK_EX : LOCK_SH) < 0) {
		int e = errno;
		complain("cannot lock " ESP_LOCK ": %s", strerror(e));
		if (esp_lock >= 0)
			close(esp_lock);
		esp_lock = -1;
		return -e;
	}
	return 0;
}

static void unlock_esp(void)
{
	close(esp_lock);
	esp_lock = -1;
}

int esp_mount(const char *node, bool writable)
{
	unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME;
	int repaired = 0, r;

	if ((mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(ESP_MOUNT, 0700) < 0 && errno != EEXIST)) {
		complain("cannot create " ESP_MOUNT ": %s", strerror(errno));
		return -errno;
	}
	if ((r = lock_esp(writable)) < 0)
		return r;
	static bool checked;
	if (writable && !checked && (repaired = esp_repair(node)) < 0) {
		unlock_esp();
		return repaired;
	}
	checked |= writable;
	if (mount(node, ESP_MOUNT, "vfat", flags | (writable ? 0 : MS_RDONLY), NULL) < 0) {
		r = -errno;
		complain("cannot mount the ESP (%s) on " ESP_MOUNT ": %s", node, strerror(-r));
		unlock_esp();
		return r;
	}
	if (repaired && (r = remove_salvaged()) < 0) {
		esp_umount();
		return r;
	}
	return 0;
}

int esp_umount(void)
{
	if (umount2(ESP_MOUNT, 0) < 0) {
		complain("cannot unmount " ESP_MOUNT ": %s", strerror(errno));
		return -errno; /* still mounted: the lock stays, until we exit */
	}
	unlock_esp();
	return 0;
}

/* The slot a UKI's .cmdline names, or 0 when it names none (or is no UKI). */
static char uki_slot(int dir_fd, const char *file)
{
	static uint8_t head[PE_HEAD_MAX], text[CMDLINE_MAX];
	struct pe_section s;
	struct boot_params p;
	struct stat st;
	char slot = 0;
	int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	ssize_t n = fstat(fd, &st) < 0 ? -1 : pread_full(fd, head, sizeof(head), 0);
	if (n < 0 || pe_find_section(head, (size_t)n, (uint64_t)st.st_size, UKI_CMDLINE, &s) < 0 ||
	    s.size > CMDLINE_MAX)
		goto out;
	if (pread_full(fd, text, s.size, s.offset) == (ssize_t)s.size &&
	    uki_params(text, s.size, &p, NULL, 0) == 0)
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

int esp_rename(const char *from, const char *to)
{
	char a[PATH_MAX_ENTRY], b[PATH_MAX_ENTRY];

	if (pathf(a, sizeof(a), ENTRY_DIR "/%s", from) < 0 ||
	    pathf(b, sizeof(b), ENTRY_DIR "/%s", to) < 0)
		return -ENAMETOOLONG;
	/* vfat looks names up without regard to case, so this finds TO's other spellings too. */
	if (access(b, F_OK) == 0) {
		complain("refused: %s exists; not renaming %s onto it", to, from);
		return -EEXIST;
	}
	/*
	 * And a rename that cannot replace, which vfat supports (the check in
	 * the VFS, before the file system's rename). musl has no wrapper.
	 */
	if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_NOREPLACE) < 0) {
		int e = errno;
		complain("cannot rename %s to %s: %s", from, to, strerror(e));
		return -e;
	}
	int r = sync_dir(ENTRY_DIR);
	if (r < 0)
		complain("cannot sync " ENTRY_DIR ": %s", strerror(-r));
	return r;
}

char other_slot(char slot)
{
	return slot == 'a' ? 'b' : 'a';
}

const struct esp_entry *slot_entry(const struct esp_entries *l, char slot)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->e[i].slot == slot && l->e[i].named)
			return &l->e[i];
	return NULL;
}

/* The mounted ESP's entries into L and the booted one's index into *BOOTED (or -ENOENT). */
static int scan_booted(const struct boot *b, struct esp_entries *l, int *booted)
{
	char counted[ENTRY_FILE_MAX] = "";
	int r = esp_scan(l);

	if (r == 0) {
		r = booted_counted_entry(counted, sizeof(counted));
		if (r == -ENOENT)
			r = 0;
	}
	*booted = esp_booted(l, b, counted);
	return r;
}

int read_entries(const struct boot *b, bool writable, struct esp_entries *l, int *booted)
{
	struct disk d;
	int r;

	if ((r = disk_probe(b, &d)) < 0 || (r = private_mounts()) < 0 ||
	    (r = esp_mount(d.esp, writable)) < 0)
		return r;
	r = scan_booted(b, l, booted);
	if (r < 0 || !writable)
		esp_umount();
	return r;
}

ssize_t booted_uki_read(const struct boot *b, const char *esp, uint8_t **out)
{
	static struct esp_entries l;
	char path[PATH_MAX_ENTRY];
	struct stat st;
	int booted, fd = -1;
	ssize_t r = esp_mount(esp, false);

	*out = NULL;
	if (r < 0)
		return r;
	if ((r = scan_booted(b, &l, &booted)) < 0 || (r = booted) < 0 ||
	    (r = pathf(path, sizeof(path), ENTRY_DIR "/%s", l.e[booted].file)) < 0)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		complain("cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > BUNDLE_UKI_MAX) {
		r = -EFBIG;
		goto out;
	}
	if (!(*out = malloc((size_t)st.st_size + 1))) {
		r = -ENOMEM;
		complain("cannot hold %s: %s", path, strerror(ENOMEM));
		goto out;
	}
	r = pread_full(fd, *out, (size_t)st.st_size, 0);
	if (r != st.st_size) {
		complain("cannot read %s: %s", path, r < 0 ? strerror((int)-r) : "cut short");
		free(*out);
		*out = NULL;
		r = r < 0 ? r : -EIO;
	}
out:
	if (fd >= 0)
		close(fd);
	esp_umount();
	return r;
}
