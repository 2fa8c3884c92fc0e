/* unit: image/derive.c lib/errf.c -Iimage -lsodium */
/* The derived UUIDs (image/derive.c) and the reading of veritysetup's report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "derive.h"
#include "veritysetup_report.h"

static struct boot_params p;
static char err[256];

static void uuid_is(const char *name, const char *label, const char *want)
{
	char got[CMDLINE_UUID_LEN + 1], what[128];

	derive_uuid(name, label, got);
	snprintf(what, sizeof(what), "uuid of %s in %s", label, name);
	CHECK(!strcmp(got, want), what);
}

/* REPORT with FROM replaced by TO, parsed. */
static int parse_with(const char *from, const char *to)
{
	char text[2048];
	const char *at = strstr(REPORT, from);

	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - REPORT), REPORT, to, at + strlen(from));
	return veritysetup_parse(text, &p, err, sizeof(err));
}

static void test_salt(void)
{
	char a[65], b[65], c[65];

	derive_salt("berth", "berth-x86_64", a);
	derive_salt("berth", "berth-x86_64", b);
	CHECK(strlen(a) == 64 && strspn(a, "0123456789abcdef") == 64 && !strcmp(a, b),
	      "verity salt: 64 hex digits, the same for every release of an image");
	derive_salt("berth", "other-x86_64", c);
	CHECK(strcmp(a, c) != 0, "verity salt: another compatible, another salt");
	derive_salt("berth-", "x86_64", c);
	CHECK(strcmp(a, c) != 0, "verity salt: the NUL between name and the rest counts");
}

int main(void)
{
	test_salt();
	/* The values berth has always derived: the disks of existing manifests stay the same. */
	uuid_is("berth", "root-a", "91bb9c93-3fa8-427f-845a-a772ddd6a02a");
	uuid_is("berth", "disk", "3219d6bf-2e31-4715-9b8d-1e5b33d18913");
	uuid_is("berth-containerd", "data-hash", "71fe91b8-b626-41d0-8a68-ba9779642670");
	uuid_is("x", "erofs", "b6a3ce62-b8c9-4904-a0b0-50189e33e7c9");

	CHECK(veritysetup_parse(REPORT, &p, err, sizeof(err)) == 0, "a report parses");
	CHECK(!strcmp(p.roothash,
		      "f3f3c6d665becc3587bb275e8ee160f32eebc9086e923f3d34f1c2c4df359926") &&
		  !strcmp(p.salt,
			  "fce00227a3f03e7b09454ee5548900c1899c5400c62890d3c97e143e22898012") &&
		  p.data_blocks == 10,
	      "its root hash, salt and data blocks");
	CHECK(parse_with("Root hash:", "Root hash2:") == -EINVAL && !strcmp(err, "no Root hash"),
	      "no root hash: refused, saying so");
	CHECK(parse_with("Salt:", "Salty:") == -EINVAL, "no salt: refused");
	CHECK(parse_with("Data blocks:", "Data block:") == -EINVAL, "no data blocks: refused");
	CHECK(parse_with("f3f3c6d6", "F3f3c6d6") == -EINVAL, "upper-case root hash: refused");
	CHECK(parse_with("f3f3c6d6", "f3f3c6d") == -EINVAL, "short root hash: refused");
	CHECK(parse_with("fce00227", "fce0022") == -EINVAL, "odd salt: refused");
	CHECK(parse_with("\tfce00227a3f03e7b09454ee5548900c1899c5400c62890d3c97e143e22898012",
			 "\t-") == -EINVAL,
	      "no salt ('-'): refused");
	CHECK(parse_with("\t10\n", "\t0\n") == -EINVAL, "zero data blocks: refused");
	CHECK(parse_with("\t10\n", "\t10x\n") == -EINVAL, "data blocks not a number: refused");
	CHECK(parse_with("\t10\n", "\t99999999999999999999999\n") == -EINVAL,
	      "data blocks out of range: refused");
	CHECK(parse_with("\t10\n", "\t\n") == -EINVAL, "data blocks empty: refused");
	CHECK(veritysetup_parse("", &p, err, sizeof(err)) == -EINVAL, "an empty report: refused");
	return CHECK_DONE();
}
