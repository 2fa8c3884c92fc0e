/*
 * Runs the build's stage scripts in order. Each stage gets the manifest
 * through BERTH_* environment variables, writes its output under
 * out/work, and logs to out/work/<stage>.log; a failing stage's log is
 * shown and the build stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stages.h"

struct stage {
	const char *name;
	const char *script; /* relative to the source tree */
};

static const struct stage stages[] = {
	{"kernel", "kernel-config/debian-kernel.sh"},
	{"rootfs", "rootfs/mkrootfs.sh"},
	{"initramfs", "initramfs/mkinitramfs.sh"},
	{"root image", "image/mkroot.sh"},
	{"uki", "image/mkuki.sh"},
	{"esp", "image/mkesp.sh"},
	{"disk", "image/mkdisk.sh"},
};

static int set_env(const char *key, const char *value)
{
	if (setenv(key, value, 1) < 0) {
		fprintf(stderr, "berth: setenv %s: %s\n", key, strerror(errno));
		return -errno;
	}
	return 0;
}

static int set_env_u64(const char *key, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return set_env(key, buf);
}

static int export_manifest(const struct build_ctx *b)
{
	const struct manifest *m = b->m;
	char init[4200];
	int r = 0;

	snprintf(init, sizeof(init), "%s/build/berth-init", b->src);
	r |= set_env("BERTH_SRC", b->src);
	r |= set_env("BERTH_OUT", b->out);
	r |= set_env("BERTH_WORK", b->work);
	if (!getenv("BERTH_INIT"))
		r |= set_env("BERTH_INIT", init);
	if (!getenv("BERTH_CACHE"))
		r |= set_env("BERTH_CACHE", "/var/cache/berth");
	r |= set_env("BERTH_NAME", m->name);
	r |= set_env("BERTH_VERSION", m->version);
	r |= set_env("BERTH_KERNEL_PACKAGE", m->kernel.package);
	r |= set_env("BERTH_CMDLINE", m->kernel.cmdline);
	r |= set_env("BERTH_HOSTNAME", m->rootfs.hostname);
	r |= set_env("BERTH_DEBUG_SHELL", m->debug.shell);
	r |= set_env_u64("BERTH_ESP_SIZE", m->disk.esp);
	r |= set_env_u64("BERTH_ROOT_SIZE", m->disk.root);
	r |= set_env_u64("BERTH_VERITY_SIZE", m->disk.verity);
	r |= set_env_u64("BERTH_DATA_SIZE", m->disk.data);
	return r ? -EINVAL : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Print the end of a failed stage's log (its last 40 lines, at most 16 KiB). */
static void show_log(const char *log)
{
	char buf[16384];
	size_t n, start;
	int lines = 0;
	FILE *f = fopen(log, "r");

	if (!f) {
		fprintf(stderr, "berth: cannot read %s: %s\n", log, strerror(errno));
		return;
	}
	if (fseek(f, -(long)sizeof(buf), SEEK_END) < 0)
		rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (start = n; start > 0; start--)
		if (buf[start - 1] == '\n' && ++lines > 40)
			break;
	fwrite(buf + start, 1, n - start, stderr);
}

/* Returns the script's exit status, or -errno when it could not run. */
static int run_script(const char *script, const char *log)
{
	pid_t pid;
	int status, fd;

	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -errno;
	}
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execl("/bin/bash", "bash", script, (char *)NULL);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int stages_run(const struct build_ctx *b)
{
	size_t n = sizeof(stages) / sizeof(stages[0]);
	char script[4200], log[4200];
	double start = now();

	if (export_manifest(b) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		double t0 = now();
		int r;

		snprintf(script, sizeof(script), "%s/%s", b->src, stages[i].script);
		snprintf(log, sizeof(log), "%s/%s.log", b->work, stages[i].name);
		for (char *p = strrchr(log, '/'); *p; p++)
			if (*p == ' ')
				*p = '-';
		printf("berth: [%zu/%zu] %-10s ", i + 1, n, stages[i].name);
		fflush(stdout);
		r = run_script(script, log);
		if (r != 0) {
			printf("FAILED\n");
			if (r < 0)
				fprintf(stderr, "berth: cannot run %s: %s\n", script, strerror(-r));
			else
				fprintf(stderr, "berth: stage %s failed (exit %d); end of %s:\n",
					stages[i].name, r, log);
			if (r > 0)
				show_log(log);
			return -1;
		}
		printf("%6.1f s\n", now() - t0);
	}
	printf("berth: built %s/disk.raw in %.1f s\n", b->out, now() - start);
	return 0;
}
