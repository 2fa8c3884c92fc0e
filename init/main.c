/*
 * berth-init: PID 1 of a berth machine, in two stages. The same binary is
 * /init in the initramfs (stage 1, which verifies and mounts the root) and
 * /sbin/init on that root (stage 2, which runs the system).
 */
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "init.h"

int main(void)
{
	struct statfs fs;

	/* Run by hand it would mount file systems and reboot the machine. */
	if (getpid() != 1) {
		static const char msg[] = "berth-init: must run as PID 1\n";
		/* write(2), not fprintf: stdio's stderr FILE would add 0.9 KB. */
		write(STDERR_FILENO, msg, sizeof(msg) - 1);
		return 1;
	}
	umask(022);
	console_setup();
	/* The initramfs is ramfs or tmpfs; the verified root is erofs. */
	if (statfs("/", &fs) == 0 && (fs.f_type == RAMFS_MAGIC || fs.f_type == TMPFS_MAGIC))
		stage1();
	stage2();
}
