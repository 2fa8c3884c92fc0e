/*
 * The manifest's schema: the top level and the sections without a file of
 * their own (kernel, rootfs, signing, disk, debug) in manifest_schema.c,
 * and the entries of the sections that have one, which its tables name.
 * Each section file holds its tables and what takes its values.
 */
#ifndef BERTH_MANIFEST_SCHEMA_H
#define BERTH_MANIFEST_SCHEMA_H

#include "manifest_walk.h"

/*
 * Walks the whole document c->doc into c->m, checks what ties sections
 * together and fills in the defaults: 0 or -EINVAL.
 */
int mf_check_document(struct ctx *c);

/* manifest_network.c */
extern const struct field mf_network_fields[];
/* manifest_containers.c: an item of onboot: or services: */
int mf_take_onboot(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		   const yaml_node_t *v);
int mf_take_service(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v);
/* Once the document is walked: each container needs its runtime's package. 0 or -EINVAL. */
int mf_check_containers(struct ctx *c, const yaml_node_t *root);
/* manifest_oci.c: the digest of the OCI image archive on FD (see there). */
const char *mf_read_archive(int fd, char digest[65], char *why, size_t len);
/* manifest_secureboot.c */
int mf_take_secure_boot(struct ctx *c, const char *path, const yaml_node_t *k,
			const yaml_node_t *v);
/* manifest_provision.c */
extern const struct field mf_provision_fields[];
/* Once the document is walked: provision.sources' default. */
void mf_provision_default(struct ctx *c, const yaml_node_t *root);
/*
 * manifest_channel.c: update.channel, check_interval and reboot, the same
 * in the manifest's update: and in user data's (struct manifest's
 * update.channel, whose defaults the caller sets).
 */
const char *mf_check_channel(const char *s);
const char *mf_parse_check_interval(const char *s, void *dst); /* unsigned */
const char *mf_parse_reboot(const char *s, void *dst);	       /* struct channel_conf */
#define MF_CHANNEL_FIELDS                                                                \
	MF_TEXT(struct manifest, "channel", false, update.channel.url, "channel URL",    \
		mf_check_channel),                                                       \
	    MF_NUMBER(struct manifest, "check_interval", false, update.channel.interval, \
		      "check interval", mf_parse_check_interval),                        \
	    MF_NUMBER(struct manifest, "reboot", false, update.channel, "reboot policy", \
		      mf_parse_reboot)
/*
 * Once mapping MAP (PATH, "update") is walked: check_interval or reboot
 * without a channel (c->m's, the image's for user data) is an error at
 * that key. 0 or -EINVAL.
 */
int mf_check_channel_given(struct ctx *c, const yaml_node_t *map, const char *path);
/* manifest_update.c */
int mf_take_update(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
/* manifest_kernel.c: kernel.cmdline, kernel.modules, kernel.source, signing.verity_key */
int mf_take_cmdline(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
int mf_take_modules(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
const char *mf_parse_kernel_source(const char *s, void *dst);
int mf_take_verity_key(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
/* Once the document is walked: what kernel.source asks of the rest. 0 or -EINVAL. */
int mf_check_kernel(struct ctx *c, const yaml_node_t *root);

/*
 * manifest_host.c: what the manifest makes the build read on the build host.
 * mf_resolve: REL (relative to the manifest's folder) of field PATH, with
 * every symlink resolved, into RESOLVED; it must stay under the folder.
 * mf_take_source: that, for a file or folder copied whole into the image,
 * which must also hold no secret key, nor anything but regular files,
 * folders and symlinks (copied as symlinks). mf_check_key_place: the key
 * file REL must resolve under the manifest's folder or under $BERTH_KEYS
 * (one that does not exist is left for its reader to report).
 * mf_check_private: the secret key file NAME in DIR must be its owner's
 * alone. Each fails at AT: 0 or -EINVAL.
 */
int mf_resolve(struct ctx *c, const char *path, yaml_mark_t at, const char *rel,
	       char resolved[PATH_MAX]);
int mf_take_source(struct ctx *c, const char *path, yaml_mark_t at, const char *src,
		   char resolved[PATH_MAX]);
int mf_check_key_place(struct ctx *c, const char *path, yaml_mark_t at, const char *rel);
int mf_check_private(struct ctx *c, const char *path, yaml_mark_t at, int dir, const char *name);

#endif
