/* The console: PID 1 has no syslog, the console is the only log (lib/say.c writes it). */
#include <fcntl.h>
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
