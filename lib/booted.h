/*
 * What this boot runs, as berth-init and berth-update both read it: the
 * kernel command line's parameters (lib/cmdline.h) and the release's
 * VERSION_ID. No logging: the callers say what went wrong.
 */
#ifndef BERTH_BOOTED_H
#define BERTH_BOOTED_H

#include <stddef.h>

#include "cmdline.h"

/* The longest command line read, from /proc/cmdline or a UKI's .cmdline. */
#define CMDLINE_MAX 4096

/*
 * /proc/cmdline into P: 0, or -EINVAL when a parameter is missing or bad,
 * or the -errno of reading the file; ERR says which, either way.
 */
int booted_params(struct boot_params *p, char *err, size_t errlen);

/*
 * VERSION_ID of /etc/os-release into OUT: its length; -ENOENT when it has
 * none, -EINVAL or -ENOSPC as osrelease_value() (lib/osrelease.h), or the
 * -errno of reading the file.
 */
int booted_version(char *out, size_t len);

#endif
