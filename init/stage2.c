/*
 * Stage 2, /sbin/init on the verified root: mount the writable places,
 * load the drivers of the devices present and of those that appear later
 * (drivers.c), name the machine, start networking (network.c), read the
 * metadata services when the image names them (provision.c), start
 * containerd when the image has it (containerd.c), say "ready", then
 * supervise.
 * Every failure here is logged and skipped: a half-working system the
 * operator can log in to beats a reboot loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "blockdev.h"
#include "booted.h"
#include "efivar.h"
#include "init.h"

static void mount_logged(const char *src, const char *dir, const char *type, unsigned long flags,
			 const char *data)
{
	int r = mount_on(src, dir, type, flags, data);

	if (r < 0)
		say("mount %s on %s: %s", type, dir, strerror(-r));
}

/* Stage 1 moved these over; mount them when booted some other way. */
static void mount_api(void)
{
	if (!is_mountpoint("/dev"))
		mount_logged("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	console_setup();
	if (!is_mountpoint("/proc"))
		mount_logged("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (!is_mountpoint("/sys"))
		mount_logged("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/*
 * The data partition stage 1 found on the boot disk it took the root from,
 * and no other. The variable goes from the environment: services get theirs.
 */
static void mount_var(void)
{
	const char *env = getenv(DATA_PART_ENV);
	char data[64], node[80];

	snprintf(data, sizeof(data), "%s", env ? env : "");
	unsetenv(DATA_PART_ENV);
	if (!data[0]) {
		say("/var: no data partition (berth.data=) on the boot disk; /var stays empty");
		return;
	}
	int r = blockdev_node(data, node, sizeof(node));
	if (r == 0)
		r = mount_on(node, "/var", "ext4", MS_NOSUID | MS_NODEV, NULL);
	if (r < 0) {
		say("/var: mount %s as ext4: %s%s; /var stays empty", data, strerror(-r),
		    r == -ENODEV ? " (ext4 not in this kernel or module list)" : "");
		return;
	}
	var_grow(node);
}

/* The health gate reads boot counting's variable there; secure_boot_tell the firmware's state. */
static void mount_efivars(void)
{
	int r = efivarfs_mount(MS_NOSUID | MS_NODEV | MS_NOEXEC);

	if (r < 0)
		say("mount efivarfs: %s; boot counting and Secure Boot are not visible",
		    strerror(-r));
}

/* A UEFI boolean variable: '0' or '1'; '?' unread. */
static char efi_flag(const char *name)
{
	int r = efivar_bool(name);

	return r < 0 ? '?' : r ? '1' : '0';
}

/* Once on the console and in SECURE_BOOT_FILE: whether the firmware enforces signatures. */
static void secure_boot_tell(void)
{
	char line[40];
	int len = snprintf(line, sizeof(line), "SecureBoot=%c SetupMode=%c\n",
			   efi_flag(EFIVAR_SECURE_BOOT), efi_flag(EFIVAR_SETUP_MODE));

	say("secure boot: %.*s", len - 1, line);
	int r = write_file_atomic(SECURE_BOOT_FILE, line, (size_t)len, 0644, false);
	if (r < 0)
		say(SECURE_BOOT_FILE ": %s", strerror(-r));
}

static void os_version(char *out, size_t len)
{
	int r = booted_version(out, len);

	if (r < 0) {
		say("/etc/os-release: VERSION_ID: %s", strerror(-r));
		snprintf(out, len, "unknown");
	}
}

noreturn void stage2(void)
{
	struct boot_params p;
	char err[200], version[64];
	sigset_t set;

	/* Blocked from the start so none is lost before the loop waits for them. */
	pid1_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Ctrl-Alt-Del becomes SIGINT to us instead of an instant reboot. */
	reboot(RB_DISABLE_CAD);
	unsigned ping_ms = watchdog_adopt();
	if (ping_ms)
		supervise_timer(ping_ms, ping_ms, watchdog_ping);
	say("stage2: PID 1 on the verified root, %llu ms since boot",
	    (unsigned long long)boottime_ms());

	mount_api();
	mount_logged("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mount_logged("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	int r = make_dir(RUN_DIR, 0755);
	if (r < 0)
		say("mkdir " RUN_DIR ": %s", strerror(-r));
	/* The NICs' drivers before networking, the rest with them. */
	int uevent_fd = drivers_start(network_added);

	bool have_params = booted_params(&p, err, sizeof(err)) == 0;
	if (!have_params)
		say("kernel command line: %s", err);
	mount_var();
	mount_logged("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "nsdelegate");
	bool provision_later = provision_run(false);
	hostname_setup();
	mount_efivars();
	secure_boot_tell();
	os_version(version, sizeof(version));
	int milestones = timeline_start(version, have_params ? p.slot : '?');
	network_start();
	/*
	 * What a metadata service sets replaces the hostname and the network;
	 * the services start after. DHCP's clients start now, not in the loop:
	 * the metadata services need the lease.
	 */
	if (provision_later) {
		supervise_due();
		provision_run(true);
		hostname_setup();
		network_reload();
	}
	containerd_start();
	services_start();
	timeline_seal();
	health_start();

	say("ready version=%s slot=%c boot_ms=%llu", version, have_params ? p.slot : '?',
	    (unsigned long long)boottime_ms());
	supervise(milestones, uevent_fd);
}
