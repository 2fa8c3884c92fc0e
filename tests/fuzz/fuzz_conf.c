/*
 * libFuzzer target for the parsers of the files `berth build` generates
 * and berth-init and berth-update read: containers.conf (lib/ctrconf.c),
 * network.conf (init/netconf.c) and update.conf (lib/updateconf.c). A
 * device trusts its root's files, but the root is whatever a manifest made
 * it. Each input goes to all three. Besides not crashing: a refusal says
 * why, and what a parser takes keeps the contract's rules and limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrconf.h"
#include "netconf.h"
#include "updateconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char text[1 << 16];

static void containers(void)
{
	static struct ctr ctrs[CONTAINERS_MAX];
	char copy[sizeof(text)], err[256] = "";
	size_t n = 0;

	memcpy(copy, text, sizeof(copy));
	if (ctrconf_parse(copy, ctrs, &n, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ctr *c = &ctrs[i];
		if (!id_valid(c->name, strlen(c->name)) || !c->image || !c->digest ||
		    c->nargs > ARGS_MAX || c->nenv > ENV_MAX || c->nbinds > BINDS_MAX ||
		    (c->probe == PROBE_EXEC && c->nprobe == 0))
			abort();
	}
}

static void network(void)
{
	static struct netconf nc;
	char err[256] = "";

	if (netconf_parse(text, &nc, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return;
	}
	if (nc.n_ifaces > IFACES_MAX || nc.n_dns > DNS_MAX)
		abort();
	for (size_t i = 0; i < nc.n_ifaces; i++)
		if (nc.ifaces[i].n_addrs > ADDRS_MAX || nc.ifaces[i].n_routes > ROUTES_MAX ||
		    strlen(nc.ifaces[i].name) > IFNAME_MAX_LEN)
			abort();
}

static void update(void)
{
	struct update_conf uc;
	char err[256] = "";

	if (update_conf_parse(text, &uc, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return;
	}
	if (!compatible_valid(uc.compatible, strlen(uc.compatible)) ||
	    uc.health_deadline < HEALTH_DEADLINE_MIN || uc.health_deadline > HEALTH_DEADLINE_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	containers();
	network();
	update();
	return 0;
}
