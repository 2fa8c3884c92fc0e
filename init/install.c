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
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "booted.h"
#include "init.h"

#define INSTALLER "/usr/lib/berth/berth-install"
#define POLL_MS 500

static bool install_asked(void)
{
	static const char key[] = CMDLINE_INSTALL_KEY "=";
	static char line[CMDLINE_MAX + 1];
	char tok[64];
	bool cut, unclosed;
	const char *pos = line;

	if (read_text("/proc/cmdline", line, sizeof(line)) < 0)
		return false;
	while (cmdline_next(&pos, tok, sizeof(tok), &cut, &unclosed))
		if (strncmp(tok, key, sizeof(key) - 1) == 0)
			return true;
	return false;
}

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

void install_check(const struct part parts[3])
{
	if (!install_asked())
		return;
	int status = installer_run(parts[0].name, parts[2].name);
	if (status == 0) {
		say("install: rebooting (take the boot medium out)");
		sync();
		reboot(RB_AUTOBOOT);
		say("install: reboot: %s", strerror(errno));
	} else if (status < 0) {
		say("install: " INSTALLER ": %s", strerror(-status));
	} else if (WIFSIGNALED(status)) {
		say("install: berth-install killed by signal %d", WTERMSIG(status));
	}
	say("install: halted; power the machine off");
	watchdog_disarm();
	sync();
	reboot(RB_HALT_SYSTEM);
	for (;;)
		pause();
}
