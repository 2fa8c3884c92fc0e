/*
 * The logger of what berth-init's children say: a process that reads
 * lines from a pipe, which the child's stdout and stderr become, and
 * copies each to the console with a "NAME| " prefix and to
 * /var/log/NAME.log (logfile.h bounds its size). It ends once every writer
 * has closed the pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"
#include "logfile.h"

#define LOG_DIR "/var/log"
#define LINE_MAX_LEN 1024

static void emit(const char *name, struct logfile *l, const char *line, size_t len)
{
	char out[LINE_MAX_LEN + 64];
	int n = snprintf(out, sizeof(out), "%s| %.*s\n", name, (int)len, line);
	size_t prefix = strlen(name) + 2;

	if (n <= 0 || (size_t)n <= prefix)
		return;
	if (write(STDOUT_FILENO, out, (size_t)n) < 0)
		return; /* the console is gone: nothing to tell anyone */
	/* One write per line, so rotation never cuts one. */
	logfile_write(l, out + prefix, (size_t)n - prefix);
}

/* In the logger process: lines from FD until every writer has closed it. */
static noreturn void logger(const char *name, int fd)
{
	static char buf[LINE_MAX_LEN];
	struct logfile l;
	size_t have = 0;
	ssize_t r;

	make_dir(LOG_DIR, 0755);
	logfile_open(&l, LOG_DIR, name);
	while ((r = read(fd, buf + have, sizeof(buf) - have)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		have += (size_t)r;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			emit(name, &l, start, (size_t)(nl - start));
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) { /* a line longer than the buffer: cut it */
			emit(name, &l, buf, have);
			have = 0;
		}
	}
	if (have)
		emit(name, &l, buf, have);
	_exit(0);
}

/* Our stdout and stderr become a pipe to a new logger process: its PID, or -1. */
static pid_t start_logger(const char *name)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = _Fork();
	if (pid == 0) {
		close(p[1]);
		logger(name, p[0]);
	}
	close(p[0]);
	if (pid > 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
	}
	close(p[1]);
	return pid;
}

int logged(const char *name, int (*fn)(const void *arg), const void *arg)
{
	int status;
	pid_t log = start_logger(name);
	int st = fn(arg);

	/* The logger sees end of file once we, like the programs we ran, close the pipe. */
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	if (log > 0)
		waitpid(log, &status, 0);
	return st;
}
