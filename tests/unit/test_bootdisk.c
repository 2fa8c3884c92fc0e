/* unit: lib/bootdisk.c lib/efivar.c lib/fileio.c */
/*
 * Telling the boot disk: systemd-boot's LoaderDevicePartUUID (lib/efivar.c),
 * the firmware's boot entry and sysfs paths as PCI paths, and the choice
 * among disks holding this image's partitions (lib/bootdisk.c).
 */
#include <errno.h>
#include <string.h>

#include "bootdisk.h"
#include "check.h"
#include "efivar.h"

static uint8_t var[2048];

/* S as efivarfs gives a UTF-16 string variable: 4 bytes of attributes, then S, then NUL. */
static size_t utf16_var(const char *s, bool nul)
{
	size_t n = 4;

	memset(var, 0, sizeof(var));
	var[0] = 0x06; /* boot service | runtime access */
	for (; *s; s++, n += 2)
		var[n] = (uint8_t)*s;
	return nul ? n + 2 : n;
}

static void test_guid(void)
{
	char out[GUID_TEXT_LEN + 1];
	size_t n;

	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5B", true);
	CHECK(efivar_guid_decode(var, n, out) == 0 &&
		  strcmp(out, "6e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b") == 0,
	      "guid: systemd-boot's upper case, NUL-terminated, decodes to lower case");
	n = utf16_var("6e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", false);
	CHECK(efivar_guid_decode(var, n, out) == 0 &&
		  strcmp(out, "6e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b") == 0,
	      "guid: without a NUL");
	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5G", true);
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: a non-hex digit");
	n = utf16_var("6E3F1A2B4-C5D-4E6F-8A9B-0C1D2E3F4A5B", true);
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: a dash out of place");
	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5", true);
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: one digit short");
	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5BC", false);
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: one digit long");
	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5B", true);
	var[5] = 0x01; /* U+0136 is no hex digit, though its low byte is '6' */
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: the high byte counts");
	n = utf16_var("6E3F1A2B-4C5D-4E6F-8A9B-0C1D2E3F4A5B", true);
	var[n - 1] = 'x';
	CHECK(efivar_guid_decode(var, n, out) == -EINVAL, "guid: a 37th character is no NUL");
	CHECK(efivar_guid_decode(var, n - 1, out) == -EINVAL, "guid: odd length");
	CHECK(efivar_guid_decode(var, 4, out) == -EINVAL, "guid: only the attributes");
	CHECK(efivar_guid_decode(NULL, 80, out) == -EINVAL, "guid: NULL");
}

/* Device path nodes (UEFI spec, "Device Path Protocol"). */
static const uint8_t pci_root[] = {0x02, 0x01, 12, 0, 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0};
static const uint8_t end[] = {0x7f, 0xff, 4, 0};
static const uint8_t usb[] = {0x03, 0x05, 6, 0, 2, 0};
static const uint8_t file[] = {0x04, 0x04, 8, 0, '\\', 0, 0, 0};

static size_t at;

static void put(const void *p, size_t n)
{
	memcpy(var + at, p, n);
	at += n;
}

static void put_pci(uint8_t dev, uint8_t fn)
{
	const uint8_t node[] = {0x01, 0x01, 6, 0, fn, dev};

	put(node, sizeof(node));
}

/* A partition node: HD(1,GPT,...), 42 bytes. */
static void put_hd(void)
{
	uint8_t node[42] = {0x04, 0x01, 42, 0, 1};

	node[40] = 0x02; /* GPT */
	node[41] = 0x02; /* GUID signature */
	put(node, sizeof(node));
}

/* Starts a Boot#### variable: attributes, the option's attributes, its description. */
static void option_start(void)
{
	static const uint8_t head[] = {0x07, 0, 0, 0, 0x01, 0, 0, 0, 0, 0};
	const char *desc = "UEFI Misc Device";

	memset(var, 0, sizeof(var));
	at = 0;
	put(head, sizeof(head));
	for (; *desc; desc++)
		at += 2, var[at - 2] = (uint8_t)*desc;
	at += 2;
}

/* Ends the device path begun at PATH: its length into FilePathListLength. */
static size_t option_end(size_t path)
{
	put(end, sizeof(end));
	var[8] = (uint8_t)(at - path);
	var[9] = (uint8_t)((at - path) >> 8);
	return at;
}

