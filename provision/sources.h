/*
 * berth-provision's documents and the metadata services it reads them
 * from over HTTP (docs/clouds.md): EC2's IMDSv2, GCE's metadata server,
 * Azure's IMDS (and its WireServer, told the machine is ready), and
 * OpenStack's metadata service.
 */
#ifndef BERTH_SOURCES_H
#define BERTH_SOURCES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contract.h"

/* A document larger than this is refused: clouds cap user data at 16 to 256 KiB. */
#define DOC_MAX (256 * 1024)
/* Each request to a metadata service, connection to last byte, ms: one that hangs is passed over.
 */
#define HTTP_REQUEST_MS 2000
/* berth-provision's run after the network: the wait for a route and every service, ms. */
#define AFTER_NETWORK_MS 20000

/* A user-data or meta-data document. */
struct doc {
	const char *name; /* in PROVISION_STATE_DIR */
	const char *file; /* where it was read, relative to its source */
	char text[DOC_MAX + 2];
	size_t len;
	bool read; /* read whole: a larger or unreadable one counts as bad */
	bool good; /* checked, its settings taken */
};

/*
 * The metadata service SOURCE at TO, before DEADLINE (boottime_ms): true
 * when it answered, with USER its user data and META a meta-data document
 * of what it says of the machine (read false: bad, said on the console).
 */
bool service_read(enum provision_source source, const struct sockaddr_in *to, uint64_t deadline,
		  struct doc *user, struct doc *meta);

/* Tells Azure's WireServer at TO that the machine is ready (provisioned), before DEADLINE. */
void azure_ready(const struct sockaddr_in *to, uint64_t deadline);

#endif
