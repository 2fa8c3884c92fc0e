/* Stage "bmap": disk.raw.bmap, for bmaptool (bmap.c). */
#ifndef BERTH_BMAP_H
#define BERTH_BMAP_H

#include <stdio.h>

#include "stages.h"

/* The stage's run(): 0, or -1 after saying why on LOG. */
int bmap_stage(const struct build_ctx *b, char *const env[], FILE *log);

#endif
