/*
 * The files berth-init reads to set up the network and run containers,
 * written from the manifest: NETWORK_CONF and CONTAINERS_CONF (which
 * berth-provision writes too, for one machine, under RUN_DIR); PROVISION_CONF,
 * which berth-provision reads; UPDATE_CONF,
 * which berth-update and berth-init read, and KEYS_DIR; CHANNEL_CONF (which
 * berth-provision writes too, under RUN_DIR); CONSOLE_SHELL_CONF
 * (paths and keywords: lib/contract.h). Their format is described in
 * docs/manifest.md and docs/update.md.
 */
#ifndef BERTH_CONFFILES_H
#define BERTH_CONFFILES_H

#include <stdbool.h>
#include <stdio.h>

#include "manifest.h"

/* Whether the manifest has anything for the file; a file is written only then. */
bool conffiles_want_network(const struct manifest *m);
bool conffiles_want_containers(const struct manifest *m);
bool conffiles_want_provision(const struct manifest *m);
bool conffiles_want_console_shell(const struct manifest *m);
bool conffiles_want_channel(const struct manifest *m);

/* Write the file to F. Return 0, or -EIO when F has an error. */
int conffiles_network(FILE *f, const struct manifest *m);
int conffiles_containers(FILE *f, const struct manifest *m);
/* A "source WORD" line per provision.sources entry, in order, then "address URL" if given. */
int conffiles_provision(FILE *f, const struct manifest *m);
/* Every image has update.conf: with no update: section it holds the defaults. */
int conffiles_update(FILE *f, const struct manifest *m);
/* update.channel, check_interval and reboot as channel_conf_format() writes them. */
int conffiles_channel(FILE *f, const struct manifest *m);
/* debug.shell's tty, on a line of its own. */
int conffiles_console_shell(FILE *f, const struct manifest *m);

/*
 * The folder PATH (made when missing) with exactly one file per
 * update.keys entry, named as the key file and holding its key in hex, as
 * KEYS_DIR has them. Modes are exact (0755, 0644): they are stage
 * inputs. 0 or -errno.
 */
int conffiles_keys(const char *path, const struct manifest *m);

/* Whether containers[I] is the first with its image: each image is copied once. */
bool conffiles_first_image(const struct manifest *m, size_t i);

#endif
