/*
 * The one formatter of parsers' error messages: every parser that reports
 * why its input is bad (kernel command line, bundle, conf files, the
 * manifest) writes its reason with it.
 */
#ifndef BERTH_ERRF_H
#define BERTH_ERRF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * "PREFIX: message" (or just the message when PREFIX is NULL) into ERR, a
 * buffer of ERRLEN bytes; ERR may be NULL. Returns -EINVAL, so that a
 * parser can `return errf(...)`.
 */
__attribute__((format(printf, 4, 0))) int verrf(char *err, size_t errlen, const char *prefix,
						const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int errf(char *err, size_t errlen, const char *fmt, ...);
/* "line LINE: message", as errf(): the reason of a parser of a line-oriented file. */
__attribute__((format(printf, 4, 5))) int errf_line(char *err, size_t errlen, unsigned line,
						    const char *fmt, ...);

#endif
