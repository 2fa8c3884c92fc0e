/*
 * Runs the build's stages in order (stagetab.c): scripts, and the bundle
 * writer in berth itself. Each script runs with exactly the environment the
 * stage table gives it, writes its output under out/work, and logs to
 * out/work/<stage>.log; a failing stage's log is shown and the build stops.
 * A stage whose key is that of its last success is reported as cached and
 * not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "report.h"
#include "run.h"
#include "stagetab.h"
#include "util.h"

/* work/<stage>.<ext> */
static void stage_file(const struct build_ctx *b, int s, const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", b->work, stages[s].name, ext);
}

static int is_cached(const struct build_ctx *b, int s, const char *key)
{
	char path[4200] = "", old[65] = "";
	FILE *f;

	if (stages[s].output)
		snprintf(path, sizeof(path), "%s/%s", b->work, stages[s].output);
	else if (stages[s].output_of(b, path, sizeof(path)) < 0)
		return 0;
	if (path[0] && access(path, F_OK) != 0)
		return 0;
	if (stages[s].output2) {
		snprintf(path, sizeof(path), "%s/%s", b->work, stages[s].output2);
		if (access(path, F_OK) != 0)
			return 0;
	}
	stage_file(b, s, "key", path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(old, sizeof(old), f))
		old[0] = '\0';
	fclose(f);
	return strcmp(old, key) == 0;
}

/* The key is written (atomically) only after the stage succeeded. */
static int record_key(const struct build_ctx *b, int s, const char *key)
{
	char path[4200];
	int r;

	stage_file(b, s, "key", path, sizeof(path));
	if ((r = write_file_atomic(path, key, strlen(key), 0644, true)) < 0) {
		say("%s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs SCRIPT with ENV, its output into LOG: its exit status, or -errno when it could not run. */
static int run_script(const char *script, char *const env[], const char *log)
{
	char *const argv[] = {"bash", (char *)script, NULL};
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), st;

	if (fd < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	st = run_capture("/bin/bash", argv, env, fd, NULL);
	close(fd);
	return st < 0 ? st : exit_code(st);
}

/* Runs stage S's RUN with its messages going to LOG, as a script's would; 0 or 1, or -errno. */
static int run_here(const struct build_ctx *b, int s, char *const env[], const char *log)
{
	FILE *f = fopen(log, "w");
	int r;

	if (!f)
		return -errno;
	r = stages[s].run(b, env, f) < 0 ? 1 : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int run_stage(const struct build_ctx *b, int s, char *const env[])
{
	char script[4200] = "berth", log[4200], key[4200];
	int r;

	if (stage_script(b, s))
		snprintf(script, sizeof(script), "%s/%s", b->src, stage_script(b, s));
	stage_file(b, s, "log", log, sizeof(log));
	stage_file(b, s, "key", key, sizeof(key));
	if (unlink(key) < 0 && errno != ENOENT) {
		say("%s: %s", key, strerror(errno));
		return -1;
	}
	r = stages[s].run ? run_here(b, s, env, log) : run_script(script, env, log);
	if (r == 0)
		return 0;
	printf("FAILED\n");
	if (r < 0) {
		say("cannot run %s: %s", script, strerror(-r));
		return -1;
	}
	say("stage %s failed (exit %d); end of %s:", stages[s].name, r, log);
	report_log(log);
	return -1;
}

/* The package lists are an input of the stages that read them: refresh them first. */
static int apt_lists(const struct build_ctx *b)
{
	char script[PATH_MAX], log[PATH_MAX];
	struct env env;
	int r = pathf(script, sizeof(script), "%s/image/apt-lists.sh", b->src);

	if (r == 0)
		r = pathf(log, sizeof(log), "%s/apt-lists.log", b->work);
	if (r < 0) {
		say("%s: %s", b->src, strerror(-r));
		return -1;
	}
	if (env_fixed(b, &env) < 0)
		return -1;
	r = run_script(script, env.v, log);
	env_free(&env);
	if (r == 0)
		return 0;
	say("cannot set up Debian's package lists; end of %s:", log);
	report_log(log);
	return -1;
}

/*
 * The package lists stay as apt-lists.sh left them until the build ends:
 * berth holds image/lib/apt.sh's lock shared, so that another build's
 * refresh waits for it. Returns the lock's descriptor, or -1 after saying why.
 */
static int hold_apt_lists(const struct build_ctx *b)
{
	char path[PATH_MAX];
	int fd = -1, r = pathf(path, sizeof(path), "%s/apt/.lock", b->cache);

	if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0 && flock(fd, LOCK_SH) < 0)
		r = -errno;
	if (r == 0)
		return fd;
	say("%s: %s", path, strerror(-r));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int run_stages(const struct build_ctx *b)
{
	char keys[N_STAGES][65];
	double start = now(), t0;
	struct env env;
	int r;

	for (int s = 0; s < N_STAGES; s++) {
		if (stage_inputs(b, s, keys, &env) < 0)
			return -1;
		printf("berth: [%d/%d] %-11s", s + 1, N_STAGES, stages[s].name);
		fflush(stdout);
		if (is_cached(b, s, keys[s])) {
			printf("cached\n");
			env_free(&env);
			continue;
		}
		t0 = now();
		r = run_stage(b, s, env.v);
		env_free(&env);
		if (r < 0 || record_key(b, s, keys[s]) < 0)
			return -1;
		printf("%6.1f s\n", now() - t0);
	}
	if (report_lock(b) < 0)
		return -1;
	printf("berth: built %s/disk.raw in %.1f s\n", b->out, now() - start);
	return report_bundle(b);
}

int stages_run(const struct build_ctx *b)
{
	int lock, r;

	if (apt_lists(b) < 0 || (lock = hold_apt_lists(b)) < 0)
		return -1;
	r = run_stages(b);
	close(lock);
	return r;
}
