/* berth-container: what berth-init's children do (main.c). */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include <stdnoreturn.h>

#include "ctrconf.h"
#include "run.h"

/* Where the OCI runtimes are, and where each keeps its containers' state. */
#define RUNTIME_BIN "/usr/bin/"
#define RUNTIME_STATE "/run/"
#define RUNTIME_BIN_MAX 32

/* run.c: C's runtime program (runtime_words) into BIN. */
void runtime_bin(const struct ctr *c, char bin[RUNTIME_BIN_MAX]);

/* run.c: C to its end, its output logged; its exit status. */
int container_run(const struct ctr *c);

/*
 * logger.c: FN(ARG) with our stdout and stderr going to NAME's logger
 * (console lines "NAME| ...", /var/log/NAME.log); FN's result, once the
 * logger has written everything. Closes our stdout and stderr.
 */
int logged(const char *name, int (*fn)(const void *arg), const void *arg);

/* probe.c: one health probe of C: 0 when healthy. */
int probe_run(const struct ctr *c);

#endif
