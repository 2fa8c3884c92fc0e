/*
 * libFuzzer target for the PE/COFF reader berth-update runs on the UKIs it
 * finds on the ESP and on the one a bundle brings (updater/pe.c). Input: 4
 * bytes giving how much larger than the input the file claims to be, then
 * the file's first bytes. Besides not crashing, a section it finds must lie
 * inside the file.
 */
#include <stdlib.h>
#include <string.h>

#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {".cmdline", ".linux", ".osrel", ".reloc"};
	struct pe_section s;
	uint32_t extra;

	if (size < sizeof(extra))
		return 0;
	memcpy(&extra, data, sizeof(extra));
	data += sizeof(extra);
	size -= sizeof(extra);
	uint64_t file_size = (uint64_t)size + extra;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pe_find_section(data, size, file_size, names[i], &s) == 0 &&
		    (uint64_t)s.offset + s.size > file_size)
			abort();
	int r = pe_signed(data, size, file_size);
	if (r > 1)
		abort();
	return 0;
}
