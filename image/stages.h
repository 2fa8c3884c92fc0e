/* The build's stages: each is a script run with the manifest in its environment. */
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
};

/*
 * Run every stage in order, skipping those whose inputs are unchanged since
 * their last success. Returns 0, or -1 after reporting the failure.
 */
int stages_run(const struct build_ctx *b);

#endif
