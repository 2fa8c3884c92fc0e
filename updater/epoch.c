/* The security floor's EFI variables and how marking a release good raises it (see epoch.h). */
#include "epoch.h"
#include "contract.h"

#include <errno.h>
#include <string.h>

static unsigned get_le32(const uint8_t *v)
{
	return (unsigned)v[0] | (unsigned)v[1] << 8 | (unsigned)v[2] << 16 | (unsigned)v[3] << 24;
}

static void put_le32(uint8_t *out, unsigned v)
{
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

int epoch_floor_parse(const uint8_t *v, size_t len, unsigned *floor)
{
	if (len != EPOCH_FLOOR_SIZE || get_le32(v) > SECURITY_EPOCH_MAX)
		return -EINVAL;
	*floor = get_le32(v);
	return 0;
}

void epoch_floor_format(unsigned floor, uint8_t out[EPOCH_FLOOR_SIZE])
{
	put_le32(out, floor);
}

int epoch_pending_parse(const uint8_t *v, size_t len, struct epoch_pending *p)
{
	if (len != EPOCH_PENDING_SIZE || get_le32(v) > SECURITY_EPOCH_MAX)
		return -EINVAL;
	for (size_t i = 4; i < len; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return -EINVAL;
	p->epoch = get_le32(v);
	memcpy(p->roothash, v + 4, 64);
	p->roothash[64] = '\0';
	return 0;
}

void epoch_pending_format(const struct epoch_pending *p, uint8_t out[EPOCH_PENDING_SIZE])
{
	put_le32(out, p->epoch);
	memcpy(out + 4, p->roothash, 64);
}

unsigned epoch_floor_raised(unsigned floor, const struct epoch_pending *p, const char *roothash)
{
	if (p && p->epoch > floor && strcmp(p->roothash, roothash) == 0)
		return p->epoch;
	return floor;
}
