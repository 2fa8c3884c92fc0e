/*
 * A config drive's meta-data: NoCloud's meta-data (YAML) or OpenStack's
 * meta_data.json (JSON, which libyaml reads as YAML), in one schema since
 * the last good one is kept for boots where no drive answers. berth reads
 * the instance's hostname (NoCloud's local-hostname, OpenStack's hostname:
 * used when user data sets none) and its SSH public keys (NoCloud's
 * public-keys: one key or a list; OpenStack's public_keys: a mapping of
 * names to keys), stored for an admin container; berth runs no SSH server.
 * The other keys (instance-id, uuid...) are the cloud's and are skipped.
 * Checked through the manifest's loader, so a mistake is
 * "path:line:col: message" too.
 */
#ifndef BERTH_METADATA_H
#define BERTH_METADATA_H

#include <stddef.h>

#define METADATA_KEYS_MAX 16
#define METADATA_KEY_MAX 4096 /* an RSA 16384-bit key's line is about 2.8 KB */

struct metadata {
	char hostname[65]; /* "" = none */
	size_t n_keys;
	char keys[METADATA_KEYS_MAX][METADATA_KEY_MAX];
};

/* Checks the LEN bytes at TEXT into *MD: 0, or -EINVAL with ERR "path:line:col: message". */
int metadata_parse(const char *path, const char *text, size_t len, struct metadata *md, char *err,
		   size_t errlen);

#endif
