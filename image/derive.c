/* Identifiers and verity parameters of the image (see derive.h). */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "errf.h"

void derive_uuid(const char *name, const char *label, char out[CMDLINE_UUID_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	/* The NULs too: ("ab", "c") and ("a", "bc") differ. */
	crypto_hash_sha256_update(&st, (const unsigned char *)"berth", 6);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)label, strlen(label));
	crypto_hash_sha256_final(&st, h);
	h[6] = (h[6] & 0x0f) | 0x40;
	h[8] = (h[8] & 0x3f) | 0x80;
	snprintf(out, CMDLINE_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
		 h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
		 h[15]);
}

void derive_salt(const char *name, const char *compatible, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"berth", 6);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)"verity-salt", 12);
	crypto_hash_sha256_update(&st, (const unsigned char *)compatible, strlen(compatible));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* The value of the line "KEY:  value" in TEXT into BUF; 0 or -EINVAL. */
static int field(const char *text, const char *key, char *buf, size_t len, char *err, size_t errlen)
{
	size_t klen = strlen(key);

	for (const char *line = text, *next; *line; line = next) {
		size_t n = strcspn(line, "\n");
		next = line + n + (line[n] == '\n');
		if (n <= klen + 1 || strncmp(line, key, klen) || line[klen] != ':')
			continue;
		const char *v = line + klen + 1 + strspn(line + klen + 1, " \t");
		n -= (size_t)(v - line);
		if (n == 0 || n >= len)
			break;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return 0;
	}
	return errf(err, errlen, "no %s", key);
}

static bool lower_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && n >= min && n <= max && n % 2 == 0;
}

int veritysetup_parse(const char *text, struct boot_params *p, char *err, size_t errlen)
{
	char blocks[32], *end;

	if (field(text, "Root hash", p->roothash, sizeof(p->roothash), err, errlen) ||
	    field(text, "Salt", p->salt, sizeof(p->salt), err, errlen) ||
	    field(text, "Data blocks", blocks, sizeof(blocks), err, errlen))
		return -EINVAL;
	/* berth's root hash is a SHA-256, and its salt another one. */
	if (!lower_hex(p->roothash, 64, 64))
		return errf(err, errlen, "bad root hash '%s'", p->roothash);
	if (!lower_hex(p->salt, 2, 128))
		return errf(err, errlen, "bad salt '%s'", p->salt);
	errno = 0;
	p->data_blocks = strtoull(blocks, &end, 10);
	if (blocks[0] < '1' || blocks[0] > '9' || *end || errno)
		return errf(err, errlen, "bad data block count '%s'", blocks);
	return 0;
}
