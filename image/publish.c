/*
 * `berth publish`: keeps an update channel's folder, DIR/index (the signed
 * index, lib/channel.h) and the bundles beside it, ready to be copied to
 * any static web server. Every write is a read-modify-write of the index
 * under an exclusive lock on DIR/.lock, so two publishers at once lose no
 * update; everything that can refuse is checked before the first byte is
 * written, and the index is replaced whole (temporary file, fsync, rename).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "channel.h"
#include "fileio.h"
#include "keyfile.h"
#include "publish.h"
#include "util.h"
#include "version.h"

/* The schedule: 1% at once, 10% after 4 h, 50% after a day, everyone after 3 days. */
#define DEFAULT_WAVES "0:1,4h:10,1d:50,3d:100"
#define DEFAULT_EXPIRES "7d"
/* The longest offset or duration: ten years, so that now + it cannot overflow. */
#define OFFSET_MAX (3650LL * 86400)
#define CHUNK (1 << 20)

enum cmd { ADD, SCHEDULE, HALT, RESUME, RENEW, SHOW };

static const struct {
	const char *name, *usage;
	int args; /* DIR and what follows it */
} cmds[] = {
    [ADD] = {"add", "add DIR BUNDLE --key KEY [--waves SPEC] [--expires DURATION]", 2},
    [SCHEDULE] = {"schedule", "schedule DIR VERSION SPEC --key KEY [--expires DURATION]", 3},
    [HALT] = {"halt", "halt DIR VERSION --key KEY [--expires DURATION]", 2},
    [RESUME] = {"resume", "resume DIR VERSION --key KEY [--expires DURATION]", 2},
    [RENEW] = {"renew", "renew DIR --key KEY [--expires DURATION]", 1},
    [SHOW] = {"show", "show DIR [--key PUBKEY]...", 1},
};

struct publish {
	enum cmd cmd;
	const char *arg[3]; /* DIR, then BUNDLE or VERSION, then SPEC */
	const char *key;    /* the secret key; for show, public keys in PUBS */
	const char *pubs[CHANNEL_SIGS_MAX];
	size_t npubs;
	const char *waves, *expires;
	struct channel_wave wave[CHANNEL_WAVES_MAX]; /* start: the offset from now */
	size_t nwaves;
	int64_t duration; /* of the index's validity */
	int64_t now;
	uint8_t sk[KEYFILE_SECRET];
	struct channel_index x;
	bool exists; /* DIR/index was there */
};

static int usage(void)
{
	fprintf(stderr, "usage:");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "%s berth publish %s\n", i ? "      " : "", cmds[i].usage);
	fprintf(stderr, "SPEC: OFFSET:PERCENT,... e.g. " DEFAULT_WAVES
			" (offsets from now, s/m/h/d; percents up to two decimals)\n"
			"DURATION: e.g. 7d (the default), 12h\n");
	return 2;
}

/* ---- SPEC and DURATION ---- */

/* "0", or digits and s/m/h/d: seconds into *OUT, at most OFFSET_MAX. */
static bool offset_parse(const char *s, size_t n, int64_t *out)
{
	static const char units[] = "smhd";
	static const int64_t secs[] = {1, 60, 3600, 86400};
	const char *u = n && s[n - 1] ? strchr(units, s[n - 1]) : NULL;
	int64_t v = 0;

	if (n == 1 && s[0] == '0') {
		*out = 0;
		return true;
	}
	if (!u || n < 2 || n > 10 || strspn(s, "0123456789") != n - 1)
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		v = v * 10 + (s[i] - '0');
	v *= secs[u - units];
	*out = v;
	return v <= OFFSET_MAX;
}

