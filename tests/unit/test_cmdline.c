/* unit: lib/cmdline.c lib/errf.c */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cmdline.h"

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define U_ROOT "6e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
#define U_HASH "a1b2c3d4-e5f6-4711-8899-aabbccddeeff"
#define U_DATA "12345678-9abc-4def-8123-456789abcdef"

#define P_HASH "roothash=" HASH
#define P_DATA "systemd.verity_root_data=PARTUUID=" U_ROOT
#define P_VHASH "systemd.verity_root_hash=PARTUUID=" U_HASH
#define P_OPTS "systemd.verity_root_options=salt=aabb,data-blocks=1000,hash-offset=0"
#define P_SLOT "berth.slot=a"
#define P_VAR "berth.data=PARTUUID=" U_DATA

#define GOOD P_HASH " " P_DATA " " P_VHASH " " P_OPTS " " P_SLOT " " P_VAR

static struct boot_params p;
static char err[256];

static int parse(const char *line)
{
	return cmdline_parse(line, &p, err, sizeof(err));
}

/* GOOD with one parameter replaced (or, with an empty REPL, removed). */
static int parse_with(const char *param, const char *repl)
{
	char line[2048];
	snprintf(line, sizeof(line), "%s", GOOD);
	char *at = strstr(line, param);
	if (!at)
		return 12345;
	char tail[2048];
	snprintf(tail, sizeof(tail), "%s", at + strlen(param));
	snprintf(at, sizeof(line) - (size_t)(at - line), "%s%s", repl, tail);
	return parse(line);
}

static int opts(const char *options)
{
	char repl[1024];
	snprintf(repl, sizeof(repl), "systemd.verity_root_options=%s", options);
	return parse_with(P_OPTS, repl);
}

static void test_good(void)
{
	CHECK(parse("BOOT_IMAGE=/vmlinuz console=ttyS0 " GOOD " quiet rw\n") == 0,
	      "full line parses");
	CHECK(strcmp(p.roothash, HASH) == 0, "roothash");
	CHECK(strcmp(p.salt, "aabb") == 0, "salt");
	CHECK(p.data_blocks == 1000, "data-blocks");
	CHECK(p.hash_offset == 0, "hash-offset");
	CHECK(strcmp(p.root_uuid, U_ROOT) == 0, "root uuid");
	CHECK(strcmp(p.verity_uuid, U_HASH) == 0, "verity uuid");
	CHECK(strcmp(p.data_uuid, U_DATA) == 0, "data uuid");
	CHECK(p.slot == 'a', "slot a");
	CHECK(p.on_corruption == ON_CORRUPTION_EIO, "default on_corruption is EIO");
	CHECK(err[0] == '\0', "no error text on success");

	CHECK(parse_with(P_SLOT, "berth.slot=b") == 0 && p.slot == 'b', "slot b");
	CHECK(opts("salt=-,data-blocks=1,hash-offset=4096") == 0 && p.salt[0] == '\0' &&
		  p.hash_offset == 4096 && p.data_blocks == 1,
	      "salt - means empty");
	CHECK(opts("hash-offset=8192,restart-on-corruption,data-blocks=5,salt=00") == 0 &&
		  p.on_corruption == ON_CORRUPTION_RESTART && p.hash_offset == 8192,
	      "restart-on-corruption, any order");
	CHECK(opts("salt=00,data-blocks=5,hash-offset=0,panic-on-corruption") == 0 &&
		  p.on_corruption == ON_CORRUPTION_PANIC,
	      "panic-on-corruption");
	CHECK(opts("salt=00,,data-blocks=5,hash-offset=0,") == 0, "empty option items ignored");
	CHECK(opts("salt=AABBCC,data-blocks=18446744073709551,hash-offset=0") == 0 &&
		  strcmp(p.salt, "aabbcc") == 0 && p.data_blocks == 18446744073709551ull,
	      "large data-blocks; salt stored lower case");

	char salt128[200] = "salt=";
	memset(salt128 + 5, 'f', 128);
	strcat(salt128, ",data-blocks=1,hash-offset=0");
	CHECK(opts(salt128) == 0 && strlen(p.salt) == 128, "128-digit salt");
}

