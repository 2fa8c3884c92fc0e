/* Console output. PID 1 has no syslog: the console is the only log. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "init.h"

/*
 * The kernel normally hands init fds 0-2 on /dev/console, but not when the
 * initramfs lacks that node. Fill any gap so later opens never land on 0-2.
 */
void console_setup(void)
{
	int fd = -1;

	for (int i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) >= 0)
			continue;
		if (fd < 0)
			fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd < 0)
			return; /* retried once /dev is mounted */
		if (fd != i)
			dup2(fd, i);
	}
	if (fd > 2)
		close(fd);
}

void say(const char *fmt, ...)
{
	char line[768];
	int saved = errno;
	va_list ap;

	memcpy(line, "berth: ", 7);
	va_start(ap, fmt);
	int n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	size_t len = 7 + ((size_t)n < sizeof(line) - 8 ? (size_t)n : sizeof(line) - 9);
	line[len++] = '\n';
	/* One write per line, so lines from the shell and the kernel do not split it. */
	(void)write_all(STDOUT_FILENO, line, len);
	errno = saved;
}