/* "0" to "100" with at most two decimals, in basis points. */
static bool percent_parse(const char *s, size_t n, unsigned *out)
{
	size_t whole = strspn(s, "0123456789"), frac = 0;
	unsigned v = 0;

	if (whole < 1 || whole > 3)
		return false;
	if (whole < n) {
		frac = n - whole - 1;
		if (s[whole] != '.' || frac < 1 || frac > 2 ||
		    strspn(s + whole + 1, "0123456789") < frac)
			return false;
	}
	for (size_t i = 0; i < whole; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	v *= 100;
	for (size_t i = 0; i < 2; i++)
		v += (i < frac ? (unsigned)(s[whole + 1 + i] - '0') : 0) * (i ? 1 : 10);
	*out = v;
	return v <= CHANNEL_PERCENT_MAX;
}

/* SPEC into P's waves: NULL, or why it is bad. */
static const char *spec_parse(struct publish *p, const char *spec)
{
	size_t n = 0;

	for (const char *s = spec;; s++) {
		size_t len = strcspn(s, ","), off = strcspn(s, ":");
		struct channel_wave *w = &p->wave[n];

		if (n == CHANNEL_WAVES_MAX)
			return "more than 16 waves";
		if (off >= len || !offset_parse(s, off, &w->start) ||
		    !percent_parse(s + off + 1, len - off - 1, &w->percent))
			return "each wave is OFFSET:PERCENT: 0 or a number with s, m, h or d (at "
			       "most 3650d), then 0 to 100 with at most two decimals";
		if (n && w->start <= p->wave[n - 1].start)
			return "the offsets must rise";
		if (n && w->percent < p->wave[n - 1].percent)
			return "the percents must not fall";
		n++;
		s += len;
		if (!*s)
			break;
	}
	p->nwaves = n;
	return NULL;
}

/* ---- arguments ---- */

static int parse_args(struct publish *p, int argc, char **argv)
{
	size_t nargs = 0, i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (argc >= 1 && !strcmp(argv[0], cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0]))
		return -1;
	p->cmd = (enum cmd)i;
	for (int a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;
		if (!strcmp(argv[a], "--key") && v && p->cmd == SHOW && p->npubs < CHANNEL_SIGS_MAX)
			p->pubs[p->npubs++] = argv[++a];
		else if (!strcmp(argv[a], "--key") && v && p->cmd != SHOW && !p->key)
			p->key = argv[++a];
		else if (!strcmp(argv[a], "--waves") && v && p->cmd == ADD && !p->waves)
			p->waves = argv[++a];
		else if (!strcmp(argv[a], "--expires") && v && p->cmd != SHOW && !p->expires)
			p->expires = argv[++a];
		else if (argv[a][0] != '-' && argv[a][0] && nargs < (size_t)cmds[p->cmd].args)
			p->arg[nargs++] = argv[a];
		else
			return -1;
	}
	if (nargs != (size_t)cmds[p->cmd].args || (p->cmd != SHOW && !p->key))
		return -1;
	return 0;
}

/* The values of the arguments: 0, or 2 after saying which is bad. */
static int check_args(struct publish *p)
{
	const char *spec = p->cmd == SCHEDULE ? p->arg[2] : p->waves ? p->waves : DEFAULT_WAVES;
	const char *exp = p->expires ? p->expires : DEFAULT_EXPIRES, *why;

	if ((p->cmd == ADD || p->cmd == SCHEDULE) && (why = spec_parse(p, spec))) {
		say("publish: bad waves \"%s\": %s", spec, why);
		return 2;
	}
	if (!offset_parse(exp, strlen(exp), &p->duration) || p->duration == 0) {
		say("publish: bad --expires \"%s\": a number with s, m, h or d, at most 3650d",
		    exp);
		return 2;
	}
	if ((p->cmd == SCHEDULE || p->cmd == HALT || p->cmd == RESUME) &&
	    !version_valid(p->arg[1])) {
		say("publish: bad version \"%s\": MAJOR.MINOR.PATCH[-PRERELEASE]", p->arg[1]);
		return 2;
	}
	return 0;
}

/* ---- the channel ---- */

