/*
 * Installing the image from the disk it booted (a USB stick) onto a
 * server's internal disk: the pure part (the berth.install= value, the
 * image's extent from its GPT, whether the stick has started as a system,
 * the choice of the target disk). installer/main.c (berth-install) reads
 * the disks and makes the copy; no system calls here: tests/unit/
 * test_install.c exercises it on the host.
 *
 * The ESP's "Install to disk" entry carries berth.install=auto (lib/cmdline.h);
 * the value, documented in docs/bare-metal.md, is TARGET[,wipe]:
 *   auto         the only internal disk: a whole disk that is not
 *                removable, not the boot disk, not a loop, ram, zram, dm,
 *                md, nbd, sr or floppy device, and not empty
 *   /dev/NAME    the whole disk NAME (nvme0n1, sda), removable or not
 *   serial:TEXT  the whole disk whose serial number is TEXT
 *   ,wipe        overwrite a disk that holds a partition table (GPT or MBR);
 *                without it such a disk is refused
 */
#ifndef BERTH_INSTALL_H
#define BERTH_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INSTALL_NAME_MAX 64

struct install_spec {
	enum { INSTALL_AUTO, INSTALL_DEVICE, INSTALL_SERIAL } how;
	char name[INSTALL_NAME_MAX]; /* INSTALL_DEVICE: the kernel name; INSTALL_SERIAL: the serial
				      */
	bool wipe;
};

/*
 * The value of berth.install= (VALUE) into S: 0, or -EINVAL with a
 * one-line reason in ERR.
 */
int install_spec_parse(const char *value, struct install_spec *s, char *err, size_t errlen);

/*
 * Whether the kernel command line LINE asks for an install (the last
 * berth.install= counts, as the kernel's own parameters do): 1 with S
 * filled, 0 when it does not, -EINVAL with ERR when its value is bad.
 */
int install_requested(const char *line, struct install_spec *s, char *err, size_t errlen);

/*
 * Where the image on a disk ends, from the primary GPT in HEAD (the disk's
 * first LEN bytes, SECTOR bytes per LBA): the byte after the backup header
 * the primary header points at, as the build lays it out (the disk's last
 * sector). 0 with *END, -EINVAL when HEAD holds no valid GPT or one whose
 * backup header is not after its last usable LBA, -ENOSPC as gpt_check.
 */
int install_image_end(const uint8_t *head, size_t len, size_t sector, uint64_t *end);

/* Whether SEC (SECTOR bytes, read at LBA) is the backup GPT header install_image_end named. */
bool install_backup_ok(const uint8_t *sec, size_t sector, uint64_t lba);

/*
 * Whether the first LEN bytes of a disk (SECTOR bytes per LBA) hold a
 * partition table: an MBR's 0x55 0xAA or a GPT header's signature.
 */
bool install_has_table(const uint8_t *head, size_t len, size_t sector);

/* Where an ext4 superblock is on its partition, and the bytes install_fs_used reads. */
#define INSTALL_SB_OFFSET 1024
#define INSTALL_SB_LEN 1024

/*
 * Whether the ext4 file system whose superblock is SB has ever been
 * mounted (the kernel counts mounts; mkfs leaves 0): 1 or 0, -EINVAL when
 * SB is not an ext4 superblock.
 */
int install_fs_used(const uint8_t *sb);

/* Whether kernel name NAME is a device no install goes to (loop, ram, dm-, ...). */
bool install_virtual(const char *name);

/* One whole disk as install_choose sees it. */
struct install_disk {
	char name[INSTALL_NAME_MAX];
	char serial[INSTALL_NAME_MAX]; /* "" when unknown */
	uint64_t bytes;
	bool removable;
	bool boot;  /* the disk the machine booted from */
	bool table; /* install_has_table: filled in for the target only */
};

enum install_verdict {
	INSTALL_OK,	   /* the target's index is returned */
	INSTALL_NONE,	   /* auto: no candidate */
	INSTALL_SEVERAL,   /* auto: more than one candidate; serial: several disks have it */
	INSTALL_NOT_FOUND, /* the named disk is not there (or empty, or not a disk) */
	INSTALL_IS_BOOT,   /* the named disk is the boot disk */
	INSTALL_TOO_SMALL, /* the target is smaller than the image */
	INSTALL_HAS_TABLE, /* the target holds a partition table, and S says no wipe */
};

/*
 * The target among the N disks D for S: its index (>= 0), or minus an
 * install_verdict. Candidates for auto are marked in CANDIDATE (N bools,
 * may be NULL), for the message that lists them.
 */
int install_choose(const struct install_spec *s, const struct install_disk *d, size_t n,
		   bool *candidate);

/*
 * Whether the chosen disk T may take an image of IMAGE bytes as S says
 * (T->table filled in): 0, -INSTALL_TOO_SMALL or -INSTALL_HAS_TABLE.
 */
int install_target_ok(const struct install_spec *s, const struct install_disk *t, uint64_t image);

/* Whether disk D is a candidate of berth.install=auto. */
bool install_candidate(const struct install_disk *d);

#endif
