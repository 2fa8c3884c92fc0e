/*
 * Update bundle header and manifest (format in bundle.h). berth-update
 * parses what the network handed it with these functions, so they are
 * strict: one spelling per value, so that the bytes the signature covers
 * say exactly one thing, and parse(write(m)) gives back M. Pure C without
 * libyaml or libsodium: it builds with musl for the device as well.
 */
#include "bundle.h"
#include "contract.h"
#include "errf.h"
#include "le.h"
#include "version.h"
#include "words.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WORDS_MAX 4 /* "payload NAME SIZE SHA256" */

static const char *const payload_names[BUNDLE_PAYLOADS] = {
    [PAYLOAD_ROOT] = "root",
    [PAYLOAD_VERITY] = "verity",
    [PAYLOAD_UKI_A] = "uki-a",
    [PAYLOAD_UKI_B] = "uki-b",
};

const char *bundle_payload_name(enum bundle_payload p)
{
	return (unsigned)p < BUNDLE_PAYLOADS ? payload_names[p] : NULL;
}

/* ---- header ---- */

int bundle_header_parse(const uint8_t buf[BUNDLE_HEADER_SIZE], struct bundle_header *h, char *err,
			size_t errlen)
{
	uint32_t format = (uint32_t)le_get(buf + 8, 4), len = (uint32_t)le_get(buf + 12, 4),
		 sigs = (uint32_t)le_get(buf + 16, 4);

	if (memcmp(buf, BUNDLE_MAGIC, 8))
		return errf(err, errlen, "not a berth update bundle (no %s magic)", BUNDLE_MAGIC);
	if (format == 0 || format > BUNDLE_FORMAT_MAX)
		return errf(err, errlen, "bundle format %u, this reader knows 1 to %d", format,
			    BUNDLE_FORMAT_MAX);
	if (len == 0 || len > BUNDLE_MANIFEST_MAX)
		return errf(err, errlen, "manifest length %u, not 1 to %d", len,
			    BUNDLE_MANIFEST_MAX);
	if (sigs > BUNDLE_SIGS_MAX)
		return errf(err, errlen, "%u signatures, at most %d", sigs, BUNDLE_SIGS_MAX);
	if ((uint32_t)le_get(buf + 20, 4))
		return errf(err, errlen, "header bytes 20-23 are not zero");
	h->format = format;
	h->manifest_len = len;
	h->sig_count = sigs;
	return 0;
}

void bundle_header_write(uint8_t buf[BUNDLE_HEADER_SIZE], const struct bundle_header *h)
{
	memcpy(buf, BUNDLE_MAGIC, 8);
	le_put(buf + 8, h->format, 4);
	le_put(buf + 12, h->manifest_len, 4);
	le_put(buf + 16, h->sig_count, 4);
	le_put(buf + 20, 0, 4);
}

/* ---- values: each check says why the N bytes at S are bad, or NULL ---- */

static bool in_set(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* The manifest's rule for names (contract.h), as its messages put it. */
static const char *check_name(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN)
		return "bad name: 1 to 32 characters";
	if (!name_valid(s, n))
		return "bad name: [a-z0-9][a-z0-9-]*, not ending with '-'";
	return NULL;
}

/* lib/version.c's rule (as the manifest's), on a field that is not NUL-terminated. */
static const char *check_version(const char *s, size_t n)
{
	char v[65];
	char *dash;

	if (n >= sizeof(v))
		return "bad version: longer than 64 characters";
	memcpy(v, s, n);
	v[n] = '\0';
	if (version_valid(v))
		return NULL;
	dash = strchr(v, '-');
	if (dash)
		*dash = '\0';
	if (!dash || !version_valid(v))
		return "bad version: expected MAJOR.MINOR.PATCH[-PRERELEASE]";
	return "bad version: the prerelease part is 1 to 32 of [A-Za-z0-9.-]";
}

static const char *check_compatible(const char *s, size_t n)
{
	return compatible_valid(s, n) ? NULL : "bad compatible: 1 to 64 of [a-z0-9._-]";
}

static bool is_hex64(const char *s, size_t n)
{
	return n == 64 && in_set(s, n, "0123456789abcdef");
}

static void hex_to_bin(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
		int lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

static void bin_to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

_Static_assert(SECURITY_EPOCH_MAX == 65535 && BUNDLE_UKI_MAX == 1073741824 &&
		   BUNDLE_IMAGE_MAX == 1099511627776 && BUNDLE_SALT_MAX == 64,
	       "the messages below name the limits");

/* Payload P's size: at most BUNDLE_IMAGE_MAX, or BUNDLE_UKI_MAX for a UKI. */
static const char *parse_size(const char *s, size_t n, enum bundle_payload p, uint64_t *out)
{
	bool uki = p == PAYLOAD_UKI_A || p == PAYLOAD_UKI_B;
	uint64_t v = 0;

	if (n == 0 || !in_set(s, n, "0123456789") || (n > 1 && s[0] == '0'))
		return "bad size: a decimal number without leading zeros";
	for (size_t i = 0; i < n; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return "bad size: more than 64 bits";
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uki ? BUNDLE_UKI_MAX : BUNDLE_IMAGE_MAX))
		return uki ? "bad size: a UKI is at most 1073741824 bytes (1 GiB)"
			   : "bad size: an image is at most 1099511627776 bytes (1 TiB)";
	*out = v;
	return NULL;
}

