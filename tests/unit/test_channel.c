/* unit: lib/channel.c lib/words.c lib/contract.c lib/errf.c lib/version.c -lsodium */
/*
 * The channel's signed index (lib/channel.h): what berth publish writes and
 * berth-update check reads, and the waves' arithmetic over a fleet.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "check.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SIG "signature " H64 " " H64 H64 "\n"

/* A good index, line by line. */
#define L1 "berth-channel 2\n"
#define L2 "compatible berth-x86_64\n"
#define L3 "serial 7\n"
#define L4 "expires 2026-12-14T04:00:00Z\n"
#define L5 "release 0.1.0\n"
#define L6 "bundle berth_0.1.0.berth 20760855 " H64 "\n"
#define L7 "wave 2026-12-07T04:00:00Z 100\n"
#define L8 "release 0.2.0-rc.1\n"
#define L9 "bundle b/berth_0.2.0-rc.1.berth 1 " H64 "\n"
#define L10 "wave 2026-12-07T04:00:00Z 1\n"
#define L11 "wave 2026-12-07T08:00:00Z 12.5\n"
#define L12 "wave 2026-12-08T04:00:00Z 50.25\n"
#define L13 "halted\n"
#define HEAD L1 L2 L3 L4
#define GOOD HEAD L5 L6 L7 L8 L9 L10 L11 L12 L13

static struct channel_index x, y;

static int parse(const char *text, const char *want_err)
{
	char err[256] = "";
	int r = channel_parse(text, strlen(text), &x, err, sizeof(err));

	if (want_err && !strstr(err, want_err)) {
		printf("# got \"%s\", wanted \"%s\"\n", err, want_err);
		return 1;
	}
	return r;
}

static void test_good(void)
{
	CHECK(parse(GOOD SIG, NULL) == 0, "a good index parses");
	CHECK(!strcmp(x.compatible, "berth-x86_64") && x.serial == 7 && x.expires == 1797220800,
	      "its head");
	CHECK(x.nreleases == 2 && !strcmp(x.release[0].version, "0.1.0") &&
		  !strcmp(x.release[1].version, "0.2.0-rc.1"),
	      "its releases");
	CHECK(!strcmp(x.release[1].path, "b/berth_0.2.0-rc.1.berth") && x.release[1].size == 1 &&
		  x.release[0].size == 20760855 && x.release[1].manifest_sha256[0] == 0x01 &&
		  x.release[1].manifest_sha256[31] == 0xef,
	      "a bundle line");
	CHECK(x.release[1].nwaves == 3 && x.release[1].wave[0].percent == 100 &&
		  x.release[1].wave[1].percent == 1250 && x.release[1].wave[2].percent == 5025 &&
		  x.release[1].wave[1].start == 1797220800 - 7 * 86400 + 4 * 3600,
	      "waves in basis points and Unix seconds");
	CHECK(!x.release[0].halted && x.release[1].halted, "halted");
	CHECK(x.nsigs == 1 && x.sigs[0] == 0x01 && x.sigs[32] == 0x01 && x.sigs[95] == 0xef,
	      "its signature");
	CHECK(x.signed_len == strlen(GOOD), "signed_len: every byte before the signature line");
	CHECK(parse(HEAD SIG SIG SIG, NULL) == 0 && x.nreleases == 0 && x.nsigs == 3 &&
		  x.signed_len == strlen(HEAD),
	      "no release, three signatures");
	CHECK(parse(HEAD L5 L6 "wave 2026-12-07T04:00:00Z 0\n"
			       "wave 2026-12-07T04:00:01Z 0.01\n"
			       "wave 2026-12-07T04:00:02Z 0.1\n"
			       "wave 9999-12-31T23:59:59Z 100\n" SIG,
		    NULL) == 0 &&
		  x.release[0].wave[1].percent == 1 && x.release[0].wave[2].percent == 10 &&
		  x.release[0].wave[3].start == 253402300799,
	      "the smallest percents, the last time");
	CHECK(parse(HEAD L5 L6 "wave 1970-01-01T00:00:00Z 0\nwave 2024-02-29T23:59:59Z 0\n" SIG,
		    NULL) == 0 &&
		  x.release[0].wave[0].start == 0 && x.release[0].wave[1].start == 1709251199,
	      "the first time; a leap day");
}

