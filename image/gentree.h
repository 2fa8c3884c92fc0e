/*
 * What the rootfs stage installs besides Debian's packages, BusyBox and
 * berth's programs, laid out by berth in work/ just before the stage:
 *   generated/    the files berth writes from the manifest (conffiles.h),
 *                 each at its path in the image (lib/contract.h)
 *   images/HEX/   each container image, unpacked (oci.h)
 *   install.list  one "SRC\tDST\tMODE\tUID\tGID" line (MODE in octal) per
 *                 file to install, in order: the generated files, each
 *                 container image once (IMAGES_DIR/HEX, "-" for MODE, UID
 *                 and GID: copied with its own), then rootfs.files; a folder
 *                 SRC is copied whole, its files all get MODE
 *   remove.list   rootfs.remove's globs, one per line
 */
#ifndef BERTH_GENTREE_H
#define BERTH_GENTREE_H

#include <stddef.h>

#include "stages.h"

/*
 * Writes generated/ and install.list, or remove.list, and puts the list's
 * path into PATH (LEN bytes). Returns 0, or -1 after saying why.
 */
int gentree_install_list(const struct build_ctx *b, char *path, size_t len);
int gentree_remove_list(const struct build_ctx *b, char *path, size_t len);

#endif
