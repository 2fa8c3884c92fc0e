/* unit: init/gptgrow.c lib/gpt.c */
/*
 * Growing the data partition (init/gptgrow.c) on tables sfdisk makes, as
 * image/mkdisk.sh makes them: after every prefix of the writes (a power
 * cut between any two) the primary GPT is valid and shows the partition
 * either as it was or grown; planning again from there ends in the same
 * bytes as an uncut run; a grown disk needs nothing more. sfdisk, which
 * reads both tables, is the second opinion on the end state.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gpt.h"
#include "gptgrow.h"

#define MIB (1u << 20)
#define SECTOR 512
#define SMALL (16 * MIB)
#define BIG (40 * MIB + 7 * SECTOR) /* not a whole MiB: the partition still ends on one */
#define DATA 6

static char path[] = "/tmp/berth-test-gptgrow-XXXXXX";
static uint8_t work[GROW_WORK_SIZE];

/* sfdisk's table in a SMALL file from SCRIPT's partition lines, the file grown to SIZE, read back.
 */
static uint8_t *make_disk(const char *parts, const char *first_lba, size_t size)
{
	char cmd[1024];
	uint8_t *disk = calloc(1, size);
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "truncate -s 0 %s && truncate -s %u %s && printf 'label: gpt\\n%s%s' | "
		 "sfdisk --quiet --no-reread --no-tell-kernel %s && truncate -s %zu %s",
		 path, SMALL, path, first_lba, parts, path, size, path);
	if (!disk || system(cmd) != 0 || !(f = fopen(path, "rb"))) {
		fprintf(stderr, "cannot make a disk: %s\n", cmd);
		exit(2);
	}
	if (fread(disk, 1, size, f) != size)
		exit(2);
	fclose(f);
	return disk;
}

/* berth's six partitions, 1 MiB each, the last (data) with attribute 59. */
#define FIVE_PARTS                                                                   \
	"size=1MiB, type=U\\n"                                                       \
	"size=1MiB, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, attrs=\"GUID:60\"\\n" \
	"size=1MiB, type=2c7357ed-ebd2-46d9-aec1-23d437ec2bf5, attrs=\"GUID:60\"\\n" \
	"size=1MiB, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, attrs=\"GUID:60\"\\n" \
	"size=1MiB, type=2c7357ed-ebd2-46d9-aec1-23d437ec2bf5, attrs=\"GUID:60\"\\n"
#define DATA_TYPE "type=4d21b016-b534-45c2-a9fb-5c16e091fd2d, attrs=\"GUID:59\"\\n"
static const char berth_parts[] = FIVE_PARTS "size=1MiB, " DATA_TYPE;
/* The same with the data partition filling the disk sfdisk is given. */
static const char berth_full[] = FIVE_PARTS DATA_TYPE;

static void apply(uint8_t *disk, const struct grow_plan *p, size_t upto)
{
	for (size_t i = 0; i < upto; i++)
		memcpy(disk + p->w[i].off, p->w[i].buf, p->w[i].len);
}

/* What sfdisk says of DISK (SIZE bytes): its dump, and whether --verify found no error. */
static int sfdisk_says(const uint8_t *disk, size_t size, char *dump, size_t len)
{
	char cmd[256];
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(disk, 1, size, f) != size || fclose(f) != 0)
		exit(2);
	snprintf(cmd, sizeof(cmd), "sfdisk --verify %s 2>&1 && sfdisk -d %s 2>&1", path, path);
	f = popen(cmd, "r");
	size_t n = fread(dump, 1, len - 1, f);
	dump[n] = '\0';
	return pclose(f);
}

static uint64_t entry_last(const uint8_t *disk, int number)
{
	uint64_t v = 0, lba = 0;
	const uint8_t *h = disk + SECTOR;

	for (int i = 7; i >= 0; i--)
		lba = lba << 8 | h[72 + i];
	const uint8_t *e = disk + lba * SECTOR + (size_t)(number - 1) * 128 + 40;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | e[i];
	return v;
}

