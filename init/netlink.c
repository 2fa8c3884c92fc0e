/*
 * rtnetlink for network.conf's static addresses and routes, added and
 * removed: one request at a time on a NETLINK_ROUTE socket, each answered
 * by the kernel's ACK (an NLMSG_ERROR carrying 0 or -errno).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "init.h"
#include "netconf.h"

/* The largest request, a route with destination, gateway and link, takes 92 bytes. */
union request {
	struct nlmsghdr nh;
	char buf[128];
};

int nl_open(void)
{
	/*
	 * rtnetlink answers within sendto(); the timeout only keeps PID 1
	 * from hanging should an ACK ever be lost.
	 */
	struct timeval tv = {.tv_sec = 2};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void *start(union request *m, unsigned short type, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(len);
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	/* Replace: what network.conf says wins over what the kernel already has. */
	if (type == RTM_NEWADDR || type == RTM_NEWROUTE)
		m->nh.nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	return NLMSG_DATA(&m->nh);
}

static void attr(union request *m, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int transact(int fd, union request *m)
{
	static unsigned seq;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	/* An error ACK echoes the request: room for it and the headers. */
	union {
		struct nlmsghdr nh;
		char buf[512];
	} reply;

	m->nh.nlmsg_seq = ++seq;
	if (sendto(fd, m, m->nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, &reply, sizeof(reply), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int len = (int)n;
		for (struct nlmsghdr *h = &reply.nh; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR &&
			    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int nl_addr(int fd, unsigned short type, unsigned ifindex, const struct netconf_ip *a)
{
	union request m;
	struct ifaddrmsg *ifa = start(&m, type, sizeof(*ifa));
	size_t len = addr_len(a->family);

	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_index = ifindex;
	/*
	 * No duplicate address detection: a static address is the operator's
	 * choice, and usable at once instead of "tentative" for a second or
	 * more (until the link has carrier), so routes through the gateway and
	 * the "network" milestone mean a working network. DAD would only
	 * disable the address on a clash.
	 */
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	attr(&m, IFA_LOCAL, a->addr, len);
	attr(&m, IFA_ADDRESS, a->addr, len);
	/* As "ip addr add ... brd +": the subnet's broadcast address (none on /31, /32). */
	if (a->family == AF_INET && a->prefix < 31) {
		uint32_t ip, mask = htonl(a->prefix ? ~0u << (32 - a->prefix) : 0);
		memcpy(&ip, a->addr, 4);
		ip |= ~mask;
		attr(&m, IFA_BROADCAST, &ip, 4);
	}
	return transact(fd, &m);
}

int nl_route(int fd, unsigned short type, unsigned ifindex, const struct netconf_route *rt)
{
	union request m;
	struct rtmsg *rtm = start(&m, type, sizeof(*rtm));
	size_t len = addr_len(rt->dest.family);

	rtm->rtm_family = (unsigned char)rt->dest.family;
	rtm->rtm_dst_len = rt->dest.prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (rt->dest.prefix)
		attr(&m, RTA_DST, rt->dest.addr, len);
	if (rt->gw.family)
		attr(&m, RTA_GATEWAY, rt->gw.addr, len);
	attr(&m, RTA_OIF, &ifindex, sizeof(ifindex));
	return transact(fd, &m);
}
