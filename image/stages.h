/*
 * The build's stages: scripts, each run with exactly the environment its
 * entry in the stage table (stagetab.c) gives it, and the bundle writer in
 * berth itself.
 */
#ifndef BERTH_STAGES_H
#define BERTH_STAGES_H

#include "manifest.h"

struct build_ctx {
	const struct manifest *m;
	char src[4096];		 /* the berth source tree: stage scripts */
	char manifest_dir[4096]; /* rootfs.files sources are relative to it */
	char out[4096];		 /* output folder */
	char work[4096];	 /* out/work: intermediate files, stage logs and keys */
	char lock_in[4096];	 /* --locked: build exactly these packages; "" = resolve */
	/* From berth's environment, or their defaults: */
	char init[4096];      /* BERTH_INIT: berth-init; src/build/berth-init */
	char stage1[4096];    /* BERTH_STAGE1: berth-stage1; src/build/berth-stage1 */
	char update[4096];    /* BERTH_UPDATE: berth-update; src/build/berth-update */
	char installer[4096]; /* BERTH_INSTALLER: berth-install; src/build/berth-install */
	char provision[4096]; /* BERTH_PROVISION: berth-provision; src/build/berth-provision */
	char container[4096]; /* BERTH_CONTAINER: berth-container; src/build/berth-container */
	char cache[4096];     /* BERTH_CACHE: downloads and builds; /var/cache/berth */
	char epoch[32];	      /* SOURCE_DATE_EPOCH: every timestamp in the image; 0 */
};

/*
 * Run every stage in order, skipping those whose inputs are unchanged since
 * their last success. Returns 0, or -1 after reporting the failure.
 */
int stages_run(const struct build_ctx *b);

#endif
