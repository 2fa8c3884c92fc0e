/*
 * The files berth-init reads to set up the network and run containers,
 * written from the manifest: /etc/berth/network.conf and
 * /etc/berth/containers.conf. Their format is described in docs/manifest.md.
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

/* Whether containers[I] is the first with its image: each image is copied once. */
bool conffiles_first_image(const struct manifest *m, size_t i);

#endif