/* The secret key, checked to sign what its public half verifies: 0 or -1. */
static int load_key(struct publish *p)
{
	static const uint8_t probe[] = "berth publish";
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	const char *why;
	int r = keyfile_read(AT_FDCWD, p->key, p->sk, sizeof(p->sk), &why);

	if (r < 0) {
		say("publish: signing key %s: %s", p->key, r == -EINVAL ? why : strerror(-r));
		return -1;
	}
	crypto_sign_ed25519_sk_to_pk(pk, p->sk);
	crypto_sign_detached(sig, NULL, probe, sizeof(probe), p->sk);
	if (crypto_sign_verify_detached(sig, probe, sizeof(probe), pk) != 0) {
		say("publish: signing key %s: its signature does not verify with its own public "
		    "key: the key file is damaged",
		    p->key);
		return -1;
	}
	return 0;
}

/* DIR/index into P->x when it exists: 0, or -1 after saying why it cannot be used. */
static int load_index(struct publish *p)
{
	static char text[CHANNEL_INDEX_MAX + 1];
	char path[PATH_MAX], err[256];
	ssize_t n;
	int fd, r = pathf(path, sizeof(path), "%s/index", p->arg[0]);

	fd = r < 0 ? r : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && r == 0)
		return 0;
	if (fd < 0) {
		say("publish: %s: %s", path, strerror(r < 0 ? -r : errno));
		return -1;
	}
	n = read_upto(fd, text, sizeof(text));
	close(fd);
	if (n < 0) {
		say("publish: %s: %s", path, strerror((int)-n));
		return -1;
	}
	if (channel_parse(text, (size_t)n, &p->x, err, sizeof(err)) < 0) {
		say("publish: %s: not a channel index: %s", path, err);
		return -1;
	}
	p->exists = true;
	return 0;
}

static struct channel_release *find(struct publish *p, const char *version)
{
	for (size_t i = 0; i < p->x.nreleases; i++)
		if (!strcmp(p->x.release[i].version, version))
			return &p->x.release[i];
	say("publish: %s/index has no release %s", p->arg[0], version);
	return NULL;
}

static void set_waves(const struct publish *p, struct channel_release *r)
{
	for (size_t w = 0; w < p->nwaves; w++) {
		r->wave[w].start = p->now + p->wave[w].start;
		r->wave[w].percent = p->wave[w].percent;
	}
	r->nwaves = p->nwaves;
}

/* ---- add: the bundle ---- */

/*
 * BUNDLE's header and manifest into M, and its length checked against them;
 * its size and its manifest's SHA-256 into REL: 0 or -1.
 */
static int read_bundle(const char *path, int fd, struct bundle_manifest *m,
		       struct channel_release *rel)
{
	uint8_t head[BUNDLE_HEADER_SIZE];
	char text[BUNDLE_MANIFEST_MAX], err[256];
	struct bundle_header h;
	struct stat st;
	uint64_t want;
	int r = read_full(fd, head, sizeof(head));

	if (r == 0 && bundle_header_parse(head, &h, err, sizeof(err)) < 0) {
		say("publish: %s: %s", path, err);
		return -1;
	}
	if (r == 0)
		r = read_full(fd, text, h.manifest_len);
	if (r == 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r < 0) {
		say("publish: %s: %s", path,
		    r == -EPIPE ? "not a berth update bundle: cut short" : strerror(-r));
		return -1;
	}
	if (bundle_manifest_parse(text, h.manifest_len, m, err, sizeof(err)) < 0) {
		say("publish: %s: bad bundle manifest: %s", path, err);
		return -1;
	}
	/* Each payload is at most 2^40 bytes: no sum here wraps. */
	want = BUNDLE_HEADER_SIZE + h.manifest_len + (uint64_t)h.sig_count * BUNDLE_SIG_SIZE;
	for (int i = 0; i < BUNDLE_PAYLOADS; i++)
		want += m->payload[i].size;
	if ((uint64_t)st.st_size != want) {
		say("publish: %s: %llu bytes, its manifest says %llu: not a whole bundle", path,
		    (unsigned long long)st.st_size, (unsigned long long)want);
		return -1;
	}
	rel->size = want;
	crypto_hash_sha256(rel->manifest_sha256, (const unsigned char *)text, h.manifest_len);
	return 0;
}

