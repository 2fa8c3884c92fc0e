/*
 * berth-update check: one look at the machine's update channel
 * (docs/fleet.md), which berth-init runs every check interval. The index
 * must be signed by a key of this image, for its compatible, unexpired, and
 * of a serial no lower than the last one accepted here; then the newest
 * release newer than the booted one that is not halted, has not failed
 * here, and whose waves include this machine's place by now is installed
 * and started as the reboot policy says. Anything refused leaves the slots,
 * the ESP and the kept index as they were; the outcome, either way, is
 * CHANNEL_STATE_DIR/last-check, which `berth-update status` shows.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "rollout.h"
#include "update.h"

#define KEPT_INDEX CHANNEL_STATE_DIR "/index"
#define KEPT_STATE CHANNEL_STATE_DIR "/state" /* "url URL", then the index's validators */
#define FAILED_FILE CHANNEL_STATE_DIR "/failed"
/*
 * One check at a time (berth-init's, one by hand) over the files here; a
 * check waits for it. Not UPDATE_LOCK: that one install() takes, and an
 * install by hand must not be refused because a check is looking.
 */
#define CHECK_LOCK CHANNEL_STATE_DIR "/lock"
#define FAILED_MAX 64

struct check {
	struct channel_conf conf;
	struct update_conf uconf;
	struct trusted_key keys[TRUSTED_KEYS_MAX];
	size_t nkeys;
	struct boot boot;
	struct esp_entries esp;
	uint64_t place;
	char kept[CHANNEL_INDEX_MAX + 1]; /* the index accepted last, for this url */
	ssize_t kept_len;		  /* -1: none */
	char validators[512];		  /* kept's, as request header lines */
	struct channel_index idx;
	char failed[FAILED_MAX][65]; /* releases that rolled back here */
	size_t nfailed;
	char result[600];
	int lock; /* CHECK_LOCK, held */
};

/* The check's outcome, kept for status (whoever decided it has said it). */
__attribute__((format(printf, 2, 3))) static void outcome(struct check *c, const char *fmt, ...)
{
	char when[CHANNEL_TIME_LEN + 1], line[sizeof(c->result) + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->result, sizeof(c->result), fmt, ap);
	va_end(ap);
	channel_time_format(time(NULL), when);
	int n = snprintf(line, sizeof(line), "%s %s\n", when, c->result);
	if (write_file_atomic(CHANNEL_STATE_DIR "/last-check", line, (size_t)n, 0644, false) < 0)
		complain("cannot record the check's outcome in " CHANNEL_STATE_DIR);
}

/* The state kept from earlier checks of this channel: the index, its validators, failures. */
static int load_state(struct check *c)
{
	static char text[1024 + 64 * FAILED_MAX];
	char want[CHANNEL_URL_MAX + 8];

	if ((mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(CHANNEL_STATE_DIR, 0755) < 0 && errno != EEXIST)) {
		complain("cannot create " CHANNEL_STATE_DIR ": %s", strerror(errno));
		return -errno;
	}
	c->lock = open(CHECK_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock < 0 || flock(c->lock, LOCK_EX) < 0) {
		complain("cannot lock " CHECK_LOCK ": %s", strerror(errno));
		return -errno;
	}
	c->kept_len = -1;
	snprintf(want, sizeof(want), "url %s\n", c->conf.url);
	/* An index of another channel (user data changed it) says nothing of this one's serials. */
	if (read_text(KEPT_STATE, text, sizeof(text)) > 0 && !strncmp(text, want, strlen(want))) {
		snprintf(c->validators, sizeof(c->validators), "%s", text + strlen(want));
		c->kept_len = read_text(KEPT_INDEX, c->kept, sizeof(c->kept));
	}
	if (read_text(FAILED_FILE, text, sizeof(text)) < 0)
		return 0;
	for (char *s = strtok(text, "\n"); s && c->nfailed < FAILED_MAX; s = strtok(NULL, "\n"))
		snprintf(c->failed[c->nfailed++], sizeof(c->failed[0]), "%s", s);
	return 0;
}

