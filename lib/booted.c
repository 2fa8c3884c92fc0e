/* The booted command line and release (see booted.h). */
#include "booted.h"
#include "errf.h"
#include "fileio.h"
#include "osrelease.h"

#include <string.h>

int booted_params(struct boot_params *p, char *err, size_t errlen)
{
	static char line[CMDLINE_MAX + 1];
	ssize_t n = read_text("/proc/cmdline", line, sizeof(line));

	if (n < 0) {
		errf(err, errlen, "cannot read /proc/cmdline: %s", strerror((int)-n));
		return (int)n;
	}
	return cmdline_parse(line, p, err, errlen);
}

int booted_version(char *out, size_t len)
{
	static char text[4096];
	ssize_t n = read_text("/etc/os-release", text, sizeof(text));

	return n < 0 ? (int)n : osrelease_value(text, "VERSION_ID", out, len);
}
