/* Little-endian integers in on-disk formats (GPT, EFI variables, bundles, ext4): BYTES of 1-8. */
#ifndef BERTH_LE_H
#define BERTH_LE_H

#include <stdint.h>

static inline uint64_t le_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void le_put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

#endif