static void test_whole_run(void)
{
	uint8_t *disk = make_disk(berth_parts, "first-lba: 2048\\n", BIG);
	uint8_t *done = malloc(BIG);
	struct grow_plan p;
	char dump[4096];

	int r = gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, DATA, MIB, work, &p);
	CHECK(r == 0 && p.n == 6,
	      "a disk grown by 24 MiB: backup, gap, header, array, header, MBR");
	CHECK(p.old_last == 7 * 2048 - 1, "the data partition ends at 7 MiB before");
	CHECK(p.last == 39 * 2048 - 1, "and after, at the last whole MiB before the backup");
	CHECK(p.first == 6 * 2048, "its start does not move");
	memcpy(done, disk, BIG);
	apply(done, &p, p.n);
	CHECK(gpt_check(done, BIG, SECTOR) == 0, "the grown primary GPT is valid");
	CHECK(entry_last(done, DATA) == p.last, "the primary table holds the new end");
	int st = sfdisk_says(done, BIG, dump, sizeof(dump));
	CHECK(st == 0 && strstr(dump, "No errors detected"), "sfdisk --verify: both tables agree");
	CHECK(strstr(dump, "start=       12288, size=       67584"),
	      "sfdisk: the data partition fills the disk to its last whole MiB");
	CHECK(strstr(dump, "last-lba: 81893"), "sfdisk: the last usable LBA is before the backup");
	if (!strstr(dump, "size=       67584"))
		fputs(dump, stderr);

	/* Every power cut: after K writes, the primary is valid, and planning again converges. */
	for (size_t k = 0; k < p.n; k++) {
		uint8_t *cut = malloc(BIG);
		struct grow_plan again;
		char name[96];
		memcpy(cut, disk, BIG);
		apply(cut, &p, k);
		uint64_t last = entry_last(cut, DATA);
		snprintf(name, sizeof(name), "cut after %zu writes: the primary GPT is valid", k);
		CHECK(gpt_check(cut, BIG, SECTOR) == 0, name);
		snprintf(name, sizeof(name), "cut after %zu writes: the partition is old or grown",
			 k);
		CHECK(last == p.old_last || last == p.last, name);
		r = gpt_grow_plan(cut, BIG, SECTOR, BIG / SECTOR, DATA, MIB, work, &again);
		apply(cut, &again, again.n);
		snprintf(name, sizeof(name),
			 "cut after %zu writes: the next boot ends as an uncut run", k);
		CHECK(r == 0 && memcmp(cut, done, BIG) == 0, name);
		free(cut);
	}
	r = gpt_grow_plan(done, BIG, SECTOR, BIG / SECTOR, DATA, MIB, work, &p);
	CHECK(r == 0 && p.n == 0, "a grown disk: nothing to do");
	free(done);
	free(disk);
}

static void test_small_growth(void)
{
	size_t size = SMALL + 10 * SECTOR;
	uint8_t *disk = make_disk(berth_full, "first-lba: 2048\\n", size);
	struct grow_plan p;

	int r = gpt_grow_plan(disk, size, SECTOR, size / SECTOR, DATA, MIB, work, &p);
	CHECK(r == 0 && p.n > 0 && p.last == p.old_last,
	      "a disk grown by 10 sectors: the backup moves, the partition stays");
	apply(disk, &p, p.n);
	CHECK(gpt_check(disk, size, SECTOR) == 0, "and the primary is valid");
	r = gpt_grow_plan(disk, size, SECTOR, size / SECTOR, DATA, MIB, work, &p);
	CHECK(r == 0 && p.n == 0, "then nothing to do");
	free(disk);
}

static void test_refusals(void)
{
	uint8_t *disk = make_disk(berth_parts, "first-lba: 2048\\n", BIG);
	struct grow_plan p;

	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, 1, MIB, work, &p) == -EINVAL,
	      "the ESP: no attribute 59, refused");
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, 9, MIB, work, &p) == -EINVAL,
	      "an empty entry: refused");
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, 0, MIB, work, &p) == -EINVAL,
	      "partition 0: refused");
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, DATA, 1000, work, &p) == -EINVAL,
	      "an alignment that is not whole sectors: refused");
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, SMALL / SECTOR - 1, DATA, MIB, work, &p) == -ENOSPC,
	      "a disk smaller than its GPT says: refused");
	disk[SECTOR + 20] ^= 1;
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, DATA, MIB, work, &p) == -EINVAL,
	      "a primary header with a bad CRC: refused");
	CHECK(p.n == 0, "and nothing planned");
	free(disk);

	disk = make_disk("size=1MiB, type=U\\nsize=1MiB, attrs=\"GUID:59\"\\nsize=1MiB\\n",
			 "first-lba: 2048\\n", BIG);
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, 2, MIB, work, &p) == -EINVAL,
	      "attribute 59 on a partition another follows: refused");
	free(disk);

	disk = make_disk("size=1MiB, attrs=\"GUID:59\"\\n", "first-lba: 34\\n", BIG);
	CHECK(gpt_grow_plan(disk, BIG, SECTOR, BIG / SECTOR, 1, MIB, work, &p) == -ENOSPC,
	      "no gap before the first usable LBA for the array's other place: refused");
	free(disk);
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return 2;
	close(fd);
	test_whole_run();
	test_small_growth();
	test_refusals();
	unlink(path);
	return CHECK_DONE();
}
