/*
 * The hardware watchdog: armed in stage 1 as soon as its driver is loaded,
 * so a hang anywhere after that (stage 1, stage 2, a kernel that stops
 * scheduling PID 1) ends in a reset, which systemd-boot counts as a failed
 * try of a new release. The open descriptor survives the exec into stage
 * 2 (its number travels in BERTH_WATCHDOG_FD), which pings it from its
 * main loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "init.h"

#define WATCHDOG_DEV "/dev/watchdog"
#define WATCHDOG_TIMEOUT_S 60
#define WATCHDOG_ENV "BERTH_WATCHDOG_FD"

static int wd_fd = -1;

/* Stage 1. Returns the "BERTH_WATCHDOG_FD=N" string for stage 2's environment, or NULL. */
const char *watchdog_arm(void)
{
	static char env[40];
	int timeout = WATCHDOG_TIMEOUT_S;

	/* Not O_CLOEXEC: stage 2, the next program in this process, keeps it. */
	wd_fd = open(WATCHDOG_DEV, O_WRONLY);
	if (wd_fd < 0) {
		say("watchdog: " WATCHDOG_DEV ": %s; hangs will not reset the machine",
		    strerror(errno));
		return NULL;
	}
	if (ioctl(wd_fd, WDIOC_SETTIMEOUT, &timeout) < 0)
		say("watchdog: WDIOC_SETTIMEOUT %d s: %s; keeping the driver's", WATCHDOG_TIMEOUT_S,
		    strerror(errno));
	if (ioctl(wd_fd, WDIOC_GETTIMEOUT, &timeout) == 0)
		say("watchdog: armed, %d s", timeout);
	snprintf(env, sizeof(env), WATCHDOG_ENV "=%d", wd_fd);
	return env;
}

/* Stage 2: the descriptor stage 1 armed. Returns the ping interval in ms, or 0 without one. */
unsigned watchdog_adopt(void)
{
	const char *v = getenv(WATCHDOG_ENV);
	int timeout;
	char *end;

	if (!v)
		return 0;
	long fd = strtol(v, &end, 10);
	unsetenv(WATCHDOG_ENV);
	if (*end || fd < 3 || fd > 1024 || ioctl((int)fd, WDIOC_GETTIMEOUT, &timeout) < 0) {
		say("watchdog: " WATCHDOG_ENV "=%s is not a watchdog", v);
		return 0;
	}
	wd_fd = (int)fd;
	fcntl(wd_fd, F_SETFD, FD_CLOEXEC); /* no child should hold it */
	watchdog_ping();
	/* A third of the timeout leaves two pings' worth of slack on a busy machine. */
	return (unsigned)(timeout > 3 ? timeout : 3) * 1000 / 3;
}

void watchdog_ping(void)
{
	if (wd_fd >= 0 && ioctl(wd_fd, WDIOC_KEEPALIVE, 0) < 0)
		say("watchdog: keepalive: %s", strerror(errno));
}

/* Before halt or power-off: the magic close stops it, so a halted machine stays halted. */
void watchdog_disarm(void)
{
	if (wd_fd < 0)
		return;
	if (write(wd_fd, "V", 1) != 1 || close(wd_fd) < 0)
		say("watchdog: disarm: %s", strerror(errno));
	wd_fd = -1;
}
