/* The network.conf parser (see netconf.h). */
#include "netconf.h"
#include "errf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The longest value: an IPv6 prefix, a space and an IPv6 gateway. */
#define VALUE_MAX (2 * INET6_ADDRSTRLEN + 8)

struct parser {
	struct netconf *nc;
	struct netconf_iface *cur; /* the block being read */
	bool dhcp_seen, dns_seen;
	unsigned line;
	char *err;
	size_t errlen;
};

/* Why the line being read is bad, printf-style, into the parser's ERR: returns -EINVAL. */
#define fail(p, ...) errf_line((p)->err, (p)->errlen, (p)->line, __VA_ARGS__)

static bool parse_addr(const char *s, struct netconf_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, ip->addr) == 1) {
		ip->family = AF_INET;
		ip->prefix = 32;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->addr) == 1) {
		ip->family = AF_INET6;
		ip->prefix = 128;
		return true;
	}
	return false;
}

bool netconf_parse_prefix(const char *s, struct netconf_ip *ip)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	unsigned n = 0;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	const char *d = slash + 1;
	if (!parse_addr(addr, ip) || !*d || strlen(d) > 3 || (d[0] == '0' && d[1]))
		return false;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
		n = n * 10 + (unsigned)(*d - '0');
	}
	if (n > ip->prefix)
		return false;
	ip->prefix = (unsigned char)n;
	return true;
}

/* The kernel refuses an IPv4 route whose destination has bits past the prefix. */
static bool host_bits_clear(const struct netconf_ip *ip)
{
	size_t len = ip->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < len; i++) {
		unsigned bits = ip->prefix > i * 8 ? ip->prefix - i * 8 : 0;
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff00 >> bits);
		if (ip->addr[i] & ~mask)
			return false;
	}
	return true;
}

/* The kernel's rule for link names (dev_valid_name). */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > IFNAME_MAX_LEN || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '/' || *s == ':')
			return false;
	return true;
}

static int take_interface(struct parser *p, const char *v)
{
	struct netconf *nc = p->nc;

	if (p->dns_seen)
		return fail(p, "interface after the dns lines");
	if (nc->n_ifaces == IFACES_MAX)
		return fail(p, "more than %d interfaces", IFACES_MAX);
	if (!name_ok(v))
		return fail(p, "bad interface name '%s'", v);
	if (netconf_iface(nc, v))
		return fail(p, "interface %s listed twice", v);
	p->cur = &nc->ifaces[nc->n_ifaces++];
	strcpy(p->cur->name, v);
	p->dhcp_seen = false;
	return 0;
}

static int take_dhcp(struct parser *p, const char *v)
{
	if (p->dhcp_seen)
		return fail(p, "second dhcp line for %s", p->cur->name);
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return fail(p, "dhcp must be yes or no, not '%s'", v);
	p->cur->dhcp = v[0] == 'y';
	p->dhcp_seen = true;
	return 0;
}

static int take_address(struct parser *p, const char *v)
{
	struct netconf_iface *f = p->cur;

	if (f->n_addrs == ADDRS_MAX)
		return fail(p, "more than %d addresses for %s", ADDRS_MAX, f->name);
	if (!netconf_parse_prefix(v, &f->addrs[f->n_addrs]))
		return fail(p, "bad address '%s' (want ADDRESS/PREFIX)", v);
	f->n_addrs++;
	return 0;
}

static int take_route(struct parser *p, char *v)
{
	struct netconf_iface *f = p->cur;

	if (f->n_routes == ROUTES_MAX)
		return fail(p, "more than %d routes for %s", ROUTES_MAX, f->name);
	struct netconf_route *rt = &f->routes[f->n_routes];
	char *gw = strchr(v, ' ');
	if (gw)
		*gw++ = '\0';
	if (!netconf_parse_prefix(v, &rt->dest))
		return fail(p, "bad route destination '%s' (want ADDRESS/PREFIX)", v);
	if (!host_bits_clear(&rt->dest))
		return fail(p, "route destination '%s' has bits set past the prefix", v);
	if (gw) {
		if (!parse_addr(gw, &rt->gw))
			return fail(p, "bad gateway '%s'", gw);
		if (rt->gw.family != rt->dest.family)
			return fail(p, "gateway %s is not of the destination's family", gw);
	}
	f->n_routes++;
	return 0;
}

static int take_dns(struct parser *p, const char *v)
{
	struct netconf *nc = p->nc;

	if (nc->n_dns == DNS_MAX)
		return fail(p, "more than %d dns lines", DNS_MAX);
	if (!parse_addr(v, &nc->dns[nc->n_dns]))
		return fail(p, "bad dns address '%s'", v);
	nc->n_dns++;
	p->dns_seen = true;
	return 0;
}

static int take_line(struct parser *p, const char *s, size_t len)
{
	char key[16], value[VALUE_MAX];
	const char *sp = memchr(s, ' ', len);

	if (!sp || sp == s || (size_t)(sp - s) >= sizeof(key))
		return fail(p, "not 'KEY VALUE'");
	size_t vlen = len - (size_t)(sp - s) - 1;
	if (vlen == 0 || vlen >= sizeof(value))
		return fail(p, "value empty or too long");
	memcpy(key, s, (size_t)(sp - s));
	key[sp - s] = '\0';
	memcpy(value, sp + 1, vlen);
	value[vlen] = '\0';

	if (strcmp(key, NC_INTERFACE) == 0)
		return take_interface(p, value);
	if (strcmp(key, NC_DNS) == 0)
		return take_dns(p, value);
	bool dhcp = strcmp(key, NC_DHCP) == 0, address = strcmp(key, NC_ADDRESS) == 0;
	if (!dhcp && !address && strcmp(key, NC_ROUTE) != 0)
		return fail(p, "unknown key '%s'", key);
	/* After a dns line, a block line would silently join the last interface. */
	if (!p->cur || p->dns_seen)
		return fail(p, "%s outside an interface block", key);
	if (dhcp)
		return take_dhcp(p, value);
	if (address)
		return take_address(p, value);
	return take_route(p, value);
}

int netconf_parse(const char *text, struct netconf *nc, char *err, size_t errlen)
{
	struct parser p = {.nc = nc, .err = err, .errlen = errlen};
	bool top = true;

	memset(nc, 0, sizeof(*nc));
	for (const char *s = text; *s;) {
		size_t len = strcspn(s, "\n");
		p.line++;
		if (s[0] == '#') {
			if (!top)
				return fail(&p, "comment below the top of the file");
		} else {
			top = false;
			int r = take_line(&p, s, len);
			if (r < 0)
				return r;
		}
		s += s[len] ? len + 1 : len;
	}
	return 0;
}

const struct netconf_iface *netconf_iface(const struct netconf *nc, const char *name)
{
	for (size_t i = 0; i < nc->n_ifaces; i++)
		if (strcmp(nc->ifaces[i].name, name) == 0)
			return &nc->ifaces[i];
	return NULL;
}

int netconf_format(const struct netconf_ip *ip, bool prefix, char *out, size_t outlen)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(ip->family, ip->addr, addr, sizeof(addr)))
		return -EINVAL;
	if (prefix)
		n = snprintf(out, outlen, "%s/%u", addr, ip->prefix);
	else
		n = snprintf(out, outlen, "%s", addr);
	return n < 0 || (size_t)n >= outlen ? -ENOSPC : n;
}
