/* Which trusted key, if any, signed a bundle's manifest. */
#ifndef BERTH_TRUST_H
#define BERTH_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "contract.h"

#define TRUSTED_KEYS_MAX 16
_Static_assert(TRUSTED_KEYS_MAX >= UPDATE_KEYS_MAX, "every key an image can list is read");

struct trusted_key {
	uint8_t pk[32];
	char name[64]; /* the key file's name without ".pub", for messages */
};

/*
 * SIGS holds COUNT signature records of the bundle (public key 32 bytes,
 * Ed25519 signature 64 bytes) over the LEN bytes of MANIFEST. Returns the
 * index in KEYS of the first trusted key whose signature checks out;
 * -EPERM when none does (no signatures, unknown keys, bad signatures),
 * -EIO when libsodium cannot start.
 */
int trust_verify(const uint8_t *manifest, size_t len, const uint8_t *sigs, size_t count,
		 const struct trusted_key *keys, size_t nkeys);

#endif
