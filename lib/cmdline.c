/* The kernel command line: its writer and its parser (see cmdline.h). */
#include "cmdline.h"
#include "errf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Long enough for any well-formed value we accept; longer ones are rejected. */
#define VALUE_MAX ((CMDLINE_SIG_MAX + 2) / 3 * 4 + 1)

/* The keys from K_OPTIONAL on may be absent. */
enum key { K_ROOTHASH, K_DATA, K_HASH, K_OPTIONS, K_SLOT, K_VAR, K_SIG, K_INSTALL, K_COUNT };
#define K_OPTIONAL K_SIG

static const char *const key_names[K_COUNT] = {
    [K_ROOTHASH] = "roothash",
    [K_DATA] = "systemd.verity_root_data",
    [K_HASH] = "systemd.verity_root_hash",
    [K_OPTIONS] = "systemd.verity_root_options",
    [K_SLOT] = "berth.slot",
    [K_VAR] = "berth.data",
    [K_SIG] = "berth.roothash_sig",
    [K_INSTALL] = CMDLINE_INSTALL_KEY,
};

struct raw {
	char value[K_COUNT][VALUE_MAX];
	bool seen[K_COUNT];
	bool too_long[K_COUNT];
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[n] = '\0';
}

bool cmdline_next(const char **pos, char *tok, size_t toklen, bool *cut, bool *unclosed)
{
	const char *s = *pos;
	bool quoted = false;
	size_t n = 0;

	while (is_space(*s))
		s++;
	if (!*s)
		return false;
	*cut = false;
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < toklen)
			tok[n++] = *s;
		else
			*cut = true;
	}
	tok[n] = '\0';
	*unclosed = quoted;
	*pos = s;
	return true;
}

static void collect(const char *line, struct raw *raw)
{
	char tok[VALUE_MAX + 64];
	bool truncated, unclosed;

	while (cmdline_next(&line, tok, sizeof(tok), &truncated, &unclosed)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (int k = 0; k < K_COUNT; k++) {
			if (strcmp(tok, key_names[k]) != 0)
				continue;
			/* A later duplicate wins, including over an earlier bad value. */
			raw->seen[k] = true;
			raw->too_long[k] = truncated || strlen(eq + 1) >= VALUE_MAX;
			snprintf(raw->value[k], VALUE_MAX, "%s", eq + 1);
		}
	}
}

/* Strict decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool valid_uuid(const char *s)
{
	if (strlen(s) != CMDLINE_UUID_LEN)
		return false;
	for (int i = 0; i < CMDLINE_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int parse_partuuid(const char *key, const char *value, char *out, char *err, size_t errlen)
{
	static const char prefix[] = "PARTUUID=";

	if (strncmp(value, prefix, sizeof(prefix) - 1) != 0)
		return errf(err, errlen, "%s= must be PARTUUID=<uuid>", key);
	value += sizeof(prefix) - 1;
	if (!valid_uuid(value))
		return errf(err, errlen, "%s=: bad UUID \"%s\"", key, value);
	lower_copy(out, value, CMDLINE_UUID_LEN);
	return 0;
}

static int parse_roothash(const char *value, struct boot_params *p, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (n != 64 || !all_hex(value, n))
		return errf(err, errlen, "roothash= must be 64 hex digits (sha256)");
	lower_copy(p->roothash, value, n);
	return 0;
}

static int parse_salt(const char *value, struct boot_params *p, char *err, size_t errlen)
{
	size_t n = strlen(value);

	if (strcmp(value, "-") == 0) {
		p->salt[0] = '\0';
		return 0;
	}
	if (n == 0 || n % 2 || n > 128 || !all_hex(value, n))
		return errf(err, errlen,
			    "salt= must be \"-\" or an even number of hex digits (max 128)");
	lower_copy(p->salt, value, n);
	return 0;
}

static int parse_option(char *opt, struct boot_params *p, bool seen[3], char *err, size_t errlen)
{
	char *eq = strchr(opt, '=');
	const char *val = eq ? eq + 1 : NULL;

	if (eq)
		*eq = '\0';
	if (strcmp(opt, "salt") == 0 && val) {
		seen[0] = true;
		return parse_salt(val, p, err, errlen);
	}
	if (strcmp(opt, "data-blocks") == 0 && val) {
		seen[1] = true;
		/* The table length is data_blocks * 8 sectors: keep it in range. */
		if (!parse_u64(val, &p->data_blocks) || p->data_blocks == 0 ||
		    p->data_blocks > UINT64_MAX / 8)
			return errf(err, errlen, "data-blocks= must be a decimal number > 0");
		return 0;
	}
	if (strcmp(opt, "hash-offset") == 0 && val) {
		seen[2] = true;
		if (!parse_u64(val, &p->hash_offset) || p->hash_offset % 4096)
			return errf(err, errlen,
				    "hash-offset= must be a decimal multiple of 4096 bytes");
		return 0;
	}
	if (strcmp(opt, "restart-on-corruption") == 0 && !val) {
		p->on_corruption = ON_CORRUPTION_RESTART;
		return 0;
	}
	if (strcmp(opt, "panic-on-corruption") == 0 && !val) {
		p->on_corruption = ON_CORRUPTION_PANIC;
		return 0;
	}
	return errf(err, errlen, "systemd.verity_root_options=: unknown option \"%s\"", opt);
}

