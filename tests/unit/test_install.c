/* unit: installer/plan.c lib/gpt.c lib/cmdline.c lib/errf.c */
/*
 * The installer's pure part (installer/plan.c): berth.install= values and
 * the command line that carries them, where the image ends on a table
 * sfdisk makes as image/mkdisk.sh does, partition tables seen, a data
 * partition that has been mounted, and the choice of the target disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cmdline.h"
#include "gpt.h"
#include "install.h"

#define MIB (1u << 20)
#define SIZE (16 * MIB)

static char err[300];

static void parse_ok(const char *v, int how, const char *name, bool wipe)
{
	struct install_spec s;
	int r = install_spec_parse(v, &s, err, sizeof(err));

	CHECK(r == 0 && (int)s.how == how && strcmp(s.name, name) == 0 && s.wipe == wipe, v);
}

static void parse_bad(const char *v)
{
	struct install_spec s;
	char name[128];

	snprintf(name, sizeof(name), "refused: \"%s\"", v);
	CHECK(install_spec_parse(v, &s, err, sizeof(err)) == -EINVAL && err[0], name);
}

static void test_values(void)
{
	parse_ok("auto", INSTALL_AUTO, "", false);
	parse_ok("auto,wipe", INSTALL_AUTO, "", true);
	parse_ok("/dev/nvme0n1", INSTALL_DEVICE, "nvme0n1", false);
	parse_ok("/dev/sda,wipe", INSTALL_DEVICE, "sda", true);
	parse_ok("/dev/cciss/c0d0", INSTALL_DEVICE, "cciss!c0d0", false);
	parse_ok("serial:S4EWNX0R123456", INSTALL_SERIAL, "S4EWNX0R123456", false);
	parse_ok("serial:disk2,wipe", INSTALL_SERIAL, "disk2", true);
	const char *bad[] = {
	    "",
	    "AUTO",
	    "auto,",
	    "auto,wipe,wipe",
	    "auto,force",
	    ",wipe",
	    "nvme0n1",
	    "/dev/",
	    "/dev/.x",
	    "/dev/sd a",
	    "/dev/sda$",
	    "serial:",
	    "serial:a b",
	    "/dev/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "serial:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
}

static void test_cmdline(void)
{
	struct install_spec s;

	CHECK(install_requested("roothash=ab berth.slot=a", &s, err, sizeof(err)) == 0,
	      "no berth.install=: no install");
	CHECK(install_requested(NULL, &s, err, sizeof(err)) == 0, "no line: no install");
	CHECK(install_requested("quiet berth.install=auto", &s, err, sizeof(err)) == 1 &&
		  s.how == INSTALL_AUTO && !s.wipe,
	      "berth.install=auto");
	CHECK(install_requested("berth.install=auto berth.install=/dev/sdb,wipe x", &s, err,
				sizeof(err)) == 1 &&
		  s.how == INSTALL_DEVICE && strcmp(s.name, "sdb") == 0 && s.wipe,
	      "the last berth.install= counts");
	CHECK(install_requested("berth.install=\"serial:XY\"", &s, err, sizeof(err)) == 1 &&
		  s.how == INSTALL_SERIAL && strcmp(s.name, "XY") == 0,
	      "quotes dropped as the kernel does");
	CHECK(install_requested("berth.install=bogus", &s, err, sizeof(err)) == -EINVAL &&
		  strstr(err, "bogus"),
	      "a bad value is an error naming it");
	CHECK(install_requested("berth.installer=auto berth.install", &s, err, sizeof(err)) == 0,
	      "other parameters are not berth.install=");
	char longline[600] = "berth.install=serial:";
	memset(longline + strlen(longline), 'a', 400);
	CHECK(install_requested(longline, &s, err, sizeof(err)) == -EINVAL,
	      "a value too long is an error");
	/* What the build writes (image/values.c): slot A's line and the installer's parameter. */
	CHECK(install_requested("roothash=00 berth.slot=a" CMDLINE_INSTALL_ENTRY, &s, err,
				sizeof(err)) == 1 &&
		  s.how == INSTALL_AUTO && !s.wipe,
	      "the ESP's entry (CMDLINE_INSTALL_ENTRY) is berth.install=auto");
}