static bool same_release(const struct channel_release *a, const struct channel_release *b)
{
	if (strcmp(a->version, b->version) || strcmp(a->path, b->path) || a->size != b->size ||
	    memcmp(a->manifest_sha256, b->manifest_sha256, 32) || a->nwaves != b->nwaves ||
	    a->halted != b->halted)
		return false;
	for (size_t w = 0; w < a->nwaves; w++)
		if (a->wave[w].start != b->wave[w].start ||
		    a->wave[w].percent != b->wave[w].percent)
			return false;
	return true;
}

/* Every field of A and B, the bytes of what they hold (not the padding) the same. */
static bool same(const struct channel_index *a, const struct channel_index *b)
{
	if (strcmp(a->compatible, b->compatible) || a->serial != b->serial ||
	    a->expires != b->expires || a->nreleases != b->nreleases ||
	    a->signed_len != b->signed_len || a->nsigs != b->nsigs ||
	    memcmp(a->sigs, b->sigs, a->nsigs * CHANNEL_SIG_SIZE))
		return false;
	for (size_t i = 0; i < a->nreleases; i++)
		if (!same_release(&a->release[i], &b->release[i]))
			return false;
	return true;
}

static void test_bad(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"", "line 1: missing; expected \"berth-channel 2\""},
	    {"berth-channel 1\n", "line 1: unknown format: this reader knows berth-channel 2"},
	    {"berth-channel 3\n", "line 1: unknown format"},
	    {"berth-channel 2", "line 1: no newline at the end of the line"},
	    {"berth-channel  1\n", "line 1: expected \"berth-channel 2\""},
	    {" berth-channel 2\n", "line 1: expected"},
	    {"berth-channel 2 \n", "line 1: expected"},
	    {"berth-channel 2\r\n", "line 1: a byte that is not printable ASCII"},
	    {"berth-channel 2\n\n", "line 2: expected \"compatible COMPATIBLE\""},
	    {"# comment\n", "line 1: expected \"berth-channel 2\""},
	    {L1 "compatible Berth\n", "line 2: bad compatible"},
	    {L1 "serial 1\n", "line 2: expected \"compatible COMPATIBLE\""},
	    {L1 L2, "line 3: missing; expected \"serial N\""},
	    {L1 L2 "serial 0\n", "line 3: bad serial"},
	    {L1 L2 "serial 01\n", "line 3: bad serial"},
	    {L1 L2 "serial -1\n", "line 3: bad serial"},
	    {L1 L2 "serial 9223372036854775808\n", "line 3: bad serial"},
	    {L1 L2 "serial 18446744073709551616\n", "line 3: bad serial"},
	    {L1 L2 L3 "expires 2026-12-14 04:00:00Z\n", "line 4: expected \"expires TIME\""},
	    {L1 L2 L3 "expires 2026-12-14T04:00:00\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-13-14T04:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-00-14T04:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-02-29T04:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2100-02-29T04:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-12-00T04:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-12-14T24:00:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-12-14T04:60:00Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-12-14T04:00:60Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 1969-12-31T23:59:59Z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-12-14t04:00:00z\n", "line 4: bad time"},
	    {L1 L2 L3 "expires 2026-1-14T04:00:00Z\n", "line 4: bad time"},
	    {HEAD, "line 5: missing; expected \"signature PUBKEY SIG\""},
	    {HEAD "wave 2026-12-07T04:00:00Z 1\n", "line 5: expected \"release VERSION\""},
	    {HEAD "release 1.0\n", "line 5: bad version"},
	    {HEAD "release 01.0.0\n", "line 5: bad version"},
	    {HEAD "release\n", "line 5: expected \"release VERSION\""},
	    {HEAD "release 1.0.0 x\n", "line 5: expected \"release VERSION\""},
	    {HEAD "release 1.0.0-" H64 "\n", "line 5: bad version: longer than 64"},
	    {HEAD L5, "line 6: missing; expected \"bundle PATH SIZE SHA256\""},
	    {HEAD L5 L7, "line 6: expected \"bundle PATH SIZE SHA256\""},
	    {HEAD L5 "bundle /a 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle a//b 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle a/ 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle ../a 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle a/./b 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle a~b 1 " H64 "\n", "line 6: bad path"},
	    {HEAD L5 "bundle a 01 " H64 "\n", "line 6: bad size"},
	    {HEAD L5 "bundle a 9223372036854775808 " H64 "\n", "line 6: bad size"},
	    {HEAD L5 "bundle a 1x " H64 "\n", "line 6: bad size"},
	    {HEAD L5 "bundle a 1 " H64 "0\n", "line 6: bad sha256"},
	    {HEAD L5
	     "bundle a 1 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n",
	     "line 6: bad sha256"},
	    {HEAD L5 "bundle a 1\n", "line 6: expected \"bundle PATH SIZE SHA256\""},
	    {HEAD L5 L6, "line 7: missing; expected \"wave TIME PERCENT\""},
	    {HEAD L5 L6 SIG, "line 7: expected \"wave TIME PERCENT\""},
	    {HEAD L5 L6 L13, "line 7: expected \"wave TIME PERCENT\""},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z\n", "line 7: expected \"wave TIME PERCENT\""},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 101\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 100.01\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1.50\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1.0\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1.125\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 01\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z .5\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1.\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z -1\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1%\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 1e2\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave 2026-12-07T04:00:00Z 4294967296\n", "line 7: bad percent"},
	    {HEAD L5 L6 "wave x 1\n", "line 7: bad time"},
	    {HEAD L5 L6 L7 L7, "line 8: wave times must rise"},
	    {HEAD L5 L6 L11 L10, "line 8: wave times must rise"},
	    {HEAD L5 L6 L10 "wave 2026-12-07T04:00:01Z 0.99\n",
	     "line 8: wave percents must not fall"},
	    {HEAD L5 L6 L7 L13 L13, "line 9: expected \"release VERSION\" or \"signature"},
	    {HEAD L5 L6 L7 L13 L10, "line 9: expected \"release VERSION\" or \"signature"},
	    {HEAD L5 L6 L7 "halted x\n", "line 8: expected \"wave TIME PERCENT\", \"halted\""},
	    {HEAD L5 L6 L7 "halt\n", "line 8: expected \"wave TIME PERCENT\", \"halted\""},
	    {HEAD L5 L6 L7 L5 L6 L7, "line 8: versions must rise"},
	    {HEAD L8 L9 L10 L5 L6 L7, "line 8: versions must rise"},
	    {HEAD L5 L6 L7 SIG L5, "line 9: expected \"signature PUBKEY SIG\""},
	    {HEAD L5 L6 L7 SIG "\n", "line 9: expected \"signature PUBKEY SIG\""},
	    {HEAD L5 L6 L7, "line 8: missing; expected \"signature PUBKEY SIG\""},
	    {HEAD "signature " H64 "\n", "line 5: expected \"signature PUBKEY SIG\""},
	    {HEAD "signature " H64 " " H64 "\n", "line 5: bad signature"},
	    {HEAD "signature " H64 "00 " H64 H64 "\n", "line 5: bad public key"},
	    {HEAD "signature " H64 " " H64 H64 " x\n", "line 5: expected \"signature"},
	    {HEAD "Signature " H64 " " H64 H64 "\n", "line 5: expected \"release VERSION\" or"},
	    {HEAD SIG SIG SIG SIG SIG SIG SIG SIG SIG, "line 13: more than 8 signatures"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i].text, bad[i].err) == -EINVAL, bad[i].err);

	/* The parser takes lengths, not strings: a NUL is a bad byte like any other. */
	char err[128] = "";
	const char nul[] = "berth-channel 2\ncompat\0ble x\n";
	CHECK(channel_parse(nul, sizeof(nul) - 1, &x, err, sizeof(err)) == -EINVAL &&
		  !strcmp(err, "line 2: a byte that is not printable ASCII"),
	      "a NUL byte");
	/* A failed parse leaves X as it was. */
	parse(GOOD SIG, NULL);
	y = x;
	CHECK(parse(GOOD, "missing") == -EINVAL && same(&x, &y),
	      "a refused index leaves the struct untouched");
}

