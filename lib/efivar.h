/*
 * The UEFI variables berth reads, through efivarfs: firmware's Secure Boot
 * state and boot entry, systemd-boot's boot counting and the ESP it was
 * started from (Boot Loader Interface); and the ones berth-update keeps
 * under berth's own vendor GUID. Plain system calls, no logging.
 */
#ifndef BERTH_EFIVAR_H
#define BERTH_EFIVAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EFIVARS_DIR "/sys/firmware/efi/efivars"
#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFI_LOADER_GUID "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f" /* systemd-boot's */

/* efivarfs file names: NAME-GUID. */
#define EFIVAR_SECURE_BOOT "SecureBoot-" EFI_GLOBAL_GUID /* firmware enforces signatures */
#define EFIVAR_SETUP_MODE "SetupMode-" EFI_GLOBAL_GUID	 /* no platform key enrolled */
/* Set when the entry systemd-boot started has a boot counter: its path on the ESP. */
#define EFIVAR_BOOT_COUNT_PATH "LoaderBootCountPath-" EFI_LOADER_GUID
/* The PARTUUID of the ESP systemd-boot (or systemd-stub) was read from: a UTF-16 GUID. */
#define EFIVAR_DEVICE_PART_UUID "LoaderDevicePartUUID-" EFI_LOADER_GUID
/* The number of the Boot#### load option the firmware started (UINT16). */
#define EFIVAR_BOOT_CURRENT "BootCurrent-" EFI_GLOBAL_GUID
/* The Boot#### load option the firmware starts next, once (UINT16): the installer sets it. */
#define EFIVAR_BOOT_NEXT "BootNext-" EFI_GLOBAL_GUID

/*
 * efivarfs on EFIVARS_DIR with mount FLAGS, unless it is mounted there
 * already: 0, -ENOTSUP when the system did not boot through UEFI, or the
 * -errno of mount(2).
 */
int efivarfs_mount(unsigned long flags);

/* Whether variable NAME is set. */
bool efivar_exists(const char *name);

/*
 * Variable NAME as efivarfs gives it (4 bytes of attributes, then the
 * value) into BUF: its length, -ENOENT when it is not set, or -errno.
 */
ssize_t efivar_read(const char *name, void *buf, size_t len);

/*
 * A UEFI boolean variable (one byte after the attributes): 1 or 0,
 * -ENOENT when it is not set, -EINVAL when it is not 5 bytes, or -errno.
 */
int efivar_bool(const char *name);

/* ---- berth-update's own variables, non-volatile: no reset of /var lowers them ---- */
#define EFI_BERTH_GUID "0d5b12a0-bae3-47f9-be42-65ee3b85f4c9"
/* The security floor: u32 LE, the highest security epoch of a release marked good. */
#define EFIVAR_EPOCH_FLOOR "BerthEpochFloor-" EFI_BERTH_GUID
/*
 * The release installed last, when its epoch is above the floor: u32 LE
 * epoch, then its root hash (64 hex digits). Marking it good raises the floor.
 */
#define EFIVAR_EPOCH_PENDING "BerthEpochPending-" EFI_BERTH_GUID

/* The attributes of a variable (UEFI's EFI_VARIABLE_*). */
#define EFI_VARIABLE_NON_VOLATILE 0x1u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x2u
#define EFI_VARIABLE_RUNTIME_ACCESS 0x4u
#define EFIVAR_VALUE_MAX 1024 /* the longest value efivar_write takes */

/*
 * Sets variable NAME to the LEN bytes at DATA with attributes ATTRS,
 * creating it when unset. efivarfs keeps the file of a variable it does
 * not know immutable, so that a stray rm cannot delete it: the flag is
 * lifted for the write and put back. 0, -E2BIG when LEN is more than
 * EFIVAR_VALUE_MAX, or -errno.
 */
int efivar_write(const char *name, uint32_t attrs, const void *data, size_t len);

/* A GUID's text form: 36 characters and a NUL. */
#define GUID_TEXT_LEN 36

/*
 * VAR (LEN bytes as efivarfs gives them) as a GUID in text form, UTF-16LE,
 * NUL-terminated or not, as systemd-boot writes LoaderDevicePartUUID (in
 * upper case), into OUT in lower case, as berth writes PARTUUIDs: 0 or
 * -EINVAL.
 */
int efivar_guid_decode(const uint8_t *var, size_t len, char out[GUID_TEXT_LEN + 1]);

/* Variable NAME read and decoded as efivar_guid_decode does: 0, -ENOENT, -EINVAL or -errno. */
int efivar_guid(const char *name, char out[GUID_TEXT_LEN + 1]);

#endif
