/*
 * The label of a file system, read from the first bytes of a block device
 * as the kernel gives them (no blkid): how berth-provision finds a config
 * drive. Pure, so tests/unit/test_label.c runs it on the host.
 */
#ifndef BERTH_LABEL_H
#define BERTH_LABEL_H

#include <stddef.h>

/* What label_read needs: up to the end of ISO 9660's primary volume descriptor. */
#define LABEL_BYTES (32768 + 2048)
#define LABEL_MAX 32 /* ISO 9660's volume identifier; FAT's label has 11 bytes */

enum fs_type { FS_NONE, FS_ISO9660, FS_VFAT };

/*
 * The file system whose first LEN bytes are BUF, and its label into LABEL
 * (trailing spaces dropped): FS_NONE when it is neither ISO 9660 nor FAT,
 * or has no label.
 */
enum fs_type label_read(const unsigned char *buf, size_t len, char label[LABEL_MAX + 1]);

/* The mount(2) type of T. */
const char *fs_type_name(enum fs_type t);

#endif