/* FD into OUT from its start. */
static int copy_all(int fd, int out)
{
	static unsigned char buf[CHUNK];
	off_t off = 0;
	int e;

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if ((e = write_all(out, buf, (size_t)n)) < 0)
			return e;
		off += n;
	}
	return fsync(out) < 0 ? -errno : 0;
}

/* FD into DIR/R's path through a temporary file and rename(2). */
static int copy_bundle(const char *dir, int fd, struct channel_release *r)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int out, e = pathf(path, sizeof(path), "%s/%s", dir, r->path);

	if (e == 0)
		e = pathf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, r->path);
	if (e < 0)
		goto fail;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		e = -errno;
		goto fail;
	}
	e = copy_all(fd, out);
	if (close(out) < 0 && e == 0)
		e = -errno;
	if (e == 0 && rename(tmp, path) < 0)
		e = -errno;
	if (e < 0)
		unlink(tmp);
	else
		e = sync_dir(dir);
	if (e == 0)
		return 0;
fail:
	say("publish: cannot copy the bundle to %s/%s: %s", dir, r->path, strerror(-e));
	return -1;
}

/* The release of BUNDLE, checked against the channel, copied in and added: 0 or -1. */
static int add(struct publish *p)
{
	struct channel_index *x = &p->x;
	struct channel_release *r, got;
	struct bundle_manifest m;
	int fd = open(p->arg[1], O_RDONLY | O_CLOEXEC), order = 0, st = -1;

	if (fd < 0) {
		say("publish: %s: %s", p->arg[1], strerror(errno));
		return -1;
	}
	if (read_bundle(p->arg[1], fd, &m, &got) < 0)
		goto out;
	if (p->exists && strcmp(m.compatible, x->compatible)) {
		say("publish: %s is for \"%s\", the channel in %s for \"%s\"", p->arg[1],
		    m.compatible, p->arg[0], x->compatible);
		goto out;
	}
	r = x->nreleases ? &x->release[x->nreleases - 1] : NULL;
	if (r && (version_compare(m.version, r->version, &order) < 0 || order <= 0)) {
		say("publish: %s is version %s, not newer than the channel's %s", p->arg[1],
		    m.version, r->version);
		goto out;
	}
	snprintf(x->compatible, sizeof(x->compatible), "%s", m.compatible);
	/* A full index drops its oldest release; the bundle's file stays. */
	if (x->nreleases == CHANNEL_RELEASES_MAX) {
		printf("berth: %s leaves the index (it holds %d releases at most)\n",
		       x->release[0].version, CHANNEL_RELEASES_MAX);
		memmove(x->release, x->release + 1, (CHANNEL_RELEASES_MAX - 1) * sizeof(*r));
		x->nreleases--;
	}
	r = &x->release[x->nreleases];
	memset(r, 0, sizeof(*r));
	r->size = got.size;
	memcpy(r->manifest_sha256, got.manifest_sha256, sizeof(r->manifest_sha256));
	snprintf(r->version, sizeof(r->version), "%s", m.version);
	snprintf(r->path, sizeof(r->path), "%s_%s.berth", m.name, m.version);
	set_waves(p, r);
	if (copy_bundle(p->arg[0], fd, r) < 0)
		goto out;
	x->nreleases++;
	printf("berth: added %s: %s/%s, %llu bytes\n", r->version, p->arg[0], r->path,
	       (unsigned long long)r->size);
	st = 0;
out:
	close(fd);
	return st;
}

/* The command's change to P->x: 0, or -1 after saying why it is refused. */
static int change(struct publish *p)
{
	struct channel_release *r = NULL;

	if (p->cmd == ADD)
		return add(p);
	if (!p->exists) {
		say("publish: no channel in %s (no index): berth publish add makes one", p->arg[0]);
		return -1;
	}
	if (p->cmd != RENEW && !(r = find(p, p->arg[1])))
		return -1;
	if (p->cmd == SCHEDULE)
		set_waves(p, r);
	if ((p->cmd == HALT || p->cmd == RESUME) && r->halted == (p->cmd == HALT)) {
		say("publish: %s is %s already", r->version, r->halted ? "halted" : "not halted");
		return -1;
	}
	if (p->cmd == HALT || p->cmd == RESUME)
		r->halted = p->cmd == HALT;
	return 0;
}

