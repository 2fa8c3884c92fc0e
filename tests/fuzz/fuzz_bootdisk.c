/*
 * libFuzzer target for what berth-init reads to tell the boot disk
 * (lib/bootdisk.c, lib/efivar.c): EFI variables are whatever the firmware,
 * or root on an earlier boot, wrote into them, and PID 1 parses them.
 * Input: the bytes of a variable as efivarfs gives them, read as a Boot####
 * load option, as LoaderDevicePartUUID, and (up to its first NUL) as a
 * sysfs path. Besides not crashing, every answer must be one the headers
 * document.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootdisk.h"
#include "efivar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(int r, const struct pci_path *p)
{
	if (r == 0 ? p->n < 1 || p->n > PCI_PATH_MAX : r != -ENOENT && r != -EINVAL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4096];
	char guid[GUID_TEXT_LEN + 1];
	struct pci_path p;

	check_path(load_option_pci_path(data, size, &p), &p);
	int r = efivar_guid_decode(data, size, guid);
	if (r != 0 && r != -EINVAL)
		abort();
	for (size_t i = 0; r == 0 && i < GUID_TEXT_LEN; i++)
		if (!(isdigit((unsigned char)guid[i]) || (guid[i] >= 'a' && guid[i] <= 'f') ||
		      (guid[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23))))
			abort();
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		check_path(sysfs_pci_path(text, &p), &p);
	}
	return 0;
}
