/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/*
 * The manifest's kernel.cmdline, kernel.modules, kernel.source and
 * signing.verity_key, and the rules tying them.
 */
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

/* Debian's kernel with kernel.KEY (7 letters) VALUE, on line 6 from column 12. */
static const char *kernel_with(const char *key, const char *value)
{
	static char yaml[512];

	snprintf(yaml, sizeof(yaml), "kernel:\n  package: linux-image-amd64\n  %s: %s\n" ROOTFS,
		 key, value);
	return yaml;
}
#define cmdline(line) kernel_with("cmdline", line)
#define modules(list) kernel_with("modules", list)

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

static void test_modules(void)
{
	CHECK(fx_load("kernel: {package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  !m.kernel.modules_given && m.kernel.n_modules == 0,
	      "modules: without the key, the default set");
	CHECK(fx_load(modules("[]")) == 0 && m.kernel.modules_given && m.kernel.n_modules == 0,
	      "modules: [] is no module at all");
	CHECK(fx_load(modules("[drivers/nvme/*, 'drivers/net/ethernet/intel/e1000e/*', "
			      "fs/overlayfs/overlay.ko, drivers/scsi/sd_mod, "
			      "'drivers/ata/[as]ata_?*', 'drivers/md/dm-[!z]*', "
			      "drivers/net/ethernet/mellanox/mlx5/core/mlx5_core]")) == 0 &&
		  m.kernel.modules_given && m.kernel.n_modules == 7 &&
		  !strcmp(m.kernel.modules[0], "drivers/nvme/*") &&
		  !strcmp(m.kernel.modules[1], "drivers/net/ethernet/intel/e1000e/*") &&
		  !strcmp(m.kernel.modules[6], "drivers/net/ethernet/mellanox/mlx5/core/mlx5_core"),
	      "modules: globs, in order");
	CHECK(fx_load("kernel:\n  package: linux-image-amd64\n  modules:\n    - drivers/nvme/*\n"
		      "    - '*'\n" ROOTFS) == 0 &&
		  m.kernel.n_modules == 2 && !strcmp(m.kernel.modules[1], "*"),
	      "modules: a block list; '*' is every module");

	/* Each refused at the list (6:12; its key, 6:3, when it is null) or an item. */
	static const char *const refused[][4] = {
	    {"modules: a glob, not a list", "drivers/nvme/*", "6:12",
	     "kernel.modules must be a list of globs such as drivers/nvme/*"},
	    {"modules: null is neither default nor none", "", "6:3",
	     "kernel.modules must be a list"},
	    {"modules: a mapping", "{nvme: yes}", "6:12", "kernel.modules must be a list"},
	    {"modules: an empty glob", "['']", "6:13",
	     "kernel.modules[0]: bad module glob '': must not be empty"},
	    {"modules: absolute", "[/lib/modules/6.1/kernel/drivers/nvme/*]", "6:13",
	     "must be relative to /lib/modules/RELEASE/kernel/"},
	    {"modules: a '..' component", "[drivers/../../../etc/*]", "6:13",
	     "must not contain '..'"},
	    {"modules: '..' alone", "['..']", "6:13", "must not contain '..'"},
	    {"modules: a '.' component", "[drivers/./nvme/*]", "6:13",
	     "must not contain '//' or '.' components"},
	    {"modules: '//'", "[drivers//nvme/*]", "6:13", "must not contain '//'"},
	    {"modules: a folder", "[drivers/nvme/]", "6:13",
	     "must not end with '/' (DIR/* names the modules under DIR)"},
	    {"modules: a space", "['drivers/nvme/* fs/*']", "6:13",
	     "only letters, digits, '_-.+,/' and the wildcards"},
	    {"modules: a backslash", "['drivers/nvme/\\*']", "6:13", "only letters"},
	    {"modules: a shell expansion", "['$(reboot)']", "6:13", "only letters"},
	    {"modules: a control character", "[\"drivers/\\tnvme\"]", "6:13",
	     "control characters are not allowed"},
	    {"modules: an item that is a list", "[[drivers/nvme/*]]", "6:13",
	     "kernel.modules[0] must be a scalar"},
	    {"modules: the same glob twice", "[drivers/nvme/*, fs/overlayfs/*, drivers/nvme/*]",
	     "6:45", "kernel.modules[2]: duplicate glob 'drivers/nvme/*' (first on line 6)"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT_ERR(refused[i][0], modules(refused[i][1]), refused[i][2], refused[i][3]);

	char yaml[8192], *p = yaml;
	p += sprintf(p, "kernel:\n  package: linux-image-amd64\n  modules:\n");
	for (int i = 0; i <= MANIFEST_MAX_MODULES; i++)
		p += sprintf(p, "    - d/%d\n", i);
	strcpy(p, ROOTFS);
	EXPECT_ERR("modules: too many", yaml, "135:7", "kernel.modules has more than 128 items");
	char glob[MODULE_GLOB_MAX + 4] = "[";
	memset(glob + 1, 'a', MODULE_GLOB_MAX + 1);
	strcpy(glob + MODULE_GLOB_MAX + 2, "]");
	EXPECT_ERR("modules: a glob too long", modules(glob), "6:13",
		   "kernel.modules[0] is too long (129 bytes, at most 128)");
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
	test_modules();
	test_cmdline();
	test_kernel_errors();
	fx_cleanup();
	return CHECK_DONE();
}