/* A SIZE-byte disk with berth's six partitions as sfdisk lays them out, grown to FILE bytes. */
static uint8_t *make_disk(size_t file)
{
	static char path[] = "/tmp/berth-test-install-XXXXXX";
	char cmd[1024];
	uint8_t *disk = calloc(1, file);
	int fd = mkstemp(path);
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "truncate -s %u %s && printf 'label: gpt\\nfirst-lba: 2048\\n"
		 "size=1MiB\\nsize=1MiB\\nsize=1MiB\\nsize=1MiB\\nsize=1MiB\\nsize=1MiB\\n' | "
		 "sfdisk --quiet --no-reread --no-tell-kernel %s && truncate -s %zu %s",
		 SIZE, path, path, file, path);
	if (fd < 0 || !disk || system(cmd) != 0 || !(f = fopen(path, "rb")) ||
	    fread(disk, 1, file, f) != file) {
		fprintf(stderr, "cannot make a disk: %s\n", cmd);
		exit(2);
	}
	fclose(f);
	close(fd);
	unlink(path);
	memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	return disk;
}

static void fix_crc(uint8_t *h)
{
	memset(h + 16, 0, 4);
	uint32_t crc = gpt_crc32(h, 92);
	memcpy(h + 16, &crc, 4);
}

static void test_extent(void)
{
	uint8_t *disk = make_disk(SIZE + 8 * MIB);
	uint64_t end = 0;

	CHECK(install_image_end(disk, 34 * 512, 512, &end) == 0 && end == SIZE,
	      "the image ends after its backup header, not at the end of a larger disk");
	CHECK(install_backup_ok(disk + SIZE - 512, 512, SIZE / 512 - 1),
	      "sfdisk's backup header is where the primary says");
	CHECK(!install_backup_ok(disk + SIZE - 1024, 512, SIZE / 512 - 1),
	      "a sector that is not the backup header is told");
	CHECK(!install_backup_ok(disk + 512, 512, SIZE / 512 - 1), "the primary is not the backup");
	CHECK(install_image_end(disk, 512, 512, &end) == -ENOSPC, "too short a head: -ENOSPC");
	CHECK(install_has_table(disk, SIZE, 512), "a GPT is a partition table");

	uint8_t *h = disk + 512;
	uint64_t last_usable;
	memcpy(&last_usable, h + 48, 8);
	memcpy(h + 32, &last_usable, 8); /* backup header inside the usable space */
	fix_crc(h);
	CHECK(install_image_end(disk, 34 * 512, 512, &end) == -EINVAL,
	      "a backup header within the usable LBAs is refused");
	uint64_t huge = UINT64_MAX - 1;
	memcpy(h + 32, &huge, 8);
	fix_crc(h);
	CHECK(install_image_end(disk, 34 * 512, 512, &end) == -EINVAL,
	      "a backup header past 2^63 bytes is refused");
	h[0] ^= 1;
	CHECK(install_image_end(disk, 34 * 512, 512, &end) == -EINVAL, "no GPT: -EINVAL");
	free(disk);

	uint8_t blank[8192] = {0};
	CHECK(!install_has_table(blank, sizeof(blank), 512), "zeros hold no partition table");
	blank[510] = 0x55;
	blank[511] = 0xaa;
	CHECK(install_has_table(blank, sizeof(blank), 512), "an MBR signature is a table");
	memset(blank, 0, sizeof(blank));
	memcpy(blank + 4096, "EFI PART", 8);
	CHECK(install_has_table(blank, sizeof(blank), 4096), "a GPT on 4K sectors is a table");
	CHECK(!install_has_table(blank, 512, 4096), "not read that far: not seen");
}

/* A superblock as mkfs.ext4 leaves it (the fields install_fs_used reads), then mounted. */
static void test_used(void)
{
	uint8_t sb[INSTALL_SB_LEN] = {0};

	CHECK(install_fs_used(sb) == -EINVAL, "zeros are no ext4 superblock");
	sb[0x38] = 0x53;
	sb[0x39] = 0xef;
	CHECK(install_fs_used(sb) == 0, "an ext4 never mounted is fresh");
	sb[0x34] = 1;
	CHECK(install_fs_used(sb) == 1, "one mount counted: used");
	sb[0x34] = 0;
	sb[0x2c] = 0x80;
	CHECK(install_fs_used(sb) == 1, "a mount time but the count cleared (e2fsck): used");
	sb[0x39] = 0;
	CHECK(install_fs_used(sb) == -EINVAL, "a wrong magic: not ext4");
}

#define DISK(n, b, rm, bt, sn)                                                   \
	{                                                                        \
		.name = n, .bytes = b, .removable = rm, .boot = bt, .serial = sn \
	}

