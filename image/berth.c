/*
 * berth: the build tool. `berth build MANIFEST [--out DIR]` turns a manifest
 * into a bootable disk image and, when the manifest has a signing key, a
 * signed update bundle. Exit status: 0 built, 1 build failed, 2 usage error
 * or bad manifest (nothing written then).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "flash.h"
#include "history.h"
#include "keys.h"
#include "manifest.h"
#include "publish.h"
#include "qemu.h"
#include "run.h"
#include "stages.h"
#include "userns.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: berth build MANIFEST [--out DIR] [--locked[=LOCKFILE]]\n"
	    "       berth log NAME [--repo DIR]\n"
	    "       berth diff NAME VERSION1 VERSION2 [--repo DIR]\n"
	    "       berth flash IMAGE TARGET [--yes]\n"
	    "       berth run IMAGE|MANIFEST\n"
	    "       berth keygen PREFIX\n"
	    "       berth keygen --secure-boot PREFIX\n"
	    "       berth keygen --verity PREFIX\n"
	    "       berth publish add|schedule|halt|resume|renew|show DIR ... (docs/fleet.md)\n");
}

/* The source tree is the folder above build/, where this program lives. */
static int find_src(char *buf, size_t len)
{
	const char *env = getenv("BERTH_SRC");
	char exe[PATH_MAX];
	ssize_t n;

	if (env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s", dirname(dirname(exe))) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* ENV from berth's environment, or DEF, into BUF. */
static int from_env(char *buf, size_t len, const char *env, const char *def)
{
	const char *v = getenv(env);

	return pathf(buf, len, "%s", v ? v : def);
}

/*
 * What berth takes from its environment: the programs that go into the
 * image, the cache, the image's one timestamp.
 */
static int take_env(struct build_ctx *b)
{
	char path[PATH_MAX];
	int r;

	r = pathf(path, sizeof(path), "%s/build/berth-init", b->src);
	if (r == 0)
		r = from_env(b->init, sizeof(b->init), "BERTH_INIT", path);
	if (r == 0)
		r = pathf(path, sizeof(path), "%s/build/berth-stage1", b->src);
	if (r == 0)
		r = from_env(b->stage1, sizeof(b->stage1), "BERTH_STAGE1", path);
	if (r == 0)
		r = pathf(path, sizeof(path), "%s/build/berth-update", b->src);
	if (r == 0)
		r = from_env(b->update, sizeof(b->update), "BERTH_UPDATE", path);
	if (r == 0)
		r = pathf(path, sizeof(path), "%s/build/berth-install", b->src);
	if (r == 0)
		r = from_env(b->installer, sizeof(b->installer), "BERTH_INSTALLER", path);
	if (r == 0)
		r = pathf(path, sizeof(path), "%s/build/berth-provision", b->src);
	if (r == 0)
		r = from_env(b->provision, sizeof(b->provision), "BERTH_PROVISION", path);
	if (r == 0)
		r = pathf(path, sizeof(path), "%s/build/berth-container", b->src);
	if (r == 0)
		r = from_env(b->container, sizeof(b->container), "BERTH_CONTAINER", path);
	if (r == 0)
		r = from_env(b->cache, sizeof(b->cache), "BERTH_CACHE", "/var/cache/berth");
	/* Reproducible unless told otherwise: every timestamp in the image is this. */
	if (r == 0)
		r = from_env(b->epoch, sizeof(b->epoch), "SOURCE_DATE_EPOCH", "0");
	return r;
}

/* out/<manifest file name without .yaml> */
static int default_out(const char *manifest, char *buf, size_t len)
{
	char copy[PATH_MAX];
	char *base, *dot;

	if (snprintf(copy, sizeof(copy), "%s", manifest) >= (int)sizeof(copy))
		return -ENAMETOOLONG;
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")))
		*dot = '\0';
	if ((size_t)snprintf(buf, len, "out/%s", base) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Without root, the owners rootfs.files names must be ids the user namespace
 * has (userns.h): 0, or -1 after saying which is not.
 */
static int owners_fit(const struct manifest *m, const char *path, unsigned long max_id)
{
	for (size_t i = 0; i < m->rootfs.n_files; i++) {
		const struct manifest_file *f = &m->rootfs.files[i];

		if (f->uid > max_id || f->gid > max_id) {
			say("%s: rootfs.files[%zu].owner %u:%u: this build has ids up to %lu only "
			    "(subordinate ids; docs/build.md)",
			    path, i, f->uid, f->gid, max_id);
			return -1;
		}
	}
	return 0;
}

/* The cache exists and this build can write to it: 0, or -1 after saying why not. */
static int cache_writable(const char *cache)
{
	int r = make_dirs(cache);

	if (r == 0 && access(cache, W_OK) < 0)
		r = -errno;
	if (r < 0)
		say("the cache %s: %s (BERTH_CACHE; a build without root needs one of its own: "
		    "docs/build.md)",
		    cache, strerror(-r));
	return r < 0 ? -1 : 0;
}

static int cmd_build(int argc, char **argv)
{
	static struct manifest m;
	struct build_ctx b = {.m = &m};
	const char *path = NULL, *out = NULL, *lock = NULL;
	char err[MANIFEST_ERR_MAX], abs[PATH_MAX];
	unsigned long max_id;
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--locked")) {
			lock = "";
		} else if (!strncmp(argv[i], "--locked=", 9) && argv[i][9]) {
			lock = argv[i] + 9;
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		say("libsodium failed to initialise");
		return 1;
	}
	r = manifest_load(path, &m, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return r == -EINVAL ? 2 : 1;
	}
	if (out)
		r = snprintf(b.out, sizeof(b.out), "%s", out) >= (int)sizeof(b.out) ? -ENAMETOOLONG
										    : 0;
	else
		r = default_out(path, b.out, sizeof(b.out));
	if (r == 0)
		r = find_src(b.src, sizeof(b.src));
	if (r == 0)
		r = take_env(&b);
	if (r == 0 && snprintf(b.work, sizeof(b.work), "%s/work", b.out) >= (int)sizeof(b.work))
		r = -ENAMETOOLONG;
	if (r < 0) {
		say("%s", strerror(-r));
		return 2;
	}
	/* dracut, which makes the initramfs, cannot work in such a folder. */
	if (strpbrk(b.out, " \t\n") ||
	    (b.out[0] != '/' && getcwd(abs, sizeof(abs)) && strpbrk(abs, " \t\n"))) {
		say("the output folder's path must not contain white space");
		return 2;
	}
	if (userns_enter(&max_id) < 0 || owners_fit(&m, path, max_id) < 0 ||
	    cache_writable(b.cache) < 0)
		return 1;
	r = make_dirs(b.work);
	if (r < 0) {
		say("cannot create %s: %s", b.work, strerror(-r));
		return 1;
	}
	/* Stages run in other folders: give them absolute paths. */
	if (!realpath(b.work, abs) || snprintf(b.work, sizeof(b.work), "%s", abs) < 0 ||
	    snprintf(b.out, sizeof(b.out), "%s", dirname(abs)) < 0) {
		say("%s: %s", b.work, strerror(errno));
		return 1;
	}
	if (!realpath(path, abs) ||
	    snprintf(b.manifest_dir, sizeof(b.manifest_dir), "%s", dirname(abs)) < 0) {
		say("%s: %s", path, strerror(errno));
		return 1;
	}
	if (lock) {
		/* --locked alone: the lock the last build of this output wrote. */
		if (!*lock && snprintf(err, sizeof(err), "%s/manifest.lock", b.out) > 0)
			lock = err;
		if (!realpath(lock, b.lock_in)) {
			say("--locked: %s: %s", lock, strerror(errno));
			return 1;
		}
	}
	printf("berth: building %s %s from %s into %s\n", m.name, m.version, path, b.out);
	return stages_run(&b) == 0 ? 0 : 1;
}

/*
 * berth run IMAGE|MANIFEST: a manifest is built first, by this program
 * again as a child (the build enters a user namespace QEMU has no use for),
 * and its output folder's disk.raw booted.
 */
static int cmd_run(int argc, char **argv)
{
	char self[PATH_MAX], out[PATH_MAX];
	const char *dot = argc == 1 ? strrchr(argv[0], '.') : NULL;
	ssize_t n = -1;

	if (argc != 1 || argv[0][0] == '-') {
		usage(stderr);
		return 2;
	}
	if (!dot || (strcmp(dot, ".yaml") && strcmp(dot, ".yml")))
		return qemu_run(argv[0]);
	int r = default_out(argv[0], out, sizeof(out));
	if (r == 0 && (n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		r = -errno;
	if (r < 0) {
		say("run: %s: %s", argv[0], strerror(-r));
		return 1;
	}
	self[n] = '\0';
	char *build[] = {self, "build", argv[0], NULL};
	int st = run_capture(self, build, NULL, STDERR_FILENO, NULL);
	if (st < 0 || exit_code(st) != 0) {
		say("run: the build of %s failed: nothing to boot", argv[0]);
		return 1;
	}
	return qemu_run(out);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "build"))
		return cmd_build(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "log"))
		return cmd_log(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "diff"))
		return cmd_diff(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "flash"))
		return cmd_flash(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "publish"))
		return cmd_publish(argc - 2, argv + 2);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
