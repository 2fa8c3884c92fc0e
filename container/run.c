/*
 * One container run (`berth-container run`): its OCI runtime configuration
 * written from containers.conf and the image's IMAGE_CONF (lib/ocispec.h),
 * then `crun run` (or `runc run`: containers.conf names the runtime) in the
 * foreground until the container ends. Its root is the image's tree in the
 * verified root, so nothing is imported or unpacked at boot. Everything
 * said meanwhile, by the runtime, the container or us, goes through the
 * logger (logger.c).
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"
#include "ocispec.h"
#include "run.h"
#include "say.h"

static char *const runtime_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

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

void runtime_bin(const struct ctr *c, char bin[RUNTIME_BIN_MAX])
{
	snprintf(bin, RUNTIME_BIN_MAX, RUNTIME_BIN "%s", runtime_words[c->runtime]);
}

/* C's runtime with ARGV (ARGV[0] its name). */
static int runtime(const struct ctr *c, const char *const argv[], int out_fd)
{
	char bin[RUNTIME_BIN_MAX];

	runtime_bin(c, bin);
	return run_capture(bin, (char *const *)argv, runtime_env, out_fd, NULL);
}

/*
 * A container of this name left by a killed run would make `run` fail: the
 * runtime's state of it is there while the runtime runs it, and after the
 * runtime was killed.
 */
static void clear_leftover(const struct ctr *c)
{
	const char *rt = runtime_words[c->runtime];
	const char *const argv[] = {rt, "delete", "--force", c->name, NULL};
	char state[96];

	snprintf(state, sizeof(state), RUNTIME_STATE "%s/%s", rt, c->name);
	if (access(state, F_OK) == 0)
		runtime(c, argv, STDOUT_FILENO);
}

static void bind_sources(const struct ctr *c)
{
	for (size_t i = 0; i < c->nbinds; i++) {
		int r = make_dir(c->binds[i].src, 0755);
		if (r < 0)
			say("bind source %s: %s", c->binds[i].src, strerror(-r));
	}
}

/* Run by the logger's caller: C's run, its runtime's wait status or -errno. */
static int run_logged(const void *arg)
{
	const struct ctr *c = arg;
	char bundle[96], pidfile[96];
	int st;

	snprintf(bundle, sizeof(bundle), CONTAINERS_RUN_DIR "/%s", c->name);
	snprintf(pidfile, sizeof(pidfile), CONTAINERS_RUN_DIR "/%s.pid", c->name);
	make_dir(CONTAINERS_RUN_DIR, 0755);
	unlink(pidfile);
	bind_sources(c);
	st = write_spec(c, bundle);
	if (st == 0) {
		const char *rt = runtime_words[c->runtime];
		const char *const argv[] = {rt,		  "run",   "--bundle", bundle,
					    "--pid-file", pidfile, c->name,    NULL};
		clear_leftover(c);
		st = runtime(c, argv, STDOUT_FILENO);
		say("%s ended (status %d)", c->kind == CTR_ONBOOT ? "onboot container" : "service",
		    run_status(st));
	}
	return st;
}

int container_run(const struct ctr *c)
{
	return run_status(logged(c->name, run_logged, c));
}
