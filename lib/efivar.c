/* UEFI variables through efivarfs (see efivar.h). */
#include "efivar.h"
#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* Clears FS_IMMUTABLE_FL of the open file FD; *WAS says whether it was set. 0 or -errno. */
static int lift_immutable(int fd, int *flags, bool *was)
{
	*was = false;
	if (ioctl(fd, FS_IOC_GETFLAGS, flags) < 0)
		return -errno;
	if (!(*flags & FS_IMMUTABLE_FL))
		return 0;
	int lifted = *flags & ~FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &lifted) < 0)
		return -errno;
	*was = true;
	return 0;
}

int efivar_write(const char *name, uint32_t attrs, const void *data, size_t len)
{
	uint8_t buf[4 + EFIVAR_VALUE_MAX];
	char path[128];
	bool immutable = false;
	int flags = 0, r = var_path(name, path, sizeof(path));

	if (r < 0)
		return r;
	if (len > EFIVAR_VALUE_MAX)
		return -E2BIG;
	/* An existing variable's file: held open to put the flag back. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0 && (r = lift_immutable(fd, &flags, &immutable)) < 0)
		goto out;
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)(attrs >> (8 * i));
	memcpy(buf + 4, data, len);
	int w = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (w < 0) {
		r = -errno;
		goto out;
	}
	/* efivarfs sets the variable in one write: attributes, then the value. */
	ssize_t n = write(w, buf, 4 + len);
	r = n < 0 ? -errno : (size_t)n != 4 + len ? -EIO : 0;
	if (close(w) < 0 && r == 0)
		r = -errno;
out:
	if (immutable && ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0 && r == 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
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
