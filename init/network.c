/*
 * Networking in stage 2: loopback up, then every ethernet NIC up with a
 * supervised BusyBox udhcpc on it. Its script (rootfs/udhcpc.script) sets
 * addresses, the default route and /run/resolv.conf; PID 1 never waits.
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"

#define UDHCPC "/usr/sbin/udhcpc"
#define UDHCPC_SCRIPT "/usr/share/udhcpc/default.script"

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

void network_start(void)
{
	char name[64];
	struct dirent *e;

	link_up("lo");
	DIR *d = opendir("/sys/class/net");
	if (!d) {
		say("network: /sys/class/net: %s", strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0 ||
		    strlen(e->d_name) >= IFNAMSIZ || !ethernet_nic(e->d_name))
			continue;
		link_up(e->d_name);
		snprintf(name, sizeof(name), "udhcpc on %.15s", e->d_name); /* < IFNAMSIZ */
		supervise_add(name, dhcp_exec, e->d_name);
	}
	closedir(d);
}
