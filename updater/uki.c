/* A UKI's command line (see uki.h). */
#include "uki.h"
#include "booted.h"
#include "errf.h"

#include <errno.h>
#include <string.h>

int uki_params(const uint8_t *text, size_t size, struct boot_params *p, char *err, size_t errlen)
{
	char line[CMDLINE_MAX + 1];

	if (size > CMDLINE_MAX)
		return errf(err, errlen, "longer than %d bytes", CMDLINE_MAX);
	memcpy(line, text, size);
	line[size] = '\0';
	return cmdline_parse(line, p, err, errlen);
}
