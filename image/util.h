/* Small helpers of the build tool: its messages, mkdir -p. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdio.h>

/*
 * A message: "berth: MESSAGE" and a newline, on stderr. (Progress lines go
 * to stdout with printf.)
 */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);
/* The same into F (a stage's log). */
__attribute__((format(printf, 2, 3))) void say_to(FILE *f, const char *fmt, ...);

/* PATH and the folders above it, each made (mode 0755) when missing: 0 or -errno. */
int make_dirs(const char *path);

#endif
