/* Console lines of the device programs (berth-init, berth-install). */
#ifndef BERTH_SAY_H
#define BERTH_SAY_H

/* FMT's line with "berth: " before it, in one write to standard output. */
__attribute__((format(printf, 1, 2))) void say(const char *fmt, ...);

#endif
