/* berth-update's configuration: /etc/berth/update.conf and the trusted keys. */
#ifndef BERTH_UPDATE_CONF_H
#define BERTH_UPDATE_CONF_H

#include <stddef.h>
#include <stdint.h>

#define UPDATE_CONF "/etc/berth/update.conf"
#define KEY_DIR "/etc/berth/keys"
#define KEY_FILE_SIZE 65 /* 64 lower-case hex digits and "\n" */
#define HEALTH_DEADLINE_MAX 86400

/*
 * update.conf, "KEY VALUE" lines ('#' comments and blank lines allowed):
 *   compatible VALUE          required; bundles must name the same
 *   health-deadline SECONDS   optional, 1..HEALTH_DEADLINE_MAX (0: not set)
 */
struct update_conf {
	char compatible[65];
	unsigned health_deadline;
};

/* TEXT (NUL-terminated) into C. 0, or -EINVAL with ERR ("line N: ..."). */
int update_conf_parse(const char *text, struct update_conf *c, char *err, size_t errlen);

/* A key file's LEN bytes into an Ed25519 public key. 0 or -EINVAL. */
int key_parse(const char *text, size_t len, uint8_t pk[32]);

#endif