static bool failed_here(const struct check *c, const char *version)
{
	for (size_t i = 0; i < c->nfailed; i++)
		if (!strcmp(c->failed[i], version))
			return true;
	return false;
}

/*
 * A release whose entry systemd-boot counted down to bad, or that
 * `berth-update rollback` marked bad, failed here: recorded before an
 * install into its slot removes the entry, and never taken again.
 */
static int record_failures(struct check *c)
{
	char text[64 * FAILED_MAX + 1];
	size_t len = 0;
	bool added = false;
	int booted;

	if (read_entries(&c->boot, false, &c->esp, &booted) < 0)
		return -EIO;
	for (size_t i = 0; i < c->esp.n; i++) {
		const struct esp_entry *e = &c->esp.e[i];
		if (!e->named || entry_state(&e->n) != ENTRY_BAD || failed_here(c, e->n.version) ||
		    c->nfailed == FAILED_MAX)
			continue;
		snprintf(c->failed[c->nfailed++], sizeof(c->failed[0]), "%s", e->n.version);
		printf("%s failed on this machine: it is never taken again\n", e->n.version);
		added = true;
	}
	if (!added)
		return 0;
	for (size_t i = 0; i < c->nfailed; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", c->failed[i]);
	int r = write_file_atomic(FAILED_FILE, text, len, 0644, true);
	if (r < 0)
		complain("cannot write " FAILED_FILE ": %s", strerror(-r));
	return r;
}

/* This machine's place on the channel at URL, from its machine id (hostname.c keeps it in /var). */
static int find_place(const char *url, uint64_t *place)
{
	char id[64];
	uint8_t sum[32];
	crypto_hash_sha256_state st;
	ssize_t n = read_text(MACHINE_ID_FILE, id, sizeof(id));

	if (n < 0) {
		complain("cannot read " MACHINE_ID_FILE ": %s", strerror((int)-n));
		return (int)n;
	}
	id[strcspn(id, "\n")] = '\0';
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"berth-channel", sizeof("berth-channel"));
	crypto_hash_sha256_update(&st, (const uint8_t *)id, strlen(id) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)url, strlen(url));
	crypto_hash_sha256_final(&st, sum);
	*place = channel_place(sum);
	return 0;
}

/* PLACE as a percentage of the fleet, as indexes write shares. */
static void place_format(uint64_t place, char out[8])
{
	channel_percent_format((unsigned)(((unsigned __int128)place * CHANNEL_PERCENT_MAX) >> 64),
			       out);
}

/* TEXT (LEN bytes) as an index this machine may follow, into c->idx: 0, or a refusal. */
static int accept_index(struct check *c, const char *text, size_t len)
{
	char err[200], when[CHANNEL_TIME_LEN + 1];
	struct channel_index kept;

	if (!memmem(text, len, "\nsignature ", strlen("\nsignature "))) {
		complain("refused: the channel's index is unsigned");
		return -EPERM;
	}
	if (channel_parse(text, len, &c->idx, err, sizeof(err)) < 0) {
		complain("refused: the channel's index is malformed: %s", err);
		return -EINVAL;
	}
	if (trust_verify((const uint8_t *)text, c->idx.signed_len, c->idx.sigs, c->idx.nsigs,
			 c->keys, c->nkeys) < 0) {
		complain("refused: the channel's index is not signed by a key this image trusts");
		return -EPERM;
	}
	if (strcmp(c->idx.compatible, c->uconf.compatible) != 0) {
		complain("refused: the channel is for \"%s\", this machine takes \"%s\"",
			 c->idx.compatible, c->uconf.compatible);
		return -EPERM;
	}
	if (c->idx.expires <= time(NULL)) {
		channel_time_format(c->idx.expires, when);
		complain("refused: the channel's index expired at %s (stale, or replayed)", when);
		return -EPERM;
	}
	if (c->kept_len < 0 || channel_parse(c->kept, (size_t)c->kept_len, &kept, NULL, 0) < 0)
		return 0;
	if (c->idx.serial < kept.serial) {
		complain("refused: the channel's index has serial %llu, lower than %llu seen here "
			 "(stale, or replayed)",
			 (unsigned long long)c->idx.serial, (unsigned long long)kept.serial);
		return -EPERM;
	}
	if (c->idx.serial == kept.serial &&
	    (len != (size_t)c->kept_len || memcmp(text, c->kept, len) != 0)) {
		complain(
		    "refused: the channel's index has serial %llu, seen here with other content",
		    (unsigned long long)c->idx.serial);
		return -EPERM;
	}
	return 0;
}