static void test_syntax(void)
{
	CHECK(parse_with(P_OPTS, "systemd.verity_root_options=\"salt=aabb,data-blocks=7,"
				 "hash-offset=0\"") == 0 &&
		  p.data_blocks == 7,
	      "quoted value");
	CHECK(parse_with(P_VAR, "\"berth.data=PARTUUID=" U_DATA "\"") == 0 &&
		  strcmp(p.data_uuid, U_DATA) == 0,
	      "quoted whole parameter");
	CHECK(parse_with(P_SLOT, "foo=\"x berth.slot=b y\" berth.slot=a") == 0 && p.slot == 'a',
	      "a space inside quotes does not split");
	CHECK(parse_with(P_SLOT, "berth.slot=b berth.slot=a") == 0 && p.slot == 'a',
	      "later duplicate wins");
	CHECK(parse_with(P_SLOT, "berth.slot=zz berth.slot=b") == 0 && p.slot == 'b',
	      "later good duplicate wins over a bad one");
	CHECK(parse_with(P_SLOT, "berth.slot=b berth.slot=zz") == -EINVAL,
	      "later bad duplicate wins over a good one");
	CHECK(parse_with(P_DATA, "systemd.verity_root_data=PARTUUID=6E3F1A2B-4C5D-4E6F-8A9B-"
				 "0C1D2E3F4A5B") == 0 &&
		  strcmp(p.root_uuid, U_ROOT) == 0,
	      "upper-case UUID stored lower case");
	CHECK(parse_with(P_HASH, "roothash="
				 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF01234"
				 "56789ABCDEF") == 0 &&
		  strcmp(p.roothash, HASH) == 0,
	      "upper-case roothash stored lower case");
	CHECK(parse("\t" P_HASH "\t" P_DATA "  " P_VHASH "\n" P_OPTS " " P_SLOT " " P_VAR "\n") ==
		  0,
	      "tabs, newlines and repeated spaces separate");
	CHECK(parse("xroothash=1 roothash " GOOD " systemd.verity_root_data") == 0,
	      "look-alike and value-less parameters ignored");
}

static void test_missing(void)
{
	static const struct {
		const char *param;
		const char *reason;
	} m[] = {
	    {P_HASH, "missing roothash="},
	    {P_DATA, "missing systemd.verity_root_data="},
	    {P_VHASH, "missing systemd.verity_root_hash="},
	    {P_OPTS, "missing systemd.verity_root_options="},
	    {P_SLOT, "missing berth.slot="},
	    {P_VAR, "missing berth.data="},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		CHECK(parse_with(m[i].param, "") == -EINVAL && strcmp(err, m[i].reason) == 0,
		      m[i].reason);
	}
	CHECK(parse("") == -EINVAL && strcmp(err, "missing roothash=") == 0, "empty line");
	CHECK(cmdline_parse(NULL, &p, err, sizeof(err)) == -EINVAL, "NULL line");
	CHECK(cmdline_parse("", &p, NULL, 0) == -EINVAL, "NULL err buffer tolerated");

	CHECK(opts("data-blocks=1,hash-offset=0") == -EINVAL && strstr(err, "missing salt="),
	      "missing salt=");
	CHECK(opts("salt=00,hash-offset=0") == -EINVAL && strstr(err, "missing data-blocks="),
	      "missing data-blocks=");
	CHECK(opts("salt=00,data-blocks=1") == -EINVAL && strstr(err, "missing hash-offset="),
	      "missing hash-offset=");
}

