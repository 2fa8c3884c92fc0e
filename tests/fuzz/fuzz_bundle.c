/*
 * libFuzzer target for the bundle parsers berth-update runs on what the
 * network hands it (lib/bundle.c). Input: the 24 header bytes, then the
 * manifest text. Besides not crashing, whatever parses must be written back
 * byte for byte: the format has one spelling per value, so the signed bytes
 * mean exactly one manifest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], text[BUNDLE_MANIFEST_MAX + 1];
	uint8_t again[BUNDLE_HEADER_SIZE];
	struct bundle_header h;
	struct bundle_manifest m;

	if (size < BUNDLE_HEADER_SIZE)
		return 0;
	if (bundle_header_parse(data, &h, err, sizeof(err)) == 0) {
		bundle_header_write(again, &h);
		if (memcmp(again, data, BUNDLE_HEADER_SIZE))
			abort();
	}
	data += BUNDLE_HEADER_SIZE;
	size -= BUNDLE_HEADER_SIZE;
	if (bundle_manifest_parse((const char *)data, size, &m, err, sizeof(err)) == 0) {
		int n = bundle_manifest_write(&m, text, sizeof(text));
		if (n < 0 || (size_t)n != size || memcmp(text, data, size))
			abort();
	}
	return 0;
}
