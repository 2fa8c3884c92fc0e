/* berth-update's one way of saying why something failed (see update.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "update.h"

char complaint[512];

void complain(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(complaint, sizeof(complaint), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "berth-update: %s\n", complaint);
	/* Callers return -errno after saying why. */
	errno = saved;
}