/* P->x, one serial higher and valid for P->duration from now, signed into DIR/index. */
static int write_index(struct publish *p)
{
	static char text[CHANNEL_INDEX_MAX + 1];
	uint8_t rec[CHANNEL_SIG_SIZE];
	char path[PATH_MAX], t[CHANNEL_TIME_LEN + 1];
	int n, m, r;

	if (p->x.serial >= INT64_MAX) {
		say("publish: %s/index: the serial is at its largest", p->arg[0]);
		return -1;
	}
	p->x.serial++;
	p->x.expires = p->now + p->duration;
	n = channel_format(&p->x, text, sizeof(text));
	if (n < 0) {
		say("publish: %s/index: %s", p->arg[0], strerror(-n));
		return -1;
	}
	crypto_sign_ed25519_sk_to_pk(rec, p->sk);
	crypto_sign_detached(rec + 32, NULL, (const unsigned char *)text, (size_t)n, p->sk);
	m = channel_signature_line(rec, text + n, sizeof(text) - (size_t)n);
	r = m < 0 ? m : pathf(path, sizeof(path), "%s/index", p->arg[0]);
	if (r == 0)
		r = write_file_atomic(path, text, (size_t)(n + m), 0644, true);
	if (r < 0) {
		say("publish: cannot write %s/index: %s", p->arg[0], strerror(-r));
		return -1;
	}
	channel_time_format(p->x.expires, t);
	printf("berth: %s/index: serial %llu, expires %s\n", p->arg[0],
	       (unsigned long long)p->x.serial, t);
	return 0;
}

