/* unit: lib/bundle.c lib/words.c lib/contract.c lib/errf.c lib/version.c */
/* The update bundle's header and manifest (lib/bundle.h): berth-update parses them. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "check.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define U64 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"

/* The manifest of sample() as text: lines 1 to 9. */
#define L1 "format 1\n"
#define L2 "name berth\n"
#define L3 "version 1.2.3-rc.1\n"
#define L4 "compatible berth-x86_64\n"
#define L5 "roothash " H64 "\n"
#define L6 "payload root 67108864 " A64 "\n"
#define L7 "payload verity 540672 " H64 "\n"
#define L8 "payload uki-a 0 " A64 "\n"
#define L9 "payload uki-b 1073741824 " H64 "\n"
#define GOOD L1 L2 L3 L4 L5 L6 L7 L8 L9
/* Format 2: the epoch after compatible. */
#define F2 "format 2\n"
#define E7 "epoch 7\n"
#define GOOD2 F2 L2 L3 L4 E7 L5 L6 L7 L8 L9
/* Format 3: an epoch (0 too), the verity tree's salt, the tree before the root. */
#define F3 "format 3\n"
#define E0 "epoch 0\n"
#define S7 "salt " H64 "\n"
#define GOOD3 F3 L2 L3 L4 E0 L5 S7 L7 L6 L8 L9

static char err[256];

static void sample(struct bundle_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->format = 1;
	strcpy(m->name, "berth");
	strcpy(m->version, "1.2.3-rc.1");
	strcpy(m->compatible, "berth-x86_64");
	strcpy(m->roothash, H64);
	m->payload[PAYLOAD_ROOT].size = 67108864;
	m->payload[PAYLOAD_VERITY].size = 540672;
	m->payload[PAYLOAD_UKI_A].size = 0;
	m->payload[PAYLOAD_UKI_B].size = BUNDLE_UKI_MAX;
	for (int i = 0; i < 32; i++) {
		m->payload[PAYLOAD_ROOT].sha256[i] = m->payload[PAYLOAD_UKI_A].sha256[i] = 0xaa;
		m->payload[PAYLOAD_VERITY].sha256[i] = m->payload[PAYLOAD_UKI_B].sha256[i] =
		    (uint8_t)(i % 8 * 0x22 + 0x01);
	}
}

static int parse_len(const char *text, size_t len, struct bundle_manifest *m)
{
	err[0] = '\0';
	return bundle_manifest_parse(text, len, m, err, sizeof(err));
}

static int parse(const char *text, struct bundle_manifest *m)
{
	return parse_len(text, strlen(text), m);
}

/* TEXT (LEN bytes) is refused with an error starting with WANT, and M is left alone. */
static void refused_len(const char *name, const char *text, size_t len, const char *want)
{
	struct bundle_manifest m, before;

	memset(&m, 0x5a, sizeof(m));
	before = m;
	int r = parse_len(text, len, &m);
	bool ok =
	    r == -EINVAL && !strncmp(err, want, strlen(want)) && !memcmp(&m, &before, sizeof(m));
	if (!ok)
		printf("# %s: r=%d err=\"%s\", want \"%s...\"\n", name, r, err, want);
	CHECK(ok, name);
}

static void refused(const char *name, const char *text, const char *want)
{
	refused_len(name, text, strlen(text), want);
}

