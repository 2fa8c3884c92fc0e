/*
 * The little HTTP/1.1 the device programs speak: berth-provision to the
 * clouds' metadata services (docs/clouds.md), berth-update to an update
 * channel for its index (docs/fleet.md). One request a connection
 * ("Connection: close"), the whole response read into the caller's buffer
 * before a deadline, then parsed there. http_parse is pure, so
 * tests/unit/test_http.c and tests/fuzz/fuzz_http.c run it on the host.
 */
#ifndef BERTH_HTTP_H
#define BERTH_HTTP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A response, parsed in the buffer it was read into. */
struct http_resp {
	int status;
	const char *headers; /* the header lines, each ended by "\r\n" */
	size_t headers_len;
	char *body; /* chunked bodies decoded in place; a NUL after it */
	size_t body_len;
	size_t sent, received; /* bytes of the exchange on the wire (http_request) */
};

/*
 * The LEN bytes at BUF as a response (BUF[LEN] must be writable), EOF
 * when the connection has ended: 0 when they are a whole response,
 * -EAGAIN when more must come, -EINVAL when they are not HTTP.
 */
int http_parse(char *buf, size_t len, bool eof, struct http_resp *r);

/* Whether R has header NAME (any case) with the value VALUE (spaces around it dropped). */
bool http_header_is(const struct http_resp *r, const char *name, const char *value);
/* The header NAME's value in R, spaces around it dropped, into *VALUE and *N: false without it. */
bool http_header(const struct http_resp *r, const char *name, const char **value, size_t *n);

/*
 * R's Content-Range ("bytes FIRST-LAST/TOTAL", RFC 9110 section 14.4) into *FIRST, *LAST and
 * *TOTAL: 0, or -EINVAL when R has none, or not one range of a known length with
 * FIRST <= LAST < TOTAL, each decimal without leading zeros and below 2^63.
 */
int http_content_range(const struct http_resp *r, uint64_t *first, uint64_t *last, uint64_t *total);

/*
 * METHOD PATH to TO (HOST names it in the request; NULL: TO's address) with the header lines
 * HEADERS ("Name: value\r\n" each, or "") and BODY (text, or ""), the response read into BUF (SIZE
 * bytes) and parsed into *R, all before DEADLINE (boottime_ms). 0, or -ETIMEDOUT, -EFBIG (a
 * response of SIZE bytes or more), -EINVAL (not HTTP) or the -errno of connect and the rest
 * (-ECONNREFUSED...).
 */
int http_request(const struct sockaddr_in *to, const char *host, const char *method,
		 const char *path, const char *headers, const char *body, uint64_t deadline,
		 char *buf, size_t size, struct http_resp *r);

#endif
