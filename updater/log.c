/* berth-update's output besides its results: why something failed, how far a long step has come. */
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

void progress(bool tty, const char *what, uint64_t done, uint64_t total)
{
	if (!tty)
		return;
	printf("\r%-8s %3llu%% (%llu of %llu MiB)", what,
	       (unsigned long long)(total ? done * 100 / total : 100),
	       (unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
	fflush(stdout);
}
