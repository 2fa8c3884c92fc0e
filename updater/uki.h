/*
 * What a UKI's command line (its .cmdline section, lib/cmdline.h) says:
 * the slot it boots and that slot's verity root hash. Pure, so
 * tests/unit/test_pe.c exercises it on the host.
 */
#ifndef BERTH_UKI_H
#define BERTH_UKI_H

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"

#define UKI_CMDLINE ".cmdline"

/*
 * The SIZE bytes of a .cmdline section at TEXT (not NUL-terminated) as
 * boot parameters into P: 0, or -EINVAL with ERR (may be NULL) saying why.
 */
int uki_params(const uint8_t *text, size_t size, struct boot_params *p, char *err, size_t errlen);

/*
 * Whether the UKI held whole at FILE (SIZE bytes) boots slot SLOT over the
 * root whose root hash is ROOTHASH: its .cmdline names berth.slot=SLOT and
 * roothash=ROOTHASH. 0, or -EINVAL with ERR saying why not.
 */
int uki_check(const uint8_t *file, size_t size, char slot, const char *roothash, char *err,
	      size_t errlen);

#endif
