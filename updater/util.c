/* Small I/O helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "update.h"

void complain(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	fflush(stdout);
	fputs("berth-update: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* Callers return -errno after saying why. */
	errno = saved;
}
