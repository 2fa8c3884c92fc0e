/* unit: updater/pe.c updater/uki.c lib/cmdline.c lib/errf.c -Iupdater */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pe.h"
#include "uki.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#define LFANEW 0x80
#define OPT_SIZE 240 /* PE32+ optional header with 16 data directories */
#define TABLE (LFANEW + 4 + 20 + OPT_SIZE)
#define FILE_SIZE 0x3000

/* A PE32+ image as objcopy leaves a UKI: .text, .osrel, .cmdline (raw data padded to 512). */
static uint8_t *build(void)
{
	static const char cmdline[] = "console=ttyS0 berth.slot=b";
	uint8_t *f = calloc(1, FILE_SIZE);
	struct {
		const char *name;
		uint32_t vsize, raw, ptr;
	} sec[] = {
	    {".text", 0x100, 0x200, 0x400},
	    {".osrel", 20, 0x200, 0x600},
	    {".cmdline", sizeof(cmdline) - 1, 0x200, 0x800},
	};

	f[0] = 'M';
	f[1] = 'Z';
	put32(f + 0x3c, LFANEW);
	memcpy(f + LFANEW, "PE\0\0", 4);
	put16(f + LFANEW + 4, 0x8664);
	put16(f + LFANEW + 4 + 2, 3);
	put16(f + LFANEW + 4 + 16, OPT_SIZE);
	put16(f + LFANEW + 24, 0x20b);
	for (int i = 0; i < 3; i++) {
		uint8_t *s = f + TABLE + i * 40;
		memcpy(s, sec[i].name, strlen(sec[i].name));
		put32(s + 8, sec[i].vsize);
		put32(s + 16, sec[i].raw);
		put32(s + 20, sec[i].ptr);
	}
	memcpy(f + 0x800, cmdline, sizeof(cmdline) - 1);
	return f;
}

static void test_valid(void)
{
	uint8_t *f = build();
	struct pe_section s = {0, 0};

	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == 0, "finds .cmdline");
	CHECK(s.offset == 0x800 && s.size == 26, ".cmdline: offset and unpadded size");
	CHECK(memcmp(f + s.offset, "console=ttyS0 berth.slot=b", s.size) == 0, ".cmdline bytes");
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".osrel", &s) == 0 && s.offset == 0x600 &&
		  s.size == 20,
	      "finds .osrel");
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".linux", &s) == -ENOENT, "no .linux");
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmd", &s) == -ENOENT,
	      "a prefix of a section name does not match");
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdlines", &s) == -EINVAL,
	      "names longer than 8 refused");
	CHECK(pe_find_section(f, 0x400, FILE_SIZE, ".cmdline", &s) == 0,
	      "the headers alone are enough");

	put32(f + TABLE + 2 * 40 + 8, 0);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == 0 && s.size == 0x200,
	      "virtual size 0: the raw size");
	free(f);
}

static void test_truncated(void)
{
	uint8_t *f = build();
	struct pe_section s;
	int bad = 0;

	/* The bytes we have cut anywhere inside the headers: never found, never a crash. */
	for (size_t len = 0; len < TABLE + 3 * 40; len++) {
		uint8_t *cut = malloc(len ? len : 1);
		memcpy(cut, f, len);
		int r = pe_find_section(cut, len, FILE_SIZE, ".cmdline", &s);
		bad += r != -ENOSPC && !(len < 2 && r == -EINVAL);
		free(cut);
	}
	CHECK(bad == 0, "headers cut short: -ENOSPC");

	/* The file itself cut short: the section table or the section lies past its end. */
	CHECK(pe_find_section(f, 0x100, 0x100, ".cmdline", &s) == -EINVAL,
	      "a file ending inside its section table");
	CHECK(pe_find_section(f, 0x810, 0x810, ".cmdline", &s) == -EINVAL,
	      "a file ending inside the section");
	CHECK(pe_find_section(f, 0x81a, 0x81a, ".cmdline", &s) == 0,
	      "a file ending with the section");
	free(f);
}

static void test_garbage(void)
{
	uint8_t *f = build();
	struct pe_section s;

	f[1] = 'Y';
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL, "no MZ");
	free(f);

	f = build();
	f[LFANEW + 2] = 'X';
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "no PE signature");
	free(f);

	f = build();
	put32(f + 0x3c, 0xfffffff0u);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "e_lfanew past the end (no wrap-around)");
	free(f);

	f = build();
	put16(f + LFANEW + 4 + 2, 0xffff);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "a section count past the file");
	free(f);

	f = build();
	put16(f + LFANEW + 4 + 16, 0xffff);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "an optional header past the file");
	free(f);

	f = build();
	put32(f + TABLE + 2 * 40 + 20, 0xffffff00u);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "raw data pointer past the file (no wrap-around)");
	free(f);

	f = build();
	put32(f + TABLE + 2 * 40 + 16, 0xffffffffu);
	put32(f + TABLE + 2 * 40 + 8, 0);
	CHECK(pe_find_section(f, FILE_SIZE, FILE_SIZE, ".cmdline", &s) == -EINVAL,
	      "raw size past the file");
	free(f);

	/* Random bytes after a valid MZ: whatever comes back, ASan sees no stray read. */
	uint8_t *g = malloc(4096);
	unsigned seed = 1;
	int found = 0;
	for (int round = 0; round < 2000; round++) {
		for (int i = 0; i < 4096; i++) {
			seed = seed * 1103515245u + 12345u;
			g[i] = (uint8_t)(seed >> 16);
		}
		g[0] = 'M';
		g[1] = 'Z';
		g[0x3c] = (uint8_t)(round & 0xff);
		g[0x3d] = (uint8_t)(round & 0x3);
		g[0x3e] = g[0x3f] = 0;
		if (pe_find_section(g, 4096, 4096, ".cmdline", &s) == 0)
			found += s.offset + (uint64_t)s.size > 4096;
	}
	CHECK(found == 0, "random headers: any section found lies inside the file");
	free(g);
	CHECK(pe_find_section(NULL, 0, 0, ".cmdline", &s) == -EINVAL, "NULL head");
}

