/*
 * libFuzzer target for what berth-provision reads from a metadata service,
 * which whoever answers at its address controls: the input is parsed as an
 * HTTP response (before and at the connection's end) and its body, as the
 * clouds' answers are: EC2's public-keys listing, GCE's ssh-keys lines,
 * Azure's publicKeys JSON, base64 user data and goal state XML. Besides
 * not crashing: a response taken has its body inside the input, decoded no
 * longer than it, and a Content-Range taken is one range inside its length;
 * the keys and host name found make a meta-data document
 * that metadata_parse reads (or refuses with "PATH:LINE:COL: ..."); a goal
 * state taken makes a Health XML.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "http.h"
#include "manifest.h"
#include "metadata.h"
#include "positioned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The KEYS found, with the input's first line as a host name, as a meta-data document. */
static void meta(const uint8_t *data, size_t size, const char *const *keys, int n)
{
	static char doc[1 << 20], hostname[256], err[MANIFEST_ERR_MAX];
	static struct metadata md;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line = nl ? (size_t)(nl - data) : size;

	if (n < 0)
		return;
	snprintf(hostname, sizeof(hostname), "%.*s", (int)(line < 255 ? line : 255),
		 (const char *)data);
	cloud_hostname(hostname, n & 1);
	ssize_t len = cloud_meta(doc, sizeof(doc), hostname, keys, (size_t)n);
	if (len < 0)
		return;
	if (metadata_parse("meta-data", doc, (size_t)len, &md, err, sizeof(err)) == -EINVAL &&
	    !positioned(err, "meta-data"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char keys[CLOUD_KEYS_MAX][METADATA_KEY_MAX], health[4096];
	const char *list[CLOUD_KEYS_MAX];
	unsigned idx[CLOUD_KEYS_MAX];
	struct http_resp r;
	struct goalstate gs;
	char *buf = malloc(size + 1), *text = malloc(size + 1);

	if (!buf || !text)
		abort();
	for (int eof = 0; eof < 2; eof++) {
		memcpy(buf, data, size);
		int got = http_parse(buf, size, eof, &r);
		if (got == 0 && (r.body < buf || r.body + r.body_len > buf + size ||
				 r.body[r.body_len] != '\0' || r.status < 100 || r.status > 599))
			abort();
		if (got != 0 && got != -EAGAIN && got != -EINVAL)
			abort();
		if (got == -EAGAIN && eof)
			abort();
		uint64_t f, l, t;
		if (got == 0 && http_content_range(&r, &f, &l, &t) == 0 &&
		    (f > l || l >= t || t > INT64_MAX))
			abort();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	ssize_t n = base64_decode(text, size, buf, size);
	if (n > (ssize_t)size)
		abort();
	if (!azure_goalstate(text, &gs) && azure_health(health, sizeof(health), &gs) < 0)
		abort();
	int k = azure_keys(text, size, keys);
	for (int i = 0; i < k; i++)
		list[i] = keys[i];
	meta(data, size, list, k);
	k = gce_ssh_keys(text, list);
	meta(data, size, list, k);
	memcpy(text, data, size);
	if (ec2_key_indexes(text, idx) > CLOUD_KEYS_MAX)
		abort();
	free(buf);
	free(text);
	return 0;
}
