/*
 * The values a stage is given in its environment, each computed from the
 * manifest, berth's own environment or an earlier stage's output just
 * before its stage runs. Which stage gets which is the stage table's
 * (stagetab.c); a value's kind says what of it the stage's key covers.
 */
#ifndef BERTH_VALUES_H
#define BERTH_VALUES_H

#include <stddef.h>
#include <stdio.h>

#include "stages.h"

enum value_kind {
	IN_VALUE, /* the string itself */
	IN_PATH,  /* a file or folder ("" for none): its contents */
	IN_LIST,  /* a list file: it, and the file or folder each line's first field names */
	IN_APT,	  /* --locked's lockfile; "": Debian's package lists (their InRelease files) */
};

enum value_id {
	V_END, /* ends a stage's list */
	V_NAME,
	V_VERSION,
	V_CHANNEL,
	V_KERNEL_PACKAGE,
	V_HOSTNAME,
	V_PACKAGES,
	V_GPG_KEY,
	V_GPG_HOMEDIR,
	V_LOCK_IN,
	V_INIT,
	V_STAGE1,
	V_UPDATE,
	V_INSTALLER,
	V_PROVISION,
	V_CONTAINER,
	V_INSTALL_LIST,
	V_REMOVE_LIST,
	V_MODULE_LIST,
	V_KERNEL_MODULES,
	V_VERITY_CERT,
	V_ESP_SIZE,
	V_ROOT_SIZE,
	V_VERITY_SIZE,
	V_DATA_SIZE,
	V_UUID_DISK,
	V_UUID_ESP,
	V_UUID_ROOT_A,
	V_UUID_ROOT_A_VERITY,
	V_UUID_ROOT_B,
	V_UUID_ROOT_B_VERITY,
	V_UUID_DATA,
	V_UUID_DATA_FS,
	V_UUID_DATA_HASH,
	V_UUID_EROFS,
	V_UUID_VERITY,
	V_VERITY_SALT,
	V_UUID_VHD,
	V_FORMATS,
	V_CMDLINE_A,
	V_CMDLINE_B,
	V_CMDLINE_INSTALL,
	V_DB_KEY,
	V_DB_CERT,
	V_PK_AUTH,
	V_KEK_AUTH,
	V_DB_AUTH,
	V_ENTRY,
	V_COMPATIBLE,
	V_SECURITY_EPOCH,
	V_ROOTHASH,
	V_SIGNING_KEY,
	V_ROOT_IMAGE,
	V_VERITY_IMAGE,
	V_UKI_A,
	V_UKI_B,
	N_VALUES
};

struct value {
	const char *name; /* its variable in the stage's environment */
	enum value_kind kind;
	/* Writes the value to OUT; 0, or -1 after saying why. */
	int (*get)(const struct build_ctx *b, const struct value *v, FILE *out);
	const char *arg; /* the getter's: a file name, a suffix, a label */
	size_t field;	 /* the getter's: a field's offset in struct manifest or build_ctx */
};

extern const struct value values[N_VALUES];

#endif
