/* unit: updater/conf.c -Iupdater */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conf.h"

static int parse(const char *text, struct update_conf *c, const char *want_err)
{
	char err[128] = "";
	int r = update_conf_parse(text, c, err, sizeof(err));
	if (want_err && !strstr(err, want_err))
		return 1;
	return r;
}

static void test_conf(void)
{
	struct update_conf c;

	CHECK(parse("compatible berth-x86_64\nhealth-deadline 300\n", &c, NULL) == 0 &&
		  !strcmp(c.compatible, "berth-x86_64") && c.health_deadline == 300,
	      "both keys");
	CHECK(parse("# comment\n\n  \ncompatible\tx \t\n", &c, NULL) == 0 &&
		  !strcmp(c.compatible, "x") && c.health_deadline == 0,
	      "comments, blank lines, tabs; no deadline");
	CHECK(parse("compatible x", &c, NULL) == 0 && !strcmp(c.compatible, "x"),
	      "no final newline");

	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"", "no compatible line"},
	    {"health-deadline 30\n", "no compatible line"},
	    {"compatible\n", "line 1: expected KEY VALUE"},
	    {"compatible a b\n", "line 1: one word"},
	    {"compatible x\ncompatible y\n", "line 2: compatible given twice"},
	    {"compatible x\nchannel stable\n", "line 2: unknown key \"channel\""},
	    {"compatible x\nhealth-deadline 0\n", "line 2: health-deadline must be"},
	    {"compatible x\nhealth-deadline 86401\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 30s\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 030\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 1\nhealth-deadline 1\n", "given twice"},
	    {"compatible "
	     "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	     "longer than 64"},
	    {"compatible caf\xc3\xa9\n", "printable ASCII"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i].text, &c, bad[i].err) == -EINVAL, bad[i].err);
}

static void test_keys(void)
{
	static const char good[] = "00112233445566778899aabbccddeeff"
				   "0123456789abcdef0123456789abcdef\n";
	uint8_t pk[32];

	CHECK(key_parse(good, sizeof(good) - 1, pk) == 0 && pk[0] == 0x00 && pk[1] == 0x11 &&
		  pk[15] == 0xff && pk[31] == 0xef,
	      "a key file");
	char k[80];
	memcpy(k, good, sizeof(good));
	CHECK(key_parse(k, 64, pk) == -EINVAL, "no newline");
	k[3] = 'A';
	CHECK(key_parse(k, 65, pk) == -EINVAL, "upper case refused");
	memcpy(k, good, sizeof(good));
	k[10] = 'g';
	CHECK(key_parse(k, 65, pk) == -EINVAL, "not hex");
	memcpy(k, good, sizeof(good));
	k[64] = ' ';
	CHECK(key_parse(k, 65, pk) == -EINVAL, "space instead of newline");
	memcpy(k, good, sizeof(good));
	k[65] = '\n';
	CHECK(key_parse(k, 66, pk) == -EINVAL, "a second newline");
	CHECK(key_parse(k, 0, pk) == -EINVAL, "empty file");
}

int main(void)
{
	test_conf();
	test_keys();
	return CHECK_DONE();
}
