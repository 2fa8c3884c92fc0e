/* unit: image/manifest/m*.c lib/contract.c lib/errf.c lib/fileio.c lib/keyfile.c lib/version.c -lyaml -larchive -lsodium */
/* The manifest's kernel.source and signing.verity_key, and the rules tying them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"

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

static struct manifest m;
static char err[MANIFEST_ERR_MAX];
static char path[128];
static char dir[64] = "/tmp/test_manifest_kernel.XXXXXX";

static const char *const files[][2] = {
    {"keys/v.key", KEY},     {"keys/v.crt", CRT},
    {"keys/nocrt.key", KEY}, {"keys/swap.key", CRT},
    {"keys/swap.crt", KEY},  {"keys/enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"},
    {"keys/enc.crt", CRT},
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void setup_dir(void)
{
	char p[128];

	if (!mkdtemp(dir))
		die("mkdtemp");
	at(p, sizeof(p), "keys");
	if (mkdir(p, 0755) < 0)
		die(p);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		at(p, sizeof(p), files[i][0]);
		FILE *f = fopen(p, "w");
		if (!f || fputs(files[i][1], f) < 0 || fclose(f) != 0)
			die(p);
	}
}

static void cleanup_dir(void)
{
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		at(p, sizeof(p), files[i][0]);
		unlink(p);
	}
	at(p, sizeof(p), "keys");
	rmdir(p);
	rmdir(dir);
}

static int load(const char *yaml)
{
	static char text[8192];
	int fd;

	snprintf(text, sizeof(text), "%s%s", BASE, yaml);
	snprintf(path, sizeof(path), "%s/m.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write");
	close(fd);
	int r = manifest_load(path, &m, err, sizeof(err));
	unlink(path);
	if (r)
		printf("# %s\n", err);
	return r;
}

/* Loading BASE + YAML fails with -EINVAL and "<path>:POS: ...SUB...". */
static void expect_err(const char *name, const char *yaml, const char *pos, const char *sub)
{
	char prefix[160];
	int r = load(yaml);

	snprintf(prefix, sizeof(prefix), "%s:%s: ", path, pos);
	CHECK(r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, sub), name);
}

static void test_kernel(void)
{
	CHECK(load("kernel: {package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN && m.signing.verity_key[0] == '\0',
	      "no source: Debian's kernel, no verity key");
	CHECK(load("kernel: {source: debian, package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN,
	      "source: debian");
	CHECK(load("kernel: {source: , package: linux-image-amd64}\n" ROOTFS) == 0 &&
		  m.kernel.source == KERNEL_SOURCE_DEBIAN,
	      "empty source is the default");
	CHECK(load(CONFIG ROOTFS SIGNING) == 0 && m.kernel.source == KERNEL_SOURCE_CONFIG &&
		  strcmp(m.kernel.package, "linux-source-6.1") == 0 &&
		  strcmp(m.signing.verity_key, "keys/v") == 0,
	      "source: config with a verity key");
}

static void test_kernel_errors(void)
{
	expect_err("unknown source", "kernel: {source: git, package: linux-source-6.1}\n" ROOTFS,
		   "4:18", "kernel.source: bad kernel source 'git': expected debian or config");
	expect_err("config without a verity key", CONFIG ROOTFS, "4:18",
		   "kernel.source: config needs signing.verity_key");
	expect_err("config with a binary kernel package",
		   "kernel: {source: config, package: linux-image-amd64}\n" ROOTFS SIGNING, "4:35",
		   "kernel.package: with source: config, a Debian linux-source package");
	expect_err("verity key with Debian's kernel",
		   "kernel: {package: linux-image-amd64}\n" ROOTFS SIGNING, "6:23",
		   "signing.verity_key needs kernel.source: config");
	expect_err(
	    "verity key files missing", CONFIG ROOTFS "signing: {verity_key: keys/nope}\n", "6:23",
	    "signing.verity_key: 'keys/nope.key' (relative to the manifest's folder): No such "
	    "file or directory");
	expect_err("certificate missing", CONFIG ROOTFS "signing: {verity_key: keys/nocrt}\n",
		   "6:23", "'keys/nocrt.crt' (relative to the manifest's folder): No such file");
	expect_err("key and certificate swapped",
		   CONFIG ROOTFS "signing: {verity_key: keys/swap}\n", "6:23",
		   "signing.verity_key: 'keys/swap.key' is not an unencrypted PEM private key");
	/* openssl would ask for its passphrase, and the build would wait. */
	expect_err("encrypted key", CONFIG ROOTFS "signing: {verity_key: keys/enc}\n", "6:23",
		   "'keys/enc.key' is not an unencrypted PEM private key");
	expect_err("verity key outside the folder", CONFIG ROOTFS "signing: {verity_key: ../v}\n",
		   "6:23", "signing.verity_key: bad key prefix");
	expect_err("verity key a list", CONFIG ROOTFS "signing: {verity_key: [a]}\n", "6:23",
		   "signing.verity_key must be a scalar");
}

int main(void)
{
	setup_dir();
	test_kernel();
	test_kernel_errors();
	cleanup_dir();
	return CHECK_DONE();
}
