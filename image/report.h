/* What a build reports besides its progress: a failed stage's log, the lockfile, the bundle. */
#ifndef BERTH_REPORT_H
#define BERTH_REPORT_H

#include "stages.h"

/* The end of the log file LOG on stderr: its last 40 lines, at most 16 KiB. */
void report_log(const char *log);

/*
 * out/manifest.lock: the root file system's packages (rootfs stage) and the
 * kernel (kernel stage), written whole or not at all. 0, or -1 after saying why.
 */
int report_lock(const struct build_ctx *b);

/* The bundle's path and size, or that there is none. 0, or -1 after saying why. */
int report_bundle(const struct build_ctx *b);

#endif
