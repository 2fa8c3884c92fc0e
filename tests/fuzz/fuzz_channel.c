/*
 * libFuzzer target for the channel index berth-update check reads from the
 * network (lib/channel.c). Besides not crashing, whatever parses must be
 * written back byte for byte: channel_format() of it gives the signed
 * bytes, its signature lines the rest, so the signed bytes mean exactly one
 * index. And the waves' share stays within 0..100% and never falls.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_waves(const struct channel_release *r)
{
	unsigned last = 0;

	for (size_t w = 0; w < r->nwaves; w++) {
		unsigned s = channel_share(r, r->wave[w].start);
		if (s > CHANNEL_PERCENT_MAX || s < last ||
		    channel_share(r, r->wave[w].start - 1) > s)
			abort();
		last = s;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[CHANNEL_INDEX_MAX + 1];
	static struct channel_index x;
	char err[256];
	int n;

	if (channel_parse((const char *)data, size, &x, err, sizeof(err)) < 0)
		return 0;
	n = channel_format(&x, text, sizeof(text));
	if (n < 0 || (size_t)n != x.signed_len || memcmp(text, data, x.signed_len))
		abort();
	for (size_t i = 0; i < x.nsigs; i++) {
		int m = channel_signature_line(x.sigs + i * CHANNEL_SIG_SIZE, text + n,
					       sizeof(text) - (size_t)n);
		if (m < 0)
			abort();
		n += m;
	}
	if ((size_t)n != size || memcmp(text, data, size))
		abort();
	for (size_t i = 0; i < x.nreleases; i++)
		check_waves(&x.release[i]);
	return 0;
}
