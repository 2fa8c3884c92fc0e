/* Signature check of a bundle's manifest (see trust.h). */
#include "trust.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "bundle.h"

int trust_verify(const uint8_t *manifest, size_t len, const uint8_t *sigs, size_t count,
		 const struct trusted_key *keys, size_t nkeys)
{
	if (sodium_init() < 0)
		return -EIO;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *pk = sigs + i * BUNDLE_SIG_SIZE;
		for (size_t k = 0; k < nkeys; k++) {
			/* An untrusted key's signature is not even checked. */
			if (memcmp(pk, keys[k].pk, 32) != 0)
				continue;
			if (crypto_sign_verify_detached(pk + 32, manifest, len, pk) == 0)
				return (int)k;
		}
	}
	return -EPERM;
}
