/*
 * One container run, in a child of PID 1 (services.c decides when): its OCI
 * runtime configuration written from containers.conf and the image's
 * IMAGE_CONF (lib/ocispec.h), then `crun run` in the foreground until the
 * container ends. Its root is the image's tree in the verified root, so
 * nothing is imported or unpacked at boot. Everything said meanwhile, by
 * crun, the container or us, goes through a pipe to a logger process that
 * copies it to the console with a "NAME| " prefix and to /var/log/NAME.log.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "logfile.h"
#include "ocispec.h"
#include "run.h"

#define LOG_DIR "/var/log"
#define LINE_MAX_LEN 1024
/* crun's state of a container, there while crun runs it or after crun was killed. */
#define CRUN_STATE "/run/crun"

static char *const crun_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

/* An exit status as a shell reports it (signals become 128+N); 127 when it did not run. */
static int status_code(int status)
{
	return status < 0 ? 127 : exit_code(status);
}

/* ---- the logger ---- */

static void emit(const char *name, struct logfile *l, const char *line, size_t len)
{
	char out[LINE_MAX_LEN + 64];
	int n = snprintf(out, sizeof(out), "%s| %.*s\n", name, (int)len, line);
	size_t prefix = strlen(name) + 2;

	if (n <= 0 || (size_t)n <= prefix)
		return;
	if (write(STDOUT_FILENO, out, (size_t)n) < 0)
		return; /* the console is gone: nothing to tell anyone */
	/* One write per line, so rotation never cuts one. */
	logfile_write(l, out + prefix, (size_t)n - prefix);
}

/* In the logger process: lines from FD until every writer has closed it. */
static noreturn void logger(const char *name, int fd)
{
	static char buf[LINE_MAX_LEN];
	struct logfile l;
	size_t have = 0;
	ssize_t r;

	make_dir(LOG_DIR, 0755);
	logfile_open(&l, LOG_DIR, name);
	while ((r = read(fd, buf + have, sizeof(buf) - have)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		have += (size_t)r;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			emit(name, &l, start, (size_t)(nl - start));
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) { /* a line longer than the buffer: cut it */
			emit(name, &l, buf, have);
			have = 0;
		}
	}
	if (have)
		emit(name, &l, buf, have);
	_exit(0);
}

pid_t start_logger(const char *name)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = _Fork();
	if (pid == 0) {
		close(p[1]);
		logger(name, p[0]);
	}
	close(p[0]);
	if (pid > 0) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
	}
	close(p[1]);
	return pid;
}

/* ---- the run ---- */

/* BUNDLE/config.json for C, from containers.conf and its image's IMAGE_CONF. */
static int write_spec(const struct ctr *c, const char *bundle)
{
	static char text[8192];
	char path[160], err[160];
	struct imageconf ic;
	char *json = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/" IMAGE_CONF, c->image);
	ssize_t n = read_text(path, text, sizeof(text));
	int r = n < 0 ? (int)n : (size_t)n == sizeof(text) - 1 ? -EFBIG : 0;
	if (r == 0 && imageconf_parse(text, &ic, err, sizeof(err)) < 0) {
		say("%s: %s", path, err);
		return -EINVAL;
	}
	FILE *f = r == 0 ? open_memstream(&json, &len) : NULL;
	if (r == 0 && !f)
		r = -errno;
	if (f) {
		char rootfs[128];
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", c->image);
		r = ocispec_write(f, c, &ic, rootfs, access("/etc/resolv.conf", F_OK) == 0);
		if (fclose(f) != 0 && r == 0)
			r = -ENOMEM;
		if (r == -EINVAL) {
			say("no command: neither the image nor containers.conf gives one");
		} else if (r == 0 && (r = make_dir(bundle, 0755)) == 0) {
			snprintf(path, sizeof(path), "%s/config.json", bundle);
			r = write_file_atomic(path, json, len, 0644, false);
		}
	}
	if (r < 0 && r != -EINVAL)
		say("%s: %s", path, strerror(-r));
	free(json);
	return r;
}

static int crun(const char *const argv[], int out_fd)
{
	return run_capture(CRUN, (char *const *)argv, crun_env, out_fd, NULL);
}

/* A container of this name left by a killed run would make `crun run` fail. */
static void clear_leftover(const char *name)
{
	char state[96];
	const char *const argv[] = {"crun", "delete", "--force", name, NULL};

	snprintf(state, sizeof(state), CRUN_STATE "/%s", name);
	if (access(state, F_OK) == 0)
		crun(argv, STDOUT_FILENO);
}

static void bind_sources(const struct ctr *c)
{
	for (size_t i = 0; i < c->nbinds; i++) {
		int r = make_dir(c->binds[i].src, 0755);
		if (r < 0)
			say("bind source %s: %s", c->binds[i].src, strerror(-r));
	}
}

int container_run(const struct ctr *c)
{
	char bundle[96], pidfile[96];
	int status, st;

	snprintf(bundle, sizeof(bundle), CONTAINERS_RUN_DIR "/%s", c->name);
	snprintf(pidfile, sizeof(pidfile), CONTAINERS_RUN_DIR "/%s.pid", c->name);
	pid_t log = start_logger(c->name);
	make_dir(CONTAINERS_RUN_DIR, 0755);
	unlink(pidfile);
	bind_sources(c);
	st = write_spec(c, bundle);
	if (st == 0) {
		const char *const argv[] = {"crun",	  "run",   "--bundle", bundle,
					    "--pid-file", pidfile, c->name,    NULL};
		clear_leftover(c->name);
		st = crun(argv, STDOUT_FILENO);
		say("%s ended (status %d)", c->kind == CTR_ONBOOT ? "onboot container" : "service",
		    status_code(st));
	}
	/* The logger sees end of file once we, like crun before us, close the pipe. */
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	if (log > 0)
		waitpid(log, &status, 0);
	return status_code(st);
}
