/* unit: provision/label.c */
/* The labels of config drives: ISO 9660's volume identifier, FAT's volume label. */
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "label.h"

static unsigned char dev[LABEL_BYTES];

static void iso(const char *volume)
{
	unsigned char *pvd = dev + 32768;

	memset(dev, 0, sizeof(dev));
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	memset(pvd + 40, ' ', 32);
	memcpy(pvd + 40, volume, strlen(volume));
}

/* A FAT boot sector as mkfs.fat writes it: FAT32 or FAT16. */
static void fat(bool fat32, const char *label)
{
	unsigned char *ext = dev + (fat32 ? 64 : 36);

	memset(dev, 0, sizeof(dev));
	dev[22] = fat32 ? 0 : 32; /* sectors per FAT, 16-bit: 0 on FAT32 */
	ext[2] = 0x29;
	memset(ext + 7, ' ', 11);
	memcpy(ext + 7, label, strlen(label));
	memcpy(ext + 18, fat32 ? "FAT32   " : "FAT16   ", 8);
	dev[510] = 0x55;
	dev[511] = 0xaa;
}

static void test_labels(void)
{
	char label[LABEL_MAX + 1];

	iso("cidata");
	CHECK(label_read(dev, sizeof(dev), label) == FS_ISO9660 && !strcmp(label, "cidata"),
	      "label: ISO 9660's volume identifier, padding dropped");
	CHECK(label_read(dev, 32768 + 60, label) == FS_NONE,
	      "label: a device too short for the descriptor has none");
	iso("config-2-and-more-than-32-bytes!");
	CHECK(label_read(dev, sizeof(dev), label) == FS_ISO9660 &&
		  !strcmp(label, "config-2-and-more-than-32-bytes!"),
	      "label: a whole 32-byte volume identifier");
	iso("");
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: a blank identifier is none");
	iso("cidata");
	dev[32768 + 1] = 'X';
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: not CD001, not ISO 9660");
	fat(true, "CIDATA");
	CHECK(label_read(dev, sizeof(dev), label) == FS_VFAT && !strcmp(label, "CIDATA"),
	      "label: FAT32's volume label");
	fat(false, "cidata");
	CHECK(label_read(dev, sizeof(dev), label) == FS_VFAT && !strcmp(label, "cidata"),
	      "label: FAT16's volume label");
	fat(false, "ci\001data");
	dev[36 + 7 + 2] = '\0';
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: a NUL inside is no label");
	fat(true, "CIDATA");
	dev[66] = 0x28; /* an older boot sector: no label field */
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE,
	      "label: without the extended boot signature, none");
	fat(true, "CIDATA");
	dev[511] = 0;
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: no 55 AA, no FAT");
	memset(dev, 0, sizeof(dev));
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE && !label[0],
	      "label: zeros are nothing");
	CHECK(!strcmp(fs_type_name(FS_ISO9660), "iso9660") &&
		  !strcmp(fs_type_name(FS_VFAT), "vfat"),
	      "label: mount types");
}

int main(void)
{
	test_labels();
	return CHECK_DONE();
}
