/* Small file-system and time helpers shared by both stages. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

/* mount(2) with the target created first; returns 0 or -errno, logs nothing. */
int mount_on(const char *src, const char *dir, const char *type, unsigned long flags,
	     const char *data)
{
	int r = make_dir(dir, 0755);

	if (r < 0)
		return r;
	if (mount(src, dir, type, flags, data) < 0)
		return -errno;
	return 0;
}

struct tree {
	dev_t dev;
	bool (*keep)(const char *name);
};

static int remove_entry(void *ctx, int dirfd, const char *name)
{
	const struct tree *t = ctx;
	struct stat st;

	if ((t->keep && t->keep(name)) || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != t->dev)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_tree(sub, t->dev, NULL);
			close(sub);
		}
		unlinkat(dirfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(dirfd, name, 0);
	}
	return 0;
}

/*
 * One pass removes everything: unlinking entries already read makes
 * getdents(2) neither skip nor repeat the others (ramfs, tmpfs and ext4
 * keep a cursor in the open directory).
 */
void remove_tree(int dirfd, dev_t dev, bool (*keep)(const char *name))
{
	dir_each(dirfd, remove_entry, &(struct tree){dev, keep});
}

bool is_mountpoint(const char *path)
{
	char parent[256];
	struct stat a, b;

	if (strlen(path) + 4 > sizeof(parent))
		return false;
	strcpy(parent, path);
	strcat(parent, "/..");
	if (stat(path, &a) < 0 || stat(parent, &b) < 0)
		return false;
	/* "/" is its own parent: same inode on the same device. */
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* How often child_wait feeds the watchdog, at least. */
#define CHILD_POLL_MS 500

int child_wait(char *const argv[], unsigned timeout_ms)
{
	char *const envp[] = {NULL};
	uint64_t deadline = boottime_ms() + timeout_ms;
	int status;
	pid_t pid = _Fork(); /* as supervise.c: no threads, no atfork handlers */

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execve(argv[0], argv, envp);
		say("exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	/* Readable once the child has exited: the wait ends then, not at the next poll. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		watchdog_ping();
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -errno;
			break;
		}
		if (timeout_ms && boottime_ms() >= deadline) {
			/* Not waited for: one stuck in a read of a hung drive dies only
			 * when the read ends; supervise() reaps it then. */
			kill(pid, SIGKILL);
			status = -ETIMEDOUT;
			break;
		}
		drivers_wait(CHILD_POLL_MS, pidfd);
	}
	if (pidfd >= 0)
		close(pidfd);
	return status;
}
