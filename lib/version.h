/*
 * Release versions as manifests allow them: MAJOR.MINOR.PATCH[-PRERELEASE]
 * (decimal numbers without leading zeros, a prerelease of 1 to 32 letters,
 * digits, '.' and '-'; at most 64 characters), ordered as Semantic
 * Versioning 2.0 orders them.
 */
#ifndef BERTH_VERSION_H
#define BERTH_VERSION_H

#include <stdbool.h>

bool version_valid(const char *s);

/*
 * Sets *ORDER to <0, 0 or >0 as A is older than, the same as or newer than
 * B. A prerelease is older than its release; prerelease identifiers compare
 * numerically when both are digits, else as ASCII, digits before letters.
 * Returns 0, or -EINVAL when either is not a valid version.
 */
int version_compare(const char *a, const char *b, int *order);

#endif
