/*
 * What berth derives for the image rather than inventing: identifiers from
 * the manifest, and the verity parameters from veritysetup's report.
 */
#ifndef BERTH_DERIVE_H
#define BERTH_DERIVE_H

#include <stddef.h>

#include "cmdline.h"

/*
 * The UUID of LABEL (a partition, a file system) in the image NAME: the
 * first 16 bytes of sha256("berth\0NAME\0LABEL") as a version 4, RFC 4122
 * variant UUID, in lower case, into OUT. The same manifest gives the same
 * disk: no random identifiers.
 */
void derive_uuid(const char *name, const char *label, char out[CMDLINE_UUID_LEN + 1]);

/*
 * The salt of the root's dm-verity tree in the image NAME of COMPATIBLE:
 * sha256("berth\0NAME\0verity-salt\0COMPATIBLE") in lower-case hex into
 * OUT. The same for every release of an image, so a block that did not
 * change between releases has the same leaf digest in both, and a delta
 * update can find it by that digest (docs/update.md); another image's
 * trees still differ from this one's.
 */
void derive_salt(const char *name, const char *compatible, char out[65]);

/*
 * TEXT, what `veritysetup format` printed (the root image stage keeps it in
 * work/veritysetup.txt), into P's roothash, salt and data_blocks. Returns 0,
 * or -EINVAL with the reason in ERR when a line is missing or bad.
 */
int veritysetup_parse(const char *text, struct boot_params *p, char *err, size_t errlen);

#endif
