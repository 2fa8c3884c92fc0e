/* UEFI variables through efivarfs (see efivar.h). */
#include "efivar.h"
#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#define EFIVARFS_MAGIC 0xde5e81e4

int efivarfs_mount(unsigned long flags)
{
	struct statfs fs;

	if (access("/sys/firmware/efi", F_OK) < 0)
		return -ENOTSUP;
	if (statfs(EFIVARS_DIR, &fs) == 0 && fs.f_type == EFIVARFS_MAGIC)
		return 0;
	return mount("efivarfs", EFIVARS_DIR, "efivarfs", flags, NULL) < 0 ? -errno : 0;
}

/* NAME's path in efivarfs: 0 or -ENAMETOOLONG. */
static int var_path(const char *name, char *path, size_t len)
{
	return pathf(path, len, EFIVARS_DIR "/%s", name);
}

bool efivar_exists(const char *name)
{
	char path[128];

	return var_path(name, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

ssize_t efivar_read(const char *name, void *buf, size_t len)
{
	char path[128];
	int r = var_path(name, path, sizeof(path));

	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* efivarfs hands out a variable in one read. */
	ssize_t n = read(fd, buf, len);
	r = n < 0 ? -errno : 0;
	close(fd);
	return r < 0 ? r : n;
}

int efivar_bool(const char *name)
{
	uint8_t var[8];
	ssize_t n = efivar_read(name, var, sizeof(var));

	if (n < 0)
		return (int)n;
	return n == 5 ? var[4] != 0 : -EINVAL;
}

int efivar_guid_decode(const uint8_t *var, size_t len, char out[GUID_TEXT_LEN + 1])
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	/* Attributes, 36 characters, and a NUL or not. */
	if (!var || (len != 4 + 2 * GUID_TEXT_LEN &&
		     (len != 4 + 2 * GUID_TEXT_LEN + 2 || var[len - 2] || var[len - 1])))
		return -EINVAL;
	for (size_t i = 0; i < GUID_TEXT_LEN; i++) {
		unsigned c = var[4 + 2 * i] | (unsigned)var[5 + 2 * i] << 8;
		if (c > 0x7f || (form[i] == '-' ? c != '-' : !isxdigit((int)c)))
			return -EINVAL;
		out[i] = (char)tolower((int)c);
	}
	out[GUID_TEXT_LEN] = '\0';
	return 0;
}

int efivar_guid(const char *name, char out[GUID_TEXT_LEN + 1])
{
	uint8_t var[4 + 2 * (GUID_TEXT_LEN + 2)];
	ssize_t n = efivar_read(name, var, sizeof(var));

	return n < 0 ? (int)n : efivar_guid_decode(var, (size_t)n, out);
}
