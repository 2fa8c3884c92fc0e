/*
 * berth run's machine: a built image booted in QEMU with OVMF, the way the
 * end-to-end tests do, for a person at a terminal. The image is used
 * through a fresh qcow2 overlay in a temporary folder, removed at the end,
 * so it is never changed. The services' ports (those their health probes
 * check, from the build's containers.conf beside the image) are forwarded
 * from 127.0.0.1 on the host: the same port when it is free, another
 * otherwise, each printed. The serial console is the terminal; Ctrl-A X
 * quits. KVM when /dev/kvm can be opened, TCG otherwise.
 */
#define _GNU_SOURCE
#include "qemu.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctrconf.h"
#include "fileio.h"
#include "run.h"
#include "util.h"

#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
/* What `berth build` writes beside its disk images (image/gentree.c). */
#define BUILT_CONF "work/generated" CONTAINERS_CONF

struct fwd {
	unsigned guest, host;
	const char *service;
	bool http;
};

struct vm {
	char image[PATH_MAX], dir[PATH_MAX], overlay[PATH_MAX], vars[PATH_MAX];
	const char *format;
	struct fwd fwd[CONTAINERS_MAX];
	size_t nfwd;
	bool kvm;
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* QEMU's name for the format of disk image PATH, by the name `berth build` gives it. */
static const char *disk_format(const char *path)
{
	static const char *const names[][2] = {
	    {".raw", "raw"}, {".qcow2", "qcow2"}, {".vhd", "vpc"}, {".vmdk", "vmdk"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ends_with(path, names[i][0]))
			return names[i][1];
	return NULL;
}

/* IMAGE: a disk image, or an output folder (its disk.raw). */
static int find_image(const char *arg, struct vm *vm)
{
	struct stat st;
	int r = stat(arg, &st) == 0 && S_ISDIR(st.st_mode)
		    ? pathf(vm->image, sizeof(vm->image), "%s/disk.raw", arg)
		    : pathf(vm->image, sizeof(vm->image), "%s", arg);

	if (r < 0 || stat(vm->image, &st) < 0 || !S_ISREG(st.st_mode)) {
		say("run: %s: no disk image there (build one with `berth build MANIFEST`)",
		    vm->image);
		return -1;
	}
	vm->format = disk_format(vm->image);
	if (!vm->format) {
		say("run: %s: not a disk image berth builds (.raw, .qcow2, .vhd, .vmdk)",
		    vm->image);
		return -1;
	}
	return 0;
}

/* PORT on 127.0.0.1 if nothing listens there, else one the kernel picks: 0 when neither binds. */
static unsigned host_port(unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	unsigned got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	a.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		a.sin_port = 0;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		got = ntohs(a.sin_port);
out:
	close(fd);
	return got;
}

/*
 * The ports of the services in the image's containers.conf, when the image
 * is in a build's output folder: TEXT keeps the strings the list points to.
 */
static int find_ports(struct vm *vm, char *text, size_t len)
{
	static struct ctr ctrs[CONTAINERS_MAX];
	char conf[PATH_MAX], dir[PATH_MAX], err[200];
	size_t n;

	snprintf(dir, sizeof(dir), "%s", vm->image);
	if (pathf(conf, sizeof(conf), "%s/" BUILT_CONF, dirname(dir)) < 0)
		return -1;
	ssize_t r = read_text(conf, text, len);
	if (r == -ENOENT)
		return 0; /* no services, or not a build's output folder */
	if (r < 0 || (size_t)r + 1 >= len || ctrconf_parse(text, ctrs, &n, err, sizeof(err)) < 0) {
		say("run: %s: %s", conf, r < 0 ? strerror((int)-r) : err);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ctr *c = &ctrs[i];
		bool seen = false;
		if (c->kind != CTR_SERVICE || c->net != NET_HOST ||
		    (c->probe != PROBE_HTTP && c->probe != PROBE_TCP))
			continue;
		for (size_t j = 0; j < vm->nfwd; j++)
			seen |= vm->fwd[j].guest == c->port;
		if (seen)
			continue;
		struct fwd *f = &vm->fwd[vm->nfwd++];
		*f = (struct fwd){c->port, host_port(c->port), c->name, c->probe == PROBE_HTTP};
		if (!f->host) {
			say("run: no free port on 127.0.0.1 for %s's port %u", c->name, c->port);
			return -1;
		}
	}
	return 0;
}

/*
 * Whether QEMU can run this machine's CPU under KVM: /dev/kvm may be there
 * and still refuse it (nested virtualisation missing a feature), which
 * QEMU finds only when it sets the virtual CPU up. So it is asked to, and
 * to quit at once through QMP on its stdin (60 ms).
 */
static bool kvm_usable(void)
{
	char out[256];
	struct capture cap = {.buf = out, .size = sizeof(out)};
	char *argv[] = {"sh", "-c",
			"printf '{\"execute\":\"qmp_capabilities\"}{\"execute\":\"quit\"}' | "
			"exec qemu-system-x86_64 -machine q35 -accel kvm -cpu host -display none "
			"-nodefaults -S -qmp stdio",
			NULL};

	if (access("/dev/kvm", R_OK | W_OK) < 0)
		return false;
	int st = run_capture("/bin/sh", argv, NULL, -1, &cap);
	return st >= 0 && exit_code(st) == 0;
}

/* The overlay and a copy of OVMF's empty variables in a temporary folder. */
static int prepare(struct vm *vm)
{
	char abs[PATH_MAX], out[2048];
	struct capture cap = {.buf = out, .size = sizeof(out)};
	const char *tmp = getenv("TMPDIR");

	int r = pathf(vm->dir, sizeof(vm->dir), "%s/berth-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (r == 0 && (!mkdtemp(vm->dir) || !realpath(vm->image, abs)))
		r = -errno;
	if (r == 0)
		r = pathf(vm->overlay, sizeof(vm->overlay), "%s/disk.qcow2", vm->dir);
	if (r == 0)
		r = pathf(vm->vars, sizeof(vm->vars), "%s/vars.fd", vm->dir);
	if (r < 0) {
		say("run: a temporary folder for %s: %s", vm->image, strerror(-r));
		return -1;
	}
	char *argv[] = {"qemu-img",	    "create", "-q", "-f",	 "qcow2", "-F",
			(char *)vm->format, "-b",     abs,  vm->overlay, NULL};
	int st = run_capture("qemu-img", argv, NULL, -1, &cap);
	if (st < 0 || exit_code(st) != 0) {
		say("run: qemu-img create failed: %s", st < 0 ? strerror(-st) : out);
		return -1;
	}
	int in = open(OVMF_VARS, O_RDONLY | O_CLOEXEC);
	int dst = open(vm->vars, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n = 1;
	while (in >= 0 && dst >= 0 && n > 0)
		n = copy_file_range(in, NULL, dst, NULL, 1 << 20, 0);
	int e = in < 0 || dst < 0 || n < 0 ? errno : 0;
	if (in >= 0)
		close(in);
	if (dst >= 0)
		close(dst);
	if (e) {
		say("run: %s to %s: %s (Debian package: ovmf)", OVMF_VARS, vm->vars, strerror(e));
		return -1;
	}
	vm->kvm = kvm_usable();
	return 0;
}

static void cleanup(const struct vm *vm)
{
	unlink(vm->overlay);
	unlink(vm->vars);
	if (rmdir(vm->dir) < 0 && errno != ENOENT)
		say("run: %s: %s", vm->dir, strerror(errno));
}

static void tell(const struct vm *vm)
{
	printf("berth run: %s (%s) through a throw-away overlay; %s\n", vm->image, vm->format,
	       vm->kvm ? "KVM" : "no usable KVM: TCG, a boot takes a minute or two");
	for (size_t i = 0; i < vm->nfwd; i++) {
		const struct fwd *f = &vm->fwd[i];
		printf("berth run: %s: %s127.0.0.1:%u%s (port %u in the machine)\n", f->service,
		       f->http ? "http://" : "", f->host, f->http ? "/" : "", f->guest);
	}
	printf("berth run: the serial console follows; Ctrl-A X quits\n");
	fflush(stdout);
}

static volatile sig_atomic_t qemu_pid;

/* A terminal closed or a kill: QEMU is told to stop, so the overlay is removed after it. */
static void on_signal(int sig)
{
	(void)sig;
	if (qemu_pid > 0)
		kill(qemu_pid, SIGTERM);
}

static int boot(const struct vm *vm)
{
	char code[PATH_MAX + 64], vars[PATH_MAX + 64], disk[PATH_MAX + 64],
	    net[64 * CONTAINERS_MAX];
	size_t used = 0;

	snprintf(code, sizeof(code), "if=pflash,format=raw,unit=0,readonly=on,file=%s", OVMF_CODE);
	snprintf(vars, sizeof(vars), "if=pflash,format=raw,unit=1,file=%s", vm->vars);
	snprintf(disk, sizeof(disk), "file=%s,format=qcow2,if=virtio", vm->overlay);
	used += (size_t)snprintf(net, sizeof(net), "user,id=n0");
	for (size_t i = 0; i < vm->nfwd; i++)
		used += (size_t)snprintf(net + used, sizeof(net) - used,
					 ",hostfwd=tcp:127.0.0.1:%u-:%u", vm->fwd[i].host,
					 vm->fwd[i].guest);
	/* berth-init arms the watchdog; when it fires, the machine resets, as a server's would. */
	char *argv[] = {"qemu-system-x86_64",
			"-machine",
			"q35",
			"-accel",
			vm->kvm ? "kvm" : "tcg",
			"-cpu",
			vm->kvm ? "host" : "max",
			"-m",
			"1024",
			"-smp",
			"2",
			"-nodefaults",
			"-no-user-config",
			"-display",
			"none",
			"-drive",
			code,
			"-drive",
			vars,
			"-drive",
			disk,
			"-serial",
			"mon:stdio",
			"-netdev",
			net,
			"-device",
			"virtio-net-pci,netdev=n0",
			"-device",
			"i6300esb",
			"-action",
			"watchdog=reset",
			NULL};
	struct sigaction sa = {.sa_handler = on_signal};
	int status;

	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid_t pid = fork();
	if (pid < 0) {
		say("run: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "berth: run: %s: %s (Debian package: qemu-system-x86)\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	qemu_pid = pid;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			say("run: waitpid: %s", strerror(errno));
			return -1;
		}
	return exit_code(status) == 0 ? 0 : -1;
}

int qemu_run(const char *image)
{
	static struct vm vm;
	static char conf[64 * 1024];

	if (find_image(image, &vm) < 0 || find_ports(&vm, conf, sizeof(conf)) < 0)
		return 1;
	if (prepare(&vm) < 0) {
		cleanup(&vm);
		return 1;
	}
	tell(&vm);
	int r = boot(&vm);
	cleanup(&vm);
	return r < 0 ? 1 : 0;
}
