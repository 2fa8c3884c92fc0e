/*
 * The build tool's messages: "berth: MESSAGE" and a newline, on stderr or
 * in a stage's log. Its progress lines go to stdout with printf.
 */
#ifndef BERTH_MSG_H
#define BERTH_MSG_H

#include <stdio.h>

__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);
/* The same into F (a stage's log). */
__attribute__((format(printf, 2, 3))) void say_to(FILE *f, const char *fmt, ...);

#endif