static void test_load_option(void)
{
	struct pci_path p;
	size_t path, n;

	/* OVMF's option for a virtio disk: PciRoot(0x0)/Pci(0x3,0x0). */
	option_start();
	path = at;
	put(pci_root, sizeof(pci_root));
	put_pci(3, 0);
	n = option_end(path);
	CHECK(load_option_pci_path(var, n, &p) == 0 && p.n == 1 && p.dev[0] == 3 && p.fn[0] == 0,
	      "load option: PciRoot/Pci(0x3,0x0)");
	put(usb, sizeof(usb)); /* optional data after the path */
	CHECK(load_option_pci_path(var, at, &p) == 0 && p.n == 1, "optional data is ignored");

	/* An installed entry's full path: behind a bridge, then the partition and the file. */
	option_start();
	path = at;
	put(pci_root, sizeof(pci_root));
	put_pci(0x1c, 4);
	put_pci(0, 0);
	put(usb, sizeof(usb));
	put_hd();
	put(file, sizeof(file));
	n = option_end(path);
	CHECK(load_option_pci_path(var, n, &p) == 0 && p.n == 2 && p.dev[0] == 0x1c &&
		  p.fn[0] == 4 && p.dev[1] == 0 && p.fn[1] == 0,
	      "load option: two PCI nodes, then what follows them is not PCI");

	/* efibootmgr's short form: the partition alone, found on any disk. */
	option_start();
	path = at;
	put_hd();
	put(file, sizeof(file));
	n = option_end(path);
	CHECK(load_option_pci_path(var, n, &p) == -ENOENT, "load option: HD() short form says no");

	option_start();
	path = at;
	put(pci_root, sizeof(pci_root));
	n = option_end(path);
	CHECK(load_option_pci_path(var, n, &p) == -ENOENT, "load option: a root bridge alone");

	option_start();
	path = at;
	put(pci_root, sizeof(pci_root));
	for (int i = 0; i < PCI_PATH_MAX + 1; i++)
		put_pci(1, 0);
	n = option_end(path);
	CHECK(load_option_pci_path(var, n, &p) == -EINVAL, "load option: deeper than PCI_PATH_MAX");

	option_start();
	path = at;
	put(pci_root, sizeof(pci_root));
	put_pci(3, 0);
	n = option_end(path);
	var[path + 12 + 2] = 60; /* the PCI node claims more than the path holds */
	CHECK(load_option_pci_path(var, n, &p) == -EINVAL, "load option: node past the path's end");
	var[path + 12 + 2] = 2;
	CHECK(load_option_pci_path(var, n, &p) == -EINVAL,
	      "load option: node shorter than its head");
	var[path + 12 + 2] = 6;
	var[8] = 200; /* FilePathListLength past the variable */
	CHECK(load_option_pci_path(var, n, &p) == -EINVAL,
	      "load option: path longer than the variable");

	/* A description without its NUL runs to the end. */
	memset(var, 'A', sizeof(var));
	var[8] = 0;
	var[9] = 0;
	CHECK(load_option_pci_path(var, 64, &p) == -EINVAL, "load option: description without NUL");
	CHECK(load_option_pci_path(var, 6, &p) == -EINVAL, "load option: too short");
	CHECK(load_option_pci_path(NULL, 64, &p) == -EINVAL, "load option: NULL");
}

