/* unit: image/manifest/m*.c lib/contract.c lib/errf.c lib/fileio.c lib/keyfile.c lib/version.c -lyaml -larchive -lsodium */
/* The manifest's signing.secure_boot: a key prefix whose five files must be there. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"

/* Lines 1-5; signing: is line 6, its key line 7. */
#define BASE                                     \
	"name: berth\n"                          \
	"version: 0.1.0\n"                       \
	"kernel: {package: linux-image-amd64}\n" \
	"rootfs: {}\n"                           \
	"disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"

static const char *const needed[] = {"db.key", "db.crt", "PK.auth", "KEK.auth", "db.auth"};

static struct manifest m;
static char err[MANIFEST_ERR_MAX];
static char path[128];
static char dir[64] = "/tmp/test_manifest_secureboot.XXXXXX";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* keys/sb-<each needed file>, all but SKIP (NULL: all). */
static void make_keys(const char *skip)
{
	char name[64], p[160];

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		snprintf(name, sizeof(name), "keys/sb-%s", needed[i]);
		at(p, sizeof(p), name);
		unlink(p);
		if (skip && !strcmp(needed[i], skip))
			continue;
		FILE *f = fopen(p, "w");
		if (!f || fputs("x\n", f) < 0 || fclose(f) != 0)
			die(p);
	}
}

static int load(const char *signing)
{
	char yaml[1024];
	int fd;

	snprintf(yaml, sizeof(yaml), BASE "signing:\n  %s\n", signing);
	at(path, sizeof(path), "m.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, yaml, strlen(yaml)) != (ssize_t)strlen(yaml) || close(fd) < 0)
		die(path);
	memset(&m, 0x55, sizeof(m));
	int r = manifest_load(path, &m, err, sizeof(err));
	unlink(path);
	return r;
}

static void expect_err(const char *name, const char *signing, const char *pos, const char *sub)
{
	char prefix[200];
	int r = load(signing);

	snprintf(prefix, sizeof(prefix), "%s:%s: ", path, pos);
	bool ok = r == -EINVAL && !strncmp(err, prefix, strlen(prefix)) && strstr(err, sub);
	if (!ok)
		printf("# %s: r=%d err=\"%s\", want \"%s...%s\"\n", name, r, err, prefix, sub);
	CHECK(ok, name);
}

int main(void)
{
	char p[128];

	if (!mkdtemp(dir))
		die("mkdtemp");
	at(p, sizeof(p), "keys");
	if (mkdir(p, 0755) < 0)
		die(p);
	make_keys(NULL);

	CHECK(load("secure_boot: keys/sb") == 0 && !strcmp(m.signing.secure_boot, "keys/sb"),
	      "the prefix is kept as written");
	CHECK(load("secure_boot: ~") == 0 && !strcmp(m.signing.secure_boot, ""),
	      "null: no Secure Boot signing");
	CHECK(load("gpg_key: ABCDEF01") == 0 && !strcmp(m.signing.secure_boot, ""),
	      "absent: no Secure Boot signing");
	expect_err("absolute prefix", "secure_boot: /etc/keys/sb", "7:16",
		   "signing.secure_boot: bad key prefix '/etc/keys/sb': must be relative");
	expect_err("prefix with ..", "secure_boot: ../sb", "7:16", "must not contain '..'");
	expect_err("no files of that prefix", "secure_boot: keys/other", "7:16",
		   "signing.secure_boot: 'keys/other-db.key' (relative to the manifest's folder): "
		   "No such file or directory");
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		char name[64], want[64];
		make_keys(needed[i]);
		snprintf(name, sizeof(name), "%s missing", needed[i]);
		snprintf(want, sizeof(want), "'keys/sb-%s' (relative", needed[i]);
		expect_err(name, "secure_boot: keys/sb", "7:16", want);
	}
	make_keys("db.crt");
	at(p, sizeof(p), "keys/sb-db.crt");
	if (mkdir(p, 0755) < 0)
		die(p);
	expect_err("a folder in place of a file", "secure_boot: keys/sb", "7:16",
		   "signing.secure_boot: 'keys/sb-db.crt' is not a regular file");
	rmdir(p);
	if (mkfifo(p, 0644) < 0)
		die(p);
	expect_err("a FIFO does not block the load", "secure_boot: keys/sb", "7:16",
		   "is not a regular file");

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		snprintf(p, sizeof(p), "%s/keys/sb-%s", dir, needed[i]);
		unlink(p);
	}
	at(p, sizeof(p), "keys");
	rmdir(p);
	rmdir(dir);
	return CHECK_DONE();
}
