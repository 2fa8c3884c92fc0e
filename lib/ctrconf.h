/*
 * CONTAINERS_CONF, written by `berth build` from the manifest's onboot:
 * and services: sections (docs/manifest.md); its keywords, limits and
 * words are lib/contract.h's. Pure parsing, so tests/unit/test_ctrconf.c
 * can exercise it on the host.
 */
#ifndef BERTH_CTRCONF_H
#define BERTH_CTRCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "contract.h"

enum ctr_kind { CTR_ONBOOT, CTR_SERVICE };

struct bind {
	const char *src, *dst;
	bool ro;
};

/* Every string points into the text given to ctrconf_parse. */
struct ctr {
	enum ctr_kind kind;
	const char *name, *image, *digest;
	enum net net;
	enum runtime runtime;
	enum restart restart; /* services; onboot containers run once */
	bool critical;
	enum probe probe;
	unsigned port;	  /* PROBE_HTTP, PROBE_TCP */
	const char *path; /* PROBE_HTTP */
	size_t nprobe, nargs, nenv, nbinds;
	const char *probe_argv[ARGS_MAX + 1]; /* PROBE_EXEC, NULL-terminated */
	const char *args[ARGS_MAX + 1];	      /* the whole command line; none = the image's */
	const char *env[ENV_MAX + 1];
	struct bind binds[BINDS_MAX];
};

/*
 * Parses TEXT (changed in place: lines are cut at their ends) into
 * CTRS[0..*N). Returns 0, or -EINVAL with ERR saying "line N: why".
 */
int ctrconf_parse(char *text, struct ctr ctrs[CONTAINERS_MAX], size_t *n, char *err, size_t errlen);

#endif
