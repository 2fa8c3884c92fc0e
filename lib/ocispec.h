/*
 * A container's OCI runtime configuration (config.json, the OCI runtime
 * spec 1.0), which berth-init writes before crun runs it: the image's
 * settings (IMAGE_CONF) under containers.conf's, its unpacked tree in the
 * verified root read-only, tmpfs where the image needs writable places,
 * the binds, and containerd's defaults for the rest (capabilities, masked
 * paths), so a service runs as it did under `ctr run`. Pure, for tests/unit.
 */
#ifndef BERTH_OCISPEC_H
#define BERTH_OCISPEC_H

#include <stdbool.h>
#include <stdio.h>

#include "ctrconf.h"
#include "imageconf.h"

/*
 * Where every configuration written here mounts in the image's root,
 * besides its volumes and binds (NULL-terminated): folders, and files. The
 * root is read-only, so the build makes them (image/oci.c).
 */
extern const char *const ocispec_dirs[];
extern const char *const ocispec_files[];

/*
 * Writes C's configuration to F: its root is ROOTFS; RESOLV says whether
 * the host has an /etc/resolv.conf to give a container on its network.
 * Returns 0, or -EINVAL when neither C nor the image has a command.
 */
int ocispec_write(FILE *f, const struct ctr *c, const struct imageconf *ic, const char *rootfs,
		  bool resolv);

#endif
