/*
 * The boot health gate. A new release boots from an entry with a boot
 * counter (systemd-boot counts the try down before starting it); only a
 * release that proves healthy in time is kept: when every required
 * milestone (containerd answering, each critical service healthy) is in,
 * `berth-update mark-good` drops the counter. When the deadline passes
 * first, PID 1 reboots, so the counter runs down and systemd-boot falls
 * back to the previous release after the last try.
 *
 * An entry without a counter (the factory image, a release already
 * marked good) has nothing to fall back to: past the deadline it is only
 * reported.
 *
 * Update checks (channel.c) start once the boot is marked good, or on an
 * entry without a counter once its deadline has passed unhealthy; never
 * while a counted try is still proving itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "efivar.h"
#include "init.h"
#include "updateconf.h"

#define REQUIRED_MAX (CONTAINERS_MAX + 2)

static char required[REQUIRED_MAX][48];
static size_t nrequired;
/* IDLE until health_start: milestones reached before then only count later. */
static enum { GATE_IDLE, GATE_WAITING, GATE_MARKING, GATE_GOOD } state;
static unsigned deadline_s = HEALTH_DEADLINE_DEFAULT;
static bool counted; /* this boot is a counted try */

void health_require(const char *name)
{
	if (nrequired == REQUIRED_MAX) {
		say("health: more than %d requirements; %s is not checked", REQUIRED_MAX, name);
		return;
	}
	snprintf(required[nrequired++], sizeof(required[0]), "%s", name);
}

/* update.conf's health deadline; the default when it has none or cannot be read. */
static void read_deadline(void)
{
	static char text[1024];
	struct update_conf conf;
	char err[160];
	ssize_t n = read_text(UPDATE_CONF, text, sizeof(text));

	if (n < 0) {
		if (n != -ENOENT)
			say("health: " UPDATE_CONF ": %s", strerror((int)-n));
		return;
	}
	if (update_conf_parse(text, &conf, err, sizeof(err)) < 0)
		say("health: " UPDATE_CONF ": %s; using %d s", err, HEALTH_DEADLINE_DEFAULT);
	else
		deadline_s = conf.health_deadline;
}

static void run_mark_good(const char *arg)
{
	char *const argv[] = {"berth-update", "mark-good", NULL};
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

	(void)arg;
	/* Its result is PID 1's line; its reasons for failing (stderr) stay on the console. */
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, STDOUT_FILENO);
	execve(BERTH_UPDATE_BIN, argv, envp);
	say("health: exec " BERTH_UPDATE_BIN ": %s", strerror(errno));
}

static void marked(int id, int status)
{
	(void)id;
	if (status != 0)
		return; /* restarted with backoff (on-failure) */
	state = GATE_GOOD;
	say("health: boot marked good");
	milestone("good");
	channel_start();
}

void health_evaluate(void)
{
	if (state != GATE_WAITING)
		return;
	for (size_t i = 0; i < nrequired; i++)
		if (!milestone_reached(required[i]))
			return;
	state = GATE_MARKING;
	say("health: healthy (%zu requirement%s met)", nrequired, nrequired == 1 ? "" : "s");
	if (access(BERTH_UPDATE_BIN, X_OK) < 0) {
		say("health: " BERTH_UPDATE_BIN ": %s; the boot cannot be marked good",
		    strerror(errno));
		return;
	}
	supervise_job(&(struct job){.name = "berth-update mark-good",
				    .run = run_mark_good,
				    .arg = "",
				    .restart = RESTART_ON_FAILURE,
				    .exited = marked});
}

static void deadline_passed(void)
{
	char missing[256];
	size_t len = 0;

	if (state != GATE_WAITING)
		return;
	missing[0] = '\0';
	for (size_t i = 0; i < nrequired && len < sizeof(missing); i++)
		if (!milestone_reached(required[i]))
			len += (size_t)snprintf(missing + len, sizeof(missing) - len, " %s",
						required[i]);
	say("health: not healthy within %u s; missing:%s", deadline_s, missing);
	if (!counted) {
		say("health: the booted entry has no boot counter, nothing to fall back to; "
		    "staying up");
		/* A newer release is this machine's only way out. */
		channel_start();
		return;
	}
	say("health: rebooting; the boot counter decides what starts next");
	shutdown_system(SHUTDOWN_REBOOT);
}

void health_start(void)
{
	read_deadline();
	/* Stage 2 mounted efivarfs. */
	counted = efivar_exists(EFIVAR_BOOT_COUNT_PATH);
	say("health: %s; deadline %u s",
	    counted ? "a counted boot try (the entry has a boot counter)" : "not a counted try",
	    deadline_s);
	uint64_t now = boottime_ms(), due = (uint64_t)deadline_s * 1000;
	supervise_timer(due > now ? (unsigned)(due - now) : 0, 0, deadline_passed);
	state = GATE_WAITING;
	health_evaluate();
}
