/*
 * NoCloud's meta-data (cloud-init's format): a YAML mapping of which
 * berth reads local-hostname (the instance's hostname, when user data sets
 * none) and public-keys (one SSH public key, or a list of them, stored for
 * an admin container; berth runs no SSH server). Its other keys
 * (instance-id...) are the cloud's and are skipped. Checked through the
 * manifest's loader, so a mistake is "path:line:col: message" too.
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