/* TEXT into BUF: N releases of W waves each, then SIGS signature lines. */
static size_t many(char *buf, size_t size, size_t n, size_t w, size_t sigs)
{
	size_t len = (size_t)snprintf(buf, size, HEAD);

	for (size_t i = 0; i < n && len < size; i++) {
		len += (size_t)snprintf(buf + len, size - len,
					"release 1.0.%zu\nbundle berth_1.0.%zu.berth 1 " H64 "\n",
					i, i);
		for (size_t j = 0; j < w && len < size; j++)
			len += (size_t)snprintf(buf + len, size - len,
						"wave 2026-12-07T04:00:%02zuZ %zu\n", j, j);
	}
	for (size_t i = 0; i < sigs && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, SIG);
	return len;
}

static void test_limits(void)
{
	static char buf[2 * CHANNEL_INDEX_MAX], err[256];
	size_t len;

	len = many(buf, sizeof(buf), 32, 16, 8);
	CHECK(channel_parse(buf, len, &x, err, sizeof(err)) == 0 && x.nreleases == 32 &&
		  x.release[31].nwaves == 16 && x.nsigs == 8,
	      "32 releases of 16 waves, 8 signatures");
	len = many(buf, sizeof(buf), 33, 1, 1);
	CHECK(channel_parse(buf, len, &x, err, sizeof(err)) == -EINVAL &&
		  !strcmp(err, "line 101: more than 32 releases"),
	      "33 releases: line 101");
	len = many(buf, sizeof(buf), 1, 17, 1);
	CHECK(channel_parse(buf, len, &x, err, sizeof(err)) == -EINVAL &&
		  !strcmp(err, "line 23: more than 16 waves"),
	      "17 waves: line 23");

	/* Exactly 64 KiB parses; one byte more does not, whatever it is. */
	char path[CHANNEL_PATH_MAX + 2];
	memset(path, 'a', sizeof(path));
	path[CHANNEL_PATH_MAX] = '\0';
	snprintf(buf, sizeof(buf), HEAD "release 1.0.0\nbundle %s 1 " H64 "\n" L7 SIG, path);
	CHECK(parse(buf, NULL) == 0 && strlen(x.release[0].path) == CHANNEL_PATH_MAX,
	      "a 128-character path");
	path[CHANNEL_PATH_MAX] = 'a';
	path[CHANNEL_PATH_MAX + 1] = '\0';
	snprintf(buf, sizeof(buf), HEAD "release 1.0.0\nbundle %s 1 " H64 "\n", path);
	CHECK(parse(buf, "line 6: bad path") == -EINVAL, "a 129-character path");

	len = (size_t)snprintf(buf, sizeof(buf), HEAD);
	while (len + strlen(SIG) <= CHANNEL_INDEX_MAX)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", SIG);
	CHECK(parse(buf, "more than 8 signatures") == -EINVAL, "many signatures: at most 8");
	/* A last line padded so the index is exactly the limit: read to its end; a byte more is
	 * refused for its length. */
	len = many(buf, sizeof(buf), 1, 1, 0);
	for (size_t extra = 0; extra < 2; extra++) {
		size_t end = CHANNEL_INDEX_MAX + extra;
		int k = snprintf(buf + len, sizeof(buf) - len, "signature " H64 " ");
		memset(buf + len + (size_t)k, 'x', end - len - (size_t)k - 1);
		buf[end - 1] = '\n';
		CHECK(channel_parse(buf, end, &x, err, sizeof(err)) == -EINVAL &&
			  !strcmp(err, extra ? "line 8: the index goes past 65536 bytes"
					     : "line 8: bad signature: 128 lower-case hex digits"),
		      extra ? "65537 bytes: refused at the line that goes past"
			    : "65536 bytes: read to the end");
	}
	/* The largest index: what publish may write always fits. */
	len = many(buf, sizeof(buf), 32, 16, 8);
	CHECK(len < CHANNEL_INDEX_MAX, "32 releases of 16 waves and 8 signatures fit in 64 KiB");
}

