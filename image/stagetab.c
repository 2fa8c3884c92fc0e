/*
 * The stage table (see stagetab.h), and from it each stage's environment
 * and cache key. A key is the SHA-256 (inputs.h) of the stage's script and
 * source files, the fixed part of its environment that is not a location,
 * its upstream stages' keys and its values as their kinds say: so a script
 * can read nothing that its key does not cover.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "inputs.h"
#include "mkbundle.h"
#include "stagetab.h"
#include "util.h"

#define DEP(s) (1u << (s))

const struct stage stages[N_STAGES] = {
    [KERNEL] = {.name = "kernel",
		.script = "kernel-config/debian-kernel.sh",
		.config_script = "kernel-config/build-kernel.sh",
		.output = "kernel/vmlinuz",
		/* build-kernel.sh's configuration fragments */
		.src = {"kernel-config", "image/lib"},
		.in = {V_KERNEL_PACKAGE, V_LOCK_IN, V_VERITY_CERT}},
    [ROOTFS] = {.name = "rootfs",
		.script = "rootfs/mkrootfs.sh",
		.output = "rootfs",
		.src = {"rootfs", "image/lib"},
		.in = {V_NAME, V_VERSION, V_HOSTNAME, V_PACKAGES, V_LOCK_IN, V_INIT, V_UPDATE,
		       V_PROVISION, V_CONTAINER, V_INSTALL_LIST, V_REMOVE_LIST}},
    /*
     * The modules kernel.modules names, as a tree of their own beside the
     * rootfs's: another kernel or module set re-runs this, not the rootfs.
     */
    [MODULES] = {.name = "modules",
		 .script = "image/mkmodules.sh",
		 .output = "modules.list",
		 .deps = DEP(KERNEL),
		 .src = {"image/lib"},
		 .in = {V_KERNEL_MODULES}},
    /* It commits the rootfs and modules trees together. */
    [OSTREE] = {.name = "ostree",
		.script = "image/ostree.sh",
		.output = "ostree.commit",
		.deps = DEP(ROOTFS) | DEP(MODULES),
		.in = {V_NAME, V_VERSION, V_CHANNEL, V_GPG_KEY, V_GPG_HOMEDIR}},
    [INITRAMFS] = {.name = "initramfs",
		   .script = "initramfs/mkinitramfs.sh",
		   .output = "initrd.img",
		   .deps = DEP(KERNEL) | DEP(MODULES),
		   .src = {"initramfs", "image/lib"},
		   .in = {V_STAGE1, V_INSTALLER, V_MODULE_LIST}},
    [ROOTIMG] = {.name = "root-image",
		 .script = "image/mkroot.sh",
		 .output = "root.erofs",
		 .deps = DEP(OSTREE),
		 .in = {V_ROOT_SIZE, V_VERITY_SIZE, V_UUID_EROFS, V_UUID_VERITY, V_VERITY_SALT}},
    /* Each UKI's .osrel is the checkout's os-release. */
    [UKI] = {.name = "uki",
	     .script = "image/mkuki.sh",
	     .output = "uki-b.efi", /* written after uki-a.efi */
	     .deps = DEP(KERNEL) | DEP(OSTREE) | DEP(INITRAMFS) | DEP(ROOTIMG),
	     .src = {"image/lib"},
	     .in = {V_CMDLINE_A, V_CMDLINE_B, V_CMDLINE_INSTALL, V_DB_KEY, V_DB_CERT}},
    [ESP] = {.name = "esp",
	     .script = "image/mkesp.sh",
	     .output = "esp.img",
	     .deps = DEP(UKI),
	     .src = {"image/lib"},
	     .in = {V_ESP_SIZE, V_ENTRY, V_DB_KEY, V_DB_CERT, V_PK_AUTH, V_KEK_AUTH, V_DB_AUTH}},
    [DISK] = {.name = "disk",
	      .script = "image/mkdisk.sh",
	      .output = "../disk.raw",
	      .output2 = "../disk.raw.bmap",
	      .deps = DEP(ESP) | DEP(ROOTIMG),
	      .src = {"image/lib", "image/mkbmap.sh"},
	      .in = {V_ESP_SIZE, V_ROOT_SIZE, V_VERITY_SIZE, V_DATA_SIZE, V_UUID_DISK, V_UUID_ESP,
		     V_UUID_ROOT_A, V_UUID_ROOT_A_VERITY, V_UUID_ROOT_B, V_UUID_ROOT_B_VERITY,
		     V_UUID_DATA, V_UUID_DATA_FS, V_UUID_DATA_HASH}},
    /* disk.formats beside disk.raw, and SHA256SUMS (written last) of them all. */
    [FORMATS] = {.name = "formats",
		 .script = "image/mkformats.sh",
		 .output = "../SHA256SUMS",
		 .deps = DEP(DISK),
		 .in = {V_FORMATS, V_UUID_VHD}},
    /* Without a signing key its payloads are "": it reads nothing then. */
    [BUNDLE] = {.name = "bundle",
		.run = mkbundle_stage,
		.output_of = mkbundle_output,
		.deps = DEP(ROOTIMG) | DEP(UKI),
		.in = {V_NAME, V_VERSION, V_COMPATIBLE, V_SECURITY_EPOCH, V_ROOTHASH, V_VERITY_SALT,
		       V_SIGNING_KEY, V_ROOT_IMAGE, V_VERITY_IMAGE, V_UKI_A, V_UKI_B}},
};

