/* unit: lib/http.c lib/clock.c */
/*
 * berth-provision's HTTP: responses parsed whole or found incomplete
 * (Content-Length, chunked, to the end of the connection), what is not
 * HTTP refused; and requests to a server that refuses the connection,
 * never answers, answers too slowly or too much end at once, at their
 * deadline or when the buffer is full.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#include "clock.h"
#include "http.h"

static char buf[4096];
static struct http_resp r;

/* TEXT parsed from a copy in buf (EOF: the connection has ended). */
static int parse(const char *text, bool eof)
{
	size_t n = strlen(text);

	memcpy(buf, text, n + 1);
	return http_parse(buf, n, eof, &r);
}

static void test_parse(void)
{
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nMetadata-Flavor:  Google \r\n\r\n"
		    "hello",
		    false) == 0 &&
		  r.status == 200 && r.body_len == 5 && !strcmp(r.body, "hello") &&
		  http_header_is(&r, "metadata-flavor", "Google") &&
		  !http_header_is(&r, "Metadata", "Google"),
	      "a response with Content-Length, its headers in any case");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", false) == -EAGAIN,
	      "a body shorter than Content-Length: more must come");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", true) == -EINVAL,
	      "a body shorter than Content-Length at the end: refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhel", false) == -EINVAL,
	      "a body longer than Content-Length: refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nh", false) == -EINVAL,
	      "a Content-Length not a number: refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nh", false) == -EINVAL,
	      "a Content-Length of more than 10 digits: refused");
	CHECK(parse("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnot here", false) == -EAGAIN &&
		  parse("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnot here", true) == 0 &&
		  r.status == 404 && !strcmp(r.body, "not here"),
	      "without a length the body ends with the connection");
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "4\r\nWiki\r\n6;x=y\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n",
		    false) == 0 &&
		  r.body_len == 24 && !strcmp(r.body, "Wikipedia in \r\n\r\nchunks."),
	      "a chunked body, decoded in place (extensions skipped)");
	CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi", false) ==
		      -EAGAIN &&
		  parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n",
			false) == -EAGAIN &&
		  parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n",
			true) == -EINVAL,
	      "a chunked body not all here: more must come, or refused at the end");
	CHECK(
	    parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false) ==
		    -EINVAL &&
		parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
		      false) == -EINVAL &&
		parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n\r\n",
		      false) == -EINVAL,
	    "bad chunk sizes, a chunk longer than said, trailers: refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nServer", false) == -EAGAIN &&
		  parse("HTTP/1.1 200 OK\r\nServer", true) == -EINVAL,
	      "headers not all here: more must come, or refused at the end");
	CHECK(parse("ICY 200 OK\r\n\r\n", true) == -EINVAL &&
		  parse("HTTP/1.1 20 OK\r\n\r\n", true) == -EINVAL &&
		  parse("HTTP/1.1 600 No\r\n\r\n", true) == -EINVAL &&
		  parse("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", true) == -EINVAL &&
		  parse("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", true) == -EINVAL,
	      "not HTTP, a bad status, a header line without a name: refused");
	CHECK(parse("HTTP/1.1 204\r\n\r\n", true) == 0 && r.status == 204 && r.body_len == 0,
	      "a status without a reason");
}

/* A listening TCP socket on 127.0.0.1 that accepts nothing, its address into TO. */
static int listener(struct sockaddr_in *to)
{
	socklen_t len = sizeof(*to);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)to, sizeof(*to)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)to, &len) < 0)
		return -1;
	return fd;
}

/*
 * A server in a child process on FD (listening): answers one connection
 * with HEAD, then N bytes of 'x' in pieces of STEP, each after GAP_MS.
 */
static pid_t serve(int fd, const char *head, size_t n, size_t step, unsigned gap_ms)
{
	static char chunk[65536];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	int c = accept(fd, NULL, NULL);
	char req[1024];
	if (c < 0 || recv(c, req, sizeof(req), 0) <= 0)
		_exit(1);
	memset(chunk, 'x', sizeof(chunk));
	signal(SIGPIPE, SIG_IGN);
	if (send(c, head, strlen(head), 0) < 0)
		_exit(0);
	for (size_t sent = 0; sent < n; sent += step) {
		if (gap_ms)
			sleep_ms(gap_ms);
		if (send(c, chunk, step, 0) < 0)
			_exit(0); /* the client has given up */
	}
	_exit(0);
}

