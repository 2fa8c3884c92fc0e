/* berth-update's one way of saying why something failed (see update.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

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
