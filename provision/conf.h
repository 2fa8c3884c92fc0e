/*
 * What berth-provision reads from the image, pure so that
 * tests/unit/test_provision.c runs it on the host: PROVISION_CONF (the
 * manifest's provision.sources and address, written by image/conffiles.c) and the
 * containers of CONTAINERS_CONF (lib/ctrconf.c parses it) as the
 * manifest's structs, which user data is checked against and which
 * image/conffiles.c writes again with the user data's environment.
 */
#ifndef BERTH_PROVISION_CONF_H
#define BERTH_PROVISION_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "contract.h"
#include "ctrconf.h"
#include "manifest.h"

/* PROVISION_CONF: the sources in the order they are tried, the metadata services' address. */
struct provconf {
	int n_sources;
	enum provision_source sources[PROVISION_SOURCES_MAX];
	uint32_t address; /* network order; 0: the clouds' own (169.254.169.254...) */
	uint16_t port;
};

/* TEXT (PROVISION_CONF's, changed in place) into *PC: 0, or -EINVAL with ERR "line N: why". */
int provconf_parse(char *text, struct provconf *pc, char *err, size_t errlen);

/* CTRS[0..N) as M's containers, as the manifest they were written from had them. */
void provconf_containers(const struct ctr *ctrs, size_t n, struct manifest *m);

#endif
