/*
 * libFuzzer target for the parsers of the files `berth build` generates
 * and berth-init and berth-update read: containers.conf (lib/ctrconf.c),
 * network.conf (init/netconf.c), update.conf (lib/updateconf.c) and
 * channel.conf (lib/channelconf.c). A device trusts its root's files, but
 * the root is whatever a manifest made it. Each input goes to all four.
 * Besides not crashing: a refusal says why, and what a parser takes keeps
 * the contract's rules and limits; channel.conf, which takes one spelling
 * only, is written back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channelconf.h"
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

static void channel(void)
{
	struct channel_conf cc;
	char err[256] = "", again[512];

	if (channel_conf_parse(text, &cc, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		return;
	}
	if (channel_url_check(cc.url, strlen(cc.url)) || cc.interval < CHECK_INTERVAL_MIN ||
	    cc.interval > CHECK_INTERVAL_MAX || cc.window_start >= 24 * 60 ||
	    cc.window_end >= 24 * 60 || channel_conf_format(&cc, again, sizeof(again)) < 0 ||
	    strcmp(again, text))
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
	channel();
	return 0;
}