static int parse_options(char *value, struct boot_params *p, char *err, size_t errlen)
{
	static const char *const required[3] = {"salt=", "data-blocks=", "hash-offset="};
	bool seen[3] = {false, false, false};
	char *save = NULL;

	p->on_corruption = ON_CORRUPTION_EIO;
	for (char *opt = strtok_r(value, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		int r = parse_option(opt, p, seen, err, errlen);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < 3; i++)
		if (!seen[i])
			return errf(err, errlen,
				    "missing %s in systemd.verity_root_options=", required[i]);
	return 0;
}

static const char b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_digit(char c)
{
	const char *at = c ? strchr(b64_digits, c) : NULL;

	return at ? (int)(at - b64_digits) : -1;
}

int cmdline_base64_decode(const char *in, unsigned char *out, size_t len)
{
	size_t n = strlen(in), o = 0;

	if (n == 0 || n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int d[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			d[j] = b64_digit(in[i + j]);
			/* Padding only in the last group, and only at its end. */
			if (in[i + j] == '=' && i + 4 == n && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				d[j] = 0;
				pad++;
			} else if (d[j] < 0) {
				return -EINVAL;
			}
		}
		unsigned v = (unsigned)d[0] << 18 | (unsigned)d[1] << 12 | (unsigned)d[2] << 6 |
			     (unsigned)d[3];
		if (o + 3 - (size_t)pad > len)
			return -ENOSPC;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (int)o;
}

static int parse_sig(const char *value, struct boot_params *p, char *err, size_t errlen)
{
	int n = cmdline_base64_decode(value, p->roothash_sig, sizeof(p->roothash_sig));

	if (n < 0)
		return errf(err, errlen, "berth.roothash_sig= must be base64 of at most %d bytes",
			    CMDLINE_SIG_MAX);
	p->roothash_sig_len = (size_t)n;
	return 0;
}

static int parse_value(enum key k, char *value, struct boot_params *p, char *err, size_t errlen)
{
	switch (k) {
	case K_ROOTHASH:
		return parse_roothash(value, p, err, errlen);
	case K_DATA:
		return parse_partuuid(key_names[k], value, p->root_uuid, err, errlen);
	case K_HASH:
		return parse_partuuid(key_names[k], value, p->verity_uuid, err, errlen);
	case K_VAR:
		return parse_partuuid(key_names[k], value, p->data_uuid, err, errlen);
	case K_OPTIONS:
		return parse_options(value, p, err, errlen);
	case K_SLOT:
		if (strcmp(value, "a") != 0 && strcmp(value, "b") != 0)
			return errf(err, errlen, "berth.slot= must be a or b");
		p->slot = value[0];
		return 0;
	case K_SIG:
		return parse_sig(value, p, err, errlen);
	case K_INSTALL:
		/* Its value is berth-install's to judge (installer/install.h). */
		p->install = true;
		return 0;
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

int cmdline_parse(const char *line, struct boot_params *p, char *err, size_t errlen)
{
	struct raw raw;

	memset(p, 0, sizeof(*p));
	memset(&raw, 0, sizeof(raw));
	if (err && errlen)
		err[0] = '\0';
	if (!line)
		return errf(err, errlen, "no kernel command line");
	collect(line, &raw);
	for (int k = 0; k < K_COUNT; k++) {
		if (!raw.seen[k] && k >= K_OPTIONAL)
			continue;
		if (!raw.seen[k])
			return errf(err, errlen, "missing %s=", key_names[k]);
		if (raw.too_long[k])
			return errf(err, errlen, "%s= is too long", key_names[k]);
		int r = parse_value((enum key)k, raw.value[k], p, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

/* IN as standard base64 with '=' padding, what cmdline_base64_decode reads; OUT has room. */
static void base64_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		*out++ = b64_digits[v >> 18 & 63];
		*out++ = b64_digits[v >> 12 & 63];
		*out++ = i + 1 < n ? b64_digits[v >> 6 & 63] : '=';
		*out++ = i + 2 < n ? b64_digits[v & 63] : '=';
	}
	*out = '\0';
}

int cmdline_format(const struct boot_params *p, const char *user, char *out, size_t len)
{
	static const char *const on_corruption[] = {
	    [ON_CORRUPTION_EIO] = "",
	    [ON_CORRUPTION_RESTART] = ",restart-on-corruption",
	    [ON_CORRUPTION_PANIC] = ",panic-on-corruption",
	};
	char sig[(CMDLINE_SIG_MAX + 2) / 3 * 4 + 1];

	if (p->roothash_sig_len > CMDLINE_SIG_MAX)
		return -EINVAL;
	base64_encode(p->roothash_sig, p->roothash_sig_len, sig);
	int n =
	    snprintf(out, len,
		     "%s%s%s=%s %s=PARTUUID=%s %s=PARTUUID=%s %s=salt=%s,data-blocks=%llu,"
		     "hash-offset=%llu%s %s=%c %s=PARTUUID=%s%s%s%s%s",
		     user, *user ? " " : "", key_names[K_ROOTHASH], p->roothash, key_names[K_DATA],
		     p->root_uuid, key_names[K_HASH], p->verity_uuid, key_names[K_OPTIONS],
		     p->salt[0] ? p->salt : "-", (unsigned long long)p->data_blocks,
		     (unsigned long long)p->hash_offset, on_corruption[p->on_corruption],
		     key_names[K_SLOT], p->slot, key_names[K_VAR], p->data_uuid,
		     p->roothash_sig_len ? " " : "", p->roothash_sig_len ? key_names[K_SIG] : "",
		     p->roothash_sig_len ? "=" : "", p->roothash_sig_len ? sig : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}
