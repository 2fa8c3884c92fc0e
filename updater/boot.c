/*
 * What this boot runs, as berth-update sees it: the slot and version
 * (lib/booted.c), and what firmware and systemd-boot tell through EFI
 * variables (lib/efivar.c): Secure Boot and LoaderBootCountPath.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

#include "booted.h"
#include "efivar.h"
#include "update.h"

int boot_probe(struct boot *b)
{
	struct boot_params p;
	char err[160];
	int r = booted_params(&p, err, sizeof(err));

	if (r < 0) {
		complain("cannot tell the booted slot from /proc/cmdline: %s", err);
		return r;
	}
	b->slot = p.slot;
	r = booted_version(b->version, sizeof(b->version));
	if (r < 0) {
		complain("/etc/os-release: no usable VERSION_ID: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* efivarfs, read-only (berth-init mounts it at boot; we may run elsewhere); logs. */
static int efivars_mount(void)
{
	int r = efivarfs_mount(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);

	if (r == -ENOTSUP)
		complain("not booted through UEFI (no /sys/firmware/efi)");
	else if (r < 0)
		complain("cannot mount efivarfs on " EFIVARS_DIR ": %s", strerror(-r));
	return r;
}

int secure_boot_on(void)
{
	int r = efivars_mount();

	if (r < 0)
		return r;
	r = efivar_bool(EFIVAR_SECURE_BOOT);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		complain("cannot read EFI variable " EFIVAR_SECURE_BOOT ": %s",
			 r == -EINVAL ? "not a boolean (5 bytes)" : strerror(-r));
	return r;
}

int booted_counted_entry(char *file, size_t len)
{
	uint8_t var[4 + 2 * 512];
	char path[512];
	int r = efivars_mount();

	if (r < 0)
		return r;
	ssize_t n = efivar_read(EFIVAR_BOOT_COUNT_PATH, var, sizeof(var));
	if (n == -ENOENT)
		return (int)n;
	if (n < 0) {
		complain("cannot read EFI variable " EFIVAR_BOOT_COUNT_PATH ": %s",
			 strerror((int)-n));
		return (int)n;
	}
	if ((r = boot_count_path(var, (size_t)n, path, sizeof(path))) < 0) {
		complain("cannot read LoaderBootCountPath: %s", strerror(-r));
		return r;
	}
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (strcasecmp(path, "/EFI/Linux") != 0) {
		complain("the booted entry %s/%s is not a UKI in /EFI/Linux", path, slash + 1);
		return -EINVAL;
	}
	return pathf(file, len, "%s", slash + 1);
}
