/*
 * The security floor as berth-update keeps it in EFI variables
 * (lib/efivar.h): the highest security epoch of a release marked good, and
 * the epoch of the release installed last, which marking that release good
 * raises the floor to. Bundles of an epoch below the floor are refused,
 * with --allow-downgrade too. Pure, so tests/unit/test_epoch.c exercises it.
 */
#ifndef BERTH_EPOCH_H
#define BERTH_EPOCH_H

#include <stddef.h>
#include <stdint.h>

#define EPOCH_FLOOR_SIZE 4	    /* u32 LE */
#define EPOCH_PENDING_SIZE (4 + 64) /* u32 LE epoch, root hash in hex */

struct epoch_pending {
	unsigned epoch;
	char roothash[65]; /* 64 lower-case hex digits */
};

/* EFIVAR_EPOCH_FLOOR's value (LEN bytes, without the attributes) into *FLOOR: 0 or -EINVAL. */
int epoch_floor_parse(const uint8_t *v, size_t len, unsigned *floor);
void epoch_floor_format(unsigned floor, uint8_t out[EPOCH_FLOOR_SIZE]);

/* EFIVAR_EPOCH_PENDING's value (LEN bytes, without the attributes) into P: 0 or -EINVAL. */
int epoch_pending_parse(const uint8_t *v, size_t len, struct epoch_pending *p);
void epoch_pending_format(const struct epoch_pending *p, uint8_t out[EPOCH_PENDING_SIZE]);

/*
 * The floor once the booted release, whose root hash is ROOTHASH, is
 * marked good: P's epoch when P is that release and its epoch is higher,
 * else FLOOR. P may be NULL (nothing pending).
 */
unsigned epoch_floor_raised(unsigned floor, const struct epoch_pending *p, const char *roothash);

#endif
