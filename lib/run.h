/*
 * Running a program and waiting for it, its output kept: the one place
 * berth-init, berth-update and the build tool fork and exec a program whose
 * output they read or show.
 */
#ifndef BERTH_RUN_H
#define BERTH_RUN_H

#include <stdbool.h>
#include <stddef.h>

/* What a program printed: the first SIZE - 1 bytes, NUL-terminated; the rest is read and dropped.
 */
struct capture {
	char *buf;
	size_t size;
	size_t len;
	bool cut; /* it printed more than fit */
};

/*
 * Runs PATH (a name without '/' is looked up in PATH) with ARGV and, unless
 * ENVP is NULL, exactly the environment ENVP; its stdin is /dev/null. Its
 * stdout goes into OUT and its stderr too when ERR_FD is -1, else to
 * ERR_FD. With OUT NULL, both go to ERR_FD. Returns its wait status
 * (exit_code() reads it), or -errno when it could not be started; a
 * program that cannot be executed exits 127 after saying why on its stderr.
 * Output still in our stdio buffers is the caller's to flush first.
 */
int run_capture(const char *path, char *const argv[], char *const envp[], int err_fd,
		struct capture *out);

/* A wait status as a shell gives it: the exit status, or 128+N after signal N. */
int exit_code(int status);
/* run_capture's result as a shell gives it: exit_code(), or 127 when it did not run. */
int run_status(int result);

#endif
