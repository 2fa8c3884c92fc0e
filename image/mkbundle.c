/*
 * Writes the update bundle in one pass over the payloads: the manifest's
 * length does not depend on the hashes (fixed-width hex), so the payloads
 * are streamed to their place first, hashed on the way, and the header,
 * manifest and signature are written in front of them last. The bundle
 * appears under its name only once complete and on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "keyfile.h"
#include "mkbundle.h"
#include "util.h"

#define CHUNK (1 << 20)

/* Copies FD to OUT at *OFFSET, hashing what it copies; *DONE bytes. */
static int copy_payload(int fd, int out, off_t *offset, unsigned char *buf, uint8_t sha256[32],
			uint64_t *done)
{
	crypto_hash_sha256_state st;
	int r;

	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		r = pwrite_all(out, buf, (size_t)n, *offset);
		if (r)
			return r;
		*done += (uint64_t)n;
		*offset += n;
	}
	crypto_hash_sha256_final(&st, sha256);
	return 0;
}

/* The 24 + LEN + 96 bytes in front of the payloads: header, TEXT (of FORMAT), one signature. */
static int write_front(int out, unsigned format, const char *text, size_t len,
		       const uint8_t sk[KEYFILE_SECRET], FILE *log)
{
	uint8_t front[BUNDLE_HEADER_SIZE + BUNDLE_MANIFEST_MAX + BUNDLE_SIG_SIZE];
	struct bundle_header h = {.format = format, .manifest_len = (uint32_t)len, .sig_count = 1};
	uint8_t *pk = front + BUNDLE_HEADER_SIZE + len, *sig = pk + crypto_sign_PUBLICKEYBYTES;
	char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1];

	bundle_header_write(front, &h);
	memcpy(front + BUNDLE_HEADER_SIZE, text, len);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, len, sk);
	/* A key file whose halves do not belong together signs what no device accepts. */
	if (crypto_sign_verify_detached(sig, (const unsigned char *)text, len, pk) != 0) {
		say_to(log, "the signing key's signature does not verify with its own public key: "
			    "the key file is damaged");
		return -EINVAL;
	}
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, crypto_sign_PUBLICKEYBYTES);
	fprintf(log, "signature by public key %s\n", pk_hex);
	return pwrite_all(out, front, BUNDLE_HEADER_SIZE + len + BUNDLE_SIG_SIZE, 0);
}

/* Logs "berth: WHAT: ERROR" and returns R. */
static int fail(FILE *log, const char *what, int r)
{
	say_to(log, "%s: %s", what, strerror(-r));
	return r;
}

/* Streams the payloads into the temporary bundle OUT and writes its front. */
static int fill(struct mkbundle *mb, const int fds[BUNDLE_PAYLOADS], int out,
		const uint8_t sk[KEYFILE_SECRET], FILE *log)
{
	char text[BUNDLE_MANIFEST_MAX + 1], err[256];
	struct bundle_manifest check;
	unsigned char *buf;
	off_t offset;
	int len, r = 0;

	/* With the hashes still zero: the length is that of the final text. */
	len = bundle_manifest_write(&mb->m, text, sizeof(text));
	if (len < 0)
		return fail(log, "bundle manifest", len);
	buf = malloc(CHUNK);
	if (!buf)
		return fail(log, "bundle", -ENOMEM);
	offset = BUNDLE_HEADER_SIZE + len + BUNDLE_SIG_SIZE;
	for (int i = 0; i < BUNDLE_PAYLOADS && r == 0; i++) {
		enum bundle_payload p = bundle_payload_order(mb->m.format)[i];
		uint64_t done = 0;
		r = copy_payload(fds[p], out, &offset, buf, mb->m.payload[p].sha256, &done);
		if (r)
			fail(log, mb->payload[p], r);
		/* The size is in the manifest's length already: it must still hold. */
		if (r == 0 && done != mb->m.payload[p].size) {
			say_to(log, "%s changed while it was read", mb->payload[p]);
			r = -EIO;
		}
	}
	free(buf);
	if (r)
		return r;
	if (bundle_manifest_write(&mb->m, text, sizeof(text)) != len)
		return fail(log, "bundle manifest", -EIO);
	/* What berth-update will parse: sign nothing it would refuse. */
	if (bundle_manifest_parse(text, (size_t)len, &check, err, sizeof(err)) < 0) {
		say_to(log, "the bundle manifest does not parse: %s", err);
		fprintf(log, "%.*s", len, text);
		return -EINVAL;
	}
	r = write_front(out, mb->m.format, text, (size_t)len, sk, log);
	if (r == 0)
		fprintf(log, "%.*s", len, text);
	return r;
}

