/* unit: lib/entry.c lib/version.c -Iupdater */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "entry.h"

static void test_parse(void)
{
	static const struct {
		const char *file, *name, *version;
		int left, done;
		enum entry_state state;
	} ok[] = {
	    {"berth_0.1.0.efi", "berth", "0.1.0", -1, -1, ENTRY_GOOD},
	    {"berth_0.2.0+3.efi", "berth", "0.2.0", 3, -1, ENTRY_PENDING},
	    {"berth_0.2.0+2-1.efi", "berth", "0.2.0", 2, 1, ENTRY_PENDING},
	    {"berth_0.2.0+0-3.efi", "berth", "0.2.0", 0, 3, ENTRY_BAD},
	    {"berth_0.2.0+0.efi", "berth", "0.2.0", 0, -1, ENTRY_BAD},
	    {"my_os_1.0.0-rc.1+1-2.EFI", "my_os", "1.0.0-rc.1", 1, 2, ENTRY_PENDING},
	    {"edge-1.x_10.20.30-a-b.efi", "edge-1.x", "10.20.30-a-b", -1, -1, ENTRY_GOOD},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct entry_name e;
		int r = entry_parse(ok[i].file, &e);
		CHECK(r == 0 && strcmp(e.name, ok[i].name) == 0 &&
			  strcmp(e.version, ok[i].version) == 0 && e.left == ok[i].left &&
			  e.done == ok[i].done && entry_state(&e) == ok[i].state,
		      ok[i].file);
	}

	static const char *const bad[] = {
	    "berth_0.1.0",
	    "berth_0.1.0.conf",
	    "berth-0.1.0.efi",
	    "_0.1.0.efi",
	    "berth_.efi",
	    "berth_0.1.efi",
	    "berth_0.1.0+.efi",
	    "berth_0.1.0+a.efi",
	    "berth_0.1.0+1-.efi",
	    "berth_0.1.0+1-2-3.efi",
	    "berth_0.1.0+-1.efi",
	    "berth_0.1.0+1+2.efi",
	    "ber th_0.1.0.efi",
	    "berth/x_0.1.0.efi",
	    "berth_0.1.0+1234567890.efi",
	    ".efi",
	    "",
	    "berth_0.1.0-.efi",
	    "uki.efi",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct entry_name e;
		char name[80];
		snprintf(name, sizeof(name), "refused: \"%s\"", bad[i]);
		CHECK(entry_parse(bad[i], &e) == -EINVAL, name);
	}
	struct entry_name e;
	CHECK(entry_parse(NULL, &e) == -EINVAL, "NULL refused");
}

static void test_format(void)
{
	struct entry_name e;
	char out[ENTRY_FILE_MAX];

	entry_parse("berth_0.2.0+2-1.efi", &e);
	e.left = e.done = -1;
	CHECK(entry_format(&e, out, sizeof(out)) == 15 && !strcmp(out, "berth_0.2.0.efi"),
	      "marked good: the counter dropped");
	entry_parse("berth_0.2.0+2-1.efi", &e);
	e.left = 0;
	CHECK(entry_format(&e, out, sizeof(out)) > 0 && !strcmp(out, "berth_0.2.0+0-1.efi"),
	      "marked bad: tries done kept");
	entry_parse("berth_0.2.0.efi", &e);
	e.left = 0;
	CHECK(entry_format(&e, out, sizeof(out)) > 0 && !strcmp(out, "berth_0.2.0+0.efi"),
	      "a counter-less entry marked bad");
	e.left = ENTRY_TRIES;
	CHECK(entry_format(&e, out, sizeof(out)) > 0 && !strcmp(out, "berth_0.2.0+3.efi"),
	      "a fresh entry");
	CHECK(entry_format(&e, out, 17) == -ENOSPC, "no room");
	e.left = -1;
	e.done = 2;
	CHECK(entry_format(&e, out, sizeof(out)) == -EINVAL, "tries done without a counter");
	e.done = -1;
	strcpy(e.name, "a/b");
	CHECK(entry_format(&e, out, sizeof(out)) == -EINVAL, "a name with a slash");
	strcpy(e.name, "berth");
	strcpy(e.version, "1.0");
	CHECK(entry_format(&e, out, sizeof(out)) == -EINVAL, "a bad version");
}

