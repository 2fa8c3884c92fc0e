/* unit: image/mkbundle.c lib/[a-z]*.c -Iimage -lsodium */
/* Writing a signed bundle (image/mkbundle.c) and reading key files (lib/keyfile.c). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "keyfile.h"
#include "mkbundle.h"

static char dir[64] = "/tmp/test_mkbundle.XXXXXX";
static uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
/* Payload contents: one larger than the writer's 1 MiB chunk, one empty. */
static size_t sizes[BUNDLE_PAYLOADS] = {(1 << 20) * 3 + 17, 4096, 0, 1000};
static uint8_t *contents[BUNDLE_PAYLOADS];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* DIR/NAME; the last 16 stay valid (a bundle's paths are 6). */
static const char *at(const char *name)
{
	static char p[16][128];
	static int next;
	char *s = p[next++ % 16];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

static void write_bytes(const char *name, const void *data, size_t n)
{
	FILE *f = fopen(at(name), "w");

	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		die(name);
}

static void write_hex(const char *name, const uint8_t *key, size_t n, const char *end)
{
	char hex[2 * 64 + 1], text[160];

	sodium_bin2hex(hex, sizeof(hex), key, n);
	snprintf(text, sizeof(text), "%s%s", hex, end);
	write_bytes(name, text, strlen(text));
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		die(path);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die(path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void setup(void)
{
	static const char *const names[] = {"root.erofs", "verity.img", "uki-a.efi", "uki-b.efi"};

	if (sodium_init() < 0 || !mkdtemp(dir))
		die("setup");
	crypto_sign_keypair(pk, sk);
	write_hex("test.key", sk, sizeof(sk), "\n");
	for (int p = 0; p < BUNDLE_PAYLOADS; p++) {
		contents[p] = malloc(sizes[p] + 1);
		for (size_t i = 0; i < sizes[p]; i++)
			contents[p][i] = (uint8_t)(i * 7 + (size_t)p * 31 + i / 4096);
		write_bytes(names[p], contents[p], sizes[p]);
	}
}

static void init(struct mkbundle *mb, const char *key, const char *out)
{
	static const char *const names[] = {"root.erofs", "verity.img", "uki-a.efi", "uki-b.efi"};

	memset(mb, 0, sizeof(*mb));
	mb->m.format = 1;
	strcpy(mb->m.name, "berth");
	strcpy(mb->m.version, "0.2.0");
	strcpy(mb->m.compatible, "berth-x86_64");
	memset(mb->m.roothash, 'c', 64);
	for (int p = 0; p < BUNDLE_PAYLOADS; p++)
		mb->payload[p] = at(names[p]);
	mb->secret_key = at(key);
	mb->out = at(out);
}

/* Runs the writer; its log in LOG (LOGLEN bytes). */
static int run(struct mkbundle *mb, char *log, size_t loglen)
{
	FILE *f = fmemopen(log, loglen, "w");

	if (!f)
		die("fmemopen");
	int r = mkbundle_write(mb, f);
	fclose(f);
	return r;
}

/* Reads the bundle at PATH as berth-update would, checking every part. */
static void check_bundle(const char *path)
{
	struct bundle_header h;
	struct bundle_manifest m;
	char err[256];
	size_t len, off;
	uint8_t *b = read_all(path, &len), hash[32];

	if (!b || len < BUNDLE_HEADER_SIZE) {
		CHECK(false, "the bundle exists");
		return;
	}
	CHECK(bundle_header_parse(b, &h, err, sizeof(err)) == 0 && h.sig_count == 1,
	      "the header parses; one signature");
	off = BUNDLE_HEADER_SIZE;
	CHECK(bundle_manifest_parse((const char *)b + off, h.manifest_len, &m, err, sizeof(err)) ==
		      0 &&
		  !strcmp(m.name, "berth") && !strcmp(m.version, "0.2.0"),
	      "the manifest parses");
	const uint8_t *sig = b + off + h.manifest_len;
	CHECK(!memcmp(sig, pk, 32), "the signature block starts with the signer's public key");
	CHECK(crypto_sign_verify_detached(sig + 32, b + off, h.manifest_len, pk) == 0,
	      "the signature verifies over the manifest bytes");
	off += h.manifest_len + BUNDLE_SIG_SIZE;
	bool sizes_ok = true, hashes_ok = true, bytes_ok = true;
	for (int i = 0; i < BUNDLE_PAYLOADS; i++) {
		enum bundle_payload p = bundle_payload_order(h.format)[i];
		sizes_ok &= m.payload[p].size == sizes[p] && off + sizes[p] <= len;
		if (!sizes_ok)
			break;
		crypto_hash_sha256(hash, b + off, sizes[p]);
		hashes_ok &= !memcmp(hash, m.payload[p].sha256, 32);
		bytes_ok &= !memcmp(b + off, contents[p], sizes[p]);
		off += sizes[p];
	}
	CHECK(sizes_ok, "payload sizes are the files' sizes");
	CHECK(hashes_ok, "payload hashes are those of the bytes that follow");
	CHECK(bytes_ok, "payloads are the files, in manifest order");
	CHECK(off == len, "nothing after the last payload");
	free(b);
}

static void test_write(void)
{
	struct mkbundle mb;
	char log[8192];

	init(&mb, "test.key", "b.berth");
	CHECK(run(&mb, log, sizeof(log)) == 0, "a bundle is written");
	check_bundle(at("b.berth"));
	CHECK(access(at("b.berth.tmp"), F_OK) < 0, "no temporary file is left");
	CHECK(strstr(log, "payload uki-b 1000 "), "the log shows the manifest");

	/* Ed25519 signatures are deterministic: the same inputs give the same bundle. */
	size_t n1, n2;
	uint8_t *one = read_all(at("b.berth"), &n1);
	init(&mb, "test.key", "b.berth");
	CHECK(run(&mb, log, sizeof(log)) == 0, "an existing bundle is replaced");
	uint8_t *two = read_all(at("b.berth"), &n2);
	CHECK(one && two && n1 == n2 && !memcmp(one, two, n1), "the same inputs, the same bytes");
	CHECK(one && n1 > 12 && one[8] == 1 && !memmem(one, n1, "\nepoch ", 7),
	      "without a security epoch: format 1, no epoch line");
	free(one);
	free(two);

	init(&mb, "test.key", "e2.berth");
	mb.m.format = 2;
	mb.m.epoch = 3;
	CHECK(run(&mb, log, sizeof(log)) == 0 && strstr(log, "format 2\n") &&
		  strstr(log, "\ncompatible berth-x86_64\nepoch 3\nroothash "),
	      "a security epoch: format 2, its line after compatible");
	check_bundle(at("e2.berth"));
	one = read_all(at("e2.berth"), &n1);
	CHECK(one && n1 > 12 && one[8] == 2, "a security epoch: the header says format 2");
	free(one);

	init(&mb, "test.key", "e3.berth");
	mb.m.format = 3;
	memset(mb.m.salt, 0xab, 32);
	mb.m.saltlen = 32;
	CHECK(run(&mb, log, sizeof(log)) == 0 && strstr(log, "format 3\n") &&
		  strstr(log, "\nepoch 0\nroothash ") && strstr(log, "\nsalt abababab") &&
		  strstr(log, "\npayload verity 4096 "),
	      "format 3: epoch 0 said, the salt, the verity tree listed first");
	check_bundle(at("e3.berth"));
	one = read_all(at("e3.berth"), &n1);
	CHECK(one && n1 > 12 && one[8] == 3, "format 3: the header says so");
	free(one);
}

static void test_errors(void)
{
	struct mkbundle mb;
	char log[8192];
	uint8_t bad[sizeof(sk)];

	init(&mb, "nope.key", "e.berth");
	CHECK(run(&mb, log, sizeof(log)) == -ENOENT && strstr(log, "signing key") &&
		  access(at("e.berth"), F_OK) < 0,
	      "a missing signing key: no bundle");

	/* A public half that is not the seed's: every signature would be refused. */
	memcpy(bad, sk, sizeof(sk));
	bad[63] ^= 1;
	write_hex("damaged.key", bad, sizeof(bad), "\n");
	init(&mb, "damaged.key", "e.berth");
	CHECK(run(&mb, log, sizeof(log)) == -EINVAL && strstr(log, "the key file is damaged") &&
		  access(at("e.berth"), F_OK) < 0 && access(at("e.berth.tmp"), F_OK) < 0,
	      "a damaged signing key: no bundle, no temporary file");

	init(&mb, "test.key", "e.berth");
	mb.payload[PAYLOAD_UKI_B] = at("missing.efi");
	CHECK(run(&mb, log, sizeof(log)) == -ENOENT && strstr(log, "missing.efi") &&
		  access(at("e.berth"), F_OK) < 0,
	      "a missing payload: no bundle");

	init(&mb, "test.key", "e.berth");
	strcpy(mb.m.compatible, "Not-Valid");
	CHECK(run(&mb, log, sizeof(log)) == -EINVAL && strstr(log, "line 4: bad compatible") &&
		  access(at("e.berth"), F_OK) < 0 && access(at("e.berth.tmp"), F_OK) < 0,
	      "a manifest berth-update would refuse is not signed");
}

static void test_keyfile(void)
{
	uint8_t key[64], want[32];
	const char *why;

	for (int i = 0; i < 32; i++)
		want[i] = (uint8_t)(0xf0 - i);
	write_hex("good.pub", want, 32, "\n");
	CHECK(keyfile_read(AT_FDCWD, at("good.pub"), key, 32, &why) == 0 && !memcmp(key, want, 32),
	      "keyfile: a public key");
	CHECK(keyfile_read(AT_FDCWD, at("test.key"), key, 64, &why) == 0 && !memcmp(key, sk, 64),
	      "keyfile: a secret key");
	CHECK(keyfile_read(AT_FDCWD, at("good.pub"), key, 64, &why) == -EINVAL,
	      "keyfile: a public key is no secret key");
	CHECK(keyfile_read(AT_FDCWD, at("test.key"), key, 32, &why) == -EINVAL,
	      "keyfile: a secret key is no public key");
	write_hex("nonl.pub", want, 32, "");
	CHECK(keyfile_read(AT_FDCWD, at("nonl.pub"), key, 32, &why) == -EINVAL,
	      "keyfile: no newline");
	write_hex("crlf.pub", want, 32, "\r\n");
	CHECK(keyfile_read(AT_FDCWD, at("crlf.pub"), key, 32, &why) == -EINVAL, "keyfile: CRLF");
	write_hex("two.pub", want, 32, "\n\n");
	CHECK(keyfile_read(AT_FDCWD, at("two.pub"), key, 32, &why) == -EINVAL,
	      "keyfile: a blank line after the key");
	write_bytes("upper.pub",
		    "F0EFEEEDECEBEAE9E8E7E6E5E4E3E2E1E0DFDEDDDCDBDAD9D8D7D6D5D4D3D2D1\n", 65);
	CHECK(keyfile_read(AT_FDCWD, at("upper.pub"), key, 32, &why) == -EINVAL,
	      "keyfile: upper-case hex");
	CHECK(keyfile_read(AT_FDCWD, at("absent.pub"), key, 32, &why) == -ENOENT,
	      "keyfile: a missing file is -ENOENT");
	CHECK(keyfile_read(AT_FDCWD, dir, key, 32, &why) == -EINVAL &&
		  !strcmp(why, "is not a regular file"),
	      "keyfile: a folder");
}

static void cleanup(void)
{
	static const char *const files[] = {"test.key",	 "damaged.key", "b.berth",    "e2.berth",
					    "e3.berth",	 "root.erofs",	"verity.img", "uki-a.efi",
					    "uki-b.efi", "good.pub",	"nonl.pub",   "crlf.pub",
					    "two.pub",	 "upper.pub"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(at(files[i]));
	for (int p = 0; p < BUNDLE_PAYLOADS; p++)
		free(contents[p]);
	if (rmdir(dir) < 0)
		perror(dir);
}

int main(void)
{
	setup();
	test_write();
	test_errors();
	test_keyfile();
	cleanup();
	return CHECK_DONE();
}
