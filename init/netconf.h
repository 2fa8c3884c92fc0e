/*
 * NETWORK_CONF, which berth build writes from the manifest's network:
 * section; its keywords and limits are lib/contract.h's. A pure parser: no
 * system calls, so tests/unit/test_netconf.c exercises it on the host. The
 * format, exactly:
 *
 *   # comment lines, only at the top
 *   interface eth0
 *   dhcp no
 *   address 10.0.2.15/24
 *   route 0.0.0.0/0 10.0.2.2
 *   route 192.168.5.0/24
 *   dns 10.0.2.3
 *
 * Each line is KEY, one space, VALUE. A block starts with "interface";
 * "dns" lines are global and come last. A route without a gateway is
 * on-link.
 */
#ifndef BERTH_NETCONF_H
#define BERTH_NETCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "contract.h"

struct netconf_ip {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned char prefix; /* a bare address: the full length */
};

struct netconf_route {
	struct netconf_ip dest;
	struct netconf_ip gw; /* dest's family, or family 0: on-link */
};

struct netconf_iface {
	char name[IFNAME_MAX_LEN + 1];
	bool dhcp;
	size_t n_addrs, n_routes;
	struct netconf_ip addrs[ADDRS_MAX];
	struct netconf_route routes[ROUTES_MAX];
};

struct netconf {
	size_t n_ifaces, n_dns;
	struct netconf_iface ifaces[IFACES_MAX];
	struct netconf_ip dns[DNS_MAX];
};

/*
 * Parses TEXT into NC. Returns 0, or -EINVAL with ERR saying
 * "line N: what is wrong".
 */
int netconf_parse(const char *text, struct netconf *nc, char *err, size_t errlen);

/*
 * "ADDR/PREFIX" into IP: the prefix decimal, without leading zeros, at most
 * the address's length. False when S is not one.
 */
bool netconf_parse_prefix(const char *s, struct netconf_ip *ip);

/* The interface called NAME in NC, or NULL. */
const struct netconf_iface *netconf_iface(const struct netconf *nc, const char *name);

/*
 * "ADDR/PREFIX" (with PREFIX) or "ADDR" into OUT. Returns the length, or
 * -ENOSPC when OUT is too small.
 */
int netconf_format(const struct netconf_ip *ip, bool prefix, char *out, size_t outlen);

#endif
