/* The signed update bundle (format: lib/bundle.h) and the build stage that writes it. */
#ifndef BERTH_MKBUNDLE_H
#define BERTH_MKBUNDLE_H

#include <stdio.h>

#include "bundle.h"
#include "stages.h"

struct mkbundle {
	/* all but the payloads' sizes and hashes, which are filled in */
	struct bundle_manifest m;
	const char *payload[BUNDLE_PAYLOADS]; /* files, by enum bundle_payload */
	const char *secret_key;		      /* a PREFIX.key of `berth keygen` */
	const char *out;		      /* the bundle, replaced atomically */
};

/* Writes the bundle with one signature. 0, or -errno after saying why on LOG. */
int mkbundle_write(struct mkbundle *mb, FILE *log);

/* out/<name>_<version>.berth into BUF; 0 or -ENAMETOOLONG. */
int mkbundle_path(const struct build_ctx *b, char *buf, size_t len);

/* The bundle stage's output: mkbundle_path, or "" without update.signing_key. */
int mkbundle_output(const struct build_ctx *b, char *buf, size_t len);

/*
 * The build's bundle stage, given ENV (its values, stagetab.c) as a script
 * would be: the bundle of the root image, verity tree and UKIs signed with
 * BERTH_SIGNING_KEY; without one, it removes a bundle of this name and
 * version left by an earlier build. 0, or -errno after saying why on LOG.
 */
int mkbundle_stage(const struct build_ctx *b, char *const env[], FILE *log);

#endif
