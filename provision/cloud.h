/*
 * What berth-provision makes of the metadata services' answers
 * (docs/clouds.md), pure so that tests/unit/test_cloud.c and
 * tests/fuzz/fuzz_http.c run it on the host: EC2's public-keys listing,
 * GCE's ssh-keys lines, Azure's base64 user data, its publicKeys JSON and
 * goal state XML, and the Health XML of its ready report. What a service
 * says of the machine becomes a meta-data document (JSON, which
 * metadata_parse reads as YAML), checked and kept as a drive's is.
 */
#ifndef BERTH_CLOUD_H
#define BERTH_CLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "metadata.h"

/* Where keys are gathered: more than METADATA_KEYS_MAX are kept, for metadata_parse to refuse. */
#define CLOUD_KEYS_MAX (METADATA_KEYS_MAX + 1)

/*
 * EC2's public-keys/ listing, "N=name" lines, changed in place: the key
 * indexes N into IDX (at most CLOUD_KEYS_MAX), how many, or -EINVAL.
 */
int ec2_key_indexes(char *text, unsigned idx[CLOUD_KEYS_MAX]);

/*
 * GCE's ssh-keys attribute, "USER:KEY" lines, changed in place: pointers to
 * the KEYs into KEYS (at most CLOUD_KEYS_MAX; empty lines skipped), how
 * many, or -EINVAL for a line without "USER:".
 */
int gce_ssh_keys(char *text, const char *keys[CLOUD_KEYS_MAX]);

/*
 * Azure's compute/publicKeys, JSON [{"keyData": KEY, "path": ...}]: the
 * KEYs copied into KEYS (at most CLOUD_KEYS_MAX), how many, or -EINVAL.
 */
int azure_keys(const char *json, size_t len, char keys[CLOUD_KEYS_MAX][METADATA_KEY_MAX]);

/* The base64 (RFC 4648, padded; line breaks skipped) at IN into OUT: its length, -EINVAL, -EFBIG.
 */
ssize_t base64_decode(const char *in, size_t n, char *out, size_t size);

/*
 * A name a service gives as the machine's hostname: the first of
 * space-separated names, without a trailing dot, in lower case, '_' as
 * '-'; with LABEL only its first label. Changed in place.
 */
void cloud_hostname(char *name, bool label);

/*
 * A meta-data document of HOSTNAME ("" none) and the N keys KEYS into OUT:
 * its length or -EFBIG.
 */
ssize_t cloud_meta(char *out, size_t size, const char *hostname, const char *const *keys, size_t n);

/* What the WireServer's goal state says that the Health report repeats. */
struct goalstate {
	char incarnation[64], container_id[128], instance_id[128];
};

/* The goal state XML (NUL-terminated) into *GS: 0, or -EINVAL when a value is missing or bad. */
int azure_goalstate(const char *xml, struct goalstate *gs);

/* The Health XML reporting GS ready into OUT: its length or -EFBIG. */
ssize_t azure_health(char *out, size_t size, const struct goalstate *gs);

#endif
