/* The dm-verity target table line (kernel verity.rst, format version 1). */
#ifndef BERTH_VERITY_H
#define BERTH_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"

#define VERITY_BLOCK_SIZE 4096
/* The user key berth-init adds the root hash signature as (dm-verity looks it up by this). */
#define VERITY_SIG_KEY_DESC "berth:roothash"

/*
 * Build "<version> <data_dev> <hash_dev> 4096 4096 <data_blocks>
 * <hash_start> sha256 <roothash> <salt> [<#opts> <opts>]" into BUF; with a
 * root hash signature in P the options name the key VERITY_SIG_KEY_DESC.
 * DATA_DEV and HASH_DEV are "major:minor". *SECTORS gets the target length
 * in 512-byte sectors. Returns 0, -EINVAL for bad parameters (hex digests
 * of the wrong length, zero blocks, hash offset not block aligned) or
 * -ENOSPC when BUF is too small.
 */
int verity_table(const struct boot_params *p, const char *data_dev, const char *hash_dev, char *buf,
		 size_t len, uint64_t *sectors);

#endif
