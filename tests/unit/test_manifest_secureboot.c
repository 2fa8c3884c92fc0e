/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's signing.secure_boot: a key prefix whose five files must be there. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest_fixture.h"

static const char *const needed[] = {"db.key", "db.crt", "PK.auth", "KEK.auth", "db.auth"};

/* keys/sb-<each needed file>, all but SKIP (NULL: all). */
static void make_keys(const char *skip)
{
	char name[64], p[160];

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		snprintf(name, sizeof(name), "keys/sb-%s", needed[i]);
		fx_at(p, sizeof(p), name);
		unlink(p);
		if (!skip || strcmp(needed[i], skip))
			fx_write(name, "x\n");
	}
	if (!skip || strcmp(skip, "db.key"))
		fx_chmod("keys/sb-db.key", 0600);
}

/* A signing: section of LINE, its key on line 7 (after lines 1-5 and "signing:"). */
static const char *signing(const char *line)
{
	static char yaml[256];

	snprintf(yaml, sizeof(yaml), "signing:\n  %s\n", line);
	return yaml;
}

int main(void)
{
	char p[128];

	fx_setup("test_manifest_secureboot", FX_BASE("rootfs: {}"));
	fx_mkdir("keys");
	make_keys(NULL);

	CHECK(fx_load(signing("secure_boot: keys/sb")) == 0 &&
		  !strcmp(m.signing.secure_boot, "keys/sb"),
	      "the prefix is kept as written");
	CHECK(fx_load(signing("secure_boot: ~")) == 0 && !strcmp(m.signing.secure_boot, ""),
	      "null: no Secure Boot signing");
	CHECK(fx_load(signing("gpg_key: ABCDEF01")) == 0 && !strcmp(m.signing.secure_boot, ""),
	      "absent: no Secure Boot signing");
	EXPECT_ERR("absolute prefix", signing("secure_boot: /etc/keys/sb"), "7:16",
		   "signing.secure_boot: bad key prefix '/etc/keys/sb': must be relative");
	EXPECT_ERR("prefix with ..", signing("secure_boot: ../sb"), "7:16",
		   "must not contain '..'");
	EXPECT_ERR("no files of that prefix", signing("secure_boot: keys/other"), "7:16",
		   "signing.secure_boot: 'keys/other-db.key' (relative to the manifest's folder): "
		   "No such file or directory");
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		char name[64], want[64];
		make_keys(needed[i]);
		snprintf(name, sizeof(name), "%s missing", needed[i]);
		snprintf(want, sizeof(want), "'keys/sb-%s' (relative", needed[i]);
		EXPECT_ERR(name, signing("secure_boot: keys/sb"), "7:16", want);
	}
	make_keys("db.crt");
	fx_mkdir("keys/sb-db.crt");
	EXPECT_ERR("a folder in place of a file", signing("secure_boot: keys/sb"), "7:16",
		   "signing.secure_boot: 'keys/sb-db.crt' is not a regular file");
	fx_at(p, sizeof(p), "keys/sb-db.crt");
	rmdir(p);
	fx_mkfifo("keys/sb-db.crt");
	EXPECT_ERR("a FIFO does not block the load", signing("secure_boot: keys/sb"), "7:16",
		   "is not a regular file");

	/* The secret keys: db's, which the build signs with, and PK's and KEK's if they are here.
	 */
	make_keys(NULL);
	fx_chmod("keys/sb-db.key", 0640);
	EXPECT_ERR(
	    "db key open to its group", signing("secure_boot: keys/sb"), "7:16",
	    "signing.secure_boot: the secret key 'keys/sb-db.key' is open to group or others "
	    "(mode 0640)");
	make_keys(NULL);
	fx_write("keys/sb-PK.key", "x\n");
	fx_write("keys/sb-KEK.key", "x\n");
	fx_chmod("keys/sb-PK.key", 0600);
	fx_chmod("keys/sb-KEK.key", 0604);
	EXPECT_ERR("KEK key beside it open to others", signing("secure_boot: keys/sb"), "7:16",
		   "the secret key 'keys/sb-KEK.key' is open to group or others (mode 0604)");
	fx_chmod("keys/sb-KEK.key", 0400);
	CHECK(fx_load(signing("secure_boot: keys/sb")) == 0,
	      "PK and KEK keys beside it, their owner's alone");

	fx_cleanup();
	return CHECK_DONE();
}
