/* Console lines of the device programs: each starts with "berth: ". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "say.h"

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
