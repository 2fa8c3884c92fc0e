/*
 * Install mode: the ESP's "Install to disk" entry puts berth.install= on
 * the kernel command line. Stage 1 then hands the boot disk to
 * berth-install (installer/), which copies the image onto an internal disk,
 * and waits for it, feeding the watchdog and loading the drivers of disks
 * that appear meanwhile. Its exit decides: 0 reboots into the installed
 * system, anything else halts, so a refused install never starts again.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

#define INSTALLER "/usr/lib/berth/berth-install"
#define POLL_MS 500

/* berth-install's wait status, once it has exited; -errno when it could not start. */
static int installer_run(const char *root, const char *data)
{
	char *const argv[] = {INSTALLER, (char *)root, data[0] ? (char *)data : NULL, NULL};
	char *const envp[] = {NULL};
	int status;
	pid_t pid = _Fork(); /* as supervise.c: no threads, no atfork handlers */

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, envp);
		say("install: exec " INSTALLER ": %s", strerror(errno));
		_exit(127);
	}
	for (;;) {
		watchdog_ping();
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -errno;
		drivers_wait(POLL_MS);
	}
}

void install_check(const struct boot_params *p, const struct part parts[3])
{
	if (!p->install)
		return;
	int status = installer_run(parts[0].name, parts[2].name);
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
