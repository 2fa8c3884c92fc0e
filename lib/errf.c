/* Parsers' error messages (see errf.h). */
#include "errf.h"

#include <errno.h>
#include <stdio.h>

int verrf(char *err, size_t errlen, const char *prefix, const char *fmt, va_list ap)
{
	int n = 0;

	if (!err || !errlen)
		return -EINVAL;
	if (prefix)
		n = snprintf(err, errlen, "%s: ", prefix);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	return -EINVAL;
}

int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrf(err, errlen, NULL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int errf_line(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
	char prefix[24];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "line %u", line);
	va_start(ap, fmt);
	verrf(err, errlen, prefix, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
