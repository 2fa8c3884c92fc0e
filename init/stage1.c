/*
 * berth-stage1, /init in the initramfs, PID 1 first: find the root
 * partitions, put dm-verity over them, mount the verified root and switch
 * to it, where berth-init (init/main.c) takes over as PID 1. Any failure
 * reboots: nothing from an unverified root is ever run. A program of its
 * own, so that none of this stays in the memory of the PID 1 that runs the
 * system.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "booted.h"
#include "init.h"

#define SYSROOT "/sysroot"
#define PART_TIMEOUT_MS 30000
#define FAIL_REBOOT_S 10

static noreturn void fail(const char *reason)
{
	/* Not "the root was not mounted": switching to it and exec'ing its
	 * /sbin/init fail here too. */
	say("stage1: FAILED: %s; rebooting in %d s", reason, FAIL_REBOOT_S);
	sleep_ms(FAIL_REBOOT_S * 1000);
	sync();
	reboot(RB_AUTOBOOT);
	say("stage1: reboot: %s", strerror(errno));
	for (;;)
		pause();
}

static void mount_api(void)
{
	char reason[128];
	int r;

	/* /dev first: if the kernel gave us no console fds, /dev/console is there. */
	r = mount_on("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	console_setup();
	if (r < 0) {
		snprintf(reason, sizeof(reason), "mount devtmpfs on /dev: %s", strerror(-r));
		fail(reason);
	}
	r = mount_on("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r < 0) {
		snprintf(reason, sizeof(reason), "mount proc on /proc: %s", strerror(-r));
		fail(reason);
	}
	r = mount_on("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r < 0) {
		snprintf(reason, sizeof(reason), "mount sysfs on /sys: %s", strerror(-r));
		fail(reason);
	}
}

static bool keep_at_top(const char *name)
{
	return strcmp(name, "sysroot") == 0 || strcmp(name, "dev") == 0 ||
	       strcmp(name, "proc") == 0 || strcmp(name, "sys") == 0;
}

static void move_api(const char *name)
{
	char to[64];

	snprintf(to, sizeof(to), SYSROOT "%s", name);
	if (mount(name, to, NULL, MS_MOVE, NULL) == 0)
		return;
	/* Stage 2 mounts a fresh one; drop this one so it does not linger unseen. */
	say("stage1: moving %s to the new root: %s; detaching it", name, strerror(errno));
	umount2(name, MNT_DETACH);
}

/*
 * PID1_MS: when stage 1 started; stage 2 puts both times on the boot
 * timeline. WATCHDOG_ENV (may be NULL) hands over the armed watchdog,
 * DATA (may be "") the boot disk's data partition stage 2 mounts on /var.
 */
static noreturn void switch_root(uint64_t pid1_ms, const char *watchdog_env, const char *data)
{
	char reason[128], t_pid1[40], t_root[40], data_env[96];
	struct stat st;
	int fd;

	/* Frees the initramfs memory; staying on its device keeps out of the new root. */
	if (stat("/", &st) == 0 && (fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		remove_tree(fd, st.st_dev, keep_at_top);
		close(fd);
	}
	move_api("/dev");
	move_api("/proc");
	move_api("/sys");
	if (chdir(SYSROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		snprintf(reason, sizeof(reason), "switching to the new root: %s", strerror(errno));
		fail(reason);
	}
	snprintf(t_pid1, sizeof(t_pid1), "BERTH_T_PID1=%llu", (unsigned long long)pid1_ms);
	snprintf(t_root, sizeof(t_root), "BERTH_T_ROOT=%llu", (unsigned long long)boottime_ms());
	snprintf(data_env, sizeof(data_env), DATA_PART_ENV "=%s", data);
	char *const argv[] = {"/sbin/init", NULL};
	char *const envp[] = {t_pid1, t_root, data_env, (char *)watchdog_env, NULL};
	execve(argv[0], argv, envp);
	snprintf(reason, sizeof(reason), "exec /sbin/init on the new root: %s", strerror(errno));
	fail(reason);
}

static noreturn void stage1(void)
{
	static char reason[300];
	struct boot_params p;
	struct part parts[3];
	char node[64];
	int r;
	uint64_t pid1_ms = boottime_ms();

	mount_api();
	say("stage1: initramfs, %llu ms since boot", (unsigned long long)pid1_ms);
	/*
	 * The list (device-mapper, file systems) loads in a child while the
	 * devices' drivers load here: the kernel loads both at once, one on
	 * each CPU, and nothing here needs the list before the boot disk is
	 * looked for (efivarfs: which ESP the firmware booted).
	 */
	pid_t list = modules_load_child(MODULE_LIST);
	/* Before arming: the watchdog is a device too. */
	drivers_start(NULL);
	const char *watchdog_env = watchdog_arm();

	char err[200];
	if (booted_params(&p, err, sizeof(err)) < 0)
		fail(err);

	modules_wait(list);
	r = boot_disk_wait(&p, parts, PART_TIMEOUT_MS);
	if (r == -EEXIST)
		fail("the boot disk cannot be told from other disks holding this image");
	if (r < 0) {
		snprintf(reason, sizeof(reason),
			 "root partitions (root PARTUUID=%s, verity PARTUUID=%s) not found on the "
			 "boot disk within %d s",
			 p.root_uuid, p.verity_uuid, PART_TIMEOUT_MS / 1000);
		fail(reason);
	}
	install_check(&p, parts); /* with the "Install to disk" entry, does not return */
	r = dm_verity_create(&p, &parts[0], &parts[1], node, sizeof(node));
	if (r < 0) {
		snprintf(reason, sizeof(reason), "could not set up dm-verity over %s and %s: %s",
			 parts[0].name, parts[1].name, strerror(-r));
		fail(reason);
	}
	r = mount_on(node, SYSROOT, "erofs", MS_RDONLY, NULL);
	if (r < 0) {
		snprintf(reason, sizeof(reason), "mount %s (verity) on " SYSROOT " as erofs: %s%s",
			 node, strerror(-r),
			 r == -ENODEV ? " (erofs not in this kernel or module list)" : "");
		fail(reason);
	}
	say("stage1: root %s (%s, slot %c) mounted read-only, verified by dm-verity", node,
	    parts[0].name, p.slot);
	disk_grow(parts[2].name);
	drivers_stop(); /* stage 2 looks at every device again, with the root's drivers */
	switch_root(pid1_ms, watchdog_env, parts[2].name);
}

int main(void)
{
	pid1_begin("berth-stage1");
	stage1();
}
