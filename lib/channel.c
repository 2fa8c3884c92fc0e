/*
 * An update channel's signed index (format in channel.h). berth-update
 * parses what the network handed it, so the parser is strict: one
 * spelling per value, so that the signed bytes say exactly one thing and
 * channel_format() of what parses gives back the bytes the signatures
 * cover. Pure C, no allocation: it builds with musl for the device too.
 */
#include "channel.h"
#include "contract.h"
#include "errf.h"
#include "version.h"
#include "words.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WORDS_MAX 4 /* "bundle PATH SIZE SHA256" */
#define SERIAL_MAX INT64_MAX
#define SIZE_MAX_BYTES INT64_MAX /* an off_t */
/* 9999-12-31T23:59:59Z: the last time of four digits' years. */
#define TIME_MAX 253402300799LL

static const char hexdigits[] = "0123456789abcdef";

/* ---- values: each parser says why the N bytes at S are bad, or NULL ---- */

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* A decimal number without leading zeros, at most MAX. */
static bool decimal(const struct word *f, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (f->n == 0 || !all_in(f->s, f->n, "0123456789") || (f->n > 1 && f->s[0] == '0'))
		return false;
	for (size_t i = 0; i < f->n; i++) {
		unsigned d = (unsigned)(f->s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool hex(const struct word *f, uint8_t *out, size_t len)
{
	if (f->n != 2 * len || !all_in(f->s, f->n, hexdigits))
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)((strchr(hexdigits, f->s[2 * i]) - hexdigits) << 4 |
				   (strchr(hexdigits, f->s[2 * i + 1]) - hexdigits));
	return true;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* N digits at S as a number. */
static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int channel_time_parse(const char *s, size_t n, int64_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = {0};

	if (n != CHANNEL_TIME_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return -EINVAL;
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = digits(s + 17, 2);
	/* One spelling per time: no 24:00, no leap second, no day past its month's last. */
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(tm.tm_year + 1900, tm.tm_mon + 1) || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59)
		return -EINVAL;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* V's last N decimal digits at OUT. */
static void put_digits(char *out, unsigned v, size_t n)
{
	while (n--) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void channel_time_format(int64_t t, char out[CHANNEL_TIME_LEN + 1])
{
	time_t tt = (time_t)(t < 0 ? 0 : t > TIME_MAX ? TIME_MAX : t);
	struct tm tm;

	gmtime_r(&tt, &tm);
	memcpy(out, "0000-00-00T00:00:00Z", CHANNEL_TIME_LEN + 1);
	put_digits(out, (unsigned)tm.tm_year + 1900, 4);
	put_digits(out + 5, (unsigned)tm.tm_mon + 1, 2);
	put_digits(out + 8, (unsigned)tm.tm_mday, 2);
	put_digits(out + 11, (unsigned)tm.tm_hour, 2);
	put_digits(out + 14, (unsigned)tm.tm_min, 2);
	put_digits(out + 17, (unsigned)tm.tm_sec, 2);
}

/* "0" to "100", at most two decimals, no trailing zero after the point, into basis points. */
static bool percent(const struct word *f, unsigned *out)
{
	const char *dot = memchr(f->s, '.', f->n);
	struct word whole = {f->s, dot ? (size_t)(dot - f->s) : f->n};
	size_t nfrac = dot ? f->n - whole.n - 1 : 0;
	uint64_t v;

	if (!decimal(&whole, 100, &v))
		return false;
	v *= 100;
	if (dot) {
		if (nfrac < 1 || nfrac > 2 || !all_in(dot + 1, nfrac, "0123456789") ||
		    dot[nfrac] == '0')
			return false;
		v += (uint64_t)digits(dot + 1, nfrac) * (nfrac == 1 ? 10 : 1);
	}
	if (v > CHANNEL_PERCENT_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

void channel_percent_format(unsigned p, char out[8])
{
	unsigned frac;

	p = p > CHANNEL_PERCENT_MAX ? CHANNEL_PERCENT_MAX : p;
	frac = p % 100;
	if (frac == 0)
		snprintf(out, 8, "%u", p / 100);
	else if (frac % 10 == 0)
		snprintf(out, 8, "%u.%u", p / 100, frac / 10);
	else
		snprintf(out, 8, "%u.%02u", p / 100, frac);
}

/* 1 to CHANNEL_PATH_MAX of [A-Za-z0-9._-/], relative, each component neither empty, "." nor "..".
 */
static bool path_valid(const struct word *f)
{
	size_t start = 0;

	if (f->n == 0 || f->n > CHANNEL_PATH_MAX ||
	    !all_in(f->s, f->n,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/"))
		return false;
	for (size_t i = 0; i <= f->n; i++) {
		if (i < f->n && f->s[i] != '/')
			continue;
		struct word c = {f->s + start, i - start};
		if (c.n == 0 || word_is(&c, ".") || word_is(&c, ".."))
			return false;
		start = i + 1;
	}
	return true;
}

/* ---- the index, line by line ---- */

/* What the next line may be. */
enum state { MAGIC, COMPATIBLE, SERIAL, EXPIRES, RELEASES, BUNDLE, WAVES, HALTED, SIGNATURES };

static const char *const want[] = {
    [MAGIC] = "expected \"berth-channel 2\"",
    [COMPATIBLE] = "expected \"compatible COMPATIBLE\"",
    [SERIAL] = "expected \"serial N\"",
    [EXPIRES] = "expected \"expires TIME\"",
    [RELEASES] = "expected \"release VERSION\" or \"signature PUBKEY SIG\"",
    [BUNDLE] = "expected \"bundle PATH SIZE SHA256\"",
    [WAVES] = ("expected \"wave TIME PERCENT\", \"halted\", \"release VERSION\" or "
	       "\"signature PUBKEY SIG\""),
    [HALTED] = "expected \"release VERSION\" or \"signature PUBKEY SIG\"",
    [SIGNATURES] = "expected \"signature PUBKEY SIG\"",
};

struct parser {
	enum state state;
	struct channel_index *x;
	struct channel_release *r; /* the release being read */
};

_Static_assert(CHANNEL_RELEASES_MAX == 32 && CHANNEL_WAVES_MAX == 16 && CHANNEL_SIGS_MAX == 8 &&
		   CHANNEL_INDEX_MAX == 65536,
	       "the messages below name the limits");

static const char *parse_head(struct parser *p, const struct word *f, int n)
{
	struct channel_index *x = p->x;
	uint64_t v;

	if (n != 2)
		return want[p->state];
	switch (p->state) {
	case MAGIC:
		if (!word_is(&f[0], "berth-channel"))
			return want[MAGIC];
		/* Format 1 listed the whole bundle's SHA-256: `berth publish` writes 2. */
		if (!word_is(&f[1], "2"))
			return "unknown format: this reader knows berth-channel 2";
		break;
	case COMPATIBLE:
		if (!word_is(&f[0], "compatible"))
			return want[COMPATIBLE];
		if (!compatible_valid(f[1].s, f[1].n))
			return "bad compatible: 1 to 64 of [a-z0-9._-]";
		memcpy(x->compatible, f[1].s, f[1].n);
		x->compatible[f[1].n] = '\0';
		break;
	case SERIAL:
		if (!word_is(&f[0], "serial"))
			return want[SERIAL];
		if (!decimal(&f[1], SERIAL_MAX, &v) || v == 0)
			return "bad serial: 1 to 9223372036854775807, no leading zeros";
		x->serial = v;
		break;
	default:
		if (!word_is(&f[0], "expires"))
			return want[EXPIRES];
		if (channel_time_parse(f[1].s, f[1].n, &x->expires) < 0)
			return "bad time: YYYY-MM-DDTHH:MM:SSZ (UTC)";
	}
	p->state++;
	return NULL;
}

static const char *parse_release(struct parser *p, const struct word *f, int n)
{
	struct channel_index *x = p->x;
	char v[sizeof(x->release[0].version)];
	int order;

	if (n != 2)
		return "expected \"release VERSION\"";
	if (x->nreleases == CHANNEL_RELEASES_MAX)
		return "more than 32 releases";
	if (f[1].n >= sizeof(v))
		return "bad version: longer than 64 characters";
	memcpy(v, f[1].s, f[1].n);
	v[f[1].n] = '\0';
	if (!version_valid(v))
		return "bad version: MAJOR.MINOR.PATCH[-PRERELEASE]";
	if (x->nreleases &&
	    (version_compare(x->release[x->nreleases - 1].version, v, &order) < 0 || order >= 0))
		return "versions must rise: not newer than the release before";
	p->r = &x->release[x->nreleases++];
	memset(p->r, 0, sizeof(*p->r));
	memcpy(p->r->version, v, f[1].n + 1);
	p->state = BUNDLE;
	return NULL;
}

static const char *parse_bundle(struct parser *p, const struct word *f, int n)
{
	struct channel_release *r = p->r;

	if (n != 4 || !word_is(&f[0], "bundle"))
		return want[BUNDLE];
	if (!path_valid(&f[1]))
		return "bad path: 1 to 128 of [A-Za-z0-9._-/], relative, no empty, \".\" or \"..\" "
		       "component";
	if (!decimal(&f[2], SIZE_MAX_BYTES, &r->size))
		return "bad size: a decimal number of bytes without leading zeros, below 2^63";
	if (!hex(&f[3], r->manifest_sha256, sizeof(r->manifest_sha256)))
		return "bad sha256: 64 lower-case hex digits";
	memcpy(r->path, f[1].s, f[1].n);
	r->path[f[1].n] = '\0';
	p->state = WAVES;
	return NULL;
}

static const char *parse_wave(struct parser *p, const struct word *f, int n)
{
	struct channel_release *r = p->r;
	int64_t start;
	unsigned pc;

	if (n != 3)
		return "expected \"wave TIME PERCENT\"";
	if (r->nwaves == CHANNEL_WAVES_MAX)
		return "more than 16 waves";
	if (channel_time_parse(f[1].s, f[1].n, &start) < 0)
		return "bad time: YYYY-MM-DDTHH:MM:SSZ (UTC)";
	if (!percent(&f[2], &pc))
		return "bad percent: 0 to 100, at most two decimals, no trailing zero";
	if (r->nwaves && start <= r->wave[r->nwaves - 1].start)
		return "wave times must rise";
	if (r->nwaves && pc < r->wave[r->nwaves - 1].percent)
		return "wave percents must not fall";
	r->wave[r->nwaves].start = start;
	r->wave[r->nwaves++].percent = pc;
	return NULL;
}

static const char *parse_signature(struct parser *p, const struct word *f, int n)
{
	struct channel_index *x = p->x;
	uint8_t *rec = x->sigs + x->nsigs * CHANNEL_SIG_SIZE;

	if (n != 3)
		return want[SIGNATURES];
	if (x->nsigs == CHANNEL_SIGS_MAX)
		return "more than 8 signatures";
	if (!hex(&f[1], rec, 32))
		return "bad public key: 64 lower-case hex digits";
	if (!hex(&f[2], rec + 32, 64))
		return "bad signature: 128 lower-case hex digits";
	x->nsigs++;
	p->state = SIGNATURES;
	return NULL;
}

/* The line's words F (N of them, -1 for a line that does not split) into P's index: why the line is
 * bad, or NULL. */
static const char *parse_line(struct parser *p, const struct word *f, int n)
{
	enum state s = p->state;

	if (n < 1)
		return want[s];
	if (s < RELEASES)
		return parse_head(p, f, n);
	if (s == BUNDLE)
		return parse_bundle(p, f, n);
	/* A release has one wave at least. */
	if (s == WAVES && p->r->nwaves == 0 && !word_is(&f[0], "wave"))
		return "expected \"wave TIME PERCENT\"";
	if (word_is(&f[0], "signature"))
		return parse_signature(p, f, n);
	if (s == SIGNATURES)
		return want[s];
	if (word_is(&f[0], "release"))
		return parse_release(p, f, n);
	if (word_is(&f[0], "wave") && s == WAVES)
		return parse_wave(p, f, n);
	if (word_is(&f[0], "halted") && s == WAVES && n == 1) {
		p->r->halted = true;
		p->state = HALTED;
		return NULL;
	}
	return want[s];
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* Not reentrant: the index is built in TMP, X is written only when all of it parses. */
int channel_parse(const char *text, size_t len, struct channel_index *x, char *err, size_t errlen)
{
	static struct channel_index tmp;
	struct parser p = {.state = MAGIC, .x = &tmp};
	unsigned no = 1;
	size_t pos = 0;

	memset(&tmp, 0, sizeof(tmp));
	for (; pos < len; no++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct word f[WORDS_MAX];
		const char *why;

		if (pos + n + 1 > CHANNEL_INDEX_MAX)
			why = "the index goes past 65536 bytes";
		else if (!nl)
			why = "no newline at the end of the line";
		else if (!printable(text + pos, n))
			why = "a byte that is not printable ASCII";
		else
			why = parse_line(&p, f, words_split(text + pos, n, f, WORDS_MAX));
		if (why)
			return errf_line(err, errlen, no, "%s", why);
		if (p.state == SIGNATURES && !tmp.signed_len)
			tmp.signed_len = pos;
		pos += n + 1;
	}
	if (p.state == WAVES && p.r->nwaves == 0)
		return errf_line(err, errlen, no, "missing; expected \"wave TIME PERCENT\"");
	if (p.state != SIGNATURES)
		return errf_line(
		    err, errlen, no, "missing; %s",
		    want[p.state < RELEASES || p.state == BUNDLE ? p.state : SIGNATURES]);
	*x = tmp;
	return 0;
}

/* ---- writing ---- */

struct out {
	char *buf;
	size_t size, len;
	bool full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static void put_release(struct out *o, const struct channel_release *r)
{
	char sha[65], t[CHANNEL_TIME_LEN + 1], pc[8];

	to_hex(r->manifest_sha256, sizeof(r->manifest_sha256), sha);
	put(o, "release %s\nbundle %s %llu %s\n", r->version, r->path, (unsigned long long)r->size,
	    sha);
	for (size_t w = 0; w < r->nwaves; w++) {
		channel_time_format(r->wave[w].start, t);
		channel_percent_format(r->wave[w].percent, pc);
		put(o, "wave %s %s\n", t, pc);
	}
	if (r->halted)
		put(o, "halted\n");
}

int channel_format(const struct channel_index *x, char *out, size_t size)
{
	struct out o = {.buf = out, .size = size};
	char t[CHANNEL_TIME_LEN + 1];

	if (size == 0 || size > INT32_MAX)
		return -ENOSPC;
	channel_time_format(x->expires, t);
	put(&o, "berth-channel %d\ncompatible %s\nserial %llu\nexpires %s\n", CHANNEL_FORMAT,
	    x->compatible, (unsigned long long)x->serial, t);
	for (size_t i = 0; i < x->nreleases && i < CHANNEL_RELEASES_MAX; i++)
		put_release(&o, &x->release[i]);
	return o.full ? -ENOSPC : (int)o.len;
}

int channel_signature_line(const uint8_t rec[CHANNEL_SIG_SIZE], char *out, size_t size)
{
	char pk[65], sig[129];
	int n;

	to_hex(rec, 32, pk);
	to_hex(rec + 32, 64, sig);
	n = snprintf(out, size, "signature %s %s\n", pk, sig);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

/* ---- the waves ---- */

unsigned channel_share(const struct channel_release *r, int64_t now)
{
	unsigned share = 0;

	for (size_t w = 0; w < r->nwaves && w < CHANNEL_WAVES_MAX && r->wave[w].start <= now; w++)
		share = r->wave[w].percent;
	return share;
}

uint64_t channel_place(const uint8_t sha256[32])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | sha256[i];
	return v;
}

bool channel_eligible(uint64_t place, unsigned share)
{
	if (share >= CHANNEL_PERCENT_MAX)
		return true;
	/* share/10000 of 2^64, rounded down: below 2^64 since share < 10000. */
	return place < (uint64_t)(((unsigned __int128)share << 64) / CHANNEL_PERCENT_MAX);
}