static void test_order(void)
{
	/* systemd-boot's menu order. */
	static const char *const files[] = {"berth_0.10.0+2-1.efi", "berth_0.9.0.efi",
					    "berth_0.9.0-rc.1+3.efi", "berth_1.0.0+0-3.efi",
					    "berth_0.1.0+0.efi"};
	struct entry_name e[5];
	int n = 0;

	for (int i = 0; i < 5; i++)
		n += entry_parse(files[i], &e[i]) == 0;
	CHECK(n == 5, "order: test names parse");
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++) {
			char name[120];
			int o = entry_order(&e[i], &e[j]);
			snprintf(name, sizeof(name), "%s %s %s", files[i],
				 i < j ? "before" : "after", files[j]);
			if (i != j)
				CHECK(i < j ? o < 0 : o > 0, name);
		}
	struct entry_name a, b;
	entry_parse("berth_1.0.0.efi", &a);
	entry_parse("berth_1.0.0+3.efi", &b);
	CHECK(entry_order(&a, &b) < 0 && entry_order(&b, &a) > 0,
	      "same version: the good entry first");
}

/* LoaderBootCountPath as efivarfs shows it: attributes, then UTF-16LE. */
static size_t var(uint8_t *buf, const char *path, int nul)
{
	size_t n = 4;
	buf[0] = 7;
	buf[1] = buf[2] = buf[3] = 0;
	for (const char *p = path; *p; p++) {
		buf[n++] = (uint8_t)*p;
		buf[n++] = 0;
	}
	if (nul) {
		buf[n++] = 0;
		buf[n++] = 0;
	}
	return n;
}

static void test_boot_count_path(void)
{
	uint8_t buf[600];
	char out[256];
	size_t n;

	n = var(buf, "\\EFI\\Linux\\berth_0.2.0+2-1.efi", 1);
	CHECK(boot_count_path(buf, n, out, sizeof(out)) == 0 &&
		  !strcmp(out, "/EFI/Linux/berth_0.2.0+2-1.efi"),
	      "path with a NUL");
	n = var(buf, "\\EFI\\Linux\\berth_0.2.0+2-1.efi", 0);
	CHECK(boot_count_path(buf, n, out, sizeof(out)) == 0 &&
		  !strcmp(out, "/EFI/Linux/berth_0.2.0+2-1.efi"),
	      "path without a NUL");
	CHECK(boot_count_path(buf, n - 1, out, sizeof(out)) == -EINVAL, "odd length");
	CHECK(boot_count_path(buf, 3, out, sizeof(out)) == -EINVAL, "shorter than the attributes");
	CHECK(boot_count_path(buf, 4, out, sizeof(out)) == -EINVAL, "no path");
	CHECK(boot_count_path(buf, n, out, 10) == -ENOSPC, "no room");

	static const char *const bad[] = {"EFI\\x.efi",
					  "\\EFI\\..\\x.efi",
					  "\\EFI\\\\x.efi",
					  "\\EFI\\.\\x.efi",
					  "\\EFI/x.efi",
					  "\\EFI\\",
					  "\\"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = var(buf, bad[i], 1);
		CHECK(boot_count_path(buf, n, out, sizeof(out)) == -EINVAL, bad[i]);
	}
	n = var(buf, "\\EFI\\x.efi", 1);
	buf[7] = 0x20; /* a non-ASCII unit */
	CHECK(boot_count_path(buf, n, out, sizeof(out)) == -EINVAL, "non-ASCII refused");
	n = var(buf, "\\EFI\\x\001.efi", 1);
	CHECK(boot_count_path(buf, n, out, sizeof(out)) == -EINVAL, "control characters refused");
}

/* Files that FAT, ignoring letter case, would give one name once their counters are dropped. */
static void test_same_release(void)
{
	static const struct {
		const char *a, *b;
		bool same;
	} cases[] = {
	    {"berth_0.2.0.efi", "berth_0.2.0+3.efi", true},
	    {"berth_0.2.0+0-3.efi", "berth_0.2.0+2-1.efi", true},
	    {"berth_1.0.0-rc.efi", "berth_1.0.0-RC+3.efi", true},
	    {"Berth_1.0.0.efi", "berth_1.0.0+3.efi", true},
	    {"berth_0.2.0.efi", "berth_0.2.1+3.efi", false},
	    {"berth_1.0.0-rc.efi", "berth_1.0.0-rc.1+3.efi", false},
	    {"berth_1.0.0.efi", "berth2_1.0.0+3.efi", false},
	    {"my_os_1.0.0.efi", "my_1.0.0+3.efi", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct entry_name a, b;
		char name[96];
		snprintf(name, sizeof(name), "same release: %s and %s: %s", cases[i].a, cases[i].b,
			 cases[i].same ? "yes" : "no");
		CHECK(entry_parse(cases[i].a, &a) == 0 && entry_parse(cases[i].b, &b) == 0 &&
			  entry_same_release(&a, &b) == cases[i].same &&
			  entry_same_release(&b, &a) == cases[i].same,
		      name);
	}
}

int main(void)
{
	test_parse();
	test_format();
	test_order();
	test_same_release();
	test_boot_count_path();
	return CHECK_DONE();
}
