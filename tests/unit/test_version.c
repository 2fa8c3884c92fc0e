/* unit: lib/version.c */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "version.h"

static int order(const char *a, const char *b)
{
	int o = 99;
	if (version_compare(a, b, &o) < 0)
		return 99;
	return o;
}

/* Every pair in LIST compares as its positions do (the list is in ascending order). */
static void check_ascending(const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			char name[160];
			int want = (i > j) - (i < j);
			snprintf(name, sizeof(name), "%s vs %s is %d", list[i], list[j], want);
			CHECK(order(list[i], list[j]) == want, name);
		}
}

int main(void)
{
	static const char *const valid[] = {"0.0.0",
					    "1.2.3",
					    "10.20.30",
					    "1.0.0-rc.1",
					    "1.0.0-0",
					    "1.0.0-a-b.c",
					    "123456789012345678901.0.0"};
	static const char *const invalid[] = {"",
					      "1",
					      "1.2",
					      "1.2.3.4",
					      "01.2.3",
					      "1.02.3",
					      "1.2.03",
					      "1.2.3-",
					      "1.2.3+b",
					      "1.2.3-a_b",
					      "v1.2.3",
					      "1.2.3 ",
					      "-1.2.3",
					      "1..3",
					      "1.2.3-"
					      "0123456789012345678901234567890123"};
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		CHECK(version_valid(valid[i]), valid[i]);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		CHECK(!version_valid(invalid[i]), invalid[i]);
	CHECK(!version_valid(NULL), "NULL is not a version");

	/* The precedence example of Semantic Versioning 2.0, and numbers by value. */
	static const char *const semver[] = {"1.0.0-alpha",
					     "1.0.0-alpha.1",
					     "1.0.0-alpha.beta",
					     "1.0.0-beta",
					     "1.0.0-beta.2",
					     "1.0.0-beta.11",
					     "1.0.0-rc.1",
					     "1.0.0",
					     "1.0.1",
					     "1.2.0",
					     "1.10.0",
					     "2.0.0",
					     "9.0.0",
					     "10.0.0",
					     "99999999999999999999.0.0",
					     "100000000000000000000.0.0"};
	check_ascending(semver, (int)(sizeof(semver) / sizeof(semver[0])));

	CHECK(order("1.0.0-1", "1.0.0-a") < 0, "a numeric identifier sorts before letters");
	CHECK(order("1.0.0-rc.01", "1.0.0-rc.1") != 0, "different spellings are not equal");
	CHECK(order("1.0.0-rc.01", "1.0.0-rc.2") < 0, "rc.01 is older than rc.2");

	int o = 7;
	CHECK(version_compare("1.0", "1.0.0", &o) == -EINVAL && o == 7, "invalid A refused");
	CHECK(version_compare("1.0.0", "x", &o) == -EINVAL && o == 7, "invalid B refused");
	return CHECK_DONE();
}
