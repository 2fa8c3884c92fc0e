/*
 * Runs the build's stages in order: scripts, and the bundle writer in berth
 * itself. Each script gets the manifest through BERTH_* environment
 * variables, writes its output under out/work, and logs to
 * out/work/<stage>.log; a failing stage's log is shown and the build stops.
 * A stage whose inputs (see inputs.c) are those of its last success is
 * reported as cached and not run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conffiles.h"
#include "inputs.h"
#include "mkbundle.h"
#include "stages.h"

enum { KERNEL, ROOTFS, OSTREE, INITRAMFS, ROOTIMG, UKI, ESP, DISK, BUNDLE, N_STAGES };

struct stage {
	const char *name;
	const char *script; /* relative to the source tree; NULL: run() */
	int (*run)(const struct build_ctx *b, FILE *log);
	const char *output;   /* relative to out/work; must exist for a cache hit */
	unsigned deps;	      /* upstream stages (bit per enum value) */
	const char *env[10];  /* the BERTH_* values it reads */
	const char *files[4]; /* source-tree inputs besides its script and image/lib */
	int uses_init;	      /* berth-init goes into its output */
	int uses_update;      /* berth-update goes into its output */
	int uses_apt;	      /* reads Debian's package lists */
};

#define DEP(s) (1u << (s))

static const struct stage stages[N_STAGES] = {
    [KERNEL] = {.name = "kernel",
		.script = "kernel-config/debian-kernel.sh",
		.output = "kernel/vmlinuz",
		.env = {"BERTH_KERNEL_PACKAGE"},
		.uses_apt = 1},
    [ROOTFS] = {.name = "rootfs",
		.script = "rootfs/mkrootfs.sh",
		.output = "rootfs",
		.env = {"BERTH_NAME", "BERTH_VERSION", "BERTH_HOSTNAME", "BERTH_DEBUG_SHELL",
			"BERTH_PACKAGES"},
		.files = {"rootfs"},
		.uses_init = 1,
		.uses_update = 1,
		.uses_apt = 1},
    [OSTREE] = {.name = "ostree",
		.script = "image/ostree.sh",
		.output = "ostree.commit",
		.deps = DEP(ROOTFS),
		.env = {"BERTH_NAME", "BERTH_VERSION", "BERTH_CHANNEL", "BERTH_GPG_KEY",
			"BERTH_GPG_HOMEDIR"}},
    [INITRAMFS] = {.name = "initramfs",
		   .script = "initramfs/mkinitramfs.sh",
		   .output = "initrd.img",
		   .deps = DEP(KERNEL),
		   .files = {"initramfs"},
		   .uses_init = 1},
    [ROOTIMG] = {.name = "root-image",
		 .script = "image/mkroot.sh",
		 .output = "root.erofs",
		 .deps = DEP(OSTREE),
		 .env = {"BERTH_NAME", "BERTH_ROOT_SIZE", "BERTH_VERITY_SIZE"}},
    [UKI] = {.name = "uki",
	     .script = "image/mkuki.sh",
	     .output = "uki-b.efi", /* written after uki-a.efi */
	     .deps = DEP(KERNEL) | DEP(INITRAMFS) | DEP(ROOTIMG),
	     .env = {"BERTH_NAME", "BERTH_CMDLINE"}},
    [ESP] = {.name = "esp",
	     .script = "image/mkesp.sh",
	     .output = "esp.img",
	     .deps = DEP(UKI),
	     .env = {"BERTH_NAME", "BERTH_VERSION", "BERTH_ESP_SIZE"}},
    [DISK] = {.name = "disk",
	      .script = "image/mkdisk.sh",
	      .output = "../disk.raw",
	      .deps = DEP(ESP) | DEP(ROOTIMG),
	      .env = {"BERTH_NAME", "BERTH_ESP_SIZE", "BERTH_ROOT_SIZE", "BERTH_VERITY_SIZE",
		      "BERTH_DATA_SIZE"}},
    /* Its output is out/<name>_<version>.berth, or nothing without a signing key. */
    [BUNDLE] = {.name = "bundle",
		.run = mkbundle_stage,
		.deps = DEP(ROOTIMG) | DEP(UKI),
		.env = {"BERTH_NAME", "BERTH_VERSION"}},
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

/* "a b c" from a list of names (Debian package names hold no spaces). */
static int set_env_list(const char *key, size_t n, const char (*items)[129])
{
	size_t len = 1;
	char *buf;
	int r;

	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 1;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, items[i]);
	}
	r = set_env(key, buf);
	free(buf);
	return r;
}

