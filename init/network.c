/*
 * Networking in stage 2: loopback up, then every interface listed in
 * /etc/berth/network.conf (netconf.h; or berth-provision's for this
 * machine, RUN_NETWORK_CONF) up with its static addresses and
 * routes (rtnetlink, netlink.c), and every other ethernet NIC up with a
 * supervised BusyBox udhcpc on it, as on interfaces the file gives
 * "dhcp yes". The script of udhcpc (rootfs/udhcpc.script) sets addresses,
 * the default route and, unless network.conf has dns lines, which berth-init
 * writes itself, /run/resolv.conf. PID 1 never waits for a lease.
 * An interface that appears later (its driver loaded on hotplug,
 * drivers.c) gets the same as if it had been there from the start.
 * User data from a metadata service, read once DHCP has brought the
 * network up, may change network.conf: network_reload sets the interfaces
 * it changes up again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"
#include "netconf.h"

#define RESOLV_CONF "/run/resolv.conf"
#define UDHCPC "/usr/sbin/udhcpc"
#define UDHCPC_SCRIPT "/usr/share/udhcpc/default.script"
/* Where udhcpc.script keeps the lease's "ADDR/PREFIX", for each interface. */
#define LEASE_FILE RUN_DIR "/lease.%s"

static void link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		say("%s: socket: %s", ifname, strerror(errno));
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		say("%s: SIOCGIFFLAGS: %s", ifname, strerror(errno));
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		say("%s: SIOCSIFFLAGS: %s", ifname, strerror(errno));
out:
	close(fd);
}

/* Ethernet (ARPHRD_ETHER) backed by a device: not veth, bridges or other virtual links. */
static bool ethernet_nic(const char *ifname)
{
	char path[96], type[16];

	if (pathf(path, sizeof(path), "/sys/class/net/%s/type", ifname) < 0 ||
	    read_text(path, type, sizeof(type)) < 0 || strcmp(type, "1\n") != 0)
		return false;
	return pathf(path, sizeof(path), "/sys/class/net/%s/device", ifname) == 0 &&
	       access(path, F_OK) == 0;
}

/* In the child: udhcpc in the foreground, so PID 1 sees it exit. */
static void dhcp_exec(const char *ifname)
{
	char *const argv[] = {"udhcpc", "-i", (char *)ifname, "-f",
			      "-S",	"-s", UDHCPC_SCRIPT,  NULL};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

	execve(UDHCPC, argv, envp);
	say("udhcpc on %s: exec " UDHCPC ": %s", ifname, strerror(errno));
}

/*
 * The interfaces set up, each with its DHCP client's job (-1: none):
 * hotplug's "add" of one found at start is not a second NIC.
 */
static struct started {
	char name[IFNAMSIZ];
	int dhcp_job;
} started[IFACES_MAX * 2];
static size_t n_started;
static struct netconf conf;

static struct started *started_find(const char *ifname)
{
	for (size_t i = 0; i < n_started; i++)
		if (!strcmp(started[i].name, ifname))
			return &started[i];
	return NULL;
}

static bool first_time(const char *ifname)
{
	if (started_find(ifname))
		return false;
	if (n_started < sizeof(started) / sizeof(started[0])) {
		snprintf(started[n_started].name, IFNAMSIZ, "%s", ifname);
		started[n_started++].dhcp_job = -1;
	} else {
		say("network: more than %zu interfaces; %s may be set up twice", n_started, ifname);
	}
	return true;
}

static void dhcp_start(const char *ifname)
{
	char name[64];
	struct started *s = started_find(ifname);

	snprintf(name, sizeof(name), "udhcpc on %.15s", ifname); /* < IFNAMSIZ */
	int job = supervise_add(name, dhcp_exec, ifname);
	if (s)
		s->dhcp_job = job;
	/* udhcpc.script marks it with a file in MILESTONE_DIR. */
	timeline_expect("network");
}

