/*
 * The default kernel.modules set (modset.c): the file kernel-config/modules,
 * which applies when a manifest has no kernel.modules key.
 */
#ifndef BERTH_MODSET_H
#define BERTH_MODSET_H

#include <stddef.h>
#include <stdio.h>

/* The default set's file, relative to the berth source tree. */
#define MODSET_DEFAULT "kernel-config/modules"

/*
 * The set in the file PATH: one glob a line, '#' to the end of the line a
 * comment, blank lines ignored; each glob checked as a manifest's
 * kernel.modules item is. Writes the globs to OUT, one a line. Returns the
 * number of globs, or -1 with "PATH:LINE: why" (or "PATH: why") in ERR.
 */
int modset_read(const char *path, FILE *out, char *err, size_t errlen);

#endif
