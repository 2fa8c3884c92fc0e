/*
 * Which disk berth-init takes its partitions from: the pure part (the
 * firmware's boot entry, sysfs paths, the choice among disks).
 * init/partition.c reads the disks and the variables; no system calls
 * here: tests/unit/test_bootdisk.c exercises it on the host.
 */
#ifndef BERTH_BOOTDISK_H
#define BERTH_BOOTDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_PATH_MAX 8

/*
 * A device's place on the PCI buses: device and function of each node
 * below the root bridge. The parsers below zero it first, so equal places
 * compare equal with memcmp.
 */
struct pci_path {
	size_t n;
	uint8_t dev[PCI_PATH_MAX], fn[PCI_PATH_MAX];
};

/*
 * The PCI path of the device a UEFI load option starts from: VAR is a
 * Boot#### variable as efivarfs gives it (4 bytes of attributes, then the
 * EFI_LOAD_OPTION). 0; -ENOENT when its device path does not start at a
 * PCI root bridge (a partition's short form, a firmware volume); -EINVAL
 * when it is malformed or deeper than PCI_PATH_MAX.
 */
int load_option_pci_path(const uint8_t *var, size_t len, struct pci_path *out);

/*
 * The PCI path in a sysfs device path (what /sys/class/block/NAME links
 * to): its DOMAIN:BUS:DEV.FN parts. 0, -ENOENT when it has none, -EINVAL
 * when it has more than PCI_PATH_MAX.
 */
int sysfs_pci_path(const char *link, struct pci_path *out);

/* What one disk holds of this image's partitions, and where it sits. */
struct disk_facts {
	bool esp; /* the ESP the firmware booted (LoaderDevicePartUUID) */
	bool root, verity;
	bool booted; /* at the PCI path of the firmware's boot entry */
};

/*
 * The boot disk among the N disks D. With HAVE_ESP (the firmware named the
 * ESP it booted) the disk holding that ESP, or, when copies of it are on
 * several disks, the one of them the boot entry points at. Without it the
 * disk holding both root and verity. Returns its index, -EAGAIN when no
 * disk qualifies (yet), -EEXIST when it cannot be told: never a guess.
 */
int bootdisk_choose(const struct disk_facts *d, size_t n, bool have_esp);

#endif
