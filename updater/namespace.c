/* berth-update's own mount namespace, and the lock that keeps a second one from changing things. */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "update.h"

int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		complain("cannot make a private mount namespace: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int take_lock(void)
{
	if (mkdir(RUN_DIR, 0755) < 0 && errno != EEXIST) {
		complain("cannot create " RUN_DIR ": %s", strerror(errno));
		return -errno;
	}
	/* Left open: the lock lasts as long as the process. */
	int fd = open(UPDATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK)
			complain("another berth-update is running");
		else
			complain("cannot lock " UPDATE_LOCK ": %s", strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return 0;
}
