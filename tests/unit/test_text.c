/* unit: lib/text.c */
#include <errno.h>
#include <string.h>

#include "../../lib/text.h"
#include "check.h"

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

static void test_first_line(void)
{
	CHECK(first_line("berth-1\n", out, sizeof(out)) == 7 && strcmp(out, "berth-1") == 0,
	      "plain line");
	CHECK(first_line("  node7 \t\nsecond\n", out, sizeof(out)) == 5 &&
		  strcmp(out, "node7") == 0,
	      "trimmed, only the first line");
	CHECK(first_line("ttyS0", out, sizeof(out)) == 5 && strcmp(out, "ttyS0") == 0,
	      "no newline");
	CHECK(first_line("ttyS0\r\n", out, sizeof(out)) == 5, "CRLF");
	CHECK(first_line("", out, sizeof(out)) == -ENOENT, "empty text");
	CHECK(first_line(" \t\nname\n", out, sizeof(out)) == -ENOENT, "blank first line");
	char small[4];
	CHECK(first_line("abcd\n", small, sizeof(small)) == -ENOSPC, "too long");
	CHECK(first_line("abc\n", small, sizeof(small)) == 3, "just fits");
}

static void test_tty(void)
{
	CHECK(tty_name_ok("ttyS0"), "ttyS0");
	CHECK(tty_name_ok("hvc0"), "hvc0");
	CHECK(tty_name_ok("ttyAMA0"), "ttyAMA0");
	CHECK(!tty_name_ok(""), "empty");
	CHECK(!tty_name_ok("../sda"), "parent path");
	CHECK(!tty_name_ok("pts/0"), "slash");
	CHECK(!tty_name_ok(".."), "dot-dot");
	CHECK(!tty_name_ok("tty S0"), "space");
	CHECK(!tty_name_ok("ttyS0ttyS0ttyS0ttyS0ttyS0ttyS0ttyS0"), "over 32 characters");
}

static void test_machine_id(void)
{
	char id[MACHINE_ID_LEN + 2], copy[MACHINE_ID_LEN + 2];
	const char *good = "0123456789abcdef0123456789abcdef";

	CHECK(machine_id_parse("0123456789abcdef0123456789abcdef\n", id) == 0 &&
		  strcmp(id, "0123456789abcdef0123456789abcdef\n") == 0,
	      "machine id with its newline");
	CHECK(machine_id_parse(good, id) == 0 && strlen(id) == 33 && id[32] == '\n',
	      "machine id without a newline gets one");
	CHECK(machine_id_parse("", id) == -EINVAL, "empty machine id");
	CHECK(machine_id_parse("\n", id) == -EINVAL, "machine id file with just a newline");
	CHECK(machine_id_parse("0123456789abcdef0123456789abcde\n", id) == -EINVAL, "31 digits");
	CHECK(machine_id_parse("0123456789abcdef0123456789abcdef0\n", id) == -EINVAL, "33 digits");
	CHECK(machine_id_parse("0123456789ABCDEF0123456789abcdef\n", id) == -EINVAL,
	      "upper-case digits");
	CHECK(machine_id_parse("0123456789abcdeg0123456789abcdef\n", id) == -EINVAL, "not hex");
	CHECK(machine_id_parse("01234567-89ab-cdef-0123-456789abcdef\n", id) == -EINVAL,
	      "UUID with dashes");
	CHECK(machine_id_parse("0123456789abcdef0123456789abcdef\n\n", id) == -EINVAL,
	      "two newlines");
	CHECK(machine_id_parse("0123456789abcdef0123456789abcdef \n", id) == -EINVAL,
	      "trailing blank");
	CHECK(machine_id_parse("00000000000000000000000000000000\n", id) == -EINVAL,
	      "all zero is no id");

	unsigned char raw[16];
	memset(raw, 0xff, sizeof(raw));
	machine_id_format(raw, id);
	CHECK(strcmp(id, "ffffffffffff4fffbfffffffffffffff\n") == 0,
	      "formatted id is a version-4, variant-1 UUID");
	memset(raw, 0, sizeof(raw));
	machine_id_format(raw, id);
	CHECK(strcmp(id, "00000000000040008000000000000000\n") == 0 &&
		  machine_id_parse(id, copy) == 0,
	      "zero bytes still make a valid id");
	for (int i = 0; i < 16; i++)
		raw[i] = (unsigned char)(i * 17);
	machine_id_format(raw, id);
	CHECK(strcmp(id, "00112233445546778899aabbccddeeff\n") == 0,
	      "bytes in order, lower-case hex");
}

int main(void)
{
	test_osrelease();
	test_first_line();
	test_tty();
	test_machine_id();
	return CHECK_DONE();
}
