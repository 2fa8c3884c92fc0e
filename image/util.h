/* Small helpers of the build tool: its messages, mkdir -p. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdarg.h>
#include <stdio.h>

/*
 * A message: "berth: MESSAGE" and a newline, into F (a stage's log). Progress
 * lines go to stdout with printf.
 */
__attribute__((format(printf, 2, 3))) static inline void say_to(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fputs("berth: ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* The same on stderr. */
#define say(...) say_to(stderr, __VA_ARGS__)

/* PATH and the folders above it, each made (mode 0755) when missing: 0 or -errno. */
int make_dirs(const char *path);

#endif
