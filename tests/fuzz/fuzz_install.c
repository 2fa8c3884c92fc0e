/*
 * libFuzzer target for what the installer parses (installer/plan.c):
 * berth.install= on a kernel command line (any UKI's line, the firmware's
 * or a boot loader's when Secure Boot is off) and the boot disk's GPT,
 * which tells where the image it copies ends. Input: read as a command
 * line (up to its first NUL), as the first bytes of a disk with 512-byte
 * sectors, as a backup header and as a data partition's superblock.
 * Besides not crashing, every answer must be one install.h documents.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "install.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[8192];
	char err[300];
	struct install_spec s;
	uint64_t end = 0;

	if (size < sizeof(line)) {
		memcpy(line, data, size);
		line[size] = '\0';
		int r = install_requested(line, &s, err, sizeof(err));
		if (r != 0 && r != 1 && r != -EINVAL)
			abort();
		if (r == 1 && (strlen(s.name) >= INSTALL_NAME_MAX ||
			       (s.how == INSTALL_AUTO) != (s.name[0] == '\0') ||
			       strchr(s.name, ',') || strchr(s.name, ' ')))
			abort();
		if (r == -EINVAL && !err[0])
			abort();
	}
	int r = install_image_end(data, size, 512, &end);
	if (r == 0 ? end < 1024 || end % 512 : r != -EINVAL && r != -ENOSPC)
		abort();
	install_has_table(data, size, 512);
	if (size >= 512)
		install_backup_ok(data, 512, 1);
	if (size >= INSTALL_SB_LEN) {
		r = install_fs_used(data);
		if (r != 0 && r != 1 && r != -EINVAL)
			abort();
	}
	return 0;
}
