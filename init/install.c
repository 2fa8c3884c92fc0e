/*
 * Install mode: the ESP's "Install to disk" entry puts berth.install= on
 * the kernel command line. Stage 1 then hands the boot disk to
 * berth-install (installer/), which copies the image onto an internal disk,
 * and waits for it, feeding the watchdog and loading the drivers of disks
 * that appear meanwhile. Its exit decides: 0 reboots into the installed
 * system, anything else halts, so a refused install never starts again.
 */
#include <string.h>
#include <sys/wait.h>

#include "init.h"

#define INSTALLER "/usr/lib/berth/berth-install"

void install_check(const struct boot_params *p, const struct part parts[3])
{
	if (!p->install)
		return;
	char *const argv[] = {INSTALLER, (char *)parts[0].name,
			      parts[2].name[0] ? (char *)parts[2].name : NULL, NULL};
	int status = child_wait(argv, 0);
	if (status == 0) {
		say("install: rebooting (take the boot medium out)");
		shutdown_system(SHUTDOWN_REBOOT);
	}
	if (status < 0)
		say("install: " INSTALLER ": %s", strerror(-status));
	else if (WIFSIGNALED(status))
		say("install: berth-install killed by signal %d", WTERMSIG(status));
	say("install: halted; power the machine off");
	shutdown_system(SHUTDOWN_HALT);
}