static void test_choose(void)
{
	struct install_spec a = {.how = INSTALL_AUTO};
	bool cand[8];
	/* The stick, an NVMe disk, a DVD drive, loop and device-mapper devices, an empty reader. */
	struct install_disk one[] = {DISK("sda", 8ull << 30, true, true, ""),
				     DISK("nvme0n1", 4ull << 30, false, false, "boot"),
				     DISK("sr0", 1 << 30, false, false, ""),
				     DISK("loop0", 1 << 20, false, false, ""),
				     DISK("dm-0", 1 << 20, false, false, ""),
				     DISK("sdb", 0, false, false, "")};
	size_t n = sizeof(one) / sizeof(one[0]);

	CHECK(install_choose(&a, one, n, cand) == 1 && cand[1] && !cand[0] && !cand[2] &&
		  !cand[3] && !cand[4] && !cand[5],
	      "auto: the only internal disk; not the boot disk, sr, loop, dm or an empty one");
	struct install_disk two[] = {DISK("sda", 8ull << 30, true, true, ""),
				     DISK("vda", 4ull << 30, false, false, "disk1"),
				     DISK("vdb", 4ull << 30, false, false, "disk2")};
	CHECK(install_choose(&a, two, 3, cand) == -INSTALL_SEVERAL && cand[1] && cand[2] &&
		  !cand[0],
	      "auto: two internal disks are refused, both marked");
	CHECK(install_choose(&a, two, 1, cand) == -INSTALL_NONE, "auto: no internal disk");
	struct install_disk fixed_boot[] = {DISK("nvme0n1", 8ull << 30, false, true, ""),
					    DISK("sdb", 8ull << 30, true, false, "")};
	CHECK(install_choose(&a, fixed_boot, 2, NULL) == -INSTALL_NONE,
	      "auto: a removable disk is no candidate");

	struct install_spec dev = {.how = INSTALL_DEVICE};
	strcpy(dev.name, "vdb");
	CHECK(install_choose(&dev, two, 3, NULL) == 2, "/dev/NAME among several");
	strcpy(dev.name, "sdb");
	CHECK(install_choose(&dev, fixed_boot, 2, NULL) == 1, "/dev/NAME may be removable");
	strcpy(dev.name, "sda");
	CHECK(install_choose(&dev, two, 3, NULL) == -INSTALL_IS_BOOT, "/dev/NAME: the boot disk");
	strcpy(dev.name, "vdc");
	CHECK(install_choose(&dev, two, 3, NULL) == -INSTALL_NOT_FOUND, "/dev/NAME not there");
	strcpy(dev.name, "sdb");
	CHECK(install_choose(&dev, one, n, NULL) == -INSTALL_NOT_FOUND,
	      "/dev/NAME: an empty drive");
	strcpy(dev.name, "loop0");
	CHECK(install_choose(&dev, one, n, NULL) == -INSTALL_NOT_FOUND, "/dev/NAME: a loop device");

	struct install_spec ser = {.how = INSTALL_SERIAL};
	strcpy(ser.name, "disk2");
	CHECK(install_choose(&ser, two, 3, NULL) == 2, "serial:TEXT");
	strcpy(ser.name, "disk3");
	CHECK(install_choose(&ser, two, 3, NULL) == -INSTALL_NOT_FOUND, "serial:TEXT not there");
	strcpy(two[1].serial, "disk2");
	strcpy(ser.name, "disk2");
	CHECK(install_choose(&ser, two, 3, NULL) == -INSTALL_SEVERAL, "serial:TEXT on two disks");
	strcpy(ser.name, "");
	CHECK(install_choose(&ser, one, n, NULL) == -INSTALL_NOT_FOUND,
	      "a disk without a serial matches no serial");
}

static void test_target(void)
{
	struct install_spec keep = {.how = INSTALL_AUTO},
			    wipe = {.how = INSTALL_AUTO, .wipe = true};
	struct install_disk t = DISK("nvme0n1", 4ull << 30, false, false, "");

	CHECK(install_target_ok(&keep, &t, 4ull << 30) == 0, "a disk as large as the image");
	CHECK(install_target_ok(&keep, &t, (4ull << 30) + 512) == -INSTALL_TOO_SMALL,
	      "a disk a sector smaller than the image is refused");
	CHECK(install_target_ok(&wipe, &t, (4ull << 30) + 512) == -INSTALL_TOO_SMALL,
	      "wipe does not make a disk larger");
	t.table = true;
	CHECK(install_target_ok(&keep, &t, 1 << 30) == -INSTALL_HAS_TABLE,
	      "a disk with a partition table is refused without wipe");
	CHECK(install_target_ok(&wipe, &t, 1 << 30) == 0, "... and taken with wipe");
}

int main(void)
{
	test_values();
	test_cmdline();
	test_extent();
	test_used();
	test_choose();
	test_target();
	return CHECK_DONE();
}
