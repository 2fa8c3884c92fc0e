/*
 * Update bundles (<name>_<version>.berth), written by `berth build` and
 * read by berth-update. Formats 1 to 3, every integer little-endian:
 *
 *   header    24 bytes: magic "BERTHBDL", u32 format (1 to 3), u32
 *             manifest length (1..BUNDLE_MANIFEST_MAX), u32 signature
 *             count (0..BUNDLE_SIGS_MAX), u32 zero
 *   manifest  text, "KEY VALUE" lines in this order (every line ends in \n):
 *               format FORMAT          (the header's)
 *               name NAME
 *               version VERSION
 *               compatible COMPATIBLE
 *               epoch EPOCH            (format 2: 1..SECURITY_EPOCH_MAX;
 *                                       format 3: 0..SECURITY_EPOCH_MAX)
 *               roothash HEX64
 *               salt HEX               (format 3 only: the verity tree's
 *                                       salt, 1..BUNDLE_SALT_MAX bytes)
 *               payload root SIZE SHA256HEX    (format 3: after verity)
 *               payload verity SIZE SHA256HEX
 *               payload uki-a SIZE SHA256HEX
 *               payload uki-b SIZE SHA256HEX
 *   signatures count x 96 bytes: the signer's Ed25519 public key (32)
 *             and its detached signature over the manifest bytes (64)
 *   payloads  each payload's SIZE bytes, in manifest order, uncompressed
 *
 * The payloads are the slot's erofs root image, its verity hash tree, and
 * the UKI for each slot (their command lines differ in the slot's
 * partitions). Nothing after the last payload. Format 2 is format 1 with
 * the release's security epoch. Format 3 puts the verity tree before the
 * root, so that a reader checks the tree against the signed root hash and
 * then each root block against its leaf before writing it; a reader of
 * formats 1 and 2 only refuses it (docs/update.md: a stepping stone).
 */
#ifndef BERTH_BUNDLE_H
#define BERTH_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "contract.h"

#define BUNDLE_MAGIC "BERTHBDL"
#define BUNDLE_FORMAT_MAX 3 /* formats 1 to this one are read */
#define BUNDLE_SALT_MAX 64  /* bytes of salt, as berth-init takes it on the command line */
#define BUNDLE_HEADER_SIZE 24
#define BUNDLE_MANIFEST_MAX 4096
#define BUNDLE_SIGS_MAX 8
#define BUNDLE_SIG_SIZE 96 /* public key 32 + signature 64 */
#define BUNDLE_PAYLOADS 4
/*
 * The largest payloads the parser takes, so no size from a manifest can
 * wrap the arithmetic done with it: a root or verity image (a partition of
 * at most 1 TiB) and a UKI (held in memory before it goes to the ESP).
 */
#define BUNDLE_IMAGE_MAX (1ull << 40)
#define BUNDLE_UKI_MAX (1ull << 30)

enum bundle_payload { PAYLOAD_ROOT, PAYLOAD_VERITY, PAYLOAD_UKI_A, PAYLOAD_UKI_B };

struct bundle_header {
	uint32_t format; /* 1..BUNDLE_FORMAT_MAX */
	uint32_t manifest_len;
	uint32_t sig_count;
};

struct bundle_manifest {
	unsigned format; /* 1..BUNDLE_FORMAT_MAX */
	char name[NAME_MAX_LEN + 1];
	char version[65];
	char compatible[COMPATIBLE_MAX_LEN + 1];
	unsigned epoch; /* security epoch, 0..SECURITY_EPOCH_MAX; 0 in format 1 */
	char roothash[65];
	uint8_t salt[BUNDLE_SALT_MAX]; /* format 3 */
	size_t saltlen;
	struct {
		uint64_t size;
		uint8_t sha256[32];
	} payload[BUNDLE_PAYLOADS]; /* by enum bundle_payload */
};

/* The 24 header bytes into H. 0, or -EINVAL with ERR saying why. */
int bundle_header_parse(const uint8_t buf[BUNDLE_HEADER_SIZE], struct bundle_header *h, char *err,
			size_t errlen);
void bundle_header_write(uint8_t buf[BUNDLE_HEADER_SIZE], const struct bundle_header *h);

/* Manifest text (not NUL-terminated, LEN bytes) into M. 0, or -EINVAL with ERR ("line N: ..."). */
int bundle_manifest_parse(const char *text, size_t len, struct bundle_manifest *m, char *err,
			  size_t errlen);
/*
 * M as manifest text into OUT; returns its length, -ENOSPC, or -EINVAL when
 * M's format cannot say its epoch (format 1: 0 only; format 2: not 0) or,
 * in format 3, M has no salt.
 */
int bundle_manifest_write(const struct bundle_manifest *m, char *out, size_t outlen);

/* The payloads in the order FORMAT's bundles carry them. */
const enum bundle_payload *bundle_payload_order(unsigned format);

/* Payload names as in the manifest: "root", "verity", "uki-a", "uki-b". */
const char *bundle_payload_name(enum bundle_payload p);

#endif
