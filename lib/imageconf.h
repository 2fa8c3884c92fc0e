/*
 * IMAGE_CONF, written by `berth build` beside each container image it
 * unpacks into the root (image/oci.c), read by berth-init when it writes a
 * container's OCI runtime configuration (lib/ocispec.h). Its keywords and
 * limits are lib/contract.h's. Pure parsing, for tests/unit.
 */
#ifndef BERTH_IMAGECONF_H
#define BERTH_IMAGECONF_H

#include <stddef.h>

#include "contract.h"

/* Every string points into the text given to imageconf_parse. */
struct imageconf {
	size_t nargs, nenv, ntmpfs;
	const char *args[ARGS_MAX + 1]; /* NULL-terminated */
	const char *env[ENV_MAX + 1];
	const char *cwd; /* "/" without a cwd line */
	unsigned uid, gid;
	const char *tmpfs[VOLUMES_MAX];
};

/*
 * Parses TEXT (changed in place: lines are cut at their ends) into *IC.
 * Returns 0, or -EINVAL with ERR saying "line N: why".
 */
int imageconf_parse(char *text, struct imageconf *ic, char *err, size_t errlen);

#endif
