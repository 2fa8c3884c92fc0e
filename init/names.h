/*
 * Pure text helpers of berth-init: the first line of a file (the hostname,
 * the console shell's tty), a tty's name, the machine id. No system calls:
 * tests/unit/test_names.c exercises them on the host.
 */
#ifndef BERTH_NAMES_H
#define BERTH_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The first line of TEXT with surrounding blanks removed, into OUT.
 * Returns its length, -ENOENT when it is empty, -ENOSPC when too long.
 */
int first_line(const char *text, char *out, size_t outlen);

/* A bare tty name such as "ttyS0" or "hvc0": no path, nothing odd. */
bool tty_name_ok(const char *name);

/* A machine id as machine-id(5) has it: 32 lower-case hex digits and a newline. */
#define MACHINE_ID_LEN 32

/*
 * TEXT as a machine id into OUT (MACHINE_ID_LEN digits, "\n", NUL): 32
 * lower-case hex digits, then a newline or nothing, and not all zero
 * (systemd's "no id"). Returns 0 or -EINVAL.
 */
int machine_id_parse(const char *text, char out[MACHINE_ID_LEN + 2]);

/*
 * RAW (random bytes) as a machine id into OUT, made a version-4 UUID the
 * way systemd makes its ids.
 */
void machine_id_format(const unsigned char raw[16], char out[MACHINE_ID_LEN + 2]);

#endif