static void test_request(void)
{
	struct sockaddr_in to;
	int fd = listener(&to);
	uint64_t start = boottime_ms();

	/* The kernel completes the handshake from the backlog: a server that never answers. */
	int got = http_request(&to, NULL, "GET", "/", "", "", start + 300, buf, sizeof(buf), &r);
	uint64_t took = boottime_ms() - start;
	CHECK(fd >= 0 && got == -ETIMEDOUT && took >= 300 && took < 2000,
	      "a server that never answers: -ETIMEDOUT at the deadline");
	close(fd);

	fd = listener(&to);
	pid_t pid =
	    serve(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n", 10 << 20, 65536, 0);
	got = http_request(&to, NULL, "GET", "/", "", "", boottime_ms() + 10000, buf, sizeof(buf),
			   &r);
	CHECK(got == -EFBIG, "a 10 MB response: -EFBIG once the buffer is full");
	waitpid(pid, NULL, 0);
	close(fd);

	fd = listener(&to);
	pid = serve(fd, "HTTP/1.1 200 OK\r\n\r\n", 100, 1, 50);
	start = boottime_ms();
	got = http_request(&to, NULL, "GET", "/", "", "", start + 500, buf, sizeof(buf), &r);
	took = boottime_ms() - start;
	CHECK(got == -ETIMEDOUT && took >= 500 && took < 2000,
	      "a response that trickles: -ETIMEDOUT at the deadline, not each byte's");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);

	start = boottime_ms();
	got = http_request(&to, NULL, "GET", "/", "", "", start + 5000, buf, sizeof(buf), &r);
	CHECK(got == -ECONNREFUSED && boottime_ms() - start < 1000,
	      "a refused connection: -ECONNREFUSED at once");
}

/* The Content-Range VALUE of a 206 answer: its three numbers, or -EINVAL. */
static int range_of(const char *value, uint64_t *f, uint64_t *l, uint64_t *t)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "HTTP/1.1 206 Partial Content\r\nContent-Range: %s\r\nContent-Length: 0\r\n\r\n",
		 value);
	if (parse(text, false) < 0)
		return -EAGAIN;
	return http_content_range(&r, f, l, t);
}

static void test_content_range(void)
{
	uint64_t f = 1, l = 1, t = 1;

	CHECK(range_of("bytes 0-23/20815206", &f, &l, &t) == 0 && f == 0 && l == 23 &&
		  t == 20815206,
	      "Content-Range: bytes 0-23/20815206");
	CHECK(range_of("bytes 7-7/8", &f, &l, &t) == 0 && f == 7 && l == 7 && t == 8,
	      "Content-Range: the last byte alone");
	CHECK(range_of("bytes 9223372036854775806-9223372036854775806/9223372036854775807", &f, &l,
		       &t) == 0 &&
		  t == 9223372036854775807ull,
	      "Content-Range: a length of 2^63 - 1, the most");
	static const char *const bad[] = {
	    "bytes 0-23/*",
	    "bytes */100",
	    "bytes 5-4/100",
	    "bytes 0-100/100",
	    "bytes 00-1/5",
	    "bytes -1-2/5",
	    "items 0-1/5",
	    "bytes  0-1/5",
	    "bytes 0 -1/5",
	    "bytes 0-1/05",
	    "bytes 0-1",
	    "bytes 0-1/5, x",
	    "bytes 1-2/9223372036854775808",
	    "bytes 0x1-2/5",
	    "bytes +1-2/5",
	};
	bool all = true;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = l = t = 1;
		bool refused =
		    range_of(bad[i], &f, &l, &t) == -EINVAL && f == 1 && l == 1 && t == 1;
		if (!refused)
			printf("# Content-Range: %s taken\n", bad[i]);
		all &= refused;
	}
	CHECK(all, "Content-Range: no length, a reversed or outside range, leading zeros, signs, "
		   "spaces, 2^63: refused, nothing set");
	CHECK(range_of("bytes 0-1/5 ", &f, &l, &t) == 0 && t == 5,
	      "Content-Range: spaces after the value are the header's, not the range's");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false) == 0 &&
		  http_content_range(&r, &f, &l, &t) == -EINVAL,
	      "Content-Range: none in a 200 answer");
}

int main(void)
{
	test_parse();
	test_content_range();
	test_request();
	return CHECK_DONE();
}
