/*
 * The manifest's network: section: static addresses, routes and DNS
 * servers per interface. Every address is checked with inet_pton here, so
 * berth-init can hand the values to the kernel as they are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "manifest_rules.h"
#include "manifest_schema.h"

static const char *check_ifname(const char *s);
static const char *check_cidr(const char *s);
static const char *check_route_to(const char *s);
static const char *check_address(const char *s);
static int take_route(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		      const yaml_node_t *v);
static int take_interface(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			  const yaml_node_t *v);

static const struct field route_fields[] = {
    MF_TEXT(struct manifest_route, "to", true, to, "destination", check_route_to),
    MF_TEXT(struct manifest_route, "via", false, via, "gateway", check_address),
    {0},
};

static const struct field interface_fields[] = {
    MF_TEXT(struct manifest_interface, "name", true, name, "interface name", check_ifname),
    MF_NUMBER(struct manifest_interface, "dhcp", false, dhcp, "boolean", mf_parse_bool),
    MF_STRINGS(struct manifest_interface, "addresses", ADDRS_MAX, addresses, n_addresses, "address",
	       check_cidr),
    MF_LIST("routes", ROUTES_MAX, take_route),
    {0},
};

const struct field mf_network_fields[] = {
    MF_LIST("interfaces", IFACES_MAX, take_interface),
    MF_STRINGS(struct manifest, "dns", DNS_MAX, network.dns, network.n_dns, "address",
	       check_address),
    {0},
};

/* ---- validators ---- */

/*
 * What the kernel takes as a name (dev_valid_name), less the characters
 * that would need quoting somewhere: no '/', ':', white space. Loopback is
 * berth-init's own.
 */
static const char *check_ifname(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
	    strlen(s))
		return "only letters, digits, '_', '.' and '-' are allowed";
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "must not be '.' or '..'";
	if (!strcmp(s, "lo"))
		return "the loopback interface is not configurable";
	return NULL;
}

/* AF_INET or AF_INET6 for an address, 0 for anything else; the bytes in BUF. */
static int family_of(const char *s, unsigned char buf[16])
{
	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return 0;
}

static const char *check_address(const char *s)
{
	unsigned char buf[16];

	return family_of(s, buf) ? NULL : "expected an IPv4 or IPv6 address";
}

/* ADDRESS/PREFIX: its family, or 0 with *WHY set. */
static int parse_cidr(const char *s, unsigned char addr[16], unsigned *prefix, const char **why)
{
	char text[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? strlen(slash + 1) : 0;
	int family;

	*why = "expected ADDRESS/PREFIX, e.g. 10.0.2.15/24 or fec0::15/64";
	if (!slash || (size_t)(slash - s) >= sizeof(text) || n == 0 || n > 3 ||
	    strspn(slash + 1, "0123456789") != n || (n > 1 && slash[1] == '0'))
		return 0;
	memcpy(text, s, (size_t)(slash - s));
	text[slash - s] = '\0';
	family = family_of(text, addr);
	if (!family)
		return 0;
	*prefix = (unsigned)strtoul(slash + 1, NULL, 10);
	if (*prefix > (family == AF_INET ? 32u : 128u)) {
		*why =
		    family == AF_INET ? "an IPv4 prefix is 0 to 32" : "an IPv6 prefix is 0 to 128";
		return 0;
	}
	return family;
}

static const char *check_cidr(const char *s)
{
	unsigned char addr[16];
	unsigned prefix;
	const char *why;

	return parse_cidr(s, addr, &prefix, &why) ? NULL : why;
}

/* A destination is a network: the kernel refuses one with host bits set. */
static const char *check_route_to(const char *s)
{
	unsigned char addr[16];
	unsigned prefix;
	const char *why;

	if (!strcmp(s, "default"))
		return NULL;
	int family = parse_cidr(s, addr, &prefix, &why);
	if (!family)
		return why;
	for (unsigned bit = prefix; bit < (family == AF_INET ? 32u : 128u); bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return "the address has bits set beyond the prefix";
	return NULL;
}

/* Of a checked CIDR or address. */
static int family_of_text(const char *s)
{
	return strchr(s, ':') ? AF_INET6 : AF_INET;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* ---- list items ---- */

static struct manifest_interface *interface_of(struct ctx *c)
{
	return (struct manifest_interface *)c->base;
}

static int take_route(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		      const yaml_node_t *v)
{
	struct manifest_interface *ifc = interface_of(c);
	struct manifest_route *rt = &ifc->routes[i];
	const yaml_node_t *to, *via;
	char buf[SHOW_MAX + 4];
	int r;

	(void)seq;
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, v->start_mark, "%s must be a mapping", path);
	memset(rt, 0, sizeof(*rt));
	c->base = (char *)rt;
	r = mf_walk_map(c, v, route_fields, path);
	c->base = (char *)ifc;
	if (r)
		return r;
	mf_find_key(c, v, "to", &to);
	if (!strcmp(rt->to, "default")) {
		if (!rt->via[0])
			return mf_fail_at(c, to->start_mark, "%s.to: a default route needs via",
					  path);
		strcpy(rt->to, family_of_text(rt->via) == AF_INET6 ? "::/0" : "0.0.0.0/0");
	} else if (rt->via[0] && family_of_text(rt->via) != family_of_text(rt->to)) {
		mf_find_key(c, v, "via", &via);
		return mf_fail_at(c, via->start_mark, "%s.via: '%s' is %s but to '%s' is %s", path,
				  rt->via, family_name(family_of_text(rt->via)),
				  mf_show(rt->to, strlen(rt->to), buf),
				  family_name(family_of_text(rt->to)));
	}
	ifc->n_routes = i + 1;
	return 0;
}

static int take_interface(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			  const yaml_node_t *v)
{
	struct manifest_interface *ifc = &c->m->network.interfaces[i];
	const yaml_node_t *name, *first, *dhcp;
	char *base = c->base;
	int r;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, v->start_mark, "%s must be a mapping", path);
	memset(ifc, 0, sizeof(*ifc));
	c->base = (char *)ifc;
	r = mf_walk_map(c, v, interface_fields, path);
	c->base = base;
	if (r)
		return r;
	for (size_t j = 0; j < i; j++) {
		if (strcmp(c->m->network.interfaces[j].name, ifc->name))
			continue;
		mf_find_key(c, v, "name", &name);
		mf_find_key(c, yaml_document_get_node(c->doc, seq->data.sequence.items.start[j]),
			    "name", &first);
		return mf_fail_at(c, name->start_mark,
				  "%s.name: duplicate interface '%s' (first on line %zu)", path,
				  ifc->name, first->start_mark.line + 1);
	}
	if (!mf_find_key(c, v, "dhcp", &dhcp) || mf_is_null(dhcp))
		ifc->dhcp = ifc->n_addresses == 0;
	c->m->network.n_interfaces = i + 1;
	return 0;
}