/* network.conf into NC; an unreadable or invalid file is logged and left as if absent. */
static void conf_load(struct netconf *nc)
{
	static char text[16384];
	char err[160];
	const char *path = conf_choose(RUN_NETWORK_CONF, NETWORK_CONF);
	ssize_t n = read_text(path, text, sizeof(text));

	memset(nc, 0, sizeof(*nc));
	if (n == -ENOENT)
		return;
	if (n < 0)
		snprintf(err, sizeof(err), "%s", strerror((int)-n));
	else if ((size_t)n == sizeof(text) - 1)
		snprintf(err, sizeof(err), "longer than %zu bytes", sizeof(text) - 2);
	else if (netconf_parse(text, nc, err, sizeof(err)) == 0)
		return;
	say("network: %s: %s; DHCP on every ethernet interface", path, err);
	memset(nc, 0, sizeof(*nc));
}

/*
 * A "dhcp no" interface has just the addresses and routes of network.conf:
 * no SLAAC address and no default route from router advertisements besides.
 * ON: the kernel's default again.
 */
static void ra_accept(const char *ifname, bool on)
{
	char path[64];

	if (pathf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname) < 0)
		return;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) /* ENOENT: a kernel without IPv6 */
			say("network: %s: %s", path, strerror(errno));
		return;
	}
	if (write(fd, on ? "1" : "0", 1) != 1)
		say("network: %s: %s", path, strerror(errno));
	close(fd);
}

/* One interface of network.conf, through netlink socket FD; true when it got an address. */
static bool iface_setup(int fd, const struct netconf_iface *f)
{
	char a[INET6_ADDRSTRLEN + 4], g[INET6_ADDRSTRLEN];
	char added[ADDRS_MAX * sizeof(a) + 1] = ""; /* " ADDR/PREFIX" each */
	size_t len = 0;
	unsigned idx = if_nametoindex(f->name);
	int r;

	if (!idx) {
		say("network: %s is configured but not present (yet)", f->name);
		return false;
	}
	if (!first_time(f->name))
		return false;
	if (!f->dhcp)
		ra_accept(f->name, false);
	link_up(f->name);
	for (size_t i = 0; fd >= 0 && i < f->n_addrs; i++) {
		netconf_format(&f->addrs[i], true, a, sizeof(a));
		r = nl_addr(fd, RTM_NEWADDR, idx, &f->addrs[i]);
		if (r < 0)
			say("network: %s: address %s: %s", f->name, a, strerror(-r));
		else
			len += (size_t)snprintf(added + len, sizeof(added) - len, " %s", a);
	}
	for (size_t i = 0; fd >= 0 && i < f->n_routes; i++) {
		const struct netconf_route *rt = &f->routes[i];
		netconf_format(&rt->dest, true, a, sizeof(a));
		g[0] = '\0';
		if (rt->gw.family)
			netconf_format(&rt->gw, false, g, sizeof(g));
		r = nl_route(fd, RTM_NEWROUTE, idx, rt);
		if (r < 0)
			say("network: %s: route %s%s%s: %s", f->name, a, g[0] ? " via " : "", g,
			    strerror(-r));
	}
	const char *how = f->n_addrs ? "static and DHCP" : "DHCP";
	say("network: %s%s (%s)", f->name, added, f->dhcp ? how : "static");
	if (f->dhcp)
		dhcp_start(f->name);
	return len > 0;
}

/* nameserver lines from network.conf's dns, replacing the file at once. */
static void resolv_write(const struct netconf *nc)
{
	char text[DNS_MAX * (INET6_ADDRSTRLEN + 12)], a[INET6_ADDRSTRLEN];
	size_t len = 0;

	for (size_t i = 0; i < nc->n_dns; i++) {
		netconf_format(&nc->dns[i], false, a, sizeof(a));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "nameserver %s\n", a);
	}
	int r = write_file_atomic(RESOLV_CONF, text, len, 0644, false);
	if (r < 0)
		say("network: " RESOLV_CONF ": %s", strerror(-r));
}

/* A NIC of /sys/class/net that network.conf leaves out: DHCP on it. */
static int dhcp_other(void *ctx, int dirfd, const char *name)
{
	(void)ctx;
	(void)dirfd;
	if (name[0] == '.' || strcmp(name, "lo") == 0 || strlen(name) >= IFNAMSIZ ||
	    netconf_iface(&conf, name) || !ethernet_nic(name) || !first_time(name))
		return 0;
	link_up(name);
	dhcp_start(name);
	return 0;
}

/*
 * /etc/resolv.conf points here. Containers on the host network get it
 * bind-mounted, which fails when it does not exist: until DHCP or the
 * static configuration writes one, it is empty.
 */
