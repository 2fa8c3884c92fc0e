/* The build tool's messages (see msg.h). */
#include <stdarg.h>

#include "msg.h"

static void vsay_to(FILE *f, const char *fmt, va_list ap)
{
	fputs("berth: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay_to(stderr, fmt, ap);
	va_end(ap);
}

void say_to(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay_to(f, fmt, ap);
	va_end(ap);
}
