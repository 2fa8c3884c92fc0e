/* unit: init/names.c */
/* berth-init's text helpers (init/names.c): first lines, tty names, machine ids. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "names.h"

static char out[64];

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
	test_first_line();
	test_tty();
	test_machine_id();
	return CHECK_DONE();
}