/* The certificate table: data directory 4 of the PE32+ optional header, at offset 112. */
#define SECURITY_DIR (LFANEW + 24 + 112 + 4 * 8)

static void test_signed(void)
{
	uint8_t *f = build();

	put32(f + LFANEW + 24 + 108, 16); /* NumberOfRvaAndSizes */
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == 0, "no certificate table: not signed");
	put32(f + SECURITY_DIR, 0x2800);
	put32(f + SECURITY_DIR + 4, 0x800);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == 1, "a certificate table at the end: signed");
	CHECK(pe_signed(f, 0x400, FILE_SIZE) == 1, "the headers alone are enough");
	CHECK(pe_signed(f, 0x2900, 0x2900) == -EINVAL, "a certificate table past the file's end");
	put32(f + SECURITY_DIR, 0xfffffff0u);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == -EINVAL, "no wrap-around");
	put32(f + SECURITY_DIR, 0x2800);
	put32(f + LFANEW + 24 + 108, 4);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == 0,
	      "fewer than 5 data directories: no certificate table");
	put32(f + LFANEW + 24 + 108, 16);
	put16(f + LFANEW + 24, 0x10b);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == 0,
	      "PE32: the directories sit 16 bytes earlier (this one is empty)");
	put16(f + LFANEW + 24, 0x999);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == -EINVAL, "unknown optional header magic");
	put16(f + LFANEW + 24, 0x20b);
	put16(f + LFANEW + 4 + 16, 120);
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == -EINVAL,
	      "an optional header too short for directory 4");
	put16(f + LFANEW + 4 + 16, OPT_SIZE);
	CHECK(pe_signed(f, 0x100, FILE_SIZE) == -ENOSPC, "headers cut short");
	f[0] = 'X';
	CHECK(pe_signed(f, FILE_SIZE, FILE_SIZE) == -EINVAL, "not a PE file");
	free(f);
}

#define HASH_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
/* A slot's command line as the build writes it, but for the root hash and the slot. */
#define LINE(hash, slot)                                                              \
	"console=ttyS0 roothash=" hash " systemd.verity_root_data=PARTUUID="          \
	"6e3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b systemd.verity_root_hash=PARTUUID="     \
	"a1b2c3d4-e5f6-4711-8899-aabbccddeeff systemd.verity_root_options=salt=aabb," \
	"data-blocks=1000,hash-offset=0 berth.slot=" slot                             \
	" berth.data=PARTUUID=12345678-9abc-4def-8123-456789abcdef"

/* build()'s UKI with LINE as its .cmdline (at most its 0x200 bytes). */
static uint8_t *build_with(const char *line)
{
	uint8_t *f = build();

	memset(f + 0x800, 0, 0x200);
	memcpy(f + 0x800, line, strlen(line));
	put32(f + TABLE + 2 * 40 + 8, (uint32_t)strlen(line));
	return f;
}

/* uki_check of F for slot b over HASH_A: refused, and ERR has WANT. */
static void uki_refused(uint8_t *f, const char *want, const char *name)
{
	char err[256] = "";
	int r = uki_check(f, FILE_SIZE, 'b', HASH_A, err, sizeof(err));

	CHECK(r == -EINVAL && strstr(err, want), name);
	if (r != -EINVAL || !strstr(err, want))
		printf("#   got %d '%s'\n", r, err);
	free(f);
}

static void test_uki(void)
{
	char err[256];
	uint8_t *f = build_with(LINE(HASH_A, "b"));

	CHECK(uki_check(f, FILE_SIZE, 'b', HASH_A, err, sizeof(err)) == 0,
	      "uki: boots slot b over the bundle's root");
	free(f);
	f = build_with(
	    LINE("FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210", "b"));
	CHECK(uki_check(f, FILE_SIZE, 'b', HASH_B, err, sizeof(err)) == 0,
	      "uki: the command line's roothash in upper case");
	free(f);
	uki_refused(build_with(LINE(HASH_A, "a")), "boots slot a, not b", "uki: the other slot");
	uki_refused(build_with(LINE(HASH_B, "b")), "has roothash " HASH_B,
		    "uki: another root hash");
	f = build_with(LINE(HASH_A, "b"));
	memcpy(f + TABLE + 2 * 40, ".data\0\0\0", 8);
	uki_refused(f, "no .cmdline section", "uki: no .cmdline");
	uki_refused(build(),
		    "its command line: ", "uki: a command line without berth's parameters");
	f = build_with(LINE(HASH_A, "b"));
	f[0] = 'X';
	uki_refused(f, "not a PE file", "uki: not a PE file");
	CHECK(uki_check(NULL, 0, 'b', HASH_A, err, sizeof(err)) == -EINVAL, "uki: an empty UKI");

	static uint8_t big[4097];
	struct boot_params p;
	memset(big, ' ', sizeof(big));
	CHECK(uki_params(big, sizeof(big) - 1, &p, NULL, 0) == -EINVAL &&
		  uki_params(big, sizeof(big), &p, err, sizeof(err)) == -EINVAL &&
		  strstr(err, "longer than 4096"),
	      "uki: a command line of 4096 bytes is read, a longer one refused");
}

int main(void)
{
	test_valid();
	test_truncated();
	test_garbage();
	test_signed();
	test_uki();
	return CHECK_DONE();
}
