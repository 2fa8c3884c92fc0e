/* unit: init/verity.c */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "verity.h"

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static struct boot_params good(void)
{
	struct boot_params p;
	memset(&p, 0, sizeof(p));
	strcpy(p.roothash, HASH);
	strcpy(p.salt, "aabbccdd");
	p.data_blocks = 25600;
	p.hash_offset = 8192;
	p.slot = 'a';
	p.on_corruption = ON_CORRUPTION_EIO;
	return p;
}

static char buf[512];
static uint64_t sectors;

static int table(const struct boot_params *p)
{
	sectors = 0;
	return verity_table(p, "254:1", "254:2", buf, sizeof(buf), &sectors);
}

static void test_good(void)
{
	struct boot_params p = good();

	CHECK(table(&p) == 0, "builds");
	CHECK(strcmp(buf, "1 254:1 254:2 4096 4096 25600 2 sha256 " HASH " aabbccdd") == 0,
	      "table without options; hash_start in blocks");
	CHECK(sectors == 204800, "sectors = data_blocks * 8");

	p.salt[0] = '\0';
	p.hash_offset = 0;
	CHECK(table(&p) == 0 &&
		  strcmp(buf, "1 254:1 254:2 4096 4096 25600 0 sha256 " HASH " -") == 0,
	      "empty salt written as -");

	p.on_corruption = ON_CORRUPTION_RESTART;
	CHECK(table(&p) == 0 && strcmp(buf, "1 254:1 254:2 4096 4096 25600 0 sha256 " HASH
					    " - 1 restart_on_corruption") == 0,
	      "restart_on_corruption");
	p.on_corruption = ON_CORRUPTION_PANIC;
	CHECK(table(&p) == 0 && strcmp(buf, "1 254:1 254:2 4096 4096 25600 0 sha256 " HASH
					    " - 1 panic_on_corruption") == 0,
	      "panic_on_corruption");

	p = good();
	p.data_blocks = 1;
	p.hash_offset = 4096ull * 1000000;
	CHECK(table(&p) == 0 && strstr(buf, " 1 1000000 sha256 ") && sectors == 8,
	      "large hash offset");

	memset(p.salt, 'f', 128);
	p.salt[128] = '\0';
	CHECK(table(&p) == 0 && strstr(buf, p.salt), "128-digit salt");

	p = good();
	p.data_blocks = UINT64_MAX / 8;
	CHECK(table(&p) == 0 && sectors == UINT64_MAX / 8 * 8, "largest data_blocks");

	p = good();
	CHECK(verity_table(&p, "8:2", "259:0", buf, sizeof(buf), &sectors) == 0 &&
		  strncmp(buf, "1 8:2 259:0 ", 12) == 0,
	      "device numbers passed through");
}

static void test_sig(void)
{
	struct boot_params p = good();

	p.roothash_sig_len = 1;
	CHECK(table(&p) == 0 &&
		  strcmp(buf, "1 254:1 254:2 4096 4096 25600 2 sha256 " HASH
			      " aabbccdd 2 root_hash_sig_key_desc " VERITY_SIG_KEY_DESC) == 0,
	      "signature key named: two optional words");
	p.on_corruption = ON_CORRUPTION_RESTART;
	CHECK(table(&p) == 0 && strcmp(buf, "1 254:1 254:2 4096 4096 25600 2 sha256 " HASH
					    " aabbccdd 3 restart_on_corruption "
					    "root_hash_sig_key_desc " VERITY_SIG_KEY_DESC) == 0,
	      "signature with restart_on_corruption: three");
}

static void test_bad(void)
{
	struct boot_params p = good();

	p.roothash[63] = '\0';
	CHECK(table(&p) == -EINVAL, "roothash of 63 digits");
	p = good();
	strcat(p.roothash, "00");
	CHECK(table(&p) == -EINVAL, "roothash of 66 digits");
	p = good();
	p.roothash[5] = 'z';
	CHECK(table(&p) == -EINVAL, "roothash not hex");
	p = good();
	strcpy(p.salt, "abc");
	CHECK(table(&p) == -EINVAL, "odd salt");
	strcpy(p.salt, "a b ");
	CHECK(table(&p) == -EINVAL, "salt with spaces");
	strcpy(p.salt, "-");
	CHECK(table(&p) == -EINVAL, "salt - must already be empty");
	p = good();
	p.data_blocks = 0;
	CHECK(table(&p) == -EINVAL, "zero data blocks");
	p.data_blocks = UINT64_MAX / 8 + 1;
	CHECK(table(&p) == -EINVAL, "sector count overflow");
	p = good();
	p.hash_offset = 4097;
	CHECK(table(&p) == -EINVAL, "unaligned hash offset");
	p = good();
	p.on_corruption = 7;
	CHECK(table(&p) == -EINVAL, "unknown on_corruption");

	p = good();
	CHECK(verity_table(&p, "254", "254:2", buf, sizeof(buf), &sectors) == -EINVAL,
	      "data dev without minor");
	CHECK(verity_table(&p, "254:1", "254:2 x", buf, sizeof(buf), &sectors) == -EINVAL,
	      "hash dev with trailing junk");
	CHECK(verity_table(&p, ":1", "254:2", buf, sizeof(buf), &sectors) == -EINVAL,
	      "data dev without major");
	CHECK(verity_table(&p, "/dev/vda2", "254:2", buf, sizeof(buf), &sectors) == -EINVAL,
	      "a path is not a device number");
	CHECK(verity_table(&p, NULL, "254:2", buf, sizeof(buf), &sectors) == -EINVAL, "NULL dev");
	CHECK(verity_table(NULL, "254:1", "254:2", buf, sizeof(buf), &sectors) == -EINVAL,
	      "NULL params");
}

static void test_space(void)
{
	struct boot_params p = good();
	const char *want = "1 254:1 254:2 4096 4096 25600 2 sha256 " HASH " aabbccdd";
	size_t n = strlen(want);
	char small[256];

	sectors = 99;
	CHECK(verity_table(&p, "254:1", "254:2", small, n, &sectors) == -ENOSPC,
	      "one byte short for the terminator");
	CHECK(sectors == 99, "sectors untouched on failure");
	CHECK(verity_table(&p, "254:1", "254:2", small, n + 1, &sectors) == 0 &&
		  strcmp(small, want) == 0,
	      "exact fit");
	CHECK(verity_table(&p, "254:1", "254:2", small, 0, &sectors) == -ENOSPC, "zero length");
}

int main(void)
{
	test_good();
	test_sig();
	test_bad();
	test_space();
	return CHECK_DONE();
}
