/*
 * Where berth-update install reads a bundle from, once, front to back: a
 * file, stdin, or a download that BusyBox wget streams into a pipe.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "update.h"

/* Range requests, when the server answers them; -EOPNOTSUPP when not. */
static int open_ranged(struct source *s, const char *url, const struct disk *d,
		       const char *roothash, int target_root)
{
	/* Without the booted slot's partitions the whole root is fetched, still by ranges. */
	s->booted[0] = open(d->booted_root, O_RDONLY | O_CLOEXEC);
	s->booted[1] = open(d->booted_verity, O_RDONLY | O_CLOEXEC);
	struct remote_slots slots = {s->booted[0], s->booted[1], roothash, target_root};
	int r = remote_open(&s->remote, url, &slots);
	if (r == 0) {
		s->ranged = true;
		return 0;
	}
	for (int i = 0; i < 2; i++)
		if (s->booted[i] >= 0)
			close(s->booted[i]);
	s->booted[0] = s->booted[1] = -1;
	return r;
}

int source_open(struct source *s, const char *arg, const struct disk *d, const char *roothash,
		int target_root)
{
	int p[2], r;

	s->name = arg;
	s->wget = 0;
	s->ranged = false;
	s->booted[0] = s->booted[1] = -1;
	if (strcmp(arg, "-") == 0) {
		s->fd = STDIN_FILENO;
		return 0;
	}
	if (strncmp(arg, "http://", 7) != 0) {
		s->fd = open(arg, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			complain("cannot open %s: %s", arg, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if ((r = open_ranged(s, arg, d, roothash, target_root)) != -EOPNOTSUPP)
		return r;
	/* Not run_capture(): the download streams into the install as it arrives. */
	if (pipe2(p, O_CLOEXEC) < 0 || (s->wget = fork()) < 0) {
		complain("cannot start wget: %s", strerror(errno));
		return -errno;
	}
	if (s->wget == 0) {
		dup2(p[1], STDOUT_FILENO);
		/* -T: a server that stops sending ends the download, not the install's wait. */
		execlp("wget", "wget", "-q", "-T", "30", "-O", "-", arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	s->fd = p[0];
	return 0;
}

int source_close(struct source *s, bool stop)
{
	int status, r = 0;

	if (s->ranged) {
		remote_close(&s->remote);
		for (int i = 0; i < 2; i++)
			if (s->booted[i] >= 0)
				close(s->booted[i]);
		s->ranged = false;
		return 0;
	}
	if (s->fd > STDIN_FILENO)
		close(s->fd);
	s->fd = -1;
	if (s->wget <= 0)
		return 0;
	if (stop)
		kill(s->wget, SIGTERM);
	while (waitpid(s->wget, &status, 0) < 0 && errno == EINTR)
		;
	if (!stop && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		complain("download of %s failed (wget %s %d)", s->name,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		r = -EIO;
	}
	s->wget = 0;
	return r;
}

int source_read(struct source *s, void *buf, size_t len, const char *what)
{
	int r = s->ranged ? remote_read(&s->remote, buf, len) : read_full(s->fd, buf, len);

	if (r == -EPIPE && s->wget > 0 && source_close(s, false) < 0)
		return r;
	if (r == -EPIPE)
		complain("refused: the bundle ends inside the %s", what);
	else if (r < 0)
		complain("cannot read %s: %s", s->name, strerror(-r));
	return r;
}

/* LEN bytes of a stream passed over: read and dropped, or passed by a seek in a file. */
static int pass(struct source *s, uint64_t len)
{
	static uint8_t scratch[64 << 10];
	struct stat st;
	off_t at = lseek(s->fd, 0, SEEK_CUR);

	if (at >= 0 && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (len > (uint64_t)(st.st_size - at))
			return -EPIPE;
		return lseek(s->fd, (off_t)len, SEEK_CUR) < 0 ? -errno : 0;
	}
	while (len) {
		size_t n = len < sizeof(scratch) ? (size_t)len : sizeof(scratch);
		int r = read_full(s->fd, scratch, n);
		if (r < 0)
			return r;
		len -= n;
	}
	return 0;
}

int source_skip(struct source *s, uint64_t len, const char *what)
{
	int r = s->ranged ? remote_skip(&s->remote, len) : pass(s, len);

	if (r == -EPIPE && s->wget > 0 && source_close(s, false) < 0)
		return r;
	if (r == -EPIPE)
		complain("refused: the bundle ends inside the %s", what);
	else if (r < 0)
		complain("cannot read %s: %s", s->name, strerror(-r));
	return r;
}

int source_end(struct source *s)
{
	uint8_t extra;
	ssize_t n;

	if (s->ranged) {
		if (remote_end(&s->remote) < 0) {
			complain("refused: data after the last payload");
			return -EINVAL;
		}
		return 0;
	}
	while ((n = read(s->fd, &extra, 1)) < 0 && errno == EINTR)
		;
	if (n != 0) {
		complain(n > 0 ? "refused: data after the last payload"
			       : "cannot read the end of the bundle");
		return -EINVAL;
	}
	return 0;
}
