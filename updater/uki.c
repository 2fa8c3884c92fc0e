/* A UKI's command line (see uki.h). */
#include "uki.h"
#include "booted.h"
#include "errf.h"
#include "pe.h"

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

int uki_check(const uint8_t *file, size_t size, char slot, const char *roothash, char *err,
	      size_t errlen)
{
	struct pe_section s;
	struct boot_params p;
	char why[160];
	int r = pe_find_section(file, size, size, UKI_CMDLINE, &s);

	if (r == -ENOENT)
		return errf(err, errlen, "it has no " UKI_CMDLINE " section");
	if (r < 0)
		return errf(err, errlen, "it is not a PE file");
	if (uki_params(file + s.offset, s.size, &p, why, sizeof(why)) < 0)
		return errf(err, errlen, "its command line: %s", why);
	if (p.slot != slot)
		return errf(err, errlen, "its command line boots slot %c, not %c", p.slot, slot);
	if (strcmp(p.roothash, roothash) != 0)
		return errf(err, errlen, "its command line has roothash %s, the bundle's is %s",
			    p.roothash, roothash);
	return 0;
}