static void test_roundtrip(void)
{
	static char text[CHANNEL_INDEX_MAX + 1], again[CHANNEL_INDEX_MAX + 1];
	char err[256] = "", line[300];
	uint8_t rec[CHANNEL_SIG_SIZE];
	int n, m;

	CHECK(parse(GOOD SIG, NULL) == 0, "parses");
	n = channel_format(&x, text, sizeof(text));
	CHECK(n == (int)strlen(GOOD) && !memcmp(text, GOOD, (size_t)n),
	      "channel_format gives back the signed bytes");
	for (unsigned i = 0; i < 256; i++)
		rec[i % CHANNEL_SIG_SIZE] = (uint8_t)(i * 37);
	m = channel_signature_line(rec, line, sizeof(line));
	CHECK(m == 10 + 64 + 1 + 128 + 1, "a signature line's length");
	CHECK(channel_signature_line(rec, again, (size_t)m) == -ENOSPC,
	      "a signature line does not fit");
	memcpy(text + n, line, (size_t)m);
	memcpy(text + n + m, line, (size_t)m);
	y = x;
	CHECK(channel_parse(text, (size_t)(n + 2 * m), &x, err, sizeof(err)) == 0 &&
		  x.signed_len == (size_t)n && x.nsigs == 2 && !memcmp(x.sigs, rec, sizeof(rec)) &&
		  !memcmp(x.sigs + CHANNEL_SIG_SIZE, rec, sizeof(rec)),
	      "format + signature lines parse; signed_len is the formatted length");
	y.nsigs = 2;
	memcpy(y.sigs, rec, sizeof(rec));
	memcpy(y.sigs + CHANNEL_SIG_SIZE, rec, sizeof(rec));
	CHECK(same(&x, &y), "... and gives the same struct");
	CHECK(channel_format(&x, again, (size_t)n) == -ENOSPC, "no room for the text: -ENOSPC");
	CHECK(channel_format(&x, again, (size_t)n + 1) == n, "room for the text and its NUL");

	/* A struct built by hand, as berth publish builds it, parses back the same. */
	memset(&y, 0, sizeof(y));
	strcpy(y.compatible, "c");
	y.serial = INT64_MAX;
	y.expires = 1797220800;
	y.nreleases = 1;
	strcpy(y.release[0].version, "1.2.3");
	strcpy(y.release[0].path, "c_1.2.3.berth");
	y.release[0].size = INT64_MAX;
	y.release[0].nwaves = 2;
	y.release[0].wave[0] = (struct channel_wave){1797220800, 5};
	y.release[0].wave[1] = (struct channel_wave){1797220801, 9999};
	n = channel_format(&y, text, sizeof(text));
	memcpy(text + n, line, (size_t)m);
	y.signed_len = (size_t)n;
	y.nsigs = 1;
	memcpy(y.sigs, rec, sizeof(rec));
	CHECK(channel_parse(text, (size_t)(n + m), &x, err, sizeof(err)) == 0 && same(&x, &y),
	      "the largest serial and size; 0.05% and 99.99%");
}

