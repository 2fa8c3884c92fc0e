/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's kernel.cmdline, kernel.source and signing.verity_key, and the rules tying them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* Lines 1-3; the kernel: and signing: sections follow from line 4. */
#define BASE               \
	"name: berth\n"    \
	"version: 0.1.0\n" \
	"disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"
#define ROOTFS "rootfs: {}\n"
#define CONFIG "kernel: {source: config, package: linux-source-6.1}\n"
#define SIGNING "signing: {verity_key: keys/v}\n"

#define KEY "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
#define CRT "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"

static const char *const files[][2] = {
    {"keys/v.key", KEY},     {"keys/v.crt", CRT},
    {"keys/nocrt.key", KEY}, {"keys/swap.key", CRT},
    {"keys/swap.crt", KEY},  {"keys/enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"},
    {"keys/enc.crt", CRT},   {"keys/open.key", KEY},
    {"keys/open.crt", CRT},
};

/* kernel.cmdline LINE, on line 6 from column 12. */
static const char *cmdline(const char *line)
{
	static char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "kernel:\n  package: linux-image-amd64\n  cmdline: %s\n" ROOTFS, line);
	return yaml;
}

static void test_cmdline(void)
{
	CHECK(fx_load(cmdline("console=ttyS0,115200 quiet panic=10 foo=\"a b\" rootwait")) == 0 &&
		  !strcmp(m.kernel.cmdline,
			  "console=ttyS0,115200 quiet panic=10 foo=\"a b\" rootwait"),
	      "cmdline: an ordinary line, quotes and all");
	CHECK(fx_load(cmdline("dm_mod.create=x initcall_debug berthx=1 init_on_alloc=1")) == 0,
	      "cmdline: names that only start like refused ones");
	/* Each refused at line 6, column 12: name, kernel.cmdline, what the message says. */
	static const char *const refused[][3] = {
	    {"cmdline sets roothash", "quiet roothash=00ff",
	     "kernel.cmdline: 'roothash=00ff' is berth's to set"},
	    {"cmdline sets a verity partition", "systemd.verity_root_data=PARTUUID=x",
	     "is berth's to set"},
	    {"cmdline turns systemd's verity off", "systemd.verity=no", "is berth's to set"},
	    {"cmdline names the slot", "berth.slot=b", "'berth.slot=b' is berth's to set"},
	    {"cmdline: any berth.", "berth.anything", "is berth's to set"},
	    {"cmdline: '-' is '_' to the kernel", "systemd.verity-root-hash=x",
	     "is berth's to set"},
	    {"cmdline: a quoted parameter is one", "'\"roothash=00 ff\"'",
	     "'roothash=00 ff' is berth's to set"},
	    {"cmdline lets unsigned roots through", "dm_verity.require_signatures=0",
	     "'dm_verity.require_signatures=0' would weaken what berth verifies"},
	    {"cmdline: dm-verity is dm_verity", "dm-verity.require_signatures=0",
	     "would weaken what berth verifies"},
	    {"cmdline replaces init", "quiet init=/bin/sh", "'init=/bin/sh' would weaken"},
	    {"cmdline replaces the initramfs' init", "rdinit=/bin/sh", "would weaken"},
	    {"cmdline skips the initramfs", "noinitrd", "would weaken"},
	    {"cmdline loads another initramfs", "initrd=\\EFI\\x.img", "would weaken"},
	    {"cmdline lets unsigned modules load", "module.sig_enforce=0", "would weaken"},
	    {"cmdline ends the kernel's parameters", "quiet -- x",
	     "'--' ends the kernel's parameters"},
	    {"cmdline with an unclosed quote", "'quiet x=\"'",
	     "kernel.cmdline: an unclosed '\"' in 'x=' would swallow the parameters berth adds"},
	    {"cmdline with a third quote", "'a=\"b\" c=\"d'", "an unclosed '\"'"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT_ERR(refused[i][0], cmdline(refused[i][1]), "6:12", refused[i][2]);
}

static void test_kernel(void)
{
	CHECK(fx_load("kernel: {package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN && m.signing.verity_key[0] == '\0',
	      "no source: Debian's kernel, no verity key");
	CHECK(fx_load("kernel: {source: debian, package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN,
	      "source: debian");
	CHECK(fx_load("kernel: {source: , package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN,
	      "empty source is the default");
	CHECK(fx_load(CONFIG ROOTFS SIGNING) == 0 && m.kernel.source == KERNEL_SOURCE_CONFIG &&
		  strcmp(m.kernel.package, "linux-source-6.1") == 0 &&
		  strcmp(m.signing.verity_key, "keys/v") == 0,
	      "source: config with a verity key");
}

static void test_kernel_errors(void)
{
	EXPECT_ERR("unknown source", "kernel: {source: git, package: linux-source-6.1}\n" ROOTFS,
		   "4:18", "kernel.source: bad kernel source 'git': expected debian or config");
	EXPECT_ERR("config without a verity key", CONFIG ROOTFS, "4:18",
		   "kernel.source: config needs signing.verity_key");
	EXPECT_ERR("config with a binary kernel package",
		   "kernel: {source: config, package: linux-image-amd64}\n" ROOTFS SIGNING, "4:35",
		   "kernel.package: with source: config, a Debian linux-source package");
	EXPECT_ERR("verity key with Debian's kernel",
		   "kernel: {package: linux-image-amd64}\n" ROOTFS SIGNING, "6:23",
		   "signing.verity_key needs kernel.source: config");
	EXPECT_ERR(
	    "verity key files missing", CONFIG ROOTFS "signing: {verity_key: keys/nope}\n", "6:23",
	    "signing.verity_key: 'keys/nope.key' (relative to the manifest's folder): No such "
	    "file or directory");
	EXPECT_ERR("certificate missing", CONFIG ROOTFS "signing: {verity_key: keys/nocrt}\n",
		   "6:23", "'keys/nocrt.crt' (relative to the manifest's folder): No such file");
	EXPECT_ERR("key and certificate swapped",
		   CONFIG ROOTFS "signing: {verity_key: keys/swap}\n", "6:23",
		   "signing.verity_key: 'keys/swap.key' is not an unencrypted PEM private key");
	/* openssl would ask for its passphrase, and the build would wait. */
	EXPECT_ERR("encrypted key", CONFIG ROOTFS "signing: {verity_key: keys/enc}\n", "6:23",
		   "'keys/enc.key' is not an unencrypted PEM private key");
	EXPECT_ERR("verity key outside the folder", CONFIG ROOTFS "signing: {verity_key: ../v}\n",
		   "6:23", "signing.verity_key: bad key prefix");
	EXPECT_ERR("verity key a list", CONFIG ROOTFS "signing: {verity_key: [a]}\n", "6:23",
		   "signing.verity_key must be a scalar");
	EXPECT_ERR("verity key open to others", CONFIG ROOTFS "signing: {verity_key: keys/open}\n",
		   "6:23",
		   "signing.verity_key: the secret key 'keys/open.key' is open to group or others "
		   "(mode 0644)");
}

int main(void)
{
	fx_setup("test_manifest_kernel", BASE);
	fx_mkdir("keys");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fx_write(files[i][0], files[i][1]);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strstr(files[i][0], ".key") && strcmp(files[i][0], "keys/open.key"))
			fx_chmod(files[i][0], 0600);
	fx_chmod("keys/open.key", 0644);
	test_kernel();
	test_cmdline();
	test_kernel_errors();
	fx_cleanup();
	return CHECK_DONE();
}