static int export_manifest(const struct build_ctx *b)
{
	const struct manifest *m = b->m;
	char path[8192];
	int r = 0;

	r |= set_env("BERTH_SRC", b->src);
	r |= set_env("BERTH_OUT", b->out);
	r |= set_env("BERTH_WORK", b->work);
	snprintf(path, sizeof(path), "%s/build/berth-init", b->src);
	if (!getenv("BERTH_INIT"))
		r |= set_env("BERTH_INIT", path);
	snprintf(path, sizeof(path), "%s/build/berth-update", b->src);
	if (!getenv("BERTH_UPDATE"))
		r |= set_env("BERTH_UPDATE", path);
	if (!getenv("BERTH_CACHE"))
		r |= set_env("BERTH_CACHE", "/var/cache/berth");
	/* Reproducible unless told otherwise: every timestamp in the image is this. */
	if (!getenv("SOURCE_DATE_EPOCH"))
		r |= set_env("SOURCE_DATE_EPOCH", "0");
	r |= set_env("BERTH_LOCK_IN", b->lock_in);
	r |= set_env("BERTH_NAME", m->name);
	r |= set_env("BERTH_VERSION", m->version);
	r |= set_env("BERTH_CHANNEL", m->channel);
	r |= set_env("BERTH_KERNEL_PACKAGE", m->kernel.package);
	r |= set_env("BERTH_CMDLINE", m->kernel.cmdline);
	r |= set_env("BERTH_HOSTNAME", m->rootfs.hostname);
	r |= set_env_list("BERTH_PACKAGES", m->rootfs.n_packages, m->rootfs.packages);
	r |= set_env("BERTH_GPG_KEY", m->signing.gpg_key);
	r |= set_env("BERTH_DEBUG_SHELL", m->debug.shell);
	r |= set_env_u64("BERTH_ESP_SIZE", m->disk.esp);
	r |= set_env_u64("BERTH_ROOT_SIZE", m->disk.root);
	r |= set_env_u64("BERTH_VERITY_SIZE", m->disk.verity);
	r |= set_env_u64("BERTH_DATA_SIZE", m->disk.data);
	if (m->signing.secure_boot[0])
		snprintf(path, sizeof(path), "%s/%s", b->manifest_dir, m->signing.secure_boot);
	r |= set_env("BERTH_SECURE_BOOT", m->signing.secure_boot[0] ? path : "");
	if (m->signing.gpg_homedir[0]) {
		snprintf(path, sizeof(path), "%s/%s", b->manifest_dir, m->signing.gpg_homedir);
		r |= set_env("BERTH_GPG_HOMEDIR", path);
	} else {
		r |= set_env("BERTH_GPG_HOMEDIR", "");
	}
	/* The kernel stage builds the certificate in; the UKI stage signs the root hash. */
	path[0] = '\0';
	if (m->signing.verity_key[0])
		snprintf(path, sizeof(path), "%s/%s.crt", b->manifest_dir, m->signing.verity_key);
	r |= set_env("BERTH_VERITY_CERT", path);
	if (m->signing.verity_key[0])
		snprintf(path, sizeof(path), "%s/%s.key", b->manifest_dir, m->signing.verity_key);
	r |= set_env("BERTH_VERITY_KEY", path);
	return r ? -EINVAL : 0;
}