static void test_bad_values(void)
{
	CHECK(parse_with(P_HASH, "roothash="
				 "0123456789abcdef0123456789abcdef0123456789abcdef"
				 "0123456789abcde") == -EINVAL &&
		  strstr(err, "roothash="),
	      "roothash of 63 digits");
	CHECK(parse_with(P_HASH, "roothash=" HASH "00") == -EINVAL, "roothash of 66 digits");
	CHECK(parse_with(P_HASH, "roothash=" HASH HASH) == -EINVAL, "roothash of 128 digits");
	CHECK(parse_with(P_HASH, "roothash=g123456789abcdef0123456789abcdef0123456789abcdef012345"
				 "6789abcdef") == -EINVAL,
	      "roothash with a non-hex digit");
	CHECK(parse_with(P_HASH, "roothash=") == -EINVAL, "empty roothash");

	CHECK(opts("salt=abc,data-blocks=1,hash-offset=0") == -EINVAL && strstr(err, "salt="),
	      "odd-length salt");
	CHECK(opts("salt=xy,data-blocks=1,hash-offset=0") == -EINVAL, "non-hex salt");
	CHECK(opts("salt=,data-blocks=1,hash-offset=0") == -EINVAL, "empty salt");
	char salt130[200] = "salt=";
	memset(salt130 + 5, 'a', 130);
	strcat(salt130, ",data-blocks=1,hash-offset=0");
	CHECK(opts(salt130) == -EINVAL, "salt over 128 digits");

	CHECK(opts("salt=00,data-blocks=0,hash-offset=0") == -EINVAL && strstr(err, "data-blocks="),
	      "data-blocks zero");
	CHECK(opts("salt=00,data-blocks=-1,hash-offset=0") == -EINVAL, "data-blocks negative");
	CHECK(opts("salt=00,data-blocks=0x10,hash-offset=0") == -EINVAL, "data-blocks hex");
	CHECK(opts("salt=00,data-blocks=,hash-offset=0") == -EINVAL, "data-blocks empty");
	CHECK(opts("salt=00,data-blocks=12a,hash-offset=0") == -EINVAL,
	      "data-blocks trailing junk");
	CHECK(opts("salt=00,data-blocks=18446744073709551616,hash-offset=0") == -EINVAL,
	      "data-blocks overflowing 64 bits");
	CHECK(opts("salt=00,data-blocks=2305843009213693952,hash-offset=0") == -EINVAL,
	      "data-blocks whose sector count overflows");

	CHECK(opts("salt=00,data-blocks=1,hash-offset=4095") == -EINVAL &&
		  strstr(err, "hash-offset="),
	      "hash-offset not a multiple of 4096");
	CHECK(opts("salt=00,data-blocks=1,hash-offset=512") == -EINVAL, "hash-offset of 512");
	CHECK(opts("salt=00,data-blocks=1,hash-offset=x") == -EINVAL, "hash-offset not decimal");
	CHECK(opts("salt=00,data-blocks=1,hash-offset=") == -EINVAL, "hash-offset empty");

	CHECK(opts("salt=00,data-blocks=1,hash-offset=0,ignore-corruption") == -EINVAL &&
		  strstr(err, "ignore-corruption"),
	      "unknown option rejected and named");
	CHECK(opts("salt=00,data-blocks=1,hash-offset=0,salt") == -EINVAL, "salt without value");
	CHECK(opts("salt=00,data-blocks=1,hash-offset=0,restart-on-corruption=1") == -EINVAL,
	      "restart-on-corruption with a value");

	CHECK(parse_with(P_SLOT, "berth.slot=c") == -EINVAL && strstr(err, "berth.slot="),
	      "slot c");
	CHECK(parse_with(P_SLOT, "berth.slot=A") == -EINVAL, "slot upper case");
	CHECK(parse_with(P_SLOT, "berth.slot=ab") == -EINVAL, "slot ab");
	CHECK(parse_with(P_SLOT, "berth.slot=") == -EINVAL, "slot empty");
}