int mkbundle_write(struct mkbundle *mb, FILE *log)
{
	int fds[BUNDLE_PAYLOADS] = {-1, -1, -1, -1}, out = -1, r;
	uint8_t sk[KEYFILE_SECRET];
	char tmp[PATH_MAX];
	const char *why;
	struct stat st;

	r = keyfile_read(AT_FDCWD, mb->secret_key, sk, sizeof(sk), &why);
	if (r) {
		say_to(log, "signing key %s: %s", mb->secret_key,
		       r == -EINVAL ? why : strerror(-r));
		goto out; /* SK may hold part of the key */
	}
	for (int p = 0; p < BUNDLE_PAYLOADS; p++) {
		fds[p] = open(mb->payload[p], O_RDONLY | O_CLOEXEC);
		if (fds[p] < 0 || fstat(fds[p], &st) < 0) {
			r = fail(log, mb->payload[p], -errno);
			goto out;
		}
		mb->m.payload[p].size = (uint64_t)st.st_size;
		memset(mb->m.payload[p].sha256, 0, sizeof(mb->m.payload[p].sha256));
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", mb->out) >= (int)sizeof(tmp)) {
		r = fail(log, mb->out, -ENAMETOOLONG);
		goto out;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		r = fail(log, tmp, -errno);
		goto out;
	}
	r = fill(mb, fds, out, sk, log);
	if (r == 0 && fsync(out) < 0)
		r = fail(log, tmp, -errno);
	if (close(out) < 0 && r == 0)
		r = fail(log, tmp, -errno);
	if (r == 0 && rename(tmp, mb->out) < 0)
		r = fail(log, mb->out, -errno);
	if (r)
		unlink(tmp);
	if (r == 0) {
		r = sync_parent(mb->out);
		if (r)
			fail(log, mb->out, r);
	}
	if (r == 0)
		fprintf(log, "wrote %s\n", mb->out);
out:
	sodium_memzero(sk, sizeof(sk));
	for (int p = 0; p < BUNDLE_PAYLOADS; p++)
		if (fds[p] >= 0)
			close(fds[p]);
	return r;
}

int mkbundle_path(const struct build_ctx *b, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s_%s.berth", b->out, b->m->name, b->m->version);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mkbundle_output(const struct build_ctx *b, char *buf, size_t len)
{
	buf[0] = '\0';
	return b->m->update.signing_key[0] ? mkbundle_path(b, buf, len) : 0;
}

/* NAME's value in ENV, "" when missing. */
static const char *env_get(char *const env[], const char *name)
{
	size_t n = strlen(name);

	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return "";
}

/* Copies SRC into DST (LEN bytes): 0 or -ENAMETOOLONG. */
static int copy(char *dst, size_t len, const char *src)
{
	return pathf(dst, len, "%s", src);
}

int mkbundle_stage(const struct build_ctx *b, char *const env[], FILE *log)
{
	static const char *const payloads[BUNDLE_PAYLOADS] = {
	    [PAYLOAD_ROOT] = "BERTH_ROOT_IMAGE",
	    [PAYLOAD_VERITY] = "BERTH_VERITY_IMAGE",
	    [PAYLOAD_UKI_A] = "BERTH_UKI_A",
	    [PAYLOAD_UKI_B] = "BERTH_UKI_B",
	};
	char out[PATH_MAX];
	struct mkbundle mb = {.out = out, .secret_key = env_get(env, "BERTH_SIGNING_KEY")};
	int r;

	r = mkbundle_path(b, out, sizeof(out));
	if (r)
		return fail(log, b->out, r);
	if (!mb.secret_key[0]) {
		/* One left by an earlier build would not be this build's. */
		if (unlink(out) < 0 && errno != ENOENT)
			return fail(log, out, -errno);
		fprintf(log, "no update.signing_key; no bundle\n");
		return 0;
	}
	for (int p = 0; p < BUNDLE_PAYLOADS; p++)
		mb.payload[p] = env_get(env, payloads[p]);
	if (copy(mb.m.name, sizeof(mb.m.name), env_get(env, "BERTH_NAME")) ||
	    copy(mb.m.version, sizeof(mb.m.version), env_get(env, "BERTH_VERSION")) ||
	    copy(mb.m.compatible, sizeof(mb.m.compatible), env_get(env, "BERTH_COMPATIBLE")) ||
	    copy(mb.m.roothash, sizeof(mb.m.roothash), env_get(env, "BERTH_ROOTHASH")))
		return fail(log, "bundle manifest", -ENAMETOOLONG);
	const char *epoch = env_get(env, "BERTH_SECURITY_EPOCH"),
		   *salt = env_get(env, "BERTH_VERITY_SALT");
	if (security_epoch_parse(epoch, strlen(epoch), &mb.m.epoch) < 0)
		return fail(log, "BERTH_SECURITY_EPOCH", -EINVAL);
	if (sodium_hex2bin(mb.m.salt, sizeof(mb.m.salt), salt, strlen(salt), NULL, &mb.m.saltlen,
			   NULL) < 0 ||
	    mb.m.saltlen == 0)
		return fail(log, "BERTH_VERITY_SALT", -EINVAL);
	mb.m.format = 3;
	return mkbundle_write(&mb, log);
}
