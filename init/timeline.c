/*
 * The boot timeline: CLOCK_BOOTTIME milliseconds (0 = kernel start) at
 * which each milestone was reached, kept in /run/berth/boot.json and told
 * once on the console when every expected milestone is in.
 *
 * PID 1 records what it sees itself (milestone()); other processes (the
 * DHCP script) create a file in /run/berth/milestones/, holding their
 * own boot time in ms or nothing, and PID 1 picks it up through inotify.
 * PID 1 stays the only writer of boot.json.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "init.h"

#define MILESTONES_MAX 24
#define MILESTONE_NAME_MAX 48

static struct milestone {
	char name[MILESTONE_NAME_MAX];
	uint64_t ms;
	bool reached;
} marks[MILESTONES_MAX];
static size_t nmarks;
static char version[64];
static char slot = '?';
static bool sealed; /* every expected milestone is known */
static bool told;
static int watch_fd = -1;

static struct milestone *find(const char *name, bool add)
{
	for (size_t i = 0; i < nmarks; i++)
		if (strcmp(marks[i].name, name) == 0)
			return &marks[i];
	if (!add || nmarks == MILESTONES_MAX || strlen(name) >= MILESTONE_NAME_MAX)
		return NULL;
	snprintf(marks[nmarks].name, MILESTONE_NAME_MAX, "%s", name);
	return &marks[nmarks++];
}

void timeline_expect(const char *name)
{
	if (!find(name, true))
		say("timeline: no room for milestone %s", name);
}

/* Milestone names are ours ([a-z0-9:-]), so they need no JSON escaping. */
static int write_json(bool complete)
{
	static char text[MILESTONES_MAX * 80 + 256];
	const char *tmp = BOOT_JSON ".tmp";
	size_t len = (size_t)snprintf(text, sizeof(text),
				      "{\n  \"version\": \"%s\",\n  \"slot\": \"%c\",\n"
				      "  \"complete\": %s,\n  \"milestones\": [",
				      version, slot, complete ? "true" : "false");
	const char *sep = "\n";

	for (size_t i = 0; i < nmarks && marks[i].reached; i++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s    {\"name\": \"%s\", \"ms\": %" PRIu64 "}", sep,
					marks[i].name, marks[i].ms);
		sep = ",\n";
	}
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\n  ]\n}\n");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, text, len);
	close(fd);
	if (r == 0 && rename(tmp, BOOT_JSON) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static void tell(void)
{
	char line[512];
	size_t len = 0;

	for (size_t i = 0; i < nmarks && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%" PRIu64,
					marks[i].name, marks[i].ms);
	say("boot timeline (ms since kernel start):%s", line);
}

/* boot.json again, and the console line once the timeline is complete. */
static void update(void)
{
	bool complete = sealed;

	for (size_t i = 0; i < nmarks; i++)
		complete &= marks[i].reached;
	int r = write_json(complete);
	if (r < 0)
		say("timeline: " BOOT_JSON ": %s", strerror(-r));
	if (complete && !told) {
		told = true;
		tell();
	}
}

void timeline_seal(void)
{
	sealed = true;
	update();
}

void milestone_at(const char *name, uint64_t ms)
{
	struct milestone *m = find(name, true);

	if (!m) {
		say("timeline: no room for milestone %s", name);
		return;
	}
	if (m->reached)
		return; /* the first time counts: a restarted service is not a new boot */
	m->reached = true;
	m->ms = ms;
	/* Keep the reached ones first, in time order: move M back to its place. */
	struct milestone x = *m;
	size_t at = (size_t)(m - marks);
	for (; at > 0 && (!marks[at - 1].reached || marks[at - 1].ms > x.ms); at--)
		marks[at] = marks[at - 1];
	marks[at] = x;
	update();
	health_evaluate();
}

bool milestone_reached(const char *name)
{
	struct milestone *m = find(name, false);

	return m && m->reached;
}

void milestone(const char *name)
{
	milestone_at(name, boottime_ms());
}

/* Times from stage 1, which ran in the same boot as an earlier program image. */
static void stage1_marks(void)
{
	static const char *const names[][2] = {{"BERTH_T_PID1", "pid1"}, {"BERTH_T_ROOT", "root"}};

	for (size_t i = 0; i < 2; i++) {
		const char *v = getenv(names[i][0]);
		char *end;
		unsigned long long ms = v ? strtoull(v, &end, 10) : 0;
		if (v && *v && !*end)
			milestone_at(names[i][1], ms);
		unsetenv(names[i][0]);
	}
}

int timeline_start(const char *os_version, char boot_slot)
{
	snprintf(version, sizeof(version), "%s", os_version);
	slot = boot_slot;
	int r = make_dir(MILESTONE_DIR, 0755);
	if (r < 0) {
		say("timeline: mkdir " MILESTONE_DIR ": %s", strerror(-r));
		return r;
	}
	watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch_fd < 0 || inotify_add_watch(watch_fd, MILESTONE_DIR, IN_MOVED_TO) < 0) {
		say("timeline: inotify on " MILESTONE_DIR ": %s", strerror(errno));
		if (watch_fd >= 0)
			close(watch_fd);
		watch_fd = -1;
	}
	milestone_at("kernel", 0);
	stage1_marks();
	return watch_fd;
}

/* A milestone file appeared: its own time when it has one, else now. */
static void file_mark(const char *name)
{
	char path[128], text[24], *end;

	if (strchr(name, '.') || pathf(path, sizeof(path), MILESTONE_DIR "/%s", name) < 0)
		return; /* a writer's temporary file */
	ssize_t n = read_text(path, text, sizeof(text));
	unsigned long long ms = n > 0 ? strtoull(text, &end, 10) : 0;
	if (n > 0 && end != text && (*end == '\n' || !*end))
		milestone_at(name, ms);
	else
		milestone(name);
}

void timeline_event(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(watch_fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			if (e->len)
				file_mark(e->name);
			p += sizeof(*e) + e->len;
		}
}
