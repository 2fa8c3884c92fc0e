/*
 * Health probes (`berth-container probe`), each run once (it may block):
 * a TCP connect or an HTTP GET on 127.0.0.1 (services on the host
 * network), a command inside the container through its runtime's `exec`
 * (crun's or runc's), or, without a probe, "its process is alive".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"

#define PROBE_TIMEOUT_MS 5000

/* A connected TCP socket to 127.0.0.1:PORT within the timeout, or -1. */
static int connect_local(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = PROBE_TIMEOUT_MS / 1000};
	int err = 0;
	socklen_t len = sizeof(err);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (errno != EINPROGRESS || poll(&p, 1, PROBE_TIMEOUT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
			goto fail;
	}
	/* The rest of an HTTP probe may block, for no longer than the timeout. */
	if (fcntl(fd, F_SETFL, 0) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Healthy on a 2xx or 3xx status line. */
static int http_get(unsigned port, const char *path)
{
	char req[512], resp[64];
	int fd = connect_local(port);

	if (fd < 0)
		return -1;
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (n < 0 || (size_t)n >= sizeof(req) || write_all(fd, req, (size_t)n) < 0) {
		close(fd);
		return -1;
	}
	ssize_t got = read_upto(fd, resp, sizeof(resp) - 1);
	close(fd);
	if (got < 0)
		return -1;
	resp[got] = '\0';
	/* "HTTP/1.x NNN " */
	if (strncmp(resp, "HTTP/1.", 7) != 0 || got < 13 || resp[8] != ' ' || resp[12] != ' ')
		return -1;
	return resp[9] == '2' || resp[9] == '3' ? 0 : -1;
}

static int alive(const struct ctr *c)
{
	char path[96], text[24];

	snprintf(path, sizeof(path), CONTAINERS_RUN_DIR "/%s.pid", c->name);
	if (read_text(path, text, sizeof(text)) <= 0)
		return -1;
	long pid = strtol(text, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) == 0 ? 0 : -1;
}

/* Execs the runtime's exec; SIGALRM ends it, and so the probe, after the timeout. */
static int exec_probe(const struct ctr *c)
{
	const char *argv[4 + ARGS_MAX] = {runtime_words[c->runtime], "exec", c->name};
	char bin[RUNTIME_BIN_MAX];
	size_t n = 3;
	int null = open("/dev/null", O_RDWR);

	for (size_t i = 0; i < c->nprobe; i++)
		argv[n++] = c->probe_argv[i];
	argv[n] = NULL;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	alarm((PROBE_TIMEOUT_MS + 999) / 1000);
	char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	runtime_bin(c, bin);
	execve(bin, (char *const *)argv, envp);
	return -1;
}

int probe_run(const struct ctr *c)
{
	switch (c->probe) {
	case PROBE_TCP: {
		int fd = connect_local(c->port);
		if (fd < 0)
			return -1;
		close(fd);
		return 0;
	}
	case PROBE_HTTP:
		return http_get(c->port, c->path);
	case PROBE_EXEC:
		return exec_probe(c);
	default:
		return alive(c);
	}
}