/* The index, fetched (or the kept copy, when unchanged), checked, and kept. */
static int read_index(struct check *c)
{
	char state[sizeof(c->validators) + CHANNEL_URL_MAX + 8];
	struct fetched f;
	int r;

	if ((r = fetch_index(c->conf.url, c->kept_len >= 0 ? c->validators : "", &f)) < 0)
		return r;
	if (f.unchanged) {
		if (c->kept_len < 0) {
			complain(
			    "refused: the channel says the index is unchanged, and none is kept");
			return -EPROTO;
		}
		return accept_index(c, c->kept, (size_t)c->kept_len);
	}
	if ((r = accept_index(c, f.body, f.len)) < 0)
		return r;
	int n = snprintf(state, sizeof(state), "url %s\n%s", c->conf.url, f.validators);
	/* The index before its validators: a power cut between them costs one full GET. */
	if ((r = write_file_atomic(KEPT_INDEX, f.body, f.len, 0644, true)) < 0 ||
	    (r = write_file_atomic(KEPT_STATE, state, (size_t)n, 0644, true)) < 0)
		complain("cannot keep the channel's index in " CHANNEL_STATE_DIR ": %s",
			 strerror(-r));
	return r;
}

static bool failed_ctx(const char *version, void *ctx)
{
	return failed_here(ctx, version);
}

/* The release to take now (lib/rollout.c), or NULL; WAIT says why the newer ones are not. */
static const struct channel_release *choose(struct check *c, char *wait, size_t len)
{
	static const char *const why[] = {
	    [WAIT_WAVE] = "not this machine's wave yet",
	    [WAIT_HALTED] = "halted",
	    [WAIT_FAILED] = "failed here before",
	};
	struct rollout_machine m = {
	    .booted = c->boot.version, .place = c->place, .failed = failed_ctx, .ctx = c};
	struct rollout_skip skips[CHANNEL_RELEASES_MAX];
	char here[8], now[8];
	size_t n, used = 0;
	const struct channel_release *r = rollout_choose(&c->idx, &m, time(NULL), skips, &n);

	wait[0] = '\0';
	place_format(c->place, here);
	for (size_t i = 0; i < n && used < len; i++) {
		used += (size_t)snprintf(wait + used, len - used, "%s%s: %s", i ? "; " : "",
					 skips[i].release->version, why[skips[i].why]);
		channel_percent_format(skips[i].share, now);
		if (skips[i].why == WAIT_WAVE && used < len)
			used += (size_t)snprintf(wait + used, len - used,
						 " (%s%% of the fleet now, this machine at %s%%)",
						 now, here);
	}
	return r;
}

/* Whether the other slot's entry holds VERSION, installed and not yet tried. */
static bool installed(const struct check *c, const char *version)
{
	const struct esp_entry *o = slot_entry(&c->esp, other_slot(c->boot.slot));

	return o && entry_state(&o->n) == ENTRY_PENDING && !strcmp(o->n.version, version);
}

static int reboot_now(const char *version)
{
	printf("rebooting into %s\n", version);
	return reboot_system();
}

/* Starts VERSION as the reboot policy says: now, in the window (waiting for it), or never. */
static int start(struct check *c, const char *version)
{
	time_t now = time(NULL);
	unsigned min = (unsigned)(now % 86400 / 60), wait;

	switch (c->conf.reboot) {
	case REBOOT_IMMEDIATE:
		return reboot_now(version);
	case REBOOT_MANUAL:
		printf("%s starts at the next reboot (reboot: manual)\n", version);
		return 0;
	case REBOOT_WINDOW:
		break;
	}
	if (!reboot_window_open(&c->conf, min)) {
		wait = (c->conf.window_start + 1440 - min) % 1440;
		printf("%s starts in the reboot window, in %u min\n", version, wait);
		fflush(stdout);
		/* Another check (by hand) may look meanwhile. */
		close(c->lock);
		sleep(wait * 60 - (unsigned)(now % 60));
	}
	return reboot_now(version);
}

