/* unit: lib/updateconf.c lib/contract.c lib/errf.c */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "updateconf.h"

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
		  !strcmp(c.compatible, "x") && c.health_deadline == HEALTH_DEADLINE_DEFAULT,
	      "comments, blank lines, tabs; no deadline: the default");
	CHECK(parse("compatible x", &c, NULL) == 0 && !strcmp(c.compatible, "x"),
	      "no final newline");
	CHECK(parse("compatible x\nhealth-deadline 10\n", &c, NULL) == 0 && c.health_deadline == 10,
	      "the shortest deadline");
	CHECK(parse("compatible x\nhealth-deadline 3600\n", &c, NULL) == 0 &&
		  c.health_deadline == 3600,
	      "the longest deadline");

	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"", "no compatible line"},
	    {"health-deadline 30\n", "no compatible line"},
	    {"compatible\n", "line 1: expected KEY VALUE"},
	    {"compatible a b\n", "line 1: one word"},
	    {"compatible x\ncompatible y\n", "line 2: compatible given twice"},
	    {"compatible x\nchannel stable\n", "line 2: unknown key \"channel\""},
	    {"compatible x\nhealth-deadline 0\n", "line 2: health-deadline must be 10 to 3600"},
	    {"compatible x\nhealth-deadline 9\n", "line 2: health-deadline must be"},
	    {"compatible x\nhealth-deadline 3601\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 86401\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 30s\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 030\n", "health-deadline must be"},
	    {"compatible x\nhealth-deadline 30\nhealth-deadline 30\n", "given twice"},
	    {"compatible "
	     "0123456789012345678901234567890123456789012345678901234567890123456789\n",
	     "line 1: compatible must be 1 to 64 of [a-z0-9._-]"},
	    /* The contract's rule, as berth build and the bundle have it. */
	    {"compatible Berth-x86_64\n", "compatible must be 1 to 64 of"},
	    {"compatible caf\xc3\xa9\n", "printable ASCII"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i].text, &c, bad[i].err) == -EINVAL, bad[i].err);
}

int main(void)
{
	test_conf();
	return CHECK_DONE();
}
