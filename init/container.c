/*
 * One container run, in a child of PID 1 (services.c decides when):
 * import its image unless containerd has it by digest, clear what a
 * killed run left behind, then `ctr run` in the foreground until the
 * container ends. Everything said meanwhile, by ctr, the container or
 * us, goes through a pipe to a logger process that copies it to the
 * console with a "NAME| " prefix and to /var/log/NAME.log.
 */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "logfile.h"
#include "run.h"

#define CTR "/usr/bin/ctr"
#define CTR_NS "berth"
#define LOG_DIR "/var/log"
#define LINE_MAX_LEN 1024

static char *const ctr_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

/* "run ... IMAGE NAME ARGS" (after "ctr -n berth"): the longest ctr command line, with its NULL. */
#define RUN_ARGV_MAX (8 + 2 * (ENV_MAX + BINDS_MAX) + ARGS_MAX)

/* An exit status as a shell reports it (signals become 128+N); 127 when it did not run. */
static int status_code(int status)
{
	return status < 0 ? 127 : exit_code(status);
}

/*
 * Runs ctr with ARGV (after "ctr -n berth"); its output goes to OUT_FD, or
 * into OUT (stderr dropped) when OUT_FD is -1. Returns its wait status, or
 * -errno when it did not run.
 */
static int ctr(const char *const argv[], int out_fd, struct capture *out)
{
	const char *full[3 + RUN_ARGV_MAX] = {"ctr", "-n", CTR_NS};
	size_t n = 3;

	for (size_t i = 0; argv[i]; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	int null = out_fd < 0 ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
	if (out_fd < 0 && null < 0)
		return -errno;
	int status = run_capture(CTR, (char *const *)full, ctr_env, out_fd < 0 ? null : out_fd,
				 out_fd < 0 ? out : NULL);
	if (null >= 0)
		close(null);
	return status;
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

/*
 * A mark in IMPORTING_DIR (durably there before the import starts, gone
 * once the file system is synced after it) tells the next boot that an
 * import may not have reached the disk (containerd.c). Without /var to
 * keep it, the import goes ahead unguarded.
 */
static void import_mark(const char *mark, bool on)
{
	int r = make_dir(STATE_DIR, 0755);

	if (r == 0 && (r = make_dir(IMPORTING_DIR, 0755)) == 0) {
		if (on)
			r = write_file_atomic(mark, "", 0, 0644, true);
		else {
			int fd = open(CONTAINERD_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = fd < 0 || syncfs(fd) < 0 ? -errno : 0;
			if (fd >= 0)
				close(fd);
			if (r == 0 && (r = unlink(mark) < 0 ? -errno : 0) == 0)
				r = sync_dir(IMPORTING_DIR);
		}
	}
	if (r < 0)
		say("import mark %s: %s", mark, strerror(-r));
}

static int image_ready(const struct ctr *c, const char *ref)
{
	char filter[160], out[256], mark[160];
	struct capture cap = {.buf = out, .size = sizeof(out)};

	snprintf(filter, sizeof(filter), "name==%s,target.digest==%s", ref, c->digest);
	const char *const ls[] = {"images", "ls", "-q", filter, NULL};
	/* -q lists the matching names one a line: here REF or nothing. */
	size_t len = strlen(ref);
	if (ctr(ls, -1, &cap) == 0 && strncmp(out, ref, len) == 0 && out[len] == '\n')
		return 0;
	snprintf(mark, sizeof(mark), IMPORTING_DIR "/%s", c->name);
	import_mark(mark, true);
	say("importing %s (%s)", c->image, c->digest);
	const char *const import[] = {"images",	      "import", "--base-name", ref,
				      "--index-name", ref,	c->image,      NULL};
	int st = ctr(import, STDOUT_FILENO, NULL);
	if (st != 0)
		say("import of %s failed (status %d)", c->image, status_code(st));
	else
		import_mark(mark, false);
	return st;
}

/* A container of this name left by a killed run would make `ctr run` fail. */
static void clear_leftovers(const char *name)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	const char *const task_rm[] = {"tasks", "rm", "-f", name, NULL};
	const char *const rm[] = {"containers", "rm", name, NULL};

	ctr(task_rm, null, NULL);
	ctr(rm, null, NULL);
	close(null);
}

static int run(const struct ctr *c, const char *ref, const char *pidfile)
{
	static char mounts[BINDS_MAX][600];
	const char *argv[RUN_ARGV_MAX] = {"run", "--rm", "--pid-file", pidfile};
	size_t n = 4;

	if (c->net == NET_HOST)
		argv[n++] = "--net-host";
	for (size_t i = 0; i < c->nenv; i++) {
		argv[n++] = "--env";
		argv[n++] = c->env[i];
	}
	for (size_t i = 0; i < c->nbinds; i++) {
		snprintf(mounts[i], sizeof(mounts[i]), "type=bind,src=%s,dst=%s,options=rbind:%s",
			 c->binds[i].src, c->binds[i].dst, c->binds[i].ro ? "ro" : "rw");
		argv[n++] = "--mount";
		argv[n++] = mounts[i];
	}
	argv[n++] = ref;
	argv[n++] = c->name;
	for (size_t i = 0; i < c->nargs; i++)
		argv[n++] = c->args[i];
	argv[n] = NULL;
	return ctr(argv, STDOUT_FILENO, NULL);
}

static void bind_sources(const struct ctr *c)
{
	for (size_t i = 0; i < c->nbinds; i++) {
		int r = make_dir(c->binds[i].src, 0755);
		if (r < 0)
			say("bind source %s: %s", c->binds[i].src, strerror(-r));
	}
}

/*
 * NAME.ready holds the digest after a run that ended with ctr cleaning up:
 * a restart can then skip the image check and the clean-up, two to three
 * ctr calls of a second each under emulation. It lives in /run, so every
 * boot checks once.
 */
static bool known_ready(const char *path, const char *digest)
{
	char text[80];

	return read_text(path, text, sizeof(text)) > 0 && strcmp(text, digest) == 0;
}

static void set_ready(const char *path, const char *digest)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd >= 0) {
		if (write(fd, digest, strlen(digest)) < 0)
			unlink(path);
		close(fd);
	}
}

int container_run(const struct ctr *c)
{
	char ref[64], pidfile[96], ready[96];
	int status, st = 0;

	snprintf(ref, sizeof(ref), "berth.local/%s", c->name);
	snprintf(pidfile, sizeof(pidfile), CONTAINERS_RUN_DIR "/%s.pid", c->name);
	snprintf(ready, sizeof(ready), CONTAINERS_RUN_DIR "/%s.ready", c->name);
	pid_t log = start_logger(c->name);
	make_dir(CONTAINERS_RUN_DIR, 0755);
	unlink(pidfile);
	bind_sources(c);
	if (!known_ready(ready, c->digest)) {
		st = image_ready(c, ref);
		if (st == 0)
			clear_leftovers(c->name);
	}
	if (st == 0) {
		unlink(ready);
		st = run(c, ref, pidfile);
		/* Unless ctr itself was killed, its --rm removed the container. */
		if (st >= 0 && !WIFSIGNALED(st))
			set_ready(ready, c->digest);
		say("%s ended (status %d)", c->kind == CTR_ONBOOT ? "onboot container" : "service",
		    status_code(st));
	}
	/* The logger sees end of file once we, like ctr before us, close the pipe. */
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	if (log > 0)
		waitpid(log, &status, 0);
	return status_code(st);
}

/* ---- health probes (in a child of PID 1; may block) ---- */
