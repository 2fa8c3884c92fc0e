/*
 * libFuzzer target for the kernel command line parser (lib/cmdline.c):
 * berth-init trusts what the UKI's signed line says, but a line without
 * Secure Boot is whatever the boot loader passed. Besides not crashing,
 * every line that parses must be written back by cmdline_format (the build
 * tool's writer) into a line that parses to the same parameters.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192], again[8192];
	struct boot_params p, q;
	char err[256];

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (cmdline_parse(line, &p, err, sizeof(err)) < 0)
		return 0;
	if (cmdline_format(&p, "", again, sizeof(again)) < 0 ||
	    cmdline_parse(again, &q, err, sizeof(err)) < 0 || memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	return 0;
}
