/* unit: image/manifest/m*.c lib/contract.c lib/errf.c lib/fileio.c lib/keyfile.c lib/version.c -lyaml -larchive -lsodium */
/* The manifest's update: section. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"

/* Lines 1-5; the section under test starts on line 6. */
#define BASE                                     \
	"name: berth\n"                          \
	"version: 0.1.0\n"                       \
	"kernel: {package: linux-image-amd64}\n" \
	"rootfs: {}\n"                           \
	"disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"

#define PUB_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
#define PUB_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n"
#define SECRET                                                             \
	"0000000000000000000000000000000000000000000000000000000000000000" \
	"1111111111111111111111111111111111111111111111111111111111111111\n"

static struct manifest m;
static char err[MANIFEST_ERR_MAX];
static char path[128];
static char dir[64] = "/tmp/test_manifest_update.XXXXXX";

static const char *const files[][2] = {
    {"keys/a.pub", PUB_A},
    {"keys/b.pub", PUB_B},
    {"old/a.pub", PUB_B},
    {"keys/upper.pub", "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n"},
    {"keys/short.pub", "0011\n"},
    {"keys/release.key", SECRET},
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

/* keys/k0.pub to keys/k8.pub: more keys than a manifest may list. */
static void many_keys(bool make)
{
	char name[32], p[128];

	for (int i = 0; i <= UPDATE_KEYS_MAX; i++) {
		snprintf(name, sizeof(name), "keys/k%d.pub", i);
		at(p, sizeof(p), name);
		FILE *f = make ? fopen(p, "w") : NULL;
		if (make && (!f || fputs(PUB_A, f) < 0 || fclose(f) != 0))
			die(p);
		if (!make)
			unlink(p);
	}
}

static void setup_dir(void)
{
	static const char *const dirs[] = {"keys", "old", "keys/dir.pub"};
	char p[128];

	if (!mkdtemp(dir))
		die("mkdtemp");
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		at(p, sizeof(p), dirs[i]);
		if (mkdir(p, 0755) < 0)
			die(p);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		at(p, sizeof(p), files[i][0]);
		FILE *f = fopen(p, "w");
		if (!f || fputs(files[i][1], f) < 0 || fclose(f) != 0)
			die(p);
	}
	many_keys(true);
}

static void cleanup_dir(void)
{
	static const char *const dirs[] = {"keys/dir.pub", "keys", "old", ""};
	char p[128];

	many_keys(false);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		at(p, sizeof(p), files[i][0]);
		unlink(p);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		at(p, sizeof(p), dirs[i]);
		rmdir(p);
	}
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
	bool ok = r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, sub);
	if (!ok)
		printf("# %s: want \"%s...%s\"\n", name, prefix, sub);
	CHECK(ok, name);
}

static bool key_is(size_t i, const char *hex)
{
	char got[65];

	for (int j = 0; j < 32; j++)
		snprintf(got + 2 * j, 3, "%02x", m.update.keys[i].key[j]);
	return !strncmp(got, hex, 64);
}

static void test_update(void)
{
	CHECK(load("") == 0 && !strcmp(m.update.compatible, "berth-x86_64") &&
		  m.update.health_deadline == 300 && m.update.n_keys == 0 &&
		  !m.update.signing_key[0],
	      "no update: section: the defaults, no keys, no signing key");
	CHECK(load("update:\n  keys: [keys/a.pub]\n") == 0 &&
		  !strcmp(m.update.compatible, "berth-x86_64") && m.update.health_deadline == 300 &&
		  m.update.n_keys == 1 && !strcmp(m.update.keys[0].path, "keys/a.pub") &&
		  key_is(0, PUB_A) && !m.update.signing_key[0],
	      "keys only: the defaults");
	CHECK(load("update:\n"
		   "  compatible: berth.edge_x86-64\n"
		   "  keys:\n"
		   "    - keys/a.pub\n"
		   "    - keys/b.pub\n"
		   "  signing_key: keys/release.key\n"
		   "  health_deadline: 3600\n") == 0 &&
		  !strcmp(m.update.compatible, "berth.edge_x86-64") && m.update.n_keys == 2 &&
		  key_is(0, PUB_A) && key_is(1, PUB_B) &&
		  !strcmp(m.update.signing_key, "keys/release.key") &&
		  m.update.health_deadline == 3600,
	      "every key of update:");
	CHECK(load("update: {keys: [keys/a.pub], health_deadline: 10, signing_key: }\n") == 0 &&
		  m.update.health_deadline == 10 && !m.update.signing_key[0],
	      "deadline 10; an empty signing_key is none");
	CHECK(load("update: {keys: [keys/a.pub], compatible: " // 64 characters
		   "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01}\n") == 0 &&
		  strlen(m.update.compatible) == 64,
	      "compatible of 64 characters");
}