static void test_header(void)
{
	uint8_t buf[BUNDLE_HEADER_SIZE];
	struct bundle_header h = {.format = 1, .manifest_len = 700, .sig_count = 2}, got = {0};
	static const uint8_t want[BUNDLE_HEADER_SIZE] = {'B', 'E', 'R', 'T', 'H',  'B', 'D', 'L',
							 1,   0,   0,	0,   0xbc, 2,	0,   0,
							 2,   0,   0,	0,   0,	   0,	0,   0};

	bundle_header_write(buf, &h);
	CHECK(!memcmp(buf, want, sizeof(want)), "header: written little-endian, as bundle.h says");
	CHECK(bundle_header_parse(buf, &got, err, sizeof(err)) == 0 && got.manifest_len == 700 &&
		  got.sig_count == 2 && got.format == 1,
	      "header: round trip");
	h.format = 2;
	bundle_header_write(buf, &h);
	CHECK(buf[8] == 2 && bundle_header_parse(buf, &got, err, sizeof(err)) == 0 &&
		  got.format == 2,
	      "header: format 2 (a security epoch in the manifest) round trip");

	struct {
		const char *name;
		size_t at;
		uint8_t byte;
		const char *want;
	} bad[] = {
	    {"header: bad magic", 7, 'X', "not a berth update bundle"},
	    {"header: format 4", 8, 4, "bundle format 4, this reader knows 1 to 3"},
	    {"header: format 0", 8, 0, "bundle format 0"},
	    {"header: format 257", 9, 1, "bundle format 257"},
	    {"header: manifest length 0", 12, 0, "manifest length 0, not 1 to 4096"},
	    {"header: reserved byte 23", 23, 1, "header bytes 20-23 are not zero"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = (struct bundle_header){.format = 1, .manifest_len = bad[i].at == 12 ? 0 : 700};
		bundle_header_write(buf, &h);
		if (bad[i].at != 12)
			buf[bad[i].at] = bad[i].byte;
		got = (struct bundle_header){.manifest_len = 1234};
		int r = bundle_header_parse(buf, &got, err, sizeof(err));
		bool ok = r == -EINVAL && strstr(err, bad[i].want) && got.manifest_len == 1234;
		if (!ok)
			printf("# %s: r=%d err=\"%s\"\n", bad[i].name, r, err);
		CHECK(ok, bad[i].name);
	}
	h = (struct bundle_header){
	    .format = 1, .manifest_len = BUNDLE_MANIFEST_MAX, .sig_count = BUNDLE_SIGS_MAX};
	bundle_header_write(buf, &h);
	CHECK(bundle_header_parse(buf, &got, err, sizeof(err)) == 0 && got.sig_count == 8 &&
		  got.manifest_len == 4096,
	      "header: 4096-byte manifest, 8 signatures");
	h.manifest_len++;
	bundle_header_write(buf, &h);
	CHECK(bundle_header_parse(buf, &got, err, sizeof(err)) == -EINVAL &&
		  strstr(err, "manifest length 4097"),
	      "header: 4097-byte manifest refused");
	h = (struct bundle_header){
	    .format = 1, .manifest_len = 1, .sig_count = BUNDLE_SIGS_MAX + 1};
	bundle_header_write(buf, &h);
	CHECK(bundle_header_parse(buf, &got, err, sizeof(err)) == -EINVAL &&
		  strstr(err, "9 signatures, at most 8"),
	      "header: 9 signatures refused");
	h.sig_count = 0;
	bundle_header_write(buf, &h);
	CHECK(bundle_header_parse(buf, &got, err, sizeof(err)) == 0 && got.sig_count == 0,
	      "header: no signature is the format's business, not the parser's");
}

/* Format 3 from sample M: written as bundle.h says, parsed back, refused without its salt. */
static void test_format3(struct bundle_manifest *m)
{
	char text[BUNDLE_MANIFEST_MAX + 1];
	struct bundle_manifest got;
	int n;

	m->format = 3;
	CHECK(bundle_manifest_write(m, text, sizeof(text)) == -EINVAL,
	      "write: format 3 without a salt refused");
	for (size_t i = 0; i < 32; i++)
		m->salt[i] = (uint8_t)(i % 8 * 0x22 + 0x01);
	m->saltlen = 32;
	n = bundle_manifest_write(m, text, sizeof(text));
	CHECK(n == (int)strlen(GOOD3) && !strcmp(text, GOOD3),
	      "write: format 3, epoch 0 said, the salt after roothash, verity before root");
	memset(&got, 0x5a, sizeof(got));
	CHECK(parse_len(text, (size_t)n, &got) == 0 && !memcmp(&got, m, sizeof(got)),
	      "parse: format 3 gives back every field, the salt too");
	const enum bundle_payload *o3 = bundle_payload_order(3), *o1 = bundle_payload_order(1);
	CHECK(o3 && o3[0] == PAYLOAD_VERITY && o3[1] == PAYLOAD_ROOT && o3[2] == PAYLOAD_UKI_A &&
		  o3[3] == PAYLOAD_UKI_B && o1 && o1[0] == PAYLOAD_ROOT &&
		  o1[1] == PAYLOAD_VERITY && bundle_payload_order(2)[0] == PAYLOAD_ROOT &&
		  !bundle_payload_order(0) && !bundle_payload_order(4),
	      "payload order: format 3 carries the verity tree first");
	m->saltlen = BUNDLE_SALT_MAX;
	n = bundle_manifest_write(m, text, sizeof(text));
	CHECK(n > 0 && parse_len(text, (size_t)n, &got) == 0 && got.saltlen == 64,
	      "parse: a salt of 64 bytes, the most");
	m->saltlen = BUNDLE_SALT_MAX + 1;
	CHECK(bundle_manifest_write(m, text, sizeof(text)) == -EINVAL,
	      "write: a salt of 65 bytes refused");
	m->format = 4;
	CHECK(bundle_manifest_write(m, text, sizeof(text)) == -EINVAL, "write: format 4 refused");
}

static void test_round_trip(void)
{
	struct bundle_manifest m, got;
	char text[BUNDLE_MANIFEST_MAX + 1], again[BUNDLE_MANIFEST_MAX + 1];
	int n;

	sample(&m);
	n = bundle_manifest_write(&m, text, sizeof(text));
	CHECK(n == (int)strlen(GOOD) && !strcmp(text, GOOD), "write: the text bundle.h describes");
	memset(&got, 0x5a, sizeof(got));
	CHECK(parse_len(text, (size_t)n, &got) == 0, "parse: what write wrote");
	CHECK(!memcmp(&got, &m, sizeof(m)), "parse: gives back every field");
	CHECK(bundle_manifest_write(&got, again, sizeof(again)) == n && !strcmp(again, text),
	      "write: parse's result, byte for byte");
	CHECK(bundle_manifest_write(&m, text, (size_t)n + 1) == n,
	      "write: a buffer of exactly the text and its NUL");
	CHECK(bundle_manifest_write(&m, text, (size_t)n) == -ENOSPC, "write: -ENOSPC when short");
	CHECK(parse(L1 "name a\nversion 0.0.0\ncompatible ._-\n" L5 L6 L7 L8 L9, &got) == 0 &&
		  !strcmp(got.name, "a") && !strcmp(got.version, "0.0.0") &&
		  !strcmp(got.compatible, "._-"),
	      "parse: shortest name, version and compatible");
	m.epoch = 7;
	CHECK(bundle_manifest_write(&m, text, sizeof(text)) == -EINVAL,
	      "write: format 1 cannot say a security epoch");
	m.format = 2;
	n = bundle_manifest_write(&m, text, sizeof(text));
	CHECK(n == (int)strlen(GOOD2) && !strcmp(text, GOOD2),
	      "write: format 2, its epoch line after compatible");
	memset(&got, 0x5a, sizeof(got));
	CHECK(parse_len(text, (size_t)n, &got) == 0 && !memcmp(&got, &m, sizeof(m)),
	      "parse: format 2 gives back every field and the epoch");
	m.epoch = SECURITY_EPOCH_MAX;
	n = bundle_manifest_write(&m, text, sizeof(text));
	CHECK(n > 0 && parse_len(text, (size_t)n, &got) == 0 && got.epoch == 65535,
	      "parse: epoch 65535, the most");
	m.epoch = 0;
	CHECK(bundle_manifest_write(&m, text, sizeof(text)) == -EINVAL,
	      "write: format 2 of epoch 0 refused (that is format 1)");
	test_format3(&m);
	CHECK(parse(L1 L2 L3 L4 L5 "payload root 1099511627776 " A64 "\n" L7 L8 L9, &got) == 0 &&
		  got.payload[PAYLOAD_ROOT].size == BUNDLE_IMAGE_MAX,
	      "parse: a root image of 1 TiB, the most");
	CHECK(!strcmp(bundle_payload_name(PAYLOAD_ROOT), "root") &&
		  !strcmp(bundle_payload_name(PAYLOAD_VERITY), "verity") &&
		  !strcmp(bundle_payload_name(PAYLOAD_UKI_A), "uki-a") &&
		  !strcmp(bundle_payload_name(PAYLOAD_UKI_B), "uki-b") &&
		  bundle_payload_name((enum bundle_payload)4) == NULL,
	      "payload names");
}

static void test_malformed(void)
{
	static char big[BUNDLE_MANIFEST_MAX + 2];
	static const struct {
		const char *name, *text, *want;
	} cases[] = {
	    {"empty", "", "line 1: missing; expected \"format 1\""},
	    {"format 4", "format 4\n" L2 L3 L4 L5 L6 L7 L8 L9,
	     "line 1: expected \"format 1\", \"format 2\" or \"format 3\""},
	    {"format 3, the root first", F3 L2 L3 L4 E0 L5 S7 L6 L7 L8 L9,
	     "line 8: expected \"payload verity SIZE SHA256\""},
	    {"format 3 without its salt", F3 L2 L3 L4 E0 L5 L7 L6 L8 L9,
	     "line 7: expected \"salt HEX\""},
	    {"format 3 without its epoch", F3 L2 L3 L4 L5 S7 L7 L6 L8 L9,
	     "line 5: expected \"epoch EPOCH\""},
	    {"format 3, epoch 65536", F3 L2 L3 L4 "epoch 65536\n" L5 S7 L7 L6 L8 L9,
	     "line 5: bad epoch: 0 to 65535"},
	    {"salt upper case", F3 L2 L3 L4 E0 L5 "salt " U64 "\n" L7 L6 L8 L9, "line 7: bad salt"},
	    {"salt of an odd length", F3 L2 L3 L4 E0 L5 "salt abc\n" L7 L6 L8 L9,
	     "line 7: bad salt"},
	    {"salt of 65 bytes", F3 L2 L3 L4 E0 L5 "salt " H64 H64 "00\n" L7 L6 L8 L9,
	     "line 7: bad salt: 2 to 128"},
	    {"salt empty", F3 L2 L3 L4 E0 L5 "salt \n" L7 L6 L8 L9,
	     "line 7: expected \"salt HEX\""},
	    {"salt in format 2", F2 L2 L3 L4 E7 L5 S7 L6 L7 L8 L9,
	     "line 7: expected \"payload root SIZE SHA256\""},
	    {"format 3, a twelfth line", GOOD3 "\n", "line 12: text after the last"},
	    {"format 2 without its epoch", F2 L2 L3 L4 L5 L6 L7 L8 L9,
	     "line 5: expected \"epoch EPOCH\""},
	    {"format 1 with an epoch", L1 L2 L3 L4 E7 L5 L6 L7 L8 L9,
	     "line 5: expected \"roothash HEX\""},
	    {"epoch 0 in format 2", F2 L2 L3 L4 "epoch 0\n" L5 L6 L7 L8 L9,
	     "line 5: bad epoch: 1 to 65535 (epoch 0 is format 1)"},
	    {"epoch 65536", F2 L2 L3 L4 "epoch 65536\n" L5 L6 L7 L8 L9, "line 5: bad epoch"},
	    {"epoch 07", F2 L2 L3 L4 "epoch 07\n" L5 L6 L7 L8 L9, "line 5: bad epoch"},
	    {"epoch -1", F2 L2 L3 L4 "epoch -1\n" L5 L6 L7 L8 L9, "line 5: bad epoch"},
	    {"epoch 2^32+7", F2 L2 L3 L4 "epoch 4294967303\n" L5 L6 L7 L8 L9, "line 5: bad epoch"},
	    {"epoch before compatible", F2 L2 L3 E7 L4 L5 L6 L7 L8 L9,
	     "line 4: expected \"compatible"},
	    {"format 2, nine lines", F2 L2 L3 L4 E7 L5 L6 L7 L8,
	     "line 10: missing; expected \"payload uki-b"},
	    {"format 2, an eleventh line", GOOD2 "\n", "line 11: text after the last"},
	    {"format 01", "format 01\n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected \"format 1\""},
	    {"two spaces", "format  1\n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected"},
	    {"trailing space", "format 1 \n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected"},
	    {"tab", "format\t1\n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected"},
	    {"CRLF", "format 1\r\n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected"},
	    {"upper-case key", "Format 1\n" L2 L3 L4 L5 L6 L7 L8 L9, "line 1: expected"},
	    {"blank first line", "\n" GOOD, "line 1: expected"},
	    {"name and version swapped", L1 L3 L2 L4 L5 L6 L7 L8 L9,
	     "line 2: expected \"name NAME\""},
	    {"name missing", L1 "name\n" L3 L4 L5 L6 L7 L8 L9, "line 2: expected \"name NAME\""},
	    {"empty name", L1 "name \n" L3 L4 L5 L6 L7 L8 L9, "line 2: expected"},
	    {"name upper case", L1 "name Berth\n" L3 L4 L5 L6 L7 L8 L9, "line 2: bad name"},
	    {"name starts with -", L1 "name -b\n" L3 L4 L5 L6 L7 L8 L9, "line 2: bad name"},
	    {"name ends with -", L1 "name b-\n" L3 L4 L5 L6 L7 L8 L9, "line 2: bad name"},
	    {"name with .", L1 "name b.c\n" L3 L4 L5 L6 L7 L8 L9, "line 2: bad name"},
	    {"name of 33", L1 "name abcdefghijklmnopqrstuvwxyz0123456\n" L3 L4 L5 L6 L7 L8 L9,
	     "line 2: bad name: 1 to 32"},
	    {"name with a second word", L1 "name a b\n" L3 L4 L5 L6 L7 L8 L9, "line 2: expected"},
	    {"version 1.0", L1 L2 "version 1.0\n" L4 L5 L6 L7 L8 L9, "line 3: bad version"},
	    {"version 01.0.0", L1 L2 "version 01.0.0\n" L4 L5 L6 L7 L8 L9, "line 3: bad version"},
	    {"version +build", L1 L2 "version 1.0.0+b\n" L4 L5 L6 L7 L8 L9, "line 3: bad version"},
	    {"version ends -", L1 L2 "version 1.0.0-\n" L4 L5 L6 L7 L8 L9,
	     "line 3: bad version: the prerelease"},
	    {"prerelease _", L1 L2 "version 1.0.0-a_b\n" L4 L5 L6 L7 L8 L9,
	     "line 3: bad version: the prerelease"},
	    {"prerelease of 33",
	     L1 L2 "version 1.0.0-abcdefghijklmnopqrstuvwxyz0123456\n" L4 L5 L6 L7 L8 L9,
	     "line 3: bad version: the prerelease"},
	    {"compatible upper case", L1 L2 L3 "compatible Berth\n" L5 L6 L7 L8 L9,
	     "line 4: bad compatible"},
	    {"compatible with /", L1 L2 L3 "compatible a/b\n" L5 L6 L7 L8 L9,
	     "line 4: bad compatible"},
	    {"compatible of 65", L1 L2 L3 "compatible " A64 "a\n" L5 L6 L7 L8 L9,
	     "line 4: bad compatible"},
	    {"compatible missing", L1 L2 L3 L5 L6 L7 L8 L9, "line 4: expected \"compatible"},
	    {"roothash upper case", L1 L2 L3 L4 "roothash " U64 "\n" L6 L7 L8 L9,
	     "line 5: bad roothash"},
	    {"roothash of 63",
	     L1 L2 L3 L4
	     "roothash 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n" L6 L7 L8
		 L9,
	     "line 5: bad roothash"},
	    {"roothash not hex",
	     L1 L2 L3 L4
	     "roothash g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n" L6 L7 L8
		 L9,
	     "line 5: bad roothash"},
	    {"payloads out of order", L1 L2 L3 L4 L5 L6 L7 L9 L8,
	     "line 8: expected \"payload uki-a SIZE SHA256\""},
	    {"unknown payload", L1 L2 L3 L4 L5 "payload boot 1 " H64 "\n" L7 L8 L9,
	     "line 6: expected \"payload root SIZE SHA256\""},
	    {"payload without hash", L1 L2 L3 L4 L5 "payload root 1\n" L7 L8 L9,
	     "line 6: expected"},
	    {"payload with 5 fields", L1 L2 L3 L4 L5 "payload root 1 " H64 " x\n" L7 L8 L9,
	     "line 6: expected"},
	    {"size 012", L1 L2 L3 L4 L5 "payload root 012 " H64 "\n" L7 L8 L9, "line 6: bad size"},
	    {"size -1", L1 L2 L3 L4 L5 "payload root -1 " H64 "\n" L7 L8 L9, "line 6: bad size"},
	    {"size +1", L1 L2 L3 L4 L5 "payload root +1 " H64 "\n" L7 L8 L9, "line 6: bad size"},
	    {"size 0x10", L1 L2 L3 L4 L5 "payload root 0x10 " H64 "\n" L7 L8 L9,
	     "line 6: bad size"},
	    {"size 2^64", L1 L2 L3 L4 L5 "payload root 18446744073709551616 " H64 "\n" L7 L8 L9,
	     "line 6: bad size: more than 64 bits"},
	    {"size 10^20", L1 L2 L3 L4 L5 "payload root 100000000000000000000 " H64 "\n" L7 L8 L9,
	     "line 6: bad size: more than 64 bits"},
	    {"root of 1 TiB and a byte",
	     L1 L2 L3 L4 L5 "payload root 1099511627777 " H64 "\n" L7 L8 L9,
	     "line 6: bad size: an image is at most 1099511627776 bytes (1 TiB)"},
	    {"verity of 2^64-1",
	     L1 L2 L3 L4 L5 L6 "payload verity 18446744073709551615 " H64 "\n" L8 L9,
	     "line 7: bad size: an image is at most"},
	    {"uki-a of 1 GiB and a byte",
	     L1 L2 L3 L4 L5 L6 L7 "payload uki-a 1073741825 " A64 "\n" L9,
	     "line 8: bad size: a UKI is at most 1073741824 bytes (1 GiB)"},
	    /* Rounded up to the ESP's clusters, this size wraps to a few bytes. */
	    {"uki-b near 2^64",
	     L1 L2 L3 L4 L5 L6 L7 L8 "payload uki-b 18446744073709551000 " H64 "\n",
	     "line 9: bad size: a UKI is at most"},
	    {"sha256 upper case", L1 L2 L3 L4 L5 L6 "payload verity 1 " U64 "\n" L8 L9,
	     "line 7: bad sha256"},
	    {"sha256 of 65", L1 L2 L3 L4 L5 L6 "payload verity 1 " H64 "0\n" L8 L9,
	     "line 7: bad sha256"},
	    {"eight lines", L1 L2 L3 L4 L5 L6 L7 L8, "line 9: missing; expected \"payload uki-b"},
	    {"no final newline", L1 L2 L3 L4 L5 L6 L7 L8 "payload uki-b 1 " H64,
	     "line 9: no newline at the end of the line"},
	    {"a tenth line", GOOD "payload extra 1 " H64 "\n", "line 10: text after the last"},
	    {"a blank tenth line", GOOD "\n", "line 10: text after the last"},
	    {"a comment", GOOD "# signed\n", "line 10: text after the last"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[96];
		snprintf(name, sizeof(name), "malformed: %s", cases[i].name);
		refused(name, cases[i].text, cases[i].want);
	}
	static const char nul[] = L1 "name be\0rth\n" L3 L4 L5 L6 L7 L8 L9;
	refused_len("malformed: NUL in a value", nul, sizeof(nul) - 1, "line 2: NUL byte");
	static const char nul_end[] = GOOD "\0";
	refused_len("malformed: NUL after the manifest", nul_end, sizeof(nul_end) - 1,
		    "line 10: text after the last");
	refused_len("malformed: cut in the middle of a line", GOOD, strlen(L1 L2) + 3,
		    "line 3: no newline");
	memset(big, '\n', sizeof(big));
	refused_len("malformed: longer than 4096 bytes", big, BUNDLE_MANIFEST_MAX + 1,
		    "manifest is 4097 bytes, more than 4096");
}

/* Names and versions the parser takes and refuses: the manifest's rules (contract.h, version.h). */
static void test_rules(void)
{
	static const struct {
		const char *s;
		bool ok;
	} names[] = {{"berth", true},
		     {"a", true},
		     {"0", true},
		     {"a-b", true},
		     {"berth-containerd", true},
		     {"abcdefghijklmnopqrstuvwxyz012345", true},
		     {"abcdefghijklmnopqrstuvwxyz0123456", false},
		     {"", false},
		     {"-a", false},
		     {"a-", false},
		     {"A", false},
		     {"a_b", false},
		     {"a.b", false},
		     {"a b", false},
		     {"é", false}},
	  versions[] = {
	      {"0.1.0", true},
	      {"1.2.3", true},
	      {"10.20.30", true},
	      {"1.0.0-rc.1", true},
	      {"1.0.0-RC-1", true},
	      {"1.0.0-a.b.c", true},
	      {"1.0", false},
	      {"1.0.0.0", false},
	      {"01.0.0", false},
	      {"1.00.0", false},
	      {"1.0.0-", false},
	      {"1.0.0+b", false},
	      {"1.0.0-_", false},
	      {"v1.0.0", false},
	      {"1.0.0-a b", false},
	      {"", false},
	      {".1.0", false},
	      {"1..0", false},
	      {"1.0.0-abcdefghijklmnopqrstuvwxyz012345", true},
	      {"1.0.0-abcdefghijklmnopqrstuvwxyz0123456", false},
	      {"12345678901234567890123456789.1234567890123456789012345678901.1", true},
	      {"123456789012345678901234567890.12345678901234567890123456789012.1", false}};
	char text[BUNDLE_MANIFEST_MAX], name[96];
	struct bundle_manifest m;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), L1 "name %s\n" L3 L4 L5 L6 L7 L8 L9, names[i].s);
		snprintf(name, sizeof(name), "name '%s' %s", names[i].s,
			 names[i].ok ? "taken" : "refused");
		CHECK((parse(text, &m) == 0) == names[i].ok, name);
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		snprintf(text, sizeof(text), L1 L2 "version %s\n" L4 L5 L6 L7 L8 L9, versions[i].s);
		snprintf(name, sizeof(name), "version '%.40s' %s", versions[i].s,
			 versions[i].ok ? "taken" : "refused");
		CHECK((parse(text, &m) == 0) == versions[i].ok, name);
	}
}

int main(void)
{
	test_header();
	test_round_trip();
	test_malformed();
	test_rules();
	return CHECK_DONE();
}
