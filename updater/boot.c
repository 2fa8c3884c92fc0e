/*
 * What this boot runs, as berth-update sees it: the slot, version and root
 * hash (lib/booted.c), and what firmware and systemd-boot tell through EFI
 * variables (lib/efivar.c): Secure Boot and LoaderBootCountPath; and the
 * security floor berth-update keeps in EFI variables of its own (epoch.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <unistd.h>

#include "booted.h"
#include "efivar.h"
#include "epoch.h"
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
	memcpy(b->roothash, p.roothash, sizeof(b->roothash));
	r = booted_version(b->version, sizeof(b->version));
	if (r < 0) {
		complain("/etc/os-release: no usable VERSION_ID: %s", strerror(-r));
		return r;
	}
	return 0;
}

/*
 * efivarfs, read-only unless WRITABLE (berth-init mounts it, writable, at
 * boot; we may run elsewhere); logs.
 */
static int efivars_mount(bool writable)
{
	int r = efivarfs_mount(MS_NOSUID | MS_NODEV | MS_NOEXEC | (writable ? 0 : MS_RDONLY));

	if (r == -ENOTSUP)
		complain("not booted through UEFI (no /sys/firmware/efi)");
	else if (r < 0)
		complain("cannot mount efivarfs on " EFIVARS_DIR ": %s", strerror(-r));
	return r;
}

int reboot_system(void)
{
	fflush(stdout);
	sync();
	/* berth-init takes SIGTERM as "reboot", as from BusyBox's reboot. */
	if (kill(1, SIGTERM) < 0) {
		complain("cannot signal PID 1 to reboot: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int secure_boot_on(void)
{
	int r = efivars_mount(false);

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
	int r = efivars_mount(false);

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

/* Variable NAME's value (without the attributes) into BUF, LEN bytes at most: its length; logs. */
static ssize_t read_var(const char *name, uint8_t *buf, size_t len)
{
	uint8_t var[4 + EFIVAR_VALUE_MAX];
	ssize_t n = efivar_read(name, var, len + 5 < sizeof(var) ? len + 5 : sizeof(var));

	if (n == -ENOENT)
		return n;
	if (n < 4) {
		complain("cannot read EFI variable %s: %s", name,
			 strerror(n < 0 ? (int)-n : EINVAL));
		return n < 0 ? n : -EINVAL;
	}
	if ((size_t)n - 4 > len) {
		complain("EFI variable %s is longer than %zu bytes", name, len);
		return -EINVAL;
	}
	memcpy(buf, var + 4, (size_t)n - 4);
	return n - 4;
}

int floor_read(unsigned *floor)
{
	uint8_t v[EPOCH_FLOOR_SIZE];
	int r = efivars_mount(false);

	*floor = 0;
	if (r < 0)
		return r;
	ssize_t n = read_var(EFIVAR_EPOCH_FLOOR, v, sizeof(v));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	if (epoch_floor_parse(v, (size_t)n, floor) < 0) {
		complain("EFI variable " EFIVAR_EPOCH_FLOOR " is not a security epoch");
		return -EINVAL;
	}
	return 0;
}

/* Sets variable NAME, non-volatile, to LEN bytes at V; logs. */
static int write_var(const char *name, const uint8_t *v, size_t len)
{
	int r = efivars_mount(true);

	if (r < 0)
		return r;
	r = efivar_write(name,
			 EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
			     EFI_VARIABLE_RUNTIME_ACCESS,
			 v, len);
	if (r < 0)
		complain("cannot set EFI variable %s: %s", name, strerror(-r));
	return r;
}

int floor_pending_write(const struct epoch_pending *p)
{
	uint8_t v[EPOCH_PENDING_SIZE];

	epoch_pending_format(p, v);
	return write_var(EFIVAR_EPOCH_PENDING, v, sizeof(v));
}

int floor_raise(const struct boot *b)
{
	uint8_t v[EPOCH_PENDING_SIZE > EPOCH_FLOOR_SIZE ? EPOCH_PENDING_SIZE : EPOCH_FLOOR_SIZE];
	struct epoch_pending p;
	unsigned floor;
	int r = floor_read(&floor);

	if (r < 0)
		return r;
	ssize_t n = read_var(EFIVAR_EPOCH_PENDING, v, EPOCH_PENDING_SIZE);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	if (epoch_pending_parse(v, (size_t)n, &p) < 0) {
		complain("EFI variable " EFIVAR_EPOCH_PENDING " is not an epoch and a root hash");
		return -EINVAL;
	}
	unsigned raised = epoch_floor_raised(floor, &p, b->roothash);
	if (raised == floor)
		return 0;
	epoch_floor_format(raised, v);
	if ((r = write_var(EFIVAR_EPOCH_FLOOR, v, EPOCH_FLOOR_SIZE)) < 0)
		return r;
	printf("raised the security floor from epoch %u to %u\n", floor, raised);
	return 0;
}
