/*
 * Drivers for the hardware that is there: for each device's modalias, the
 * modules whose modules.alias patterns match it, loaded with their
 * dependencies (modules.dep) by finit_module. Once for every device present
 * (coldplug: the modalias files under /sys/bus), then for each device the
 * kernel announces later (hotplug: NETLINK_KOBJECT_UEVENT). Stage 1 does it
 * with the initramfs's storage and watchdog drivers while it waits for the
 * boot disk, stage 2 with the verified root's whole module set.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "init.h"
#include "modalias.h"

/* Modules already tried (loaded or failed): none is read or reported twice. */
#define TRIED_MAX 512
#define UEVENT_BUF 8192
/* Room for a burst of uevents (a USB hub's devices, a PCI rescan) while PID 1 is busy. */
#define UEVENT_RCVBUF (1 << 20)

static struct {
	char dir[96];		 /* "/lib/modules/RELEASE/" */
	const char *alias, *dep; /* modules.alias and modules.dep, NULL when not read */
	size_t alias_len, dep_len;
	bool unreadable;
	void (*net_added)(const char *ifname);
	char tried[TRIED_MAX][MODULE_NAME_MAX + 1];
	unsigned n_tried, loaded, failed;
	const char *modalias; /* the device being served, for log lines */
	bool quiet;	      /* coldplug: one summary line instead of one a module */
	char names[640];      /* coldplug: the modules it loaded, for that line */
	size_t names_len;
} d;
static int uevent_fd = -1; /* apart from D, which then costs the binary nothing */

/*
 * All of PATH, NUL-terminated, in pages of its own (berth-init links no
 * allocator), *LEN bytes of them.
 */
static const char *map_text(const char *path, size_t *len)
{
	struct stat st;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	*len = (size_t)st.st_size + 1;
	text = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (text == MAP_FAILED) {
		text = NULL;
		goto out;
	}
	if (read_full(fd, text, (size_t)st.st_size) < 0) {
		munmap(text, *len);
		text = NULL;
	}
out:
	if (!text)
		say("drivers: %s: %s; no drivers by modalias", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return text;
}

void drivers_idle(void)
{
	if (d.alias)
		munmap((void *)d.alias, d.alias_len);
	if (d.dep)
		munmap((void *)d.dep, d.dep_len);
	d.alias = d.dep = NULL;
}

/*
 * modules.alias and modules.dep read, unless they are already or cannot be
 * (said once). Read again after drivers_idle: the two are most of PID 1's
 * memory, and devices seldom appear once the machine is up.
 */
static bool texts_read(void)
{
	char path[128];

	if (d.alias || d.unreadable || !*d.dir)
		return d.alias != NULL;
	if (pathf(path, sizeof(path), "%smodules.alias", d.dir) == 0)
		d.alias = map_text(path, &d.alias_len);
	if (d.alias && pathf(path, sizeof(path), "%smodules.dep", d.dir) == 0)
		d.dep = map_text(path, &d.dep_len);
	if (!d.dep)
		drivers_idle();
	d.unreadable = !d.alias;
	return d.alias != NULL;
}

static bool tried(const char *name)
{
	for (unsigned i = 0; i < d.n_tried; i++)
		if (!strcmp(d.tried[i], name))
			return true;
	if (d.n_tried < TRIED_MAX)
		snprintf(d.tried[d.n_tried++], sizeof(d.tried[0]), "%s", name);
	return false;
}

/* Whether module NAME is in the kernel already (loaded, or built in with parameters). */
static bool in_kernel(const char *name)
{
	char path[96];

	return pathf(path, sizeof(path), "/sys/module/%s", name) == 0 && access(path, F_OK) == 0;
}

/* modalias_each's callback: module NAME and what it needs, each file after its dependencies. */
static int want(void *ctx, const char *name)
{
	const char *files[MODDEP_MAX];
	size_t lens[MODDEP_MAX];
	char path[256] = "", dep[MODULE_NAME_MAX + 1];
	int r = 0;

	(void)ctx;
	if (tried(name) || in_kernel(name))
		return 0;
	int n = moddep_files(d.dep, name, files, lens);
	if (n < 0) {
		r = n;
		snprintf(path, sizeof(path), "modules.dep");
	}
	for (int i = 0; i < n && r == 0; i++) {
		r = module_name(files[i], lens[i], dep) < 0 ? -EINVAL : 0;
		if (r == 0 && i < n - 1 && in_kernel(dep))
			continue; /* a dependency another module brought */
		if (r == 0)
			r = pathf(path, sizeof(path), "%s%.*s", d.dir, (int)lens[i], files[i]);
		if (r == 0)
			r = module_load_file(path);
	}
	if (r < 0) {
		say("drivers: %s (for %s): %s: %s", name, d.modalias, path, strerror(-r));
		d.failed++;
		return 0;
	}
	d.loaded++;
	if (!d.quiet) {
		say("drivers: %s loaded for %s", name, d.modalias);
		return 0;
	}
	int len = snprintf(d.names + d.names_len, sizeof(d.names) - d.names_len, " %s", name);
	if (len > 0 && (size_t)len < sizeof(d.names) - d.names_len)
		d.names_len += (size_t)len;
	return 0;
}

static void serve(const char *modalias)
{
	if (!*modalias || !texts_read())
		return;
	d.modalias = modalias;
	modalias_each(d.alias, modalias, want, NULL);
}

/* A device of a bus under /sys/bus/BUS/devices: its modalias, if it has one. */
static int device(void *ctx, int dirfd, const char *name)
{
	char path[300], modalias[512];

	(void)dirfd;
	if (pathf(path, sizeof(path), "%s/%s/modalias", (const char *)ctx, name) == 0 &&
	    read_text(path, modalias, sizeof(modalias)) > 0) {
		modalias[strcspn(modalias, "\n")] = '\0';
		serve(modalias);
	}
	return 0;
}

static int bus(void *ctx, int dirfd, const char *name)
{
	char path[128];

	(void)ctx;
	(void)dirfd;
	if (pathf(path, sizeof(path), "/sys/bus/%s/devices", name) < 0)
		return 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		dir_each(fd, device, path);
		close(fd);
	}
	return 0;
}