/* What every script is given besides locations and the host's: in every key. */
static const char *const constants[][2] = {
    {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
    /* The same on every host: sort orders, and FAT's time stamps, which are local. */
    {"LANG", "C.UTF-8"},
    {"TZ", "UTC"},
};

/* The host's: where it keeps things and how it reaches Debian's mirrors. No byte of the image. */
static const char *const passed[] = {"HOME",	   "GNUPGHOME",	  "TMPDIR",
				     "http_proxy", "https_proxy", "no_proxy"};

const char *stage_script(const struct build_ctx *b, int s)
{
	if (stages[s].config_script && b->m->kernel.source == KERNEL_SOURCE_CONFIG)
		return stages[s].config_script;
	return stages[s].script;
}

static int env_add(struct env *env, const char *name, const char *value)
{
	char *s;

	if (env->n == ENV_MAX_VARS || asprintf(&s, "%s=%s", name, value) < 0) {
		say("cannot give a stage %s: %s", name, strerror(ENOMEM));
		return -1;
	}
	env->v[env->n++] = s;
	env->v[env->n] = NULL;
	return 0;
}

void env_free(struct env *env)
{
	for (size_t i = 0; i < env->n; i++)
		free(env->v[i]);
	env->n = 0;
	env->v[0] = NULL;
}

int env_fixed(const struct build_ctx *b, struct env *env)
{
	/* Where things are, and the image's one timestamp. */
	const char *const given[][2] = {
	    {"BERTH_SRC", b->src},     {"BERTH_OUT", b->out},		{"BERTH_WORK", b->work},
	    {"BERTH_CACHE", b->cache}, {"SOURCE_DATE_EPOCH", b->epoch},
	};
	int r = 0;

	env->n = 0;
	env->v[0] = NULL;
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]) && r == 0; i++)
		r = env_add(env, given[i][0], given[i][1]);
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]) && r == 0; i++)
		r = env_add(env, constants[i][0], constants[i][1]);
	for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]) && r == 0; i++)
		if (getenv(passed[i]))
			r = env_add(env, passed[i], getenv(passed[i]));
	if (r < 0)
		env_free(env);
	return r;
}

