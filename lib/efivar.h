/*
 * The UEFI variables berth reads, through efivarfs: firmware's Secure Boot
 * state and boot entry, systemd-boot's boot counting and the ESP it was
 * started from (Boot Loader Interface). Plain system calls, no logging.
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
