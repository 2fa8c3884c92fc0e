/*
 * A container's log file, bounded in size: past LOGFILE_MAX bytes NAME.log
 * becomes NAME.log.1 (the older one goes) and a new NAME.log starts. Plain
 * system calls, no logging, so tests/unit/test_logfile.c runs it on the host.
 */
#ifndef BERTH_LOGFILE_H
#define BERTH_LOGFILE_H

#include <stddef.h>
#include <sys/types.h>

#define LOGFILE_MAX (1024 * 1024)

struct logfile {
	char path[128], old[132];
	int fd; /* -1 when it cannot be opened: writes are dropped */
	off_t size;
};

/* DIR/NAME.log, appended to. */
void logfile_open(struct logfile *l, const char *dir, const char *name);
void logfile_write(struct logfile *l, const char *data, size_t len);

#endif