/* The package lists' signed Release files stand for the lists' contents. */
static int add_apt_lists(struct inputs *in, const char *cache)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent **names;
	int n = 0, r = pathf(dir, sizeof(dir), "%s/apt/state/lists", cache);

	if (r == 0 && (n = scandir(dir, &names, NULL, alphasort)) < 0)
		r = -errno;
	if (r < 0) {
		say("%s: %s", dir, strerror(-r));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (r == 0 && len > 8 && !strcmp(names[i]->d_name + len - 8, "InRelease")) {
			r = pathf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (r == 0)
				r = inputs_add_path(in, names[i]->d_name, path);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* The list file LIST, and the file or folder each line names in its first field. */
static int add_list(struct inputs *in, const char *name, const char *list)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int r = inputs_add_path(in, name, list);

	if (r < 0)
		return r;
	f = fopen(list, "r");
	if (!f) {
		say("cannot read input %s: %s", list, strerror(errno));
		return -1;
	}
	while (r == 0 && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\t\n")] = '\0';
		r = inputs_add_path(in, line, line);
	}
	free(line);
	fclose(f);
	return r;
}

/* V's value S into IN, as its kind says. */
static int add_input(const struct build_ctx *b, struct inputs *in, const struct value *v,
		     const char *s)
{
	switch (v->kind) {
	case IN_VALUE:
		break;
	case IN_PATH:
		if (s[0])
			return inputs_add_path(in, v->name, s);
		break;
	case IN_LIST:
		return add_list(in, v->name, s);
	case IN_APT:
		return s[0] ? inputs_add_path(in, v->name, s) : add_apt_lists(in, b->cache);
	}
	inputs_add(in, v->name, s);
	return 0;
}

/* Value ID, computed now, into ENV and IN. */
static int add_value(const struct build_ctx *b, enum value_id id, struct env *env,
		     struct inputs *in)
{
	const struct value *v = &values[id];
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);
	int r;

	if (!f) {
		say("%s: %s", v->name, strerror(errno));
		return -1;
	}
	r = v->get(b, v, f);
	if (fclose(f) != 0 && r == 0) {
		say("%s: %s", v->name, strerror(errno));
		r = -1;
	}
	if (r == 0)
		r = env_add(env, v->name, s);
	if (r == 0)
		r = add_input(b, in, v, s);
	free(s);
	return r;
}

/* Stage S's script (or berth itself) and source files into IN. */
static int add_code(const struct build_ctx *b, int s, struct inputs *in)
{
	const char *script = stage_script(b, s);
	char path[PATH_MAX];
	int r = 0;

	if (script) {
		if (pathf(path, sizeof(path), "%s/%s", b->src, script) < 0)
			goto too_long;
		r = inputs_add_path(in, "script", path);
	} else {
		/* The stage is code of this program: the one running, even if since replaced. */
		r = inputs_add_file(in, "berth", "/proc/self/exe");
	}
	for (int i = 0; i < STAGE_SRC_MAX && stages[s].src[i] && r == 0; i++) {
		if (pathf(path, sizeof(path), "%s/%s", b->src, stages[s].src[i]) < 0)
			goto too_long;
		r = inputs_add_path(in, stages[s].src[i], path);
	}
	return r;
too_long:
	say("%s: %s", b->src, strerror(ENAMETOOLONG));
	return -ENAMETOOLONG;
}

int stage_inputs(const struct build_ctx *b, int s, char keys[][65], struct env *env)
{
	const struct stage *st = &stages[s];
	struct inputs in;
	int r;

	if (env_fixed(b, env) < 0)
		return -1;
	inputs_init(&in, st->name);
	r = add_code(b, s, &in);
	inputs_add(&in, "SOURCE_DATE_EPOCH", b->epoch);
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		inputs_add(&in, constants[i][0], constants[i][1]);
	for (int d = 0; d < N_STAGES; d++)
		if (st->deps & DEP(d))
			inputs_add(&in, stages[d].name, keys[d]);
	for (int i = 0; i < STAGE_IN_MAX && st->in[i] && r == 0; i++)
		r = add_value(b, st->in[i], env, &in);
	inputs_hex(&in, keys[s]);
	if (r < 0)
		env_free(env);
	return r < 0 ? -1 : 0;
}
