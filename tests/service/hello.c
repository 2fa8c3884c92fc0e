/*
 * hello [PORT]: a tiny HTTP/1.0 responder for testing containers on berth.
 * PORT: argument, else env PORT, else 8080; 0 picks a free one (logged).
 * hello hit: counts one hit as GET /data does, prints the count and exits
 * (a one-shot, for onboot containers).
 *   GET /        200 "hello from berth <hostname>"
 *   GET /health  200 "ok"
 *   GET /data    appends a line to $DATA_DIR/hits (default /data), fsyncs
 *                it and answers with the file's line count
 *   GET /env/NAME  200 the value of the environment variable NAME, 404 when unset
 *   other paths 404, other methods 405 (HEAD works), bad requests 400.
 * One request per connection, one connection at a time, read into a bounded
 * buffer within a deadline (SO_RCVTIMEO); one log line per request on stdout.
 * SIGTERM or SIGINT: exit status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 4096
#define DEADLINE_MS 5000

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Reads up to the end of the headers (or a full buffer, EOF, deadline).
 * Returns the number of bytes read, or -1 when nothing complete arrived. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	long deadline = now_ms() + DEADLINE_MS;
	while (len < cap - 1) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (memmem(buf, len, "\r\n\r\n", 4) || memmem(buf, len, "\n\n", 2))
			break;
	}
	buf[len] = '\0';
	return memchr(buf, '\n', len) ? (ssize_t)len : -1;
}

/* Appends one line to DATA_DIR/hits; returns its line count or -errno. */
static long data_hit(void)
{
	const char *dir = getenv("DATA_DIR");
	char path[4096], line[128], buf[4096];
	long count = 0;
	if (!dir || !*dir)
		dir = "/data";
	if (snprintf(path, sizeof path, "%s/hits", dir) >= (int)sizeof path)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int n = snprintf(line, sizeof line, "hit %lld\n", (long long)time(NULL));
	ssize_t r = write(fd, line, (size_t)n);
	if (r >= 0 && r != n) {
		errno = EIO; /* a short write */
		r = -1;
	}
	if (r < 0 || fsync(fd) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		r = -1;
	while (r >= 0 && (r = read(fd, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < r; i++)
			count += buf[i] == '\n';
	int e = errno;
	close(fd);
	return r < 0 ? -e : count;
}

static char *printable(char *s)
{
	for (char *c = s; *c; c++)
		*c = (*c > 32 && *c < 127) ? *c : '?';
	return s;
}

static void handle(int fd)
{
	char req[REQ_MAX], body[512], head[256], host[256] = "unknown";
	const char *status = "400 Bad Request", *method = "-";
	char *path = NULL;
	int head_only = 0;

	ssize_t n = read_request(fd, req, sizeof req);
	char *eol = n > 0 ? memchr(req, '\n', (size_t)n) : NULL, *sp1 = NULL, *sp2 = NULL;
	if (eol && !memchr(req, '\0', (size_t)(eol - req))) {
		*eol = '\0'; /* the request line alone, no NUL inside */
		sp1 = strchr(req, ' ');
		sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	}
	snprintf(body, sizeof body, "bad request\n");
	if (sp2 && strncmp(sp2 + 1, "HTTP/", 5) == 0) {
		*sp1 = *sp2 = '\0';
		method = req;
		path = sp1 + 1;
		path[strcspn(path, "?")] = '\0';
		head_only = strcmp(method, "HEAD") == 0;
		if (strcmp(method, "GET") != 0 && !head_only) {
			status = "405 Method Not Allowed";
			snprintf(body, sizeof body, "method not allowed\n");
		} else if (strcmp(path, "/") == 0) {
			gethostname(host, sizeof host - 1);
			status = "200 OK";
			snprintf(body, sizeof body, "hello from berth %s\n", host);
		} else if (strcmp(path, "/health") == 0) {
			status = "200 OK";
			snprintf(body, sizeof body, "ok\n");
		} else if (strncmp(path, "/env/", 5) == 0 && getenv(path + 5)) {
			status = "200 OK";
			snprintf(body, sizeof body, "%s\n", getenv(path + 5));
		} else if (strcmp(path, "/data") == 0 && !head_only) {
			long count = data_hit();
			status = count < 0 ? "500 Internal Server Error" : "200 OK";
			if (count < 0)
				snprintf(body, sizeof body, "cannot write data: %s\n",
					 strerror((int)-count));
			else
				snprintf(body, sizeof body, "%ld\n", count);
		} else {
			status = "404 Not Found";
			snprintf(body, sizeof body, "not found\n");
		}
	}
	int hn = snprintf(head, sizeof head,
			  "HTTP/1.0 %s\r\nContent-Type: text/plain\r\n"
			  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			  status, strlen(body));
	send_all(fd, head, (size_t)hn);
	if (!head_only)
		send_all(fd, body, strlen(body));

	/* The log line: printable characters only, bounded length. */
	char m[16], p[128];
	snprintf(m, sizeof m, "%.15s", method);
	snprintf(p, sizeof p, "%.127s", path ? path : "-");
	printf("hello: %s %s %.3s %zu\n", printable(m), printable(p), status, strlen(body));
	/* Lingering close: unread input at close() would reset the connection
	 * before the client read the answer. Drain a little, briefly. */
	shutdown(fd, SHUT_WR);
	struct timeval tv = {0, 250000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int i = 0; i < 16 && recv(fd, req, sizeof req, 0) > 0; i++)
		;
}

static int listen_on(unsigned port)
{
	int one = 1, zero = 0;
	struct sockaddr_in6 a6 = {
	    .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_in a4 = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
	/* Dual stack when the kernel has IPv6, IPv4 alone otherwise. */
	for (int v6 = 1; v6 >= 0; v6--) {
		int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (v6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		int b = v6 ? bind(fd, (struct sockaddr *)&a6, sizeof a6)
			   : bind(fd, (struct sockaddr *)&a4, sizeof a4);
		if (b == 0 && listen(fd, 16) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : getenv("PORT");
	char *end;
	if (arg && strcmp(arg, "hit") == 0) {
		long n = data_hit();
		if (n < 0) {
			fprintf(stderr, "hello: hit: %s\n", strerror((int)-n));
			return 1;
		}
		printf("hello: hit %ld\n", n);
		return 0;
	}
	unsigned long port = 8080;
	if (arg && *arg) {
		errno = 0;
		port = strtoul(arg, &end, 10);
		if (errno || *end || port > 65535) {
			fprintf(stderr, "hello: bad port '%s'\n", arg);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* SIGTERM/SIGINT are blocked except while waiting in ppoll: no race. */
	sigset_t block, waitmask;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = listen_on((unsigned)port);
	if (lfd < 0) {
		fprintf(stderr, "hello: cannot listen on port %lu: %s\n", port, strerror(errno));
		return 1;
	}
	struct sockaddr_in6 bound;
	socklen_t blen = sizeof bound;
	getsockname(lfd, (struct sockaddr *)&bound, &blen);
	/* sin_port and sin6_port are at the same offset. */
	printf("hello: listening on port %u\n", ntohs(bound.sin6_port));

	while (!stopping) {
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		int r = ppoll(&pfd, 1, NULL, &waitmask);
		if (r < 0 && errno != EINTR) {
			perror("hello: poll");
			return 1;
		}
		if (r <= 0)
			continue;
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		struct timeval tv = {DEADLINE_MS / 1000, 0};
		setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		handle(cfd);
		close(cfd);
	}
	close(lfd);
	printf("hello: stopping\n");
	return 0;
}
