/*
 * Pure text helpers for berth-init's configuration files: no system calls,
 * so tests/unit/test_text.c can exercise them on the host.
 */
#ifndef BERTH_TEXT_H
#define BERTH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The value of KEY in os-release(5) TEXT ("KEY=value" lines, the value
 * optionally in "..." or '...', backslash escapes inside "..."), into OUT.
 * The last assignment wins, as in a shell. Returns the value's length,
 * -ENOENT when KEY is absent, -EINVAL for an unterminated quote, -ENOSPC
 * when OUT is too small.
 */
int osrelease_value(const char *text, const char *key, char *out, size_t outlen);

/*
 * The first line of TEXT with surrounding blanks removed, into OUT.
 * Returns its length, -ENOENT when it is empty, -ENOSPC when too long.
 */
int first_line(const char *text, char *out, size_t outlen);

/* A bare tty name such as "ttyS0" or "hvc0": no path, nothing odd. */
bool tty_name_ok(const char *name);

#endif