static int load_channel(struct channel_conf *conf, bool quiet)
{
	char text[1024], err[160];
	const char *path = access(RUN_CHANNEL_CONF, F_OK) == 0 ? RUN_CHANNEL_CONF : CHANNEL_CONF;
	ssize_t n = read_text(path, text, sizeof(text));

	if (n == -ENOENT && quiet)
		return (int)n;
	if (n == -ENOENT) {
		complain("refused: this machine follows no update channel (no " CHANNEL_CONF ")");
		return (int)n;
	}
	if (n < 0) {
		complain("cannot read %s: %s", path, strerror((int)-n));
		return (int)n;
	}
	if (channel_conf_parse(text, conf, err, sizeof(err)) < 0) {
		complain("%s: %s", path, err);
		return -EINVAL;
	}
	return 0;
}

static int take(struct check *c, const struct channel_release *rel)
{
	char url[CHANNEL_URL_MAX + CHANNEL_PATH_MAX + 1];
	struct expect want = {.version = rel->version, .size = rel->size};
	int r;

	if (installed(c, rel->version)) {
		printf("%s is installed in slot %c already\n", rel->version,
		       other_slot(c->boot.slot));
	} else {
		memcpy(want.manifest_sha256, rel->manifest_sha256, sizeof(want.manifest_sha256));
		snprintf(url, sizeof(url), "%s%s", c->conf.url, rel->path);
		printf("installing %s from %s\n", rel->version, url);
		fflush(stdout);
		if ((r = install(url, 0, &want)) < 0) {
			outcome(c, "refused %s: %s", rel->version, complaint);
			return r;
		}
	}
	outcome(c, "installed %s", rel->version);
	return start(c, rel->version);
}

int check(void)
{
	static struct check c;
	char wait[400];
	int r;

	if (sodium_init() < 0) {
		complain("libsodium failed to start");
		return -EIO;
	}
	if ((r = load_channel(&c.conf, false)) < 0 || (r = load_conf(&c.uconf)) < 0 ||
	    (r = load_keys(c.keys, &c.nkeys)) < 0 || (r = boot_probe(&c.boot)) < 0 ||
	    (r = load_state(&c)) < 0 || (r = find_place(c.conf.url, &c.place)) < 0 ||
	    (r = record_failures(&c)) < 0)
		return r;
	if ((r = read_index(&c)) < 0) {
		outcome(&c, "%s", complaint);
		return r;
	}
	const struct channel_release *rel = choose(&c, wait, sizeof(wait));
	if (rel)
		return take(&c, rel);
	outcome(&c, "serial %llu: %s%s", (unsigned long long)c.idx.serial,
		*wait ? "waiting: " : "nothing newer than the booted ",
		*wait ? wait : c.boot.version);
	printf("%s\n", c.result);
	return 0;
}

int follow_read(struct follow *f)
{
	static struct channel_index kept;
	static char text[CHANNEL_INDEX_MAX + 1];
	uint64_t place;
	int64_t last;
	ssize_t n;
	int r = load_channel(&f->conf, true);

	if (r < 0)
		return r;
	f->place[0] = f->next[0] = '\0';
	f->serial = 0;
	if (sodium_init() >= 0 && find_place(f->conf.url, &place) == 0)
		place_format(place, f->place);
	if (read_text(CHANNEL_STATE_DIR "/last-check", f->last, sizeof(f->last)) < 0)
		snprintf(f->last, sizeof(f->last), "none yet");
	f->last[strcspn(f->last, "\n")] = '\0';
	/* berth-init checks again at most one interval after a check ends. */
	if (channel_time_parse(f->last, CHANNEL_TIME_LEN, &last) == 0)
		channel_time_format(last + f->conf.interval, f->next);
	n = read_text(KEPT_INDEX, text, sizeof(text));
	if (n > 0 && channel_parse(text, (size_t)n, &kept, NULL, 0) == 0)
		f->serial = kept.serial;
	return 0;
}
