/* Orderly shutdown: stop every process, put /var away cleanly, then reboot(2). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define TERM_GRACE_MS 5000
/* After SIGKILL only processes stuck in the kernel remain: do not wait on them long. */
#define KILL_GRACE_MS 2000

/* Reaps until no child is left or TIMEOUT_MS passes; returns true when none is left. */
static bool reap_until_gone(unsigned timeout_ms)
{
	uint64_t deadline = boottime_ms() + timeout_ms;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0)
			continue;
		if (pid < 0 && errno == ECHILD)
			return true;
		uint64_t now = boottime_ms();
		if (now >= deadline)
			return false;
		uint64_t left = deadline - now;
		struct timespec ts = {.tv_sec = (time_t)(left / 1000),
				      .tv_nsec = (long)(left % 1000) * 1000000};
		sigtimedwait(&chld, NULL, &ts); /* SIGCHLD is blocked: this is the wake-up */
	}
}

static void put_away_var(void)
{
	if (!is_mountpoint("/var"))
		return;
	if (umount2("/var", 0) == 0) {
		say("/var: unmounted");
		return;
	}
	say("/var: umount: %s", strerror(errno));
	/*
	 * Read-only first: that makes the file system clean on disk even with
	 * files still open. Detaching first would leave no path to remount.
	 */
	if (mount(NULL, "/var", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) == 0)
		say("/var: remounted read-only");
	else
		say("/var: remount read-only: %s", strerror(errno));
	if (umount2("/var", MNT_DETACH) == 0)
		say("/var: detached");
	else
		say("/var: detach: %s", strerror(errno));
}

noreturn void shutdown_system(enum shutdown_action action)
{
	static const char *const names[] = {"halt", "poweroff", "reboot"};
	static const int cmds[] = {RB_HALT_SYSTEM, RB_POWER_OFF, RB_AUTOBOOT};
	const char *name = names[action];

	say("shutting down (%s)", name);
	watchdog_ping(); /* the graces below are far shorter than its timeout */
	kill(-1, SIGTERM);
	kill(-1, SIGCONT); /* a stopped process cannot act on SIGTERM */
	if (!reap_until_gone(TERM_GRACE_MS)) {
		say("processes left after %d s; killing them", TERM_GRACE_MS / 1000);
		kill(-1, SIGKILL);
		if (!reap_until_gone(KILL_GRACE_MS))
			say("some processes would not die; going on");
	}
	sync();
	put_away_var();
	sync();
	say("%s now", name);
	if (action != SHUTDOWN_REBOOT)
		watchdog_disarm();
	reboot(cmds[action]);
	say("reboot(%s): %s", name, strerror(errno));
	for (;;)
		pause();
}
