/*
 * What the fuzz targets of the YAML documents (fuzz_manifest.c,
 * fuzz_provision.c) ask of a refusal: that it says where.
 */
#ifndef BERTH_FUZZ_POSITIONED_H
#define BERTH_FUZZ_POSITIONED_H

#include <stdbool.h>
#include <string.h>

/* Whether ERR starts with "PATH:LINE:COL: ", LINE and COL counted from 1. */
static bool positioned(const char *err, const char *path)
{
	size_t n = strlen(path);
	const char *p = err + n + 1;

	if (strncmp(err, path, n) || err[n] != ':')
		return false;
	for (int i = 0; i < 2; i++) {
		size_t digits = strspn(p, "0123456789");
		if (digits == 0 || *p == '0' || p[digits] != ':')
			return false;
		p += digits + 1;
	}
	return *p == ' ';
}

#endif
