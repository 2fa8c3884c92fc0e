/* Size-bounded log files (see logfile.h). */
#include "logfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void reopen(struct logfile *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	l->size = l->fd >= 0 && fstat(l->fd, &st) == 0 ? st.st_size : 0;
}

void logfile_open(struct logfile *l, const char *dir, const char *name)
{
	snprintf(l->path, sizeof(l->path), "%s/%s.log", dir, name);
	snprintf(l->old, sizeof(l->old), "%s.1", l->path);
	reopen(l);
}

void logfile_write(struct logfile *l, const char *data, size_t len)
{
	if (l->fd >= 0 && l->size > 0 && l->size + (off_t)len > LOGFILE_MAX) {
		close(l->fd);
		rename(l->path, l->old);
		reopen(l);
	}
	if (l->fd >= 0 && write(l->fd, data, len) == (ssize_t)len)
		l->size += (off_t)len;
}
