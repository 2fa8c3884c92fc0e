/*
 * The build's stages in order, each with the single statement of what it
 * reads: its script and source files, its upstream stages, and the values
 * it is given (values.h). A script's environment is built from that list
 * and nothing else, and so is the stage's cache key.
 */
#ifndef BERTH_STAGETAB_H
#define BERTH_STAGETAB_H

#include <stddef.h>
#include <stdio.h>

#include "stages.h"
#include "values.h"

enum stage_id {
	KERNEL,
	ROOTFS,
	MODULES,
	OSTREE,
	INITRAMFS,
	ROOTIMG,
	UKI,
	ESP,
	DISK,
	FORMATS,
	BUNDLE,
	N_STAGES
};

#define STAGE_SRC_MAX 4
#define STAGE_IN_MAX 16
#define ENV_MAX_VARS 64

struct stage {
	const char *name;
	const char *script;	   /* relative to the source tree; NULL: run() */
	const char *config_script; /* instead of script with `kernel.source: config` */
	/* berth's own stage, given ENV as a script would be: 0, or -1 after saying why on LOG. */
	int (*run)(const struct build_ctx *b, char *const env[], FILE *log);
	const char *output;  /* relative to out/work; must exist for a cache hit */
	const char *output2; /* NULL, or a second output that must exist too */
	/* Without OUTPUT: the output's path into PATH, "" for none; 0 or -ENAMETOOLONG. */
	int (*output_of)(const struct build_ctx *b, char *path, size_t len);
	unsigned deps;			/* upstream stages (bit per enum value) */
	const char *src[STAGE_SRC_MAX]; /* source-tree files and folders besides the script */
	enum value_id in[STAGE_IN_MAX]; /* what it is given, in its environment */
};

extern const struct stage stages[N_STAGES];

/* The script stage S runs, relative to the source tree; NULL for berth's own. */
const char *stage_script(const struct build_ctx *b, int s);

/* An environment: "NAME=value" strings, NULL-terminated. */
struct env {
	char *v[ENV_MAX_VARS + 1];
	size_t n;
};

/*
 * What every script is given: BERTH_SRC, BERTH_OUT, BERTH_WORK,
 * BERTH_CACHE, SOURCE_DATE_EPOCH, a fixed PATH, locale and time zone, and
 * the host's HOME, GNUPGHOME, TMPDIR and proxies. Returns 0, or -1 after saying why.
 */
int env_fixed(const struct build_ctx *b, struct env *env);

/*
 * ENV: the fixed part and the values stage S is given; KEYS[S]: the
 * SHA-256 of everything it reads (KEYS of its upstream stages included).
 * Returns 0, or -1 after saying why. ENV is to be freed with env_free.
 */
int stage_inputs(const struct build_ctx *b, int s, char keys[][65], struct env *env);
void env_free(struct env *env);

#endif