/* ---- manifest ---- */

static void copy(char *dst, const struct word *f)
{
	memcpy(dst, f->s, f->n);
	dst[f->n] = '\0';
}

/* What a manifest line holds. */
enum line { FORMAT, NAME, VERSION, COMPATIBLE, EPOCH, ROOTHASH, SALT, PAYLOAD, END = PAYLOAD + 4 };
#define LINES_MAX 11 /* format 3's */

/* Each format's lines in order, END after the last. */
static const enum line lines[BUNDLE_FORMAT_MAX][LINES_MAX + 1] = {
    {FORMAT, NAME, VERSION, COMPATIBLE, ROOTHASH, PAYLOAD + PAYLOAD_ROOT, PAYLOAD + PAYLOAD_VERITY,
     PAYLOAD + PAYLOAD_UKI_A, PAYLOAD + PAYLOAD_UKI_B, END},
    {FORMAT, NAME, VERSION, COMPATIBLE, EPOCH, ROOTHASH, PAYLOAD + PAYLOAD_ROOT,
     PAYLOAD + PAYLOAD_VERITY, PAYLOAD + PAYLOAD_UKI_A, PAYLOAD + PAYLOAD_UKI_B, END},
    {FORMAT, NAME, VERSION, COMPATIBLE, EPOCH, ROOTHASH, SALT, PAYLOAD + PAYLOAD_VERITY,
     PAYLOAD + PAYLOAD_ROOT, PAYLOAD + PAYLOAD_UKI_A, PAYLOAD + PAYLOAD_UKI_B, END},
};

/* The payloads in each format's order. */
static const enum bundle_payload orders[BUNDLE_FORMAT_MAX][BUNDLE_PAYLOADS] = {
    {PAYLOAD_ROOT, PAYLOAD_VERITY, PAYLOAD_UKI_A, PAYLOAD_UKI_B},
    {PAYLOAD_ROOT, PAYLOAD_VERITY, PAYLOAD_UKI_A, PAYLOAD_UKI_B},
    {PAYLOAD_VERITY, PAYLOAD_ROOT, PAYLOAD_UKI_A, PAYLOAD_UKI_B},
};

const enum bundle_payload *bundle_payload_order(unsigned format)
{
	return format >= 1 && format <= BUNDLE_FORMAT_MAX ? orders[format - 1] : NULL;
}

/* What a line of each kind must look like. */
static const char *const want[END] = {
    [FORMAT] = "expected \"format 1\", \"format 2\" or \"format 3\"",
    [NAME] = "expected \"name NAME\"",
    [VERSION] = "expected \"version VERSION\"",
    [COMPATIBLE] = "expected \"compatible COMPATIBLE\"",
    [EPOCH] = "expected \"epoch EPOCH\"",
    [ROOTHASH] = "expected \"roothash HEX\"",
    [SALT] = "expected \"salt HEX\"",
    [PAYLOAD + PAYLOAD_ROOT] = "expected \"payload root SIZE SHA256\"",
    [PAYLOAD + PAYLOAD_VERITY] = "expected \"payload verity SIZE SHA256\"",
    [PAYLOAD + PAYLOAD_UKI_A] = "expected \"payload uki-a SIZE SHA256\"",
    [PAYLOAD + PAYLOAD_UKI_B] = "expected \"payload uki-b SIZE SHA256\"",
};

static const char *parse_payload(size_t p, const struct word f[WORDS_MAX], int n,
				 struct bundle_manifest *m)
{
	if (n != 4 || !word_is(&f[0], "payload") || !word_is(&f[1], payload_names[p]))
		return want[PAYLOAD + p];
	const char *why = parse_size(f[2].s, f[2].n, (enum bundle_payload)p, &m->payload[p].size);
	if (!why && !is_hex64(f[3].s, f[3].n))
		why = "bad sha256: 64 lower-case hex digits";
	if (!why)
		hex_to_bin(f[3].s, m->payload[p].sha256, 32);
	return why;
}

