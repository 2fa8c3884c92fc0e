/*
 * What berth-provision reads from the image, pure so that
 * tests/unit/test_provision.c runs it on the host: PROVISION_CONF (the
 * manifest's provision.sources, written by image/conffiles.c) and the
 * containers of CONTAINERS_CONF (lib/ctrconf.c parses it) as the
 * manifest's structs, which user data is checked against and which
 * image/conffiles.c writes again with the user data's environment.
 */
#ifndef BERTH_PROVISION_CONF_H
#define BERTH_PROVISION_CONF_H

#include <stddef.h>

#include "contract.h"
#include "ctrconf.h"
#include "manifest.h"

/*
 * The sources TEXT (PROVISION_CONF's, changed in place) names, in order,
 * into SOURCES: how many, or -EINVAL with ERR saying "line N: why".
 */
int provconf_parse(char *text, enum provision_source sources[PROVISION_SOURCES_MAX], char *err,
		   size_t errlen);

/* CTRS[0..N) as M's containers, as the manifest they were written from had them. */
void provconf_containers(const struct ctr *ctrs, size_t n, struct manifest *m);

#endif
