/* The console: PID 1 has no syslog, the console is the only log (lib/say.c writes it). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
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

void pid1_begin(const char *program)
{
	/* Run by hand it would mount file systems and reboot the machine. */
	if (getpid() != 1) {
		/* write(2), not fprintf: stdio's stderr FILE would add 0.9 KB. */
		static const char msg[] = ": must run as PID 1\n";
		write(STDERR_FILENO, program, strlen(program));
		write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(1);
	}
	umask(022);
	console_setup();
}