/* DIR/.lock, held exclusively until the descriptor it returns is closed; or -1. */
static int lock(const char *dir)
{
	char path[PATH_MAX];
	int fd = -1, r = pathf(path, sizeof(path), "%s/.lock", dir);

	if (r == 0 && (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		r = -errno;
	while (r == 0 && flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			r = -errno;
	if (r < 0) {
		say("publish: cannot lock %s/.lock: %s", dir, strerror(-r));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int publish(struct publish *p)
{
	int fd, st = 1;

	if (load_key(p) < 0)
		return 1;
	if (p->cmd == ADD && mkdir(p->arg[0], 0755) < 0 && errno != EEXIST) {
		say("publish: cannot create %s: %s", p->arg[0], strerror(errno));
		return 1;
	}
	fd = lock(p->arg[0]);
	if (fd < 0)
		return 1;
	if (load_index(p) == 0 && change(p) == 0 && write_index(p) == 0)
		st = 0;
	close(fd);
	return st;
}

/* ---- show ---- */

/* Signature record REC over TEXT: by which of P's public keys (its index), -1 by none, -2 bad. */
static int check_sig(const struct publish *p, const uint8_t *pks, const uint8_t *rec,
		     const char *text)
{
	for (size_t k = 0; k < p->npubs; k++) {
		if (memcmp(rec, pks + k * KEYFILE_PUBLIC, KEYFILE_PUBLIC))
			continue;
		return crypto_sign_verify_detached(rec + 32, (const unsigned char *)text,
						   p->x.signed_len, rec) == 0
			   ? (int)k
			   : -2;
	}
	return -1;
}

/* The bundle file of R beside the index: its size as the index says? */
static bool bundle_there(const char *dir, const struct channel_release *r)
{
	char path[PATH_MAX];
	struct stat st;

	if (pathf(path, sizeof(path), "%s/%s", dir, r->path) < 0 || stat(path, &st) < 0) {
		printf("  the bundle file is missing\n");
		return false;
	}
	if ((uint64_t)st.st_size != r->size) {
		printf("  the bundle file is %lld bytes, the index says %llu\n",
		       (long long)st.st_size, (unsigned long long)r->size);
		return false;
	}
	return true;
}

static void show_release(const struct channel_release *r, int64_t now)
{
	char t[CHANNEL_TIME_LEN + 1], pc[8], sha[65];

	sodium_bin2hex(sha, sizeof(sha), r->manifest_sha256, sizeof(r->manifest_sha256));
	printf("release %s: %s, %llu bytes, manifest sha256 %s\n", r->version, r->path,
	       (unsigned long long)r->size, sha);
	printf("  waves:");
	for (size_t w = 0; w < r->nwaves; w++) {
		channel_time_format(r->wave[w].start, t);
		channel_percent_format(r->wave[w].percent, pc);
		printf("%s %s %s%%", w ? "," : "", t, pc);
	}
	channel_percent_format(r->halted ? 0 : channel_share(r, now), pc);
	printf("\n  now: %s%% of machines%s\n", pc,
	       r->halted ? " (halted: no machine takes it)" : "");
}

static int show(struct publish *p)
{
	/* Room for a byte past the limit, which the parser refuses. */
	static char text[CHANNEL_INDEX_MAX + 2];
	uint8_t pks[CHANNEL_SIGS_MAX * KEYFILE_PUBLIC];
	char path[PATH_MAX], t[CHANNEL_TIME_LEN + 1], pk[65], err[256];
	bool good = true, verified = false;
	const char *why;
	ssize_t n;

	for (size_t k = 0; k < p->npubs; k++) {
		int r = keyfile_read(AT_FDCWD, p->pubs[k], pks + k * KEYFILE_PUBLIC, KEYFILE_PUBLIC,
				     &why);
		if (r < 0) {
			say("publish: public key %s: %s", p->pubs[k],
			    r == -EINVAL ? why : strerror(-r));
			return 1;
		}
	}
	n = pathf(path, sizeof(path), "%s/index", p->arg[0]);
	if (n == 0)
		n = read_text(path, text, sizeof(text));
	if (n < 0) {
		say("publish: %s/index: %s", p->arg[0], strerror((int)-n));
		return 1;
	}
	if (channel_parse(text, (size_t)n, &p->x, err, sizeof(err)) < 0) {
		say("publish: %s: not a channel index: %s", path, err);
		return 1;
	}
	channel_time_format(p->x.expires, t);
	printf("channel %s: %s, serial %llu, expires %s%s\n", p->arg[0], p->x.compatible,
	       (unsigned long long)p->x.serial, t,
	       p->x.expires <= p->now ? " (expired: machines refuse it; berth publish renew)" : "");
	for (size_t i = 0; i < p->x.nreleases; i++) {
		show_release(&p->x.release[i], p->now);
		good &= bundle_there(p->arg[0], &p->x.release[i]);
	}
	for (size_t i = 0; i < p->x.nsigs; i++) {
		const uint8_t *rec = p->x.sigs + i * CHANNEL_SIG_SIZE;
		int k = check_sig(p, pks, rec, text);
		sodium_bin2hex(pk, sizeof(pk), rec, KEYFILE_PUBLIC);
		printf("signature by %s%s%s\n", pk,
		       k >= 0	 ? ": verified with "
		       : k == -2 ? ": DOES NOT VERIFY"
				 : "",
		       k >= 0 ? p->pubs[k] : "");
		verified |= k >= 0;
	}
	if (p->npubs && !verified) {
		say("publish: %s: refused: no valid signature by %s", path,
		    p->npubs == 1 ? p->pubs[0] : "the keys given");
		return 1;
	}
	return good ? 0 : 1;
}

int cmd_publish(int argc, char **argv)
{
	static struct publish p;
	int st;

	if (parse_args(&p, argc, argv) < 0)
		return usage();
	if (sodium_init() < 0) {
		say("libsodium failed to initialise");
		return 1;
	}
	p.now = (int64_t)time(NULL);
	if (p.cmd == SHOW)
		return show(&p);
	st = check_args(&p);
	if (st == 0)
		st = publish(&p);
	sodium_memzero(p.sk, sizeof(p.sk));
	return st;
}
