/*
 * The machine's identity in stage 2. Its machine id (machine-id(5)) is
 * made once and kept on the data partition, since the root is the same on
 * every machine of an image; /run/machine-id offers it (/etc/machine-id
 * points there). The hostname is the one berth-provision found for this
 * machine (RUN_HOSTNAME), else /etc/hostname when the image has one, else
 * IMAGE_ID-<the id's first 8 hex digits>, so that machines of one image
 * differ.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "init.h"
#include "names.h"
#include "osrelease.h"

#define MACHINE_ID_RUN "/run/machine-id"

/* Stores a new machine id where it survives reboots, when /var is there to keep it. */
static void machine_id_store(const char *id)
{
	int r;

	if (!is_mountpoint("/var")) {
		say("machine id: /var is not mounted; the new id is not persistent");
		return;
	}
	r = make_dir("/var/lib", 0755);
	if (r == 0)
		r = make_dir(STATE_DIR, 0755);
	if (r == 0)
		r = write_file_atomic(MACHINE_ID_FILE, id, MACHINE_ID_LEN + 1, 0444, true);
	if (r < 0)
		say("machine id: " MACHINE_ID_FILE ": %s; the new id is not persistent",
		    strerror(-r));
	else
		say("machine id: new, stored in " MACHINE_ID_FILE);
}

/* The kept machine id, or a new one, into ID; -errno when there is none. */
static int machine_id(char id[MACHINE_ID_LEN + 2])
{
	char text[64];
	unsigned char raw[16];
	ssize_t n = read_text(MACHINE_ID_FILE, text, sizeof(text));

	if (n >= 0 && machine_id_parse(text, id) == 0)
		return 0;
	if (n >= 0)
		say("machine id: " MACHINE_ID_FILE " is malformed; making a new one");
	else if (n != -ENOENT)
		say("machine id: " MACHINE_ID_FILE ": %s; making a new one", strerror((int)-n));
	/*
	 * Blocks only until the kernel's random pool is seeded, which since
	 * Linux 5.4 takes at most about a second (jitter entropy).
	 */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		int e = errno;
		say("machine id: getrandom: %s; no machine id", strerror(e));
		return -e;
	}
	machine_id_format(raw, id);
	machine_id_store(id);
	return 0;
}

/* The name in PATH, if there is one. */
static bool file_hostname(const char *path, char *name, size_t len)
{
	char text[256];
	ssize_t n = read_text(path, text, sizeof(text));

	if (n < 0) {
		if (n != -ENOENT)
			say("hostname: %s: %s", path, strerror((int)-n));
		return false;
	}
	int r = first_line(text, name, len);
	if (r < 0) {
		say("hostname: %s: %s", path, r == -ENOENT ? "empty" : "name too long");
		return false;
	}
	return true;
}

/* IMAGE_ID-<8 hex digits>; "berth" stands in for an image without IMAGE_ID. */
static void derived_hostname(const char *id, char *name, size_t len)
{
	static char osr[4096];
	char image[64 - 9]; /* room for "-" and 8 digits in a 64-byte hostname */
	ssize_t n = read_text("/etc/os-release", osr, sizeof(osr));
	int r = n < 0 ? (int)n : osrelease_value(osr, "IMAGE_ID", image, sizeof(image));

	if (r <= 0) {
		say("hostname: /etc/os-release: IMAGE_ID: %s", r == 0 ? "empty" : strerror(-r));
		snprintf(image, sizeof(image), "berth");
	}
	snprintf(name, len, "%s-%.8s", image, id);
}

void hostname_setup(void)
{
	char id[MACHINE_ID_LEN + 2], name[65];
	const char *from = conf_choose(RUN_HOSTNAME, "/etc/hostname");
	bool have_id = machine_id(id) == 0;

	if (have_id) {
		int r = write_file_atomic(MACHINE_ID_RUN, id, MACHINE_ID_LEN + 1, 0444, false);
		if (r < 0)
			say("machine id: " MACHINE_ID_RUN ": %s", strerror(-r));
	}
	if (!file_hostname(from, name, sizeof(name))) {
		if (!have_id)
			return;
		derived_hostname(id, name, sizeof(name));
		from = "machine id";
	}
	if (sethostname(name, strlen(name)) < 0) {
		say("hostname: %s: %s", name, strerror(errno));
		return;
	}
	say("hostname %s (from %s)", name, from);
}