static void coldplug(void)
{
	uint64_t start = boottime_ms();
	unsigned loaded = d.loaded, failed = d.failed;
	int fd = open("/sys/bus", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		say("drivers: /sys/bus: %s", strerror(errno));
		return;
	}
	d.quiet = true;
	d.names_len = 0;
	d.names[0] = '\0';
	dir_each(fd, bus, NULL);
	d.quiet = false;
	close(fd);
	say("drivers: %u loaded by modalias in %llu ms:%s; %u failed", d.loaded - loaded,
	    (unsigned long long)(boottime_ms() - start), d.names_len ? d.names : " none",
	    d.failed - failed);
}

static int uevent_open(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int size = UEVENT_RCVBUF;
	int fd =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		say("drivers: uevent socket buffer: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int drivers_start(void (*net_added)(const char *ifname))
{
	struct utsname u;

	/* Listening first: a device that appears during the walk is seen twice, never missed. */
	uevent_fd = uevent_open();
	if (uevent_fd < 0)
		say("drivers: uevent socket: %s; devices that appear later get no driver",
		    strerror(-uevent_fd));
	if (uname(&u) < 0 || pathf(d.dir, sizeof(d.dir), "/lib/modules/%s/", u.release) < 0) {
		say("drivers: no module folder for this kernel");
		return uevent_fd;
	}
	if (texts_read())
		coldplug();
	/* What those drivers made (a chipset's watchdog, a controller's disks), before the
	 * caller goes on: stage 1 arms the watchdog next. Its NICs networking finds itself. */
	drivers_events();
	d.net_added = net_added;
	return uevent_fd;
}

void drivers_events(void)
{
	if (uevent_fd < 0)
		return;
	static char buf[UEVENT_BUF];
	struct sockaddr_nl from;
	struct uevent e;

	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n =
		    recvfrom(uevent_fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
		if (n < 0 && errno == ENOBUFS) {
			say("drivers: uevents were lost; looking at every device again");
			coldplug();
			continue;
		}
		if (n <= 0)
			return; /* EAGAIN: all read */
		if (from.nl_pid != 0 || uevent_parse(buf, (size_t)n, &e) < 0 ||
		    strcmp(e.action, "add") != 0)
			continue; /* only the kernel's word counts */
		serve(e.modalias);
		if (d.net_added && !strcmp(e.subsystem, "net") && *e.ifname)
			d.net_added(e.ifname);
	}
}

void drivers_wait(unsigned ms, int fd)
{
	struct pollfd p[2] = {{.fd = uevent_fd, .events = POLLIN}, {.fd = fd, .events = POLLIN}};

	if (uevent_fd < 0 && fd < 0) {
		sleep_ms(ms);
		return;
	}
	/* poll passes over a negative fd */
	if (poll(p, 2, (int)ms) > 0 && (p[0].revents & POLLIN))
		drivers_events();
}

void drivers_stop(void)
{
	if (uevent_fd >= 0)
		close(uevent_fd);
	uevent_fd = -1;
}
