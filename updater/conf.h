/* berth-update's configuration: /etc/berth/update.conf and the trusted keys. */
#ifndef BERTH_UPDATE_CONF_H
#define BERTH_UPDATE_CONF_H

#include <stddef.h>
#include <stdint.h>

#define UPDATE_CONF "/etc/berth/update.conf"
#define KEY_DIR "/etc/berth/keys"
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

#endif
