/*
 * Boot entries on the ESP (Boot Loader Specification type #2, with boot
 * counting): /EFI/Linux/<name>_<version>[+LEFT[-DONE]].efi.
 */
#ifndef BERTH_ENTRY_H
#define BERTH_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENTRY_FILE_MAX 256
#define ENTRY_TRIES 3 /* a freshly installed entry's boot counter */

struct entry_name {
	char name[65];
	char version[65];
	int left; /* boot tries left, or -1: no counter (the entry is good) */
	int done; /* tries done, or -1 when the counter has no "-DONE" */
};

enum entry_state { ENTRY_GOOD, ENTRY_PENDING, ENTRY_BAD };

/*
 * FILE (a file name, no folder) into E. NAME is letters, digits, '.',
 * '-' and '_'; VERSION is a valid version (version.h); ".efi" in any case.
 * 0 or -EINVAL.
 */
int entry_parse(const char *file, struct entry_name *e);
/* E back into a file name; its length, or -EINVAL (bad fields) or -ENOSPC. */
int entry_format(const struct entry_name *e, char *out, size_t len);
enum entry_state entry_state(const struct entry_name *e);
/*
 * Whether A and B are the same release to FAT, which ignores letter case:
 * name and version equal but for case. Their files, counters dropped
 * (marked good), would have one name.
 */
bool entry_same_release(const struct entry_name *a, const struct entry_name *b);

/*
 * The order systemd-boot lists entries in: bad ones last, then newest
 * version first. <0 when A comes before B.
 */
int entry_order(const struct entry_name *a, const struct entry_name *b);

/*
 * The contents of efivarfs' LoaderBootCountPath file (4 bytes of
 * attributes, then a UTF-16LE path such as \EFI\Linux\x+2-1.efi, NUL at
 * the end or not) as a path with '/' separators: "/EFI/Linux/x+2-1.efi".
 * Printable ASCII only, no "." or ".." parts. 0, -EINVAL or -ENOSPC.
 */
int boot_count_path(const uint8_t *var, size_t len, char *out, size_t outlen);

#endif