static void test_values(void)
{
	char t[CHANNEL_TIME_LEN + 1], p[8];
	int64_t v = -1;

	channel_time_format(0, t);
	CHECK(!strcmp(t, "1970-01-01T00:00:00Z"), "time 0");
	channel_time_format(1797220800, t);
	CHECK(!strcmp(t, "2026-12-14T04:00:00Z"), "a time");
	CHECK(channel_time_parse(t, strlen(t), &v) == 0 && v == 1797220800, "parsed back");
	CHECK(channel_time_parse(t, strlen(t) - 1, &v) == -EINVAL, "a time cut short");
	channel_percent_format(0, p);
	CHECK(!strcmp(p, "0"), "0%");
	channel_percent_format(1, p);
	CHECK(!strcmp(p, "0.01"), "0.01%");
	channel_percent_format(1250, p);
	CHECK(!strcmp(p, "12.5"), "12.5%");
	channel_percent_format(10000, p);
	CHECK(!strcmp(p, "100"), "100%");

	struct channel_release r = {.nwaves = 3};
	r.wave[0] = (struct channel_wave){100, 100};
	r.wave[1] = (struct channel_wave){200, 1000};
	r.wave[2] = (struct channel_wave){300, 10000};
	CHECK(channel_share(&r, 99) == 0, "before the first wave: no one");
	CHECK(channel_share(&r, 100) == 100 && channel_share(&r, 199) == 100, "the first wave");
	CHECK(channel_share(&r, 200) == 1000 && channel_share(&r, INT64_MAX) == 10000,
	      "the later waves");
	r.nwaves = 0;
	CHECK(channel_share(&r, INT64_MAX) == 0, "no wave: no one");

	uint8_t h[32] = {0x80, 1, 2, 3, 4, 5, 6, 7, 8};
	CHECK(channel_place(h) == 0x8001020304050607ull, "a place: the first 8 bytes, big-endian");
	CHECK(!channel_eligible(0, 0) && channel_eligible(UINT64_MAX, 10000),
	      "0%: no one; 100%: everyone");
	CHECK(channel_eligible(0x7fffffffffffffffull, 5000) &&
		  !channel_eligible(0x8000000000000000ull, 5000),
	      "50%: the lower half");
	CHECK(channel_eligible(0, 1) && !channel_eligible(UINT64_MAX / 10000 + 1, 1),
	      "0.01%: one ten-thousandth");
}

