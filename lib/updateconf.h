/*
 * UPDATE_CONF, which `berth build` writes into every image (keywords in
 * contract.h): berth-update takes bundles of its compatible, berth-init
 * gives a new release its health deadline. Pure parsing, so
 * tests/unit/test_update_conf.c exercises it on the host.
 */
#ifndef BERTH_UPDATECONF_H
#define BERTH_UPDATECONF_H

#include <stddef.h>

#include "contract.h"

/*
 * "KEY VALUE" lines ('#' comments and blank lines allowed):
 *   compatible VALUE          required; bundles must name the same
 *   health-deadline SECONDS   optional, as health_deadline_parse() takes it;
 *                             HEALTH_DEADLINE_DEFAULT when absent
 */
struct update_conf {
	char compatible[COMPATIBLE_MAX_LEN + 1];
	unsigned health_deadline;
};

/* TEXT (NUL-terminated) into C. 0, or -EINVAL with ERR ("line N: ..."). */
int update_conf_parse(const char *text, struct update_conf *c, char *err, size_t errlen);

#endif
