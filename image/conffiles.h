/*
 * The files berth-init reads to set up the network and run containers,
 * written from the manifest: /etc/berth/network.conf and
 * /etc/berth/containers.conf; and /etc/berth/update.conf, which
 * berth-update and berth-init read. Their format is described in
 * docs/manifest.md and docs/update.md.
 */
#ifndef BERTH_CONFFILES_H
#define BERTH_CONFFILES_H

#include <stdbool.h>
#include <stdio.h>

#include "manifest.h"

/* Where an image archive is in the root file system. */
#define CONFFILES_IMAGES "/usr/share/berth/images"

/* Whether the manifest has anything for the file; a file is written only then. */
bool conffiles_want_network(const struct manifest *m);
bool conffiles_want_containers(const struct manifest *m);

/* Write the file to F. Return 0, or -EIO when F has an error. */
int conffiles_network(FILE *f, const struct manifest *m);
int conffiles_containers(FILE *f, const struct manifest *m);
/* Every image has update.conf: with no update: section it holds the defaults. */
int conffiles_update(FILE *f, const struct manifest *m);

/*
 * The folder PATH (made when missing) with exactly one file per
 * update.keys entry, named as the key file and holding its key in hex, as
 * /etc/berth/keys has them. Modes are exact (0755, 0644): they are stage
 * inputs. 0 or -errno.
 */
int conffiles_keys(const char *path, const struct manifest *m);

/* Whether containers[I] is the first with its image: each image is copied once. */
bool conffiles_first_image(const struct manifest *m, size_t i);

#endif