/* A machine id as /etc/machine-id has it: 32 hex digits, the Ith of a fixed list. */
static void machine_id(unsigned i, char id[33])
{
	uint8_t h[32];
	char seed[32];

	snprintf(seed, sizeof(seed), "machine %u", i);
	crypto_hash_sha256(h, (const uint8_t *)seed, strlen(seed));
	sodium_bin2hex(id, 33, h, 16);
}

/* The place as berth-update check computes it: sha256("berth-channel\0" ID "\0" URL). */
static uint64_t place_of(const char *id, const char *url)
{
	uint8_t msg[256], h[32];
	size_t n = 0;

	memcpy(msg, "berth-channel", 14);
	n = 14;
	memcpy(msg + n, id, strlen(id) + 1);
	n += strlen(id) + 1;
	memcpy(msg + n, url, strlen(url));
	n += strlen(url);
	crypto_hash_sha256(h, msg, n);
	return channel_place(h);
}

#define FLEET 10000

static void test_fleet(void)
{
	static uint64_t place[FLEET];
	static bool was[FLEET];
	const int64_t t0 = 1797220800;
	struct channel_release r = {.nwaves = 4};
	char id[33];
	bool near = true, kept = true, reached = true;

	r.wave[0] = (struct channel_wave){t0, 100};
	r.wave[1] = (struct channel_wave){t0 + 4 * 3600, 1000};
	r.wave[2] = (struct channel_wave){t0 + 86400, 5000};
	r.wave[3] = (struct channel_wave){t0 + 3 * 86400, 10000};
	for (unsigned i = 0; i < FLEET; i++) {
		machine_id(i, id);
		place[i] = place_of(id, "http://updates.example.com/stable/");
	}
	/* Every 10 minutes from an hour before the first wave to a day after the last. */
	for (int64_t t = t0 - 3600; t <= t0 + 4 * 86400; t += 600) {
		unsigned share = channel_share(&r, t), in = 0;
		for (unsigned i = 0; i < FLEET; i++) {
			bool now = channel_eligible(place[i], share);
			if (was[i] && !now)
				kept = false;
			was[i] = now;
			in += now;
		}
		/* in / FLEET against share / 10000, in basis points: within 100 (1 point). */
		long diff = (long)in * (CHANNEL_PERCENT_MAX / FLEET) - (long)share;
		if (diff > 100 || diff < -100) {
			printf("# t0%+lld s: %u of %u eligible, share %u\n", (long long)(t - t0),
			       in, FLEET, share);
			near = false;
		}
		if ((share == 0 && in != 0) || (share == CHANNEL_PERCENT_MAX && in != FLEET))
			reached = false;
	}
	CHECK(near, "10,000 machines: the share eligible is within 1 point of the waves' at all "
		    "times");
	CHECK(kept, "a machine eligible once stays eligible at every later time");
	CHECK(reached, "no machine before the first wave, every machine after the last");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_good();
	test_bad();
	test_limits();
	test_roundtrip();
	test_values();
	test_fleet();
	return CHECK_DONE();
}
