/*
 * Update checks (docs/fleet.md): when this machine follows a channel
 * (RUN_CHANNEL_CONF, which user data may set, else the image's
 * CHANNEL_CONF), `berth-update check` runs as a supervised job, never two
 * at once, its output on the console as "berth-update| " lines, as a
 * container's is. berth-update decides what to install and when to
 * reboot; PID 1 only keeps time, and reads no more of the conf than its
 * interval (berth-update check says what is wrong with the rest). Each wait, the first after the
 * health gate let checks start too, is random in [interval/2, interval]: a check comes within one
 * interval, and machines that booted together do not ask the server together.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "channelconf.h"
#include "init.h"
#include "run.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004 /* linux/random.h's; musl 1.2.3 has no name for it */
#endif

static unsigned interval_ms;

static unsigned next_delay_ms(void)
{
	uint64_t r = 0;

	/* Never waits for the entropy pool: a delay needs to differ, not to be secret. */
	getrandom(&r, sizeof(r), GRND_INSECURE);
	return interval_ms / 2 + (unsigned)(r % (interval_ms - interval_ms / 2 + 1));
}

/* In the job's child: the check, its output logged (berth-container). */
static void run_check(const char *arg)
{
	(void)arg;
	container_exec((const char *const[]){"berth-container", "log", "berth-update",
					     BERTH_UPDATE_BIN, "check", NULL});
}

/* The conf's "check-interval" line into *SECONDS, and where its URL starts: 0 or -EINVAL. */
static int conf_read(const char *text, unsigned *seconds, const char **url)
{
	static const char key[] = "\n" CHC_CHECK_INTERVAL " ";
	const char *v = strstr(text, key);

	if (strncmp(text, CHC_CHANNEL " ", strlen(CHC_CHANNEL " ")) != 0 || !v)
		return -EINVAL;
	*url = text + strlen(CHC_CHANNEL " ");
	v += strlen(key);
	return check_interval_parse(v, strcspn(v, "\n"), seconds);
}

static void checked(int id, int status)
{
	unsigned delay = next_delay_ms();

	if (status != 0)
		say("channel: berth-update check ended with status %d; the next in %u s",
		    exit_code(status), delay / 1000);
	supervise_start(id, delay);
}

void channel_start(void)
{
	static bool started;
	static char text[512];
	const char *path = conf_choose(RUN_CHANNEL_CONF, CHANNEL_CONF);

	if (started)
		return;
	started = true;
	ssize_t n = read_text(path, text, sizeof(text));
	const char *why = NULL, *url = "";
	unsigned interval = 0;
	if (n == -ENOENT)
		return; /* no channel: no checks */
	if (n < 0) {
		why = strerror((int)-n);
	} else if (conf_read(text, &interval, &url) < 0) {
		why = "no channel line and check-interval line";
	} else if (access(BERTH_UPDATE_BIN, X_OK) < 0) {
		path = BERTH_UPDATE_BIN;
		why = strerror(errno);
	}
	if (why) {
		say("channel: %s: %s; no update checks", path, why);
		return;
	}
	interval_ms = interval * 1000;
	say("channel: following %.*s, every ~%u s", (int)strcspn(url, "\n"), url, interval);
	int id = supervise_job(&(struct job){.name = "berth-update check",
					     .run = run_check,
					     .arg = "",
					     .restart = RESTART_NO,
					     .exited = checked,
					     .held = true});
	supervise_start(id, next_delay_ms());
}