static void test_bad_uuids(void)
{
	CHECK(parse_with(P_DATA, "systemd.verity_root_data=/dev/vda2") == -EINVAL &&
		  strstr(err, "PARTUUID="),
	      "device path instead of PARTUUID=");
	CHECK(parse_with(P_VHASH, "systemd.verity_root_hash=UUID=" U_HASH) == -EINVAL,
	      "UUID= instead of PARTUUID=");
	CHECK(parse_with(P_VAR, "berth.data=PARTUUID=12345678-9abc-4def-8123-456789abcde") ==
		  -EINVAL,
	      "UUID too short");
	CHECK(parse_with(P_VAR, "berth.data=PARTUUID=12345678-9abc-4def-8123-456789abcdef0") ==
		  -EINVAL,
	      "UUID too long");
	CHECK(parse_with(P_VAR, "berth.data=PARTUUID=123456789abc-4def-8123-456789abcdef-") ==
		  -EINVAL,
	      "dashes in the wrong places");
	CHECK(parse_with(P_VAR, "berth.data=PARTUUID=1234567g-9abc-4def-8123-456789abcdef") ==
		  -EINVAL,
	      "non-hex UUID digit");
	CHECK(parse_with(P_DATA, "systemd.verity_root_data=PARTUUID=") == -EINVAL, "empty UUID");
}

static void test_too_long(void)
{
	char line[8192];
	int n = snprintf(line, sizeof(line), "%s berth.slot=", GOOD);
	memset(line + n, 'a', 3000);
	line[n + 3000] = '\0';
	CHECK(parse(line) == -EINVAL && strstr(err, "too long"), "overlong known value rejected");

	n = snprintf(line, sizeof(line), "%s junk=", GOOD);
	memset(line + n, 'a', 3000);
	line[n + 3000] = '\0';
	CHECK(parse(line) == 0, "overlong unknown parameter ignored");

	char small[8];
	CHECK(cmdline_parse("", &p, small, sizeof(small)) == -EINVAL &&
		  strlen(small) == sizeof(small) - 1,
	      "reason truncated to the buffer");
}

static int b64(const char *in, unsigned char *out, size_t len)
{
	memset(out, 0xee, len);
	return cmdline_base64_decode(in, out, len);
}

static void test_base64(void)
{
	unsigned char out[16];

	CHECK(b64("Zm9vYmFy", out, sizeof(out)) == 6 && memcmp(out, "foobar", 6) == 0,
	      "base64 without padding");
	CHECK(b64("Zm9vYg==", out, sizeof(out)) == 4 && memcmp(out, "foob", 4) == 0,
	      "base64 with two padding characters");
	CHECK(b64("Zm9vYmE=", out, sizeof(out)) == 5 && memcmp(out, "fooba", 5) == 0,
	      "base64 with one padding character");
	CHECK(b64("+/+/", out, sizeof(out)) == 3 && out[0] == 0xfb && out[1] == 0xff &&
		  out[2] == 0xbf,
	      "base64 '+' and '/'");
	CHECK(b64("AAAA", out, sizeof(out)) == 3 && out[0] == 0 && out[3] == 0xee,
	      "zero bytes decoded, nothing written past them");
	CHECK(b64("Zm9vYmFy", out, 6) == 6, "exact fit");
	CHECK(b64("Zm9vYmFy", out, 5) == -ENOSPC, "one byte short");
	CHECK(b64("Zm9vYg==", out, 4) == 4, "padding needs no room");

	static const char *const bad[] = {
	    "",		/* empty */
	    "Zm9",	/* not a multiple of 4 */
	    "Zm9vY",	/* not a multiple of 4 */
	    "Zm9v-mFy", /* base64url's '-' */
	    "Zm9v_mFy", /* base64url's '_' */
	    "Zm9vY===", /* three padding characters */
	    "Zm9=YmFy", /* padding before the end */
	    "Zm9vY=E=", /* padding in the middle of the last group */
	    "====",	/* only padding */
	    "Zm9v YmFy" /* a space */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "base64 \"%s\" rejected", bad[i]);
		CHECK(b64(bad[i], out, sizeof(out)) == -EINVAL, name);
	}
}