static void resolv_placeholder(void)
{
	int fd = open("/run/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST)
		say("/run/resolv.conf: %s", strerror(errno));
}

/* conf's interfaces and dns, then DHCP on every other NIC; those set up already are passed over. */
static void network_apply(void)
{
	bool addressed = false;

	if (conf.n_ifaces) {
		int fd = nl_open();
		if (fd < 0)
			say("network: netlink socket: %s; no static addresses", strerror(-fd));
		for (size_t i = 0; i < conf.n_ifaces; i++)
			addressed |= iface_setup(fd, &conf.ifaces[i]);
		if (fd >= 0)
			close(fd);
	}
	if (addressed)
		milestone("network");
	if (conf.n_dns)
		resolv_write(&conf);

	int d = open("/sys/class/net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0) {
		say("network: /sys/class/net: %s", strerror(errno));
		return;
	}
	dir_each(d, dhcp_other, NULL);
	close(d);
}

void network_start(void)
{
	resolv_placeholder();
	conf_load(&conf);
	link_up("lo");
	network_apply();
}

/* Whether interface NAME has other settings in NC than in OLD (absent: DHCP). */
static bool iface_changed(const struct netconf *old, const struct netconf *nc, const char *name)
{
	const struct netconf_iface *a = netconf_iface(old, name), *b = netconf_iface(nc, name);

	return a || b ? !a || !b || memcmp(a, b, sizeof(*a)) != 0 : false;
}

/* Removal that finds nothing to remove is fine: the kernel drops routes with their addresses. */
static void undo_said(const char *ifname, const char *what, int r)
{
	if (r < 0 && r != -ESRCH && r != -EADDRNOTAVAIL && r != -ENOENT)
		say("network: %s: removing %s: %s", ifname, what, strerror(-r));
}

/* DHCP's lease on IDX, as udhcpc.script recorded it. */
static void lease_drop(int fd, unsigned idx, const char *ifname)
{
	char path[64], text[INET6_ADDRSTRLEN + 8];
	struct netconf_ip ip;

	if (pathf(path, sizeof(path), LEASE_FILE, ifname) < 0 ||
	    read_text(path, text, sizeof(text)) < 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	if (netconf_parse_prefix(text, &ip))
		undo_said(ifname, text, nl_addr(fd, RTM_DELADDR, idx, &ip));
	else
		say("network: %s: '%s' is not an address", path, text);
	unlink(path);
}

/* Undoes what berth gave S: its DHCP client, OLD's routes and addresses, the lease. */
static void iface_undo(int fd, const struct started *s, const struct netconf_iface *old)
{
	unsigned idx = if_nametoindex(s->name);

	supervise_stop(s->dhcp_job);
	if (old && !old->dhcp)
		ra_accept(s->name, true);
	if (!idx || fd < 0)
		return;
	for (size_t i = 0; old && i < old->n_routes; i++)
		undo_said(s->name, "a route", nl_route(fd, RTM_DELROUTE, idx, &old->routes[i]));
	for (size_t i = 0; old && i < old->n_addrs; i++)
		undo_said(s->name, "an address", nl_addr(fd, RTM_DELADDR, idx, &old->addrs[i]));
	lease_drop(fd, idx, s->name);
}

void network_reload(void)
{
	static struct netconf old;

	old = conf;
	conf_load(&conf);
	if (!memcmp(&old, &conf, sizeof(conf)))
		return;
	int fd = nl_open();
	if (fd < 0)
		say("network: netlink socket: %s; addresses set before stay", strerror(-fd));
	for (size_t i = n_started; i-- > 0;) {
		if (!iface_changed(&old, &conf, started[i].name))
			continue;
		say("network: %s: new settings in %s; set up again", started[i].name,
		    conf_choose(RUN_NETWORK_CONF, NETWORK_CONF));
		iface_undo(fd, &started[i], netconf_iface(&old, started[i].name));
		started[i] = started[--n_started];
	}
	if (fd >= 0)
		close(fd);
	network_apply();
}

void network_added(const char *ifname)
{
	const struct netconf_iface *f = netconf_iface(&conf, ifname);

	if (!f) {
		dhcp_other(NULL, -1, ifname);
		return;
	}
	int fd = f->n_addrs || f->n_routes ? nl_open() : -1;
	if (iface_setup(fd, f))
		milestone("network");
	if (fd >= 0)
		close(fd);
}
