/* Running a program with its output kept (see run.h). */
#define _GNU_SOURCE /* pipe2, _Fork */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * "cannot run PATH: REASON" in one write(2), without stdio, whose locks
 * _Fork() did not reset; then exits 127.
 */
static _Noreturn void cannot_run(const char *path, int e)
{
	char *reason = strerror(e);
	struct iovec v[] = {{"cannot run ", 11},
			    {(char *)path, strlen(path)},
			    {": ", 2},
			    {reason, strlen(reason)},
			    {"\n", 1}};

	ssize_t told = writev(STDERR_FILENO, v, sizeof(v) / sizeof(v[0]));

	(void)told; /* when even that fails, nobody can be told */
	_exit(127);
}

static _Noreturn void child(const char *path, char *const argv[], char *const envp[], int out_fd,
			    int err_fd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	if (envp)
		execvpe(path, argv, envp);
	else
		execvp(path, argv);
	cannot_run(path, errno);
}

/* Everything FD gives until its end, as much as fits into OUT. */
static void drain(int fd, struct capture *out)
{
	char spill[512];

	out->len = 0;
	out->cut = false;
	for (;;) {
		bool room = out->len + 1 < out->size;
		ssize_t n = room ? read(fd, out->buf + out->len, out->size - 1 - out->len)
				 : read(fd, spill, sizeof(spill));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			out->len += (size_t)n;
		else
			out->cut = true;
	}
	out->buf[out->len] = '\0';
}

int run_capture(const char *path, char *const argv[], char *const envp[], int err_fd,
		struct capture *out)
{
	int p[2] = {-1, -1}, status;
	pid_t pid;

	if (out && pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* No atfork handlers: the child only execs, and berth-init links none of their machinery.
	 */
	pid = _Fork();
	if (pid == 0)
		child(path, argv, envp, out ? p[1] : err_fd, err_fd < 0 ? p[1] : err_fd);
	int r = pid < 0 ? -errno : 0;
	if (out) {
		close(p[1]);
		if (pid > 0)
			drain(p[0], out);
		close(p[0]);
	}
	if (r < 0)
		return r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int run_status(int result)
{
	return result < 0 ? 127 : exit_code(result);
}
