/* unit: updater/trust.c -Iupdater -lsodium */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "bundle.h"
#include "check.h"
#include "trust.h"

static const uint8_t manifest[] = "format 1\nname berth\nversion 0.2.0\n";

static void sign(uint8_t rec[BUNDLE_SIG_SIZE], const uint8_t pk[32], const uint8_t sk[64])
{
	memcpy(rec, pk, 32);
	crypto_sign_detached(rec + 32, NULL, manifest, sizeof(manifest) - 1, sk);
}

int main(void)
{
	uint8_t pk1[32], sk1[64], pk2[32], sk2[64], pk3[32], sk3[64];
	uint8_t sigs[3 * BUNDLE_SIG_SIZE];
	struct trusted_key keys[2];
	size_t len = sizeof(manifest) - 1;

	CHECK(sodium_init() >= 0, "libsodium starts");
	crypto_sign_keypair(pk1, sk1);
	crypto_sign_keypair(pk2, sk2);
	crypto_sign_keypair(pk3, sk3);
	memcpy(keys[0].pk, pk1, 32);
	memcpy(keys[1].pk, pk2, 32);

	sign(sigs, pk2, sk2);
	CHECK(trust_verify(manifest, len, sigs, 1, keys, 2) == 1, "signed by the second key");
	sign(sigs, pk3, sk3);
	CHECK(trust_verify(manifest, len, sigs, 1, keys, 2) == -EPERM, "an unknown key");
	sign(sigs + BUNDLE_SIG_SIZE, pk1, sk1);
	CHECK(trust_verify(manifest, len, sigs, 2, keys, 2) == 0,
	      "an unknown key's signature, then a trusted one");
	CHECK(trust_verify(manifest, len, sigs, 0, keys, 2) == -EPERM, "no signatures");
	CHECK(trust_verify(manifest, len, sigs + BUNDLE_SIG_SIZE, 1, keys, 0) == -EPERM,
	      "no trusted keys");

	/* A trusted key's record with somebody else's signature in it. */
	sign(sigs, pk3, sk3);
	memcpy(sigs, pk1, 32);
	CHECK(trust_verify(manifest, len, sigs, 1, keys, 2) == -EPERM,
	      "a trusted key with a signature it did not make");
	memset(sigs + 32, 0, 64);
	CHECK(trust_verify(manifest, len, sigs, 1, keys, 2) == -EPERM, "an all-zero signature");

	sign(sigs, pk1, sk1);
	CHECK(trust_verify(manifest, len - 1, sigs, 1, keys, 2) == -EPERM,
	      "a manifest cut by one byte");
	uint8_t changed[sizeof(manifest)];
	memcpy(changed, manifest, sizeof(manifest));
	changed[27] = '3';
	CHECK(trust_verify(changed, len, sigs, 1, keys, 2) == -EPERM, "a changed manifest");
	sigs[40] ^= 1;
	CHECK(trust_verify(manifest, len, sigs, 1, keys, 2) == -EPERM, "a flipped signature bit");
	return CHECK_DONE();
}