static void test_sig(void)
{
	char line[4096];

	CHECK(parse(GOOD) == 0 && p.roothash_sig_len == 0, "no signature: optional");
	CHECK(parse(GOOD) == 0 && !p.install, "no berth.install=: not the installer's entry");
	snprintf(line, sizeof(line), "%s" CMDLINE_INSTALL_ENTRY, GOOD);
	CHECK(parse(line) == 0 && p.install, "the installer's entry: berth.install= seen");
	snprintf(line, sizeof(line), "%s berth.install=/dev/sda,wipe", GOOD);
	CHECK(parse(line) == 0 && p.install, "any value: berth-install judges it");
	snprintf(line, sizeof(line), "%s berth.roothash_sig=Zm9vYmFy", GOOD);
	CHECK(parse(line) == 0 && p.roothash_sig_len == 6 &&
		  memcmp(p.roothash_sig, "foobar", 6) == 0,
	      "signature decoded");
	snprintf(line, sizeof(line), "%s berth.roothash_sig=Zm9v!mFy", GOOD);
	CHECK(parse(line) == -EINVAL && strstr(err, "berth.roothash_sig="), "bad base64 refused");
	snprintf(line, sizeof(line), "%s berth.roothash_sig=", GOOD);
	CHECK(parse(line) == -EINVAL, "empty signature refused");

	/* The largest signature that fits, and one group more. */
	int n = snprintf(line, sizeof(line), "%s berth.roothash_sig=", GOOD);
	for (int i = 0; i < CMDLINE_SIG_MAX / 3; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "AAAA");
	snprintf(line + n, sizeof(line) - (size_t)n, "AA==");
	CHECK(parse(line) == 0 && p.roothash_sig_len == CMDLINE_SIG_MAX, "CMDLINE_SIG_MAX bytes");
	snprintf(line + n, sizeof(line) - (size_t)n, "AAAA");
	CHECK(parse(line) == -EINVAL, "CMDLINE_SIG_MAX + 2 bytes refused");
}

/* The kernel's split of LINE, each parameter followed by '|'; '!' after an unclosed one. */
static const char *split(const char *line, size_t toklen)
{
	static char out[256];
	char tok[64];
	bool cut, unclosed;
	size_t n = 0;

	out[0] = '\0';
	while (cmdline_next(&line, tok, toklen, &cut, &unclosed))
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s%s|", tok, cut ? "~" : "",
				      unclosed ? "!" : "");
	return out;
}

static void test_next(void)
{
	CHECK(!strcmp(split("", 64), ""), "next: an empty line has no parameters");
	CHECK(!strcmp(split(" \t a  b=c\n", 64), "a|b=c|"), "next: white space separates");
	CHECK(!strcmp(split("a=\"x y\" \"b=z w\" c", 64), "a=x y|b=z w|c|"),
	      "next: quotes keep white space and are dropped");
	CHECK(!strcmp(split("quiet x=\" roothash=ab", 64), "quiet|x= roothash=ab!|"),
	      "next: an unclosed quote runs to the end of the line");
	CHECK(!strcmp(split("a=\"b\" c=\"d\" e=\"", 64), "a=b|c=d|e=!|"),
	      "next: the third quote is the unclosed one");
	CHECK(!strcmp(split("abcdef gh", 4), "abc~|gh|"), "next: a parameter cut to fit");
}

int main(void)
{
	test_next();
	test_good();
	test_syntax();
	test_missing();
	test_bad_values();
	test_bad_uuids();
	test_too_long();
	test_base64();
	test_sig();
	return CHECK_DONE();
}