/* A line of kind K into M (its format from the first line); why it is bad, or NULL. */
static const char *parse_line(enum line k, const char *line, size_t len, struct bundle_manifest *m)
{
	static const char *const keys[] = {"format", "name",	 "version", "compatible",
					   "epoch",  "roothash", "salt"};
	struct word f[WORDS_MAX];
	int n = words_split(line, len, f, WORDS_MAX);
	const char *why = NULL;

	if (k >= PAYLOAD)
		return parse_payload(k - PAYLOAD, f, n, m);
	if (n != 2 || !word_is(&f[0], keys[k]))
		return want[k];
	switch (k) {
	case FORMAT:
		if (word_is(&f[1], "1") || word_is(&f[1], "2") || word_is(&f[1], "3"))
			m->format = (unsigned)(f[1].s[0] - '0');
		else
			why = want[FORMAT];
		break;
	case NAME:
		why = check_name(f[1].s, f[1].n);
		if (!why)
			copy(m->name, &f[1]);
		break;
	case VERSION:
		why = check_version(f[1].s, f[1].n);
		if (!why)
			copy(m->version, &f[1]);
		break;
	case COMPATIBLE:
		why = check_compatible(f[1].s, f[1].n);
		if (!why)
			copy(m->compatible, &f[1]);
		break;
	case EPOCH:
		/* In format 2, epoch 0 has one spelling: format 1. */
		if (security_epoch_parse(f[1].s, f[1].n, &m->epoch) < 0 ||
		    (m->format == 2 && m->epoch == 0))
			why = m->format == 2 ? "bad epoch: 1 to 65535 (epoch 0 is format 1)"
					     : "bad epoch: 0 to 65535";
		break;
	case SALT:
		if (f[1].n == 0 || f[1].n > 2 * BUNDLE_SALT_MAX || f[1].n % 2 ||
		    !in_set(f[1].s, f[1].n, "0123456789abcdef"))
			why = "bad salt: 2 to 128 lower-case hex digits, an even number";
		else {
			m->saltlen = f[1].n / 2;
			hex_to_bin(f[1].s, m->salt, m->saltlen);
		}
		break;
	default:
		why = is_hex64(f[1].s, f[1].n) ? NULL : "bad roothash: 64 lower-case hex digits";
		if (!why)
			copy(m->roothash, &f[1]);
	}
	return why;
}

int bundle_manifest_parse(const char *text, size_t len, struct bundle_manifest *m, char *err,
			  size_t errlen)
{
	struct bundle_manifest tmp;
	size_t pos = 0;
	unsigned no;

	memset(&tmp, 0, sizeof(tmp));
	tmp.format = 1; /* until the first line says */
	if (len > BUNDLE_MANIFEST_MAX)
		return errf(err, errlen, "manifest is %zu bytes, more than %d", len,
			    BUNDLE_MANIFEST_MAX);
	for (no = 1; lines[tmp.format - 1][no - 1] != END; no++) {
		enum line k = lines[tmp.format - 1][no - 1];
		const char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *why;

		if (pos == len)
			return errf_line(err, errlen, no, "missing; %s", want[k]);
		if (memchr(text + pos, '\0', n))
			why = "NUL byte";
		else if (!nl)
			why = "no newline at the end of the line";
		else
			why = parse_line(k, text + pos, n, &tmp);
		if (why)
			return errf_line(err, errlen, no, "%s", why);
		pos += n + 1;
	}
	if (pos != len)
		return errf_line(err, errlen, no, "text after the last payload line");
	*m = tmp;
	return 0;
}

/* Line K of M into OUT (OUTLEN bytes); snprintf's return. */
static int write_line(enum line k, const struct bundle_manifest *m, char *out, size_t outlen)
{
	char hex[2 * BUNDLE_SALT_MAX + 1];

	/* The precisions keep a string that is not NUL-terminated inside its array. */
	switch (k) {
	case FORMAT:
		return snprintf(out, outlen, "format %u\n", m->format);
	case NAME:
		return snprintf(out, outlen, "name %.32s\n", m->name);
	case VERSION:
		return snprintf(out, outlen, "version %.64s\n", m->version);
	case COMPATIBLE:
		return snprintf(out, outlen, "compatible %.64s\n", m->compatible);
	case EPOCH:
		return snprintf(out, outlen, "epoch %u\n", m->epoch);
	case ROOTHASH:
		return snprintf(out, outlen, "roothash %.64s\n", m->roothash);
	case SALT:
		bin_to_hex(m->salt, m->saltlen, hex);
		return snprintf(out, outlen, "salt %s\n", hex);
	default:
		bin_to_hex(m->payload[k - PAYLOAD].sha256, 32, hex);
		return snprintf(out, outlen, "payload %s %llu %s\n", payload_names[k - PAYLOAD],
				(unsigned long long)m->payload[k - PAYLOAD].size, hex);
	}
}

int bundle_manifest_write(const struct bundle_manifest *m, char *out, size_t outlen)
{
	size_t len = 0;

	if (m->format < 1 || m->format > BUNDLE_FORMAT_MAX || (m->format == 1 && m->epoch) ||
	    (m->format == 2 && !m->epoch) ||
	    (m->format == 3 && (m->saltlen == 0 || m->saltlen > BUNDLE_SALT_MAX)))
		return -EINVAL;
	for (const enum line *k = lines[m->format - 1]; *k != END; k++) {
		int n = write_line(*k, m, out + len, outlen - len);
		if (n < 0 || (size_t)n >= outlen - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return (int)len;
}