static void test_update_errors(void)
{
	expect_err("update not a mapping", "update: [keys/a.pub]\n", "6:9",
		   "update must be a mapping");
	expect_err("update empty", "update:\n", "6:1", "update must be a mapping");
	expect_err("unknown key in update", "update:\n  keys: [keys/a.pub]\n  key: x\n", "8:3",
		   "unknown key 'key' in update");
	expect_err("update without keys", "update:\n  compatible: berth\n", "7:3",
		   "missing required field 'update.keys'");
	expect_err("no keys", "update:\n  keys: []\n", "7:9",
		   "update.keys: at least one public key is needed");
	expect_err("keys not a list", "update:\n  keys: keys/a.pub\n", "7:9",
		   "update.keys must be a list");
	CHECK(load("update:\n  keys: [keys/k0.pub, keys/k1.pub, keys/k2.pub, keys/k3.pub, "
		   "keys/k4.pub, keys/k5.pub, keys/k6.pub, keys/k7.pub]\n") == 0 &&
		  m.update.n_keys == 8,
	      "eight keys");
	expect_err("nine keys",
		   "update:\n  keys: [keys/k0.pub, keys/k1.pub, keys/k2.pub, keys/k3.pub, "
		   "keys/k4.pub, keys/k5.pub, keys/k6.pub, keys/k7.pub, keys/k8.pub]\n",
		   "7:114", "update.keys has more than 8 items");
	expect_err("key file missing", "update:\n  keys: [keys/a.pub, keys/nope.pub]\n", "7:22",
		   "update.keys[1]: 'keys/nope.pub' (relative to the manifest's folder): No such "
		   "file or directory");
	expect_err(
	    "key upper-case hex", "update:\n  keys: [keys/upper.pub]\n", "7:10",
	    "update.keys[0]: 'keys/upper.pub' does not hold a key as berth keygen writes it");
	expect_err("key too short", "update:\n  keys: [keys/short.pub]\n", "7:10",
		   "expected an Ed25519 public key: 64 lower-case hex digits and a newline");
	expect_err("secret key as public key", "update:\n  keys: [keys/release.key]\n", "7:10",
		   "update.keys[0]: 'keys/release.key' does not hold a key");
	expect_err("key is a folder", "update:\n  keys: [keys/dir.pub]\n", "7:10",
		   "update.keys[0]: 'keys/dir.pub' is not a regular file");
	expect_err("key path with ..", "update:\n  keys: [keys/../keys/a.pub]\n", "7:10",
		   "update.keys[0]: bad key path 'keys/../keys/a.pub': must not contain '..'");
	expect_err("absolute key path", "update:\n  keys: [/etc/a.pub]\n", "7:10",
		   "must be relative to the manifest's folder");
	expect_err("two keys of one file name",
		   "update:\n  keys:\n    - keys/a.pub\n    - old/a.pub\n", "9:7",
		   "update.keys[1]: a key file named 'a.pub' is already listed (line 8)");
	expect_err("compatible upper case", "update:\n  compatible: Berth\n  keys: [keys/a.pub]\n",
		   "7:15", "update.compatible: bad compatible string 'Berth': only lower-case");
	expect_err("compatible with /", "update: {compatible: a/b, keys: [keys/a.pub]}\n", "6:22",
		   "bad compatible string 'a/b'");
	expect_err("compatible empty", "update: {compatible: '', keys: [keys/a.pub]}\n", "6:22",
		   "must not be empty");
	expect_err("compatible of 65",
		   "update: {compatible: "
		   "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012, keys: "
		   "[keys/a.pub]}\n",
		   "6:22", "update.compatible is too long (65 bytes, at most 64)");
	expect_err("deadline 9", "update: {keys: [keys/a.pub], health_deadline: 9}\n", "6:47",
		   "update.health_deadline: bad deadline '9': expected a number of seconds from 10 "
		   "to 3600");
	expect_err("deadline 3601", "update: {keys: [keys/a.pub], health_deadline: 3601}\n", "6:47",
		   "bad deadline '3601'");
	expect_err("deadline 0300", "update: {keys: [keys/a.pub], health_deadline: 0300}\n", "6:47",
		   "bad deadline '0300'");
	expect_err("deadline 5m", "update: {keys: [keys/a.pub], health_deadline: 5m}\n", "6:47",
		   "bad deadline '5m'");
	expect_err("signing key missing",
		   "update:\n  keys: [keys/a.pub]\n  signing_key: keys/nope.key\n", "8:16",
		   "update.signing_key: 'keys/nope.key' (relative to the manifest's folder): No "
		   "such file or directory");
	expect_err("public key as signing key",
		   "update:\n  keys: [keys/a.pub]\n  signing_key: keys/a.pub\n", "8:16",
		   "update.signing_key: 'keys/a.pub' does not hold a key as berth keygen writes it "
		   "(expected an Ed25519 secret key: 128 lower-case hex digits and a newline)");
	expect_err("signing key a list", "update:\n  keys: [keys/a.pub]\n  signing_key: [a]\n",
		   "8:16", "update.signing_key must be a scalar");
}

int main(void)
{
	setup_dir();
	test_update();
	test_update_errors();
	cleanup_dir();
	return CHECK_DONE();
}
