/* Installing onto an internal disk: the pure part (see install.h). */
#include "cmdline.h"
#include "errf.h"
#include "gpt.h"
#include "install.h"
#include "le.h"

#include <errno.h>
#include <string.h>

/* GPT header fields (UEFI spec, chapter 5) that lib/gpt.c does not export. */
#define H_MY_LBA 24
#define H_ALTERNATE_LBA 32
#define H_LAST_USABLE 48

/* ext4 superblock fields (the kernel's fs/ext4/ext4.h, struct ext4_super_block). */
#define SB_MTIME 0x2c
#define SB_MNT_COUNT 0x34
#define SB_MAGIC 0x38
#define EXT4_MAGIC 0xef53

/* A kernel block device name: what /sys/class/block lists ('!' stands for '/'). */
static bool kernel_name(const char *s)
{
	if (!*s || *s == '.' || strlen(s) >= INSTALL_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.!-:", *s)))
			return false;
	return true;
}

/* A serial as sysfs shows it, trimmed: printable ASCII but the space and the comma. */
static bool serial_text(const char *s, size_t n)
{
	if (n == 0 || n >= INSTALL_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == ',')
			return false;
	return true;
}

int install_spec_parse(const char *value, struct install_spec *s, char *err, size_t errlen)
{
	static const char serial[] = "serial:", dev[] = "/dev/";
	size_t n = strcspn(value, ",");
	const char *opt = value + n;

	*s = (struct install_spec){.how = INSTALL_AUTO};
	if (*opt && strcmp(opt, ",wipe") != 0)
		return errf(err, errlen,
			    "berth.install=%s: after the target only \",wipe\" may come", value);
	s->wipe = *opt != '\0';
	if (n == 4 && strncmp(value, "auto", 4) == 0)
		return 0;
	if (n > sizeof(serial) - 1 && strncmp(value, serial, sizeof(serial) - 1) == 0) {
		const char *t = value + sizeof(serial) - 1;
		size_t tn = n - (sizeof(serial) - 1);
		if (!serial_text(t, tn))
			return errf(err, errlen, "berth.install=%s: a bad serial number", value);
		s->how = INSTALL_SERIAL;
		memcpy(s->name, t, tn);
		s->name[tn] = '\0';
		return 0;
	}
	if (n > sizeof(dev) - 1 && n - (sizeof(dev) - 1) < INSTALL_NAME_MAX &&
	    strncmp(value, dev, sizeof(dev) - 1) == 0) {
		size_t tn = n - (sizeof(dev) - 1);
		memcpy(s->name, value + sizeof(dev) - 1, tn);
		s->name[tn] = '\0';
		/* sysfs spells a '/' in a device's name as '!' (cciss/c0d0). */
		for (char *c = s->name; *c; c++)
			if (*c == '/')
				*c = '!';
		if (kernel_name(s->name)) {
			s->how = INSTALL_DEVICE;
			return 0;
		}
	}
	s->name[0] = '\0';
	return errf(err, errlen,
		    "berth.install=%s: the target must be auto, /dev/NAME or serial:TEXT, then "
		    "maybe \",wipe\"",
		    value);
}

int install_requested(const char *line, struct install_spec *s, char *err, size_t errlen)
{
	static const char key[] = CMDLINE_INSTALL_KEY "=";
	char tok[256], value[256] = "";
	bool cut, unclosed, seen = false, too_long = false;

	while (line && cmdline_next(&line, tok, sizeof(tok), &cut, &unclosed)) {
		if (strncmp(tok, key, sizeof(key) - 1) != 0)
			continue;
		seen = true;
		too_long = cut;
		memcpy(value, tok + sizeof(key) - 1, strlen(tok) - (sizeof(key) - 1) + 1);
	}
	if (!seen)
		return 0;
	if (too_long)
		return errf(err, errlen, "berth.install= is too long");
	int r = install_spec_parse(value, s, err, errlen);
	return r < 0 ? r : 1;
}

int install_image_end(const uint8_t *head, size_t len, size_t sector, uint64_t *end)
{
	int r = gpt_check(head, len, sector);

	if (r < 0)
		return r;
	const uint8_t *h = head + sector;
	uint64_t alt = le_get(h + H_ALTERNATE_LBA, 8), last = le_get(h + H_LAST_USABLE, 8);
	/* The backup header follows every usable LBA, and its sector ends within 2^63 bytes. */
	if (alt <= last || alt >= (UINT64_MAX >> 1) / sector)
		return -EINVAL;
	*end = (alt + 1) * sector;
	return 0;
}

bool install_backup_ok(const uint8_t *sec, size_t sector, uint64_t lba)
{
	/* Its CRC covers it; the primary's is checked, this one need only be where it says. */
	return sector >= 512 && memcmp(sec, "EFI PART", 8) == 0 &&
	       le_get(sec + H_MY_LBA, 8) == lba && le_get(sec + H_ALTERNATE_LBA, 8) == 1;
}

bool install_has_table(const uint8_t *head, size_t len, size_t sector)
{
	if (len >= 512 && head[510] == 0x55 && head[511] == 0xaa)
		return true;
	/* The GPT header at LBA 1; a table written for 512-byte sectors on a 4K disk too. */
	return (len >= 520 && memcmp(head + 512, "EFI PART", 8) == 0) ||
	       (sector > 512 && len >= sector + 8 && memcmp(head + sector, "EFI PART", 8) == 0);
}

int install_fs_used(const uint8_t *sb)
{
	if (le_get(sb + SB_MAGIC, 2) != EXT4_MAGIC)
		return -EINVAL;
	/* The kernel stamps the mount time and counts mounts; e2fsck clears only the count. */
	return le_get(sb + SB_MNT_COUNT, 2) != 0 || le_get(sb + SB_MTIME, 4) != 0;
}

bool install_virtual(const char *name)
{
	static const char *const prefixes[] = {"loop", "ram", "zram", "dm-",	 "md",
					       "nbd",  "sr",  "fd",   "mtdblock"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

bool install_candidate(const struct install_disk *d)
{
	return !d->removable && !d->boot && d->bytes > 0 && !install_virtual(d->name);
}

/* Whether disk D is the one S names. */
static bool named(const struct install_spec *s, const struct install_disk *d)
{
	if (s->how == INSTALL_SERIAL)
		return d->serial[0] && strcmp(d->serial, s->name) == 0;
	return strcmp(d->name, s->name) == 0;
}

int install_choose(const struct install_spec *s, const struct install_disk *d, size_t n,
		   bool *candidate)
{
	int found = -INSTALL_NOT_FOUND;
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		bool pick = s->how == INSTALL_AUTO ? install_candidate(&d[i]) : named(s, &d[i]);
		if (candidate)
			candidate[i] = pick;
		if (!pick)
			continue;
		count++;
		found = (int)i;
	}
	if (s->how == INSTALL_AUTO)
		return count == 0 ? -INSTALL_NONE : count > 1 ? -INSTALL_SEVERAL : found;
	if (count > 1)
		return -INSTALL_SEVERAL;
	if (found < 0)
		return found;
	if (d[found].boot)
		return -INSTALL_IS_BOOT;
	if (d[found].bytes == 0 || install_virtual(d[found].name))
		return -INSTALL_NOT_FOUND;
	return found;
}

int install_target_ok(const struct install_spec *s, const struct install_disk *t, uint64_t image)
{
	if (t->bytes < image)
		return -INSTALL_TOO_SMALL;
	return t->table && !s->wipe ? -INSTALL_HAS_TABLE : 0;
}
