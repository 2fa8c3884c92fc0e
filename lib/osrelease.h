/*
 * os-release(5) values, which berth-init and berth-update read (lib/booted.c,
 * init/hostname.c). Pure parsing: tests/unit/test_osrelease.c exercises it
 * on the host.
 */
#ifndef BERTH_OSRELEASE_H
#define BERTH_OSRELEASE_H

#include <stddef.h>

/*
 * The value of KEY in os-release(5) TEXT ("KEY=value" lines, the value
 * optionally in "..." or '...', backslash escapes inside "..."), into OUT.
 * The last assignment wins, as in a shell. Returns the value's length,
 * -ENOENT when KEY is absent, -EINVAL for an unterminated quote, -ENOSPC
 * when OUT is too small.
 */
int osrelease_value(const char *text, const char *key, char *out, size_t outlen);

#endif