static void test_sysfs(void)
{
	struct pci_path p, q;

	CHECK(sysfs_pci_path("../../devices/pci0000:00/0000:00:03.0/virtio1/block/vda", &p) == 0 &&
		  p.n == 1 && p.dev[0] == 3 && p.fn[0] == 0,
	      "sysfs: a virtio disk");
	CHECK(
	    sysfs_pci_path("../../devices/pci0000:00/0000:00:1c.4/0000:03:00.0/nvme/nvme0/nvme0n1",
			   &p) == 0 &&
		p.n == 2 && p.dev[0] == 0x1c && p.fn[0] == 4 && p.dev[1] == 0,
	    "sysfs: an NVMe disk behind a bridge");
	CHECK(sysfs_pci_path("../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/"
			     "target6:0:0/6:0:0:0/block/sdb",
			     &p) == 0 &&
		  p.n == 1 && p.dev[0] == 0x14,
	      "sysfs: a USB stick: the host controller, not USB or SCSI names");
	CHECK(sysfs_pci_path("../../devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/"
			     "10000:e1:00.0/nvme/nvme1/nvme1n1",
			     &p) == 0 &&
		  p.n == 3 && p.dev[1] == 0x1d,
	      "sysfs: a PCI domain of five digits");
	CHECK(sysfs_pci_path("../../devices/virtual/block/loop0", &p) == -ENOENT,
	      "sysfs: no PCI in a virtual device's path");
	CHECK(sysfs_pci_path("../../devices/pci0000:00/0000:00:03.8/virtio1/block/vda", &p) ==
		  -ENOENT,
	      "sysfs: function 8 is no PCI function");
	CHECK(sysfs_pci_path("/0000:00:01.0/0000:01:00.0/0000:02:00.0/0000:03:00.0/0000:04:00.0/"
			     "0000:05:00.0/0000:06:00.0/0000:07:00.0/0000:08:00.0/block/sda",
			     &p) == -EINVAL,
	      "sysfs: deeper than PCI_PATH_MAX");

	/* The firmware's entry and the disk's sysfs path compare equal. */
	option_start();
	size_t path = at;
	put(pci_root, sizeof(pci_root));
	put_pci(0x1c, 4);
	put_pci(0, 0);
	size_t n = option_end(path);
	CHECK(load_option_pci_path(var, n, &q) == 0 &&
		  sysfs_pci_path("../../devices/pci0000:00/0000:00:1c.4/0000:03:00.0/nvme/nvme0/"
				 "nvme0n1",
				 &p) == 0 &&
		  memcmp(&p, &q, sizeof(p)) == 0,
	      "an entry and the disk it points at compare equal");
	CHECK(sysfs_pci_path("../../devices/pci0000:00/0000:00:1c.4/nvme/nvme0/nvme0n1", &p) == 0 &&
		  memcmp(&p, &q, sizeof(p)) != 0,
	      "a disk one bridge up does not");
}

static void test_choose(void)
{
	const struct disk_facts esp_root = {.esp = true, .root = true, .verity = true};
	const struct disk_facts esp_root_booted = {
	    .esp = true, .root = true, .verity = true, .booted = true};
	const struct disk_facts root_only = {.root = true, .verity = true};
	const struct disk_facts data_only = {0};

	struct disk_facts d1[] = {data_only, esp_root};
	CHECK(bootdisk_choose(d1, 2, true) == 1, "the disk holding the booted ESP");
	CHECK(bootdisk_choose(d1, 2, false) == 1, "without the variable: the one with root+verity");

	struct disk_facts d2[] = {root_only, data_only};
	CHECK(bootdisk_choose(d2, 2, true) == -EAGAIN,
	      "the booted ESP on no disk: wait, never fall back to a disk without it");

	struct disk_facts d3[] = {esp_root, esp_root_booted};
	CHECK(bootdisk_choose(d3, 2, true) == 1, "copies of the ESP: the one the boot entry names");
	struct disk_facts d4[] = {esp_root, esp_root};
	CHECK(bootdisk_choose(d4, 2, true) == -EEXIST, "copies of the ESP, no entry: refused");
	struct disk_facts d5[] = {esp_root_booted, esp_root_booted};
	CHECK(bootdisk_choose(d5, 2, true) == -EEXIST,
	      "copies of the ESP, both where the entry points: refused");
	struct disk_facts d6[] = {esp_root, {.booted = true, .root = true, .verity = true}};
	CHECK(bootdisk_choose(d6, 2, true) == 0, "one ESP: taken, wherever the entry points");
	struct disk_facts d7[] = {esp_root, esp_root, {.booted = true}};
	CHECK(bootdisk_choose(d7, 3, true) == -EEXIST,
	      "copies of the ESP, the entry pointing at a third disk: refused");

	struct disk_facts d8[] = {root_only, esp_root};
	CHECK(bootdisk_choose(d8, 2, false) == -EEXIST,
	      "without the variable: root+verity on two disks is refused");
	struct disk_facts d9[] = {{.root = true}, {.verity = true}};
	CHECK(bootdisk_choose(d9, 2, false) == -EAGAIN,
	      "without the variable: root and verity on different disks is no boot disk");
	CHECK(bootdisk_choose(d9, 0, false) == -EAGAIN && bootdisk_choose(d9, 0, true) == -EAGAIN,
	      "no disks yet");
}

int main(void)
{
	test_guid();
	test_load_option();
	test_sysfs();
	test_choose();
	return CHECK_DONE();
}
