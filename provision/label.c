/*
 * File system labels (label.h). ISO 9660 (ECMA-119 8.4): the primary
 * volume descriptor is at byte 32768, type 1, "CD001", version 1; its
 * volume identifier is 32 bytes at offset 40, padded with spaces. FAT
 * (Microsoft's FAT specification): a boot sector ending in 55 AA whose
 * extended boot signature 0x29 says the 11-byte volume label is there, at
 * offset 43 on FAT12/16 or 71 on FAT32 (a FAT32 sector has 0 in its 16-bit
 * sectors-per-FAT field at 22). mkfs.fat writes the label there and in the
 * root folder alike; the boot sector's is read.
 */
#include <stdbool.h>
#include <string.h>

#include "label.h"

#define ISO_PVD 32768

/* N bytes of S into LABEL without trailing spaces or NULs: false when nothing is left. */
static bool take(const unsigned char *s, size_t n, char label[LABEL_MAX + 1])
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	memcpy(label, s, n);
	label[n] = '\0';
	return n > 0 && memchr(label, '\0', n) == NULL;
}

static bool iso9660(const unsigned char *buf, size_t len, char label[LABEL_MAX + 1])
{
	const unsigned char *pvd = buf + ISO_PVD;

	return len >= ISO_PVD + 72 && pvd[0] == 1 && !memcmp(pvd + 1, "CD001", 5) && pvd[6] == 1 &&
	       take(pvd + 40, 32, label);
}

static bool vfat(const unsigned char *buf, size_t len, char label[LABEL_MAX + 1])
{
	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xaa)
		return false;
	bool fat32 = buf[22] == 0 && buf[23] == 0;
	const unsigned char *ext =
	    buf + (fat32 ? 64 : 36); /* the drive number, then the signature */

	return ext[2] == 0x29 && !memcmp(ext + 18, "FAT", 3) && take(ext + 7, 11, label);
}

enum fs_type label_read(const unsigned char *buf, size_t len, char label[LABEL_MAX + 1])
{
	if (iso9660(buf, len, label))
		return FS_ISO9660;
	if (vfat(buf, len, label))
		return FS_VFAT;
	label[0] = '\0';
	return FS_NONE;
}

const char *fs_type_name(enum fs_type t)
{
	return t == FS_ISO9660 ? "iso9660" : t == FS_VFAT ? "vfat" : "";
}