/* rootfs.files and rootfs.remove, as lists the rootfs stage reads. */
static int write_lists(const struct build_ctx *b)
{
	const struct manifest *m = b->m;
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/files.list", b->work);
	f = fopen(path, "w");
	if (!f)
		goto fail;
	for (size_t i = 0; i < m->rootfs.n_files; i++) {
		const struct manifest_file *e = &m->rootfs.files[i];
		fprintf(f, "%s/%s\t%s\t%o\t%u\t%u\n", b->manifest_dir, e->src, e->dst, e->mode,
			e->uid, e->gid);
	}
	if (fclose(f) != 0)
		goto fail;
	if (set_env("BERTH_FILES_LIST", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/remove.list", b->work);
	f = fopen(path, "w");
	if (!f)
		goto fail;
	for (size_t i = 0; i < m->rootfs.n_remove; i++)
		fprintf(f, "%s\n", m->rootfs.remove[i]);
	if (fclose(f) != 0)
		goto fail;
	if (set_env("BERTH_REMOVE_LIST", path) < 0)
		return -1;
	/* The image archives of onboot: and services:, "src digest", each image once. */
	snprintf(path, sizeof(path), "%s/images.list", b->work);
	f = fopen(path, "w");
	if (!f)
		goto fail;
	for (size_t i = 0; i < m->n_containers; i++)
		if (conffiles_first_image(m, i))
			fprintf(f, "%s/%s\t%s\n", b->manifest_dir, m->containers[i].image,
				m->containers[i].digest);
	if (fclose(f) != 0)
		goto fail;
	return set_env("BERTH_IMAGES_LIST", path) < 0 ? -1 : 0;
fail:
	fprintf(stderr, "berth: %s: %s\n", path, strerror(errno));
	return -1;
}

/*
 * work/NAME, written by WRITE when the manifest WANTs it; ENV tells the
 * rootfs stage its path, or "" for none (a file of an earlier build is
 * removed).
 */
static int write_conf(const struct build_ctx *b, const char *name, bool want,
		      int (*write)(FILE *, const struct manifest *), const char *env)
{
	char path[4200];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", b->work, name);
	if (!want) {
		if (unlink(path) < 0 && errno != ENOENT) {
			r = -errno;
			goto fail;
		}
		return set_env(env, "") < 0 ? -1 : 0;
	}
	f = fopen(path, "w");
	if (!f) {
		r = -errno;
		goto fail;
	}
	r = write(f, b->m);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0)
		goto fail;
	return set_env(env, path) < 0 ? -1 : 0;
fail:
	fprintf(stderr, "berth: cannot write %s: %s\n", path, strerror(-r));
	return -1;
}

/* work/keys, which the rootfs stage copies to /etc/berth/keys. */
static int write_keys(const struct build_ctx *b)
{
	char dir[4200];
	int r;

	snprintf(dir, sizeof(dir), "%s/keys", b->work);
	r = conffiles_keys(dir, b->m);
	if (r < 0) {
		fprintf(stderr, "berth: cannot write the update keys to %s: %s\n", dir,
			strerror(-r));
		return -1;
	}
	return set_env("BERTH_KEYS_DIR", dir) < 0 ? -1 : 0;
}

static int write_confs(const struct build_ctx *b)
{
	if (write_conf(b, "network.conf", conffiles_want_network(b->m), conffiles_network,
		       "BERTH_NETWORK_CONF") < 0)
		return -1;
	if (write_conf(b, "update.conf", true, conffiles_update, "BERTH_UPDATE_CONF") < 0 ||
	    write_keys(b) < 0)
		return -1;
	return write_conf(b, "containers.conf", conffiles_want_containers(b->m),
			  conffiles_containers, "BERTH_CONTAINERS_CONF");
}

/* The package lists' signed Release files stand for the lists' contents. */
static int add_apt_lists(struct inputs *in)
{
	char dir[4200], path[4500];
	struct dirent **names;
	int n, r = 0;

	snprintf(dir, sizeof(dir), "%s/apt/state/lists", getenv("BERTH_CACHE"));
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "berth: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (r == 0 && len > 8 && !strcmp(names[i]->d_name + len - 8, "InRelease")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			r = inputs_add_path(in, names[i]->d_name, path);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static int add_user_files(struct inputs *in, const struct build_ctx *b)
{
	const struct manifest *m = b->m;
	char path[8192], desc[2200], real[PATH_MAX];

	for (size_t i = 0; i < m->rootfs.n_files; i++) {
		const struct manifest_file *e = &m->rootfs.files[i];
		snprintf(desc, sizeof(desc), "%s %o %u:%u", e->dst, e->mode, e->uid, e->gid);
		inputs_add(in, "file", desc);
		snprintf(path, sizeof(path), "%s/%s", b->manifest_dir, e->src);
		if (inputs_add_path(in, e->src, path) < 0)
			return -1;
	}
	for (size_t i = 0; i < m->rootfs.n_remove; i++)
		inputs_add(in, "remove", m->rootfs.remove[i]);
	if (conffiles_want_network(m)) {
		snprintf(path, sizeof(path), "%s/network.conf", b->work);
		if (inputs_add_path(in, "network.conf", path) < 0)
			return -1;
	}
	if (conffiles_want_containers(m)) {
		snprintf(path, sizeof(path), "%s/containers.conf", b->work);
		if (inputs_add_path(in, "containers.conf", path) < 0)
			return -1;
	}
	snprintf(path, sizeof(path), "%s/update.conf", b->work);
	if (inputs_add_path(in, "update.conf", path) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/keys", b->work);
	if (inputs_add_path(in, "keys", path) < 0)
		return -1;
	for (size_t i = 0; i < m->n_containers; i++) {
		if (!conffiles_first_image(m, i))
			continue;
		snprintf(path, sizeof(path), "%s/%s", b->manifest_dir, m->containers[i].image);
		/* The archive's bytes, also when the manifest names it through a symlink. */
		if (!realpath(path, real)) {
			fprintf(stderr, "berth: %s: %s\n", path, strerror(errno));
			return -1;
		}
		if (inputs_add_path(in, m->containers[i].digest, real) < 0)
			return -1;
	}
	return 0;
}

/*
 * The bundle's own inputs besides its upstream stages' keys: the files it
 * packs (their bytes, whoever made them) and the key it signs with. Without
 * a key it reads nothing.
 */
static int add_bundle_inputs(struct inputs *in, const struct build_ctx *b)
{
	static const char *const files[] = {"verity.env", "root.erofs", "verity.img", "uki-a.efi",
					    "uki-b.efi"};
	const struct manifest *m = b->m;
	char path[8192];
	int r = 0;

	inputs_add(in, "compatible", m->update.compatible);
	inputs_add(in, "signing_key", m->update.signing_key);
	if (!m->update.signing_key[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", b->manifest_dir, m->update.signing_key);
	r |= inputs_add_path(in, "signing key", path);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", b->work, files[i]);
		r |= inputs_add_path(in, files[i], path);
	}
	return r ? -1 : 0;
}

/*
 * With signing.secure_boot, the key files the UKI stage (db's key and
 * certificate) or the ESP stage (those and the three .auth files) reads.
 * Without it nothing, so unsigned images keep their keys.
 */
static int add_secure_boot_inputs(struct inputs *in, const struct build_ctx *b, bool esp)
{
	static const char *const files[] = {"db.key", "db.crt", "PK.auth", "KEK.auth", "db.auth"};
	const char *prefix = b->m->signing.secure_boot;
	char path[8192];
	int r = 0;

	if (!prefix[0])
		return 0;
	inputs_add(in, "secure_boot", prefix);
	for (size_t i = 0; i < (esp ? 5 : 2); i++) {
		snprintf(path, sizeof(path), "%s/%s-%s", b->manifest_dir, prefix, files[i]);
		r |= inputs_add_path(in, files[i], path);
	}
	return r ? -1 : 0;
}

/* `kernel.source: config` swaps the kernel stage's script. */
static const char *stage_script(const struct build_ctx *b, int s)
{
	if (s == KERNEL && b->m->kernel.source == KERNEL_SOURCE_CONFIG)
		return "kernel-config/build-kernel.sh";
	return stages[s].script;
}

/*
 * With a verity key the kernel is built from the fragments with its
 * certificate, and the UKI's command line carries a signature by its key.
 */
static int add_verity_inputs(struct inputs *in, const struct build_ctx *b, int s)
{
	char path[4200];
	int r = 0;

	if (!b->m->signing.verity_key[0])
		return 0;
	if (s == KERNEL) {
		snprintf(path, sizeof(path), "%s/kernel-config", b->src);
		r |= inputs_add_path(in, "kernel-config", path);
	}
	r |= inputs_add_path(in, "verity certificate", getenv("BERTH_VERITY_CERT"));
	if (s == UKI)
		r |= inputs_add_path(in, "verity key", getenv("BERTH_VERITY_KEY"));
	return r ? -1 : 0;
}

static int stage_key(const struct build_ctx *b, int s, char keys[][65])
{
	const struct stage *st = &stages[s];
	const char *script = stage_script(b, s);
	struct inputs in;
	char path[4200];
	int r = 0;

	inputs_init(&in, st->name);
	if (script) {
		snprintf(path, sizeof(path), "%s/%s", b->src, script);
		r |= inputs_add_path(&in, "script", path);
	} else {
		/* The stage is code of this program: the one running, even if since replaced. */
		r |= inputs_add_file(&in, "berth", "/proc/self/exe");
	}
	snprintf(path, sizeof(path), "%s/image/lib", b->src);
	r |= inputs_add_path(&in, "lib", path);
	for (int i = 0; i < 4 && st->files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->src, st->files[i]);
		r |= inputs_add_path(&in, st->files[i], path);
	}
	for (int i = 0; i < 10 && st->env[i]; i++)
		inputs_add(&in, st->env[i], getenv(st->env[i]));
	inputs_add(&in, "SOURCE_DATE_EPOCH", getenv("SOURCE_DATE_EPOCH"));
	for (int d = 0; d < N_STAGES; d++)
		if (st->deps & DEP(d))
			inputs_add(&in, stages[d].name, keys[d]);
	if (st->uses_init)
		r |= inputs_add_path(&in, "berth-init", getenv("BERTH_INIT"));
	if (st->uses_update)
		r |= inputs_add_path(&in, "berth-update", getenv("BERTH_UPDATE"));
	if (st->uses_apt)
		r |= b->lock_in[0] ? inputs_add_path(&in, "lock", b->lock_in) : add_apt_lists(&in);
	if (s == ROOTFS)
		r |= add_user_files(&in, b);
	if (s == BUNDLE)
		r |= add_bundle_inputs(&in, b);
	if (s == UKI || s == ESP)
		r |= add_secure_boot_inputs(&in, b, s == ESP);
	if (s == KERNEL || s == UKI)
		r |= add_verity_inputs(&in, b, s);
	inputs_hex(&in, keys[s]);
	return r ? -1 : 0;
}

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
	else if (s == BUNDLE && b->m->update.signing_key[0] &&
		 mkbundle_path(b, path, sizeof(path)) < 0)
		return 0;
	if (path[0] && access(path, F_OK) != 0)
		return 0;
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
	char path[4200], tmp[4300];
	FILE *f;

	stage_file(b, s, "key", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(key, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "berth: %s: %s\n", tmp, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "berth: %s: %s\n", path, strerror(errno));
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

/* Runs RUN with its messages going to LOG, as a script's would; 0 or 1, or -errno. */
static int run_here(const struct build_ctx *b, int (*run)(const struct build_ctx *, FILE *),
		    const char *log)
{
	FILE *f = fopen(log, "w");
	int r;

	if (!f)
		return -errno;
	r = run(b, f) < 0 ? 1 : 0;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int run_stage(const struct build_ctx *b, int s)
{
	char script[4200] = "berth", log[4200], key[4200];
	int r;

	if (stage_script(b, s))
		snprintf(script, sizeof(script), "%s/%s", b->src, stage_script(b, s));
	stage_file(b, s, "log", log, sizeof(log));
	stage_file(b, s, "key", key, sizeof(key));
	if (unlink(key) < 0 && errno != ENOENT) {
		fprintf(stderr, "berth: %s: %s\n", key, strerror(errno));
		return -1;
	}
	r = stages[s].run ? run_here(b, stages[s].run, log) : run_script(script, log);
	if (r == 0)
		return 0;
	printf("FAILED\n");
	if (r < 0) {
		fprintf(stderr, "berth: cannot run %s: %s\n", script, strerror(-r));
		return -1;
	}
	fprintf(stderr, "berth: stage %s failed (exit %d); end of %s:\n", stages[s].name, r, log);
	show_log(log);
	return -1;
}

/* Append the file PATH to F. */
static int append_file(FILE *f, const char *path)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(path, "r");

	if (!in)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	n = ferror(in) || ferror(f);
	fclose(in);
	return n ? -EIO : 0;
}

/*
 * out/manifest.lock: the root file system's packages (rootfs stage) and the
 * kernel (kernel stage), written whole or not at all.
 */
static int write_lock(const struct build_ctx *b)
{
	char path[4200], tmp[4300], part[4200] = "";
	int r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.lock", b->out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		r = -errno;
		goto fail;
	}
	snprintf(part, sizeof(part), "%s/packages.lock", b->work);
	r = append_file(f, part);
	if (r == 0) {
		snprintf(part, sizeof(part), "%s/kernel/lock", b->work);
		r = append_file(f, part);
	}
	if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r == 0)
		return 0;
fail:
	fprintf(stderr, "berth: cannot write %s (from %s): %s\n", path, part, strerror(-r));
	unlink(tmp);
	return -1;
}

static int print_bundle(const struct build_ctx *b)
{
	char path[4200];
	struct stat st;
	int r;

	if (!b->m->update.signing_key[0]) {
		printf("berth: no update.signing_key; no bundle\n");
		return 0;
	}
	r = mkbundle_path(b, path, sizeof(path));
	if (r == 0 && stat(path, &st) < 0)
		r = -errno;
	if (r) {
		fprintf(stderr, "berth: bundle of %s: %s\n", b->out, strerror(-r));
		return -1;
	}
	printf("berth: bundle %s (%lld bytes)\n", path, (long long)st.st_size);
	return 0;
}

int stages_run(const struct build_ctx *b)
{
	char keys[N_STAGES][65], script[4200], log[4200];
	double start = now(), t0;

	if (export_manifest(b) < 0 || write_lists(b) < 0 || write_confs(b) < 0)
		return -1;
	/* The package lists are an input of the stages that read them: refresh them first. */
	snprintf(script, sizeof(script), "%s/image/apt-lists.sh", b->src);
	snprintf(log, sizeof(log), "%s/apt-lists.log", b->work);
	if (run_script(script, log) != 0) {
		fprintf(stderr, "berth: cannot set up Debian's package lists; end of %s:\n", log);
		show_log(log);
		return -1;
	}
	for (int s = 0; s < N_STAGES; s++) {
		if (stage_key(b, s, keys) < 0)
			return -1;
		printf("berth: [%d/%d] %-11s", s + 1, N_STAGES, stages[s].name);
		fflush(stdout);
		if (is_cached(b, s, keys[s])) {
			printf("cached\n");
			continue;
		}
		t0 = now();
		if (run_stage(b, s) < 0 || record_key(b, s, keys[s]) < 0)
			return -1;
		printf("%6.1f s\n", now() - t0);
	}
	if (write_lock(b) < 0)
		return -1;
	printf("berth: built %s/disk.raw in %.1f s\n", b->out, now() - start);
	return print_bundle(b);
}
