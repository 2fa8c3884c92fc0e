/*
 * A channel's index over HTTP (docs/fleet.md): one GET with lib/http.c,
 * conditional on the validators of the copy kept from the last check, so
 * an unchanged index costs one short "304 Not Modified".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "clock.h"
#include "http.h"
#include "update.h"

/* The whole exchange, connection to last byte: a server that hangs costs no more. */
#define INDEX_TIMEOUT_MS 15000

int url_locate(const char *url, char *host, size_t hostlen, struct sockaddr_in *to,
	       const char **path)
{
	const char *h = url + strlen("http://");
	size_t n = strcspn(h, ":/");
	unsigned port = 80;

	*path = h + strcspn(h, "/");
	if (h[n] == ':')
		port = (unsigned)strtoul(h + n + 1, NULL, 10);
	if (n >= hostlen)
		return -ENAMETOOLONG;
	memcpy(host, h, n);
	host[n] = '\0';
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &to->sin_addr) == 1)
		return 0;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	int r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0) {
		complain("refused: cannot resolve %s: %s", host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	to->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

/* A validator header of R as the request line that asks whether it still holds. */
static void ask_if(const struct http_resp *r, const char *name, const char *as, char *out,
		   size_t len)
{
	const char *v;
	size_t n;
	size_t used = strlen(out);

	if (http_header(r, name, &v, &n) && used + n + strlen(as) + 5 < len)
		snprintf(out + used, len - used, "%s: %.*s\r\n", as, (int)n, v);
}

int fetch_index(const char *url, const char *validators, struct fetched *f)
{
	static char buf[CHANNEL_INDEX_MAX + 8192];
	char host[256], path[CHANNEL_URL_MAX + 8];
	const char *dir;
	struct sockaddr_in to;
	struct http_resp r;
	int ret;

	if ((ret = url_locate(url, host, sizeof(host), &to, &dir)) < 0)
		return ret;
	snprintf(path, sizeof(path), "%sindex", dir);
	ret = http_request(&to, host, "GET", path, validators, "", boottime_ms() + INDEX_TIMEOUT_MS,
			   buf, sizeof(buf), &r);
	if (ret == -ETIMEDOUT) {
		complain("refused: %sindex gave no whole answer within %d s", url,
			 INDEX_TIMEOUT_MS / 1000);
		return ret;
	}
	if (ret == -EFBIG) {
		complain("refused: %sindex is larger than %d bytes", url, CHANNEL_INDEX_MAX);
		return ret;
	}
	if (ret == -EINVAL) {
		complain("refused: %sindex: the answer is cut short or is not HTTP", url);
		return ret;
	}
	if (ret < 0) {
		complain("refused: %sindex: %s", url, strerror(-ret));
		return ret;
	}
	f->unchanged = r.status == 304;
	f->bytes = r.sent + r.received;
	if (r.status != 200 && !f->unchanged) {
		complain("refused: %sindex: HTTP status %d", url, r.status);
		return -ENOENT;
	}
	if (r.body_len > CHANNEL_INDEX_MAX) {
		complain("refused: %sindex is larger than %d bytes", url, CHANNEL_INDEX_MAX);
		return -EFBIG;
	}
	f->body = r.body;
	f->len = r.body_len;
	f->validators[0] = '\0';
	ask_if(&r, "ETag", "If-None-Match", f->validators, sizeof(f->validators));
	ask_if(&r, "Last-Modified", "If-Modified-Since", f->validators, sizeof(f->validators));
	return 0;
}
