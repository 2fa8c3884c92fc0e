/* unit: lib/osrelease.c */
/* os-release(5) values (lib/osrelease.c). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "osrelease.h"

static char out[64];

static int value(const char *text, const char *key)
{
	memset(out, 'x', sizeof(out));
	return osrelease_value(text, key, out, sizeof(out));
}

static void test_osrelease(void)
{
	const char *osr = "NAME=\"berth\"\n"
			  "ID=berth\n"
			  "VERSION_ID=1.4.2\n"
			  "PRETTY_NAME='berth 1.4.2'\n";

	CHECK(value(osr, "VERSION_ID") == 5 && strcmp(out, "1.4.2") == 0, "bare value");
	CHECK(value(osr, "NAME") == 5 && strcmp(out, "berth") == 0, "double-quoted value");
	CHECK(value(osr, "PRETTY_NAME") == 11 && strcmp(out, "berth 1.4.2") == 0,
	      "single-quoted value with a space");
	CHECK(value(osr, "VERSION") == -ENOENT, "a key that is a prefix of another is absent");
	CHECK(value(osr, "ID_LIKE") == -ENOENT, "absent key");
	CHECK(value("VERSION_ID_LIKE=9\nVERSION_ID=2\n", "VERSION_ID") == 1 &&
		  strcmp(out, "2") == 0,
	      "a longer key that starts with KEY is another key");
	CHECK(value("", "ID") == -ENOENT, "empty file");
	CHECK(value("VERSION_ID=2", "VERSION_ID") == 1 && strcmp(out, "2") == 0,
	      "no trailing newline");
	CHECK(value("VERSION_ID=2\r\n", "VERSION_ID") == 1 && strcmp(out, "2") == 0,
	      "CRLF and trailing blanks trimmed");
	CHECK(value("# VERSION_ID=9\nVERSION_ID=3\n", "VERSION_ID") == 1 && strcmp(out, "3") == 0,
	      "comment lines skipped");
	CHECK(value("XVERSION_ID=9\n", "VERSION_ID") == -ENOENT, "key must start the line");
	CHECK(value("  VERSION_ID=4\n", "VERSION_ID") == 1 && strcmp(out, "4") == 0,
	      "leading blanks allowed");
	CHECK(value("VERSION_ID=1\nVERSION_ID=2\n", "VERSION_ID") == 1 && strcmp(out, "2") == 0,
	      "last assignment wins");
	CHECK(value("VERSION_ID=\n", "VERSION_ID") == 0 && out[0] == '\0', "empty value");
	CHECK(value("VERSION_ID=\"\"\n", "VERSION_ID") == 0 && out[0] == '\0',
	      "empty quoted value");
	CHECK(value("NAME=\"a \\\"b\\\" \\\\ \\$c\"\n", "NAME") == 10 &&
		  strcmp(out, "a \"b\" \\ $c") == 0,
	      "backslash escapes inside double quotes");
	CHECK(value("NAME='a\\b'\n", "NAME") == 3 && strcmp(out, "a\\b") == 0,
	      "no escapes inside single quotes");
	CHECK(value("NAME=\"x\\n\"\n", "NAME") == 3 && strcmp(out, "x\\n") == 0,
	      "other backslashes kept");
	CHECK(value("NAME=\"unterminated\nID=x\n", "NAME") == -EINVAL && out[0] == '\0',
	      "unterminated double quote");
	CHECK(value("NAME='unterminated\n", "NAME") == -EINVAL, "unterminated single quote");

	char small[4];
	CHECK(osrelease_value("V=1234\n", "V", small, sizeof(small)) == -ENOSPC && small[0] == '\0',
	      "bare value too long");
	CHECK(osrelease_value("V=\"1234\"\n", "V", small, sizeof(small)) == -ENOSPC,
	      "quoted value too long");
	CHECK(osrelease_value("V=123\n", "V", small, sizeof(small)) == 3 &&
		  strcmp(small, "123") == 0,
	      "value that just fits");
	CHECK(osrelease_value("V=1\n", "V", small, 0) == -ENOSPC, "zero-length buffer");
}

int main(void)
{
	test_osrelease();
	return CHECK_DONE();
}
