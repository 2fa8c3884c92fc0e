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
		   BUNDLE_IMAGE_MAX == 1099511627776,
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

/*
 * What a manifest line holds, in the order of format 2's lines; the
 * payloads' lines follow ROOTHASH in enum bundle_payload order.
 */
enum line { FORMAT, NAME, VERSION, COMPATIBLE, EPOCH, ROOTHASH, PAYLOAD };
#define LINES_MAX (PAYLOAD + BUNDLE_PAYLOADS) /* format 2's; format 1 has no EPOCH */

/* Line NO's kind in FORMAT (1 until the first line is read): format 2 has an epoch line. */
static enum line line_kind(unsigned format, unsigned no)
{
	enum line k = (enum line)(no - 1);

	return format == 2 || k < EPOCH ? k : k + 1;
}

/* What a line of each kind must look like. */
static const char *const want[LINES_MAX] = {
    [FORMAT] = "expected \"format 1\" or \"format 2\"",
    [NAME] = "expected \"name NAME\"",
    [VERSION] = "expected \"version VERSION\"",
    [COMPATIBLE] = "expected \"compatible COMPATIBLE\"",
    [EPOCH] = "expected \"epoch EPOCH\"",
    [ROOTHASH] = "expected \"roothash HEX\"",
    [PAYLOAD] = "expected \"payload root SIZE SHA256\"",
    [PAYLOAD + 1] = "expected \"payload verity SIZE SHA256\"",
    [PAYLOAD + 2] = "expected \"payload uki-a SIZE SHA256\"",
    [PAYLOAD + 3] = "expected \"payload uki-b SIZE SHA256\"",
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

/* A line of kind K into M (and *FORMAT, from the first line); why it is bad, or NULL. */
static const char *parse_line(enum line k, const char *line, size_t len, struct bundle_manifest *m,
			      unsigned *format)
{
	static const char *const keys[] = {"format",	 "name",  "version",
					   "compatible", "epoch", "roothash"};
	struct word f[WORDS_MAX];
	int n = words_split(line, len, f, WORDS_MAX);
	const char *why = NULL;

	if (k >= PAYLOAD)
		return parse_payload(k - PAYLOAD, f, n, m);
	if (n != 2 || !word_is(&f[0], keys[k]))
		return want[k];
	switch (k) {
	case FORMAT:
		if (word_is(&f[1], "1") || word_is(&f[1], "2"))
			*format = (unsigned)(f[1].s[0] - '0');
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
		/* Epoch 0 has one spelling: format 1. */
		if (security_epoch_parse(f[1].s, f[1].n, &m->epoch) < 0 || m->epoch == 0)
			why = "bad epoch: 1 to 65535 (epoch 0 is format 1)";
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
	unsigned format = 1, no;
	size_t pos = 0;

	memset(&tmp, 0, sizeof(tmp));
	if (len > BUNDLE_MANIFEST_MAX)
		return errf(err, errlen, "manifest is %zu bytes, more than %d", len,
			    BUNDLE_MANIFEST_MAX);
	for (no = 1; no <= (format == 2 ? LINES_MAX : LINES_MAX - 1); no++) {
		const char *nl = pos < len ? memchr(text + pos, '\n', len - pos) : NULL;
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *why;

		if (pos == len)
			return errf_line(err, errlen, no, "missing; %s",
					 want[line_kind(format, no)]);
		if (memchr(text + pos, '\0', n))
			why = "NUL byte";
		else if (!nl)
			why = "no newline at the end of the line";
		else
			why = parse_line(line_kind(format, no), text + pos, n, &tmp, &format);
		if (why)
			return errf_line(err, errlen, no, "%s", why);
		pos += n + 1;
	}
	if (pos != len)
		return errf_line(err, errlen, no, "text after the last payload line");
	*m = tmp;
	return 0;
}

unsigned bundle_manifest_format(const struct bundle_manifest *m)
{
	return m->epoch ? 2 : 1;
}

int bundle_manifest_write(const struct bundle_manifest *m, char *out, size_t outlen)
{
	char sha[65], epoch[32] = "";
	size_t len;
	int n;

	if (m->epoch)
		snprintf(epoch, sizeof(epoch), "epoch %u\n", m->epoch);
	/* The precisions keep a string that is not NUL-terminated inside its array. */
	n = snprintf(out, outlen,
		     "format %u\nname %.32s\nversion %.64s\ncompatible %.64s\n%sroothash %.64s\n",
		     bundle_manifest_format(m), m->name, m->version, m->compatible, epoch,
		     m->roothash);
	for (int p = 0; p < BUNDLE_PAYLOADS && n >= 0 && (size_t)n < outlen; p++) {
		len = (size_t)n;
		bin_to_hex(m->payload[p].sha256, 32, sha);
		n = snprintf(out + len, outlen - len, "payload %s %llu %s\n", payload_names[p],
			     (unsigned long long)m->payload[p].size, sha);
		if (n >= 0)
			n += (int)len;
	}
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return n;
}
