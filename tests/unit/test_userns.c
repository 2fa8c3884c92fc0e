/* unit: image/userns.c lib/fileio.c lib/run.c -Iimage */
/* The subordinate id files' reader (image/userns.c). */
#include <errno.h>

#include "check.h"
#include "userns.h"

static struct subid r;

static int find(const char *text, const char *user, unsigned long id)
{
	r.start = r.count = 7;
	return subid_find(text, user, id, &r);
}

static void test_found(void)
{
	CHECK(find("builder:100000:65536\n", "builder", 1001) == 0 && r.start == 100000 &&
		  r.count == 65536,
	      "the user's line by name");
	CHECK(find("1001:200000:1000\n", "builder", 1001) == 0 && r.start == 200000 &&
		  r.count == 1000,
	      "the user's line by uid");
	CHECK(find("alice:100000:65536\nbuilder:165536:65536", "builder", 1001) == 0 &&
		  r.start == 165536 && r.count == 65536,
	      "after another user's line, without a final newline");
	CHECK(find("builder:1:2\nbuilder:300000:65536\n", "builder", 1001) == 0 && r.start == 1 &&
		  r.count == 2,
	      "the first of the user's lines");
	CHECK(find("builder:4294967294:1\n", "builder", 1001) == 0 && r.start == 4294967294UL,
	      "the highest id");
	CHECK(find("builder:0:4294967295\n", "builder", 1001) == 0 && r.count == 4294967295UL,
	      "every id");
}

static void test_not_found(void)
{
	CHECK(find("", "builder", 1001) == -ENOENT, "empty file");
	CHECK(find("builders:100000:65536\n", "builder", 1001) == -ENOENT,
	      "a longer name that starts with the user's is another user");
	CHECK(find("10011:100000:65536\n", "builder", 1001) == -ENOENT,
	      "a longer uid that starts with the user's is another uid");
	CHECK(find("alice:100000:65536\n\n", "builder", 1001) == -ENOENT, "only others' lines");
	CHECK(find("alice:bad\nbuilder:5:6\n", "builder", 1001) == 0 && r.start == 5,
	      "another user's bad line is not read");
}

static void test_bad(void)
{
	const char *bad[][2] = {
	    {"builder:100000\n", "no count"},
	    {"builder:100000:\n", "empty count"},
	    {"builder::65536\n", "empty start"},
	    {"builder:100000:65536:9\n", "a fourth field"},
	    {"builder:100000:65536 \n", "a trailing blank"},
	    {"builder: 100000:65536\n", "a leading blank"},
	    {"builder:-1:65536\n", "a negative start"},
	    {"builder:100000:0\n", "count 0"},
	    {"builder:4294967295:1\n", "start (uid_t)-1"},
	    {"builder:4294967294:2\n", "a range past the highest id"},
	    {"builder:12345678901:1\n", "eleven digits"},
	    {"builder:0x10:65536\n", "hexadecimal"},
	    {"builder:100000:65536\r\n", "a CR"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(find(bad[i][0], "builder", 1001) == -EINVAL, bad[i][1]);
}

int main(void)
{
	test_found();
	test_not_found();
	test_bad();
	return CHECK_DONE();
}
