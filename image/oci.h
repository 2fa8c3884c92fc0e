/*
 * A container's OCI image archive (an OCI image layout in a tar) unpacked
 * for the root image, where crun runs it from (docs/boot.md): its layers
 * applied in order, with their whiteouts, every blob checked against the
 * digest that names it, and what its config gives a container written as
 * IMAGE_CONF (lib/imageconf.h).
 */
#ifndef BERTH_OCI_H
#define BERTH_OCI_H

/*
 * Unpacks ARCHIVE, whose index.json must have the SHA-256 DIGEST (hex), into
 * DIR, made anew: DIR/rootfs and DIR/IMAGE_CONF. The root file system is
 * read-only at run time, so rootfs gets the mount points its containers need
 * made now: the runtime's own, the image's volumes and MOUNTS (absolute
 * paths, NULL-terminated). NO_COMMAND names a container that runs the
 * image with no command of its own, or is NULL: the image must then have
 * one. Returns 0, or -1 after saying why.
 */
int oci_unpack(const char *archive, const char *digest, const char *dir, const char *const *mounts,
	       const char *no_command);

#endif
