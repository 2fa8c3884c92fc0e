/* An HTTP request and its response (http.h; RFC 9112). */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"

/* A chunk's size line at S: the size (hex; extensions after ';' skipped), -1 bad, -2 not all here.
 */
static long chunk_size(const char *s, const char *end, const char **line_end)
{
	const char *crlf = memmem(s, (size_t)(end - s), "\r\n", 2), *p = s;
	long n = 0;

	if (!crlf)
		return -2;
	for (; p < crlf && *p && strchr("0123456789abcdefABCDEF", *p); p++) {
		if (n > (1L << 30))
			return -1;
		n = n * 16 + (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
	}
	if (p == s || (p != crlf && *p != ';'))
		return -1;
	*line_end = crlf + 2;
	return n;
}

/*
 * The chunked body from BODY to END: its decoded length, -EAGAIN when it is
 * not all here, -EINVAL. With DECODE its data is moved together at BODY.
 * Trailer fields are not allowed (none of the clouds sends them).
 */
static long chunked(char *body, const char *end, bool decode)
{
	const char *p = body;
	long len = 0;

	for (;;) {
		const char *data;
		long n = chunk_size(p, end, &data);
		if (n == -2)
			return -EAGAIN;
		if (n < 0)
			return -EINVAL;
		if (end - data < n + 2)
			return -EAGAIN;
		if (memcmp(data + n, "\r\n", 2))
			return -EINVAL;
		if (decode)
			memmove(body + len, data, (size_t)n);
		len += n;
		p = data + n + 2;
		if (n == 0)
			return p == end ? len : -EINVAL;
	}
}

bool http_header(const struct http_resp *r, const char *name, const char **value, size_t *n)
{
	size_t len = strlen(name);

	for (const char *s = r->headers, *end = s + r->headers_len; s < end;) {
		const char *eol = memmem(s, (size_t)(end - s), "\r\n", 2);
		if ((size_t)(eol - s) > len && s[len] == ':' && !strncasecmp(s, name, len)) {
			const char *v = s + len + 1, *e = eol;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*value = v;
			*n = (size_t)(e - v);
			return true;
		}
		s = eol + 2;
	}
	return false;
}

bool http_header_is(const struct http_resp *r, const char *name, const char *value)
{
	const char *v;
	size_t n;

	return http_header(r, name, &v, &n) && n == strlen(value) && !strncasecmp(v, value, n);
}

/* The decimal at *S (before END) into *OUT, *S moved past it: no sign, no leading zero, < 2^63. */
static bool u63(const char **s, const char *end, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (p == end || *p < '0' || *p > '9' ||
	    (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return true;
}

int http_content_range(const struct http_resp *r, uint64_t *first, uint64_t *last, uint64_t *total)
{
	const char *v, *end;
	uint64_t f, l, t;
	size_t n;

	if (!http_header(r, "Content-Range", &v, &n) || n < 6 || strncmp(v, "bytes ", 6))
		return -EINVAL;
	end = v + n;
	v += 6;
	if (!u63(&v, end, &f) || v == end || *v++ != '-' || !u63(&v, end, &l) || v == end ||
	    *v++ != '/' || !u63(&v, end, &t) || v != end || f > l || l >= t)
		return -EINVAL;
	*first = f;
	*last = l;
	*total = t;
	return 0;
}

int http_parse(char *buf, size_t len, bool eof, struct http_resp *r)
{
	char *end = buf + len, *head_end = memmem(buf, len, "\r\n\r\n", 4);
	const char *v;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (!head_end)
		return eof ? -EINVAL : -EAGAIN;
	/* "HTTP/1.x NNN reason" */
	if (len < 13 || memcmp(buf, "HTTP/1.", 7) || buf[7] < '0' || buf[7] > '9' ||
	    buf[8] != ' ' || buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9' || (buf[12] != ' ' && buf[12] != '\r'))
		return -EINVAL;
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	char *first_eol = memmem(buf, (size_t)(head_end + 2 - buf), "\r\n", 2);
	r->headers = first_eol + 2;
	r->headers_len = (size_t)(head_end + 2 - r->headers);
	if (memchr(r->headers, '\0', r->headers_len))
		return -EINVAL;
	/* Every line a "Name: value" one, so http_header() never reads past a bare CR. */
	for (const char *s = r->headers; s < head_end + 2;) {
		const char *eol = memmem(s, (size_t)(head_end + 2 - s), "\r\n", 2);
		const char *colon = memchr(s, ':', (size_t)(eol - s));
		if (!colon || colon == s)
			return -EINVAL;
		s = eol + 2;
	}
	r->body = head_end + 4;
	if (http_header_is(r, "Transfer-Encoding", "chunked")) {
		long got = chunked(r->body, end, false);
		if (got == -EAGAIN && eof)
			return -EINVAL;
		if (got < 0)
			return (int)got;
		r->body_len = (size_t)chunked(r->body, end, true);
	} else if (http_header(r, "Content-Length", &v, &n)) {
		size_t want = 0;
		if (n == 0 || n > 10)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -EINVAL;
			want = want * 10 + (size_t)(v[i] - '0');
		}
		if ((size_t)(end - r->body) < want)
			return eof ? -EINVAL : -EAGAIN;
		if ((size_t)(end - r->body) > want)
			return -EINVAL;
		r->body_len = want;
	} else if (!eof) {
		return -EAGAIN; /* the body ends with the connection */
	} else {
		r->body_len = (size_t)(end - r->body);
	}
	r->body[r->body_len] = '\0';
	return 0;
}

/* Waits until FD is ready for EVENTS or DEADLINE has passed: 0 or -ETIMEDOUT, -errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		uint64_t now = boottime_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		int n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_to(const struct sockaddr_in *to, uint64_t deadline)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int r = 0, err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0) {
		r = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, deadline) : -errno;
		if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			r = -errno;
		if (r == 0 && err)
			r = -err;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int http_request(const struct sockaddr_in *to, const char *host, const char *method,
		 const char *path, const char *headers, const char *body, uint64_t deadline,
		 char *buf, size_t size, struct http_resp *r)
{
	char addr[INET_ADDRSTRLEN];
	size_t got = 0, sent = 0;
	int fd = connect_to(to, deadline), ret;

	if (fd < 0)
		return fd;
	if (!host)
		host = inet_ntop(AF_INET, &to->sin_addr, addr, sizeof(addr));
	/* The request is short: it goes out of BUF before the response comes in. */
	int len = snprintf(buf, size,
			   "%s %s HTTP/1.1\r\nHost: %s:%u\r\nUser-Agent: berth\r\n"
			   "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
			   method, path, host, ntohs(to->sin_port), headers, strlen(body), body);
	if (len < 0 || (size_t)len >= size) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	while (sent < (size_t)len) {
		ret = wait_fd(fd, POLLOUT, deadline);
		if (ret < 0)
			goto out;
		ssize_t n = send(fd, buf + sent, (size_t)len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			ret = -errno;
			goto out;
		}
		sent += n > 0 ? (size_t)n : 0;
	}
	for (;;) {
		ret = wait_fd(fd, POLLIN, deadline);
		if (ret < 0)
			goto out;
		ssize_t n = recv(fd, buf + got, size - 1 - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		got += (size_t)n;
		ret = http_parse(buf, got, n == 0, r);
		r->sent = (size_t)len;
		r->received = got;
		if (ret != -EAGAIN)
			goto out;
		if (got == size - 1) {
			ret = -EFBIG;
			goto out;
		}
	}
out:
	close(fd);
	return ret;
}
