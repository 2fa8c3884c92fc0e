/* Telling the boot disk (see bootdisk.h). */
#include "bootdisk.h"
#include "le.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* UEFI device path node types and subtypes (UEFI spec, "Device Path Protocol"). */
#define DP_HARDWARE 0x01
#define DP_HW_PCI 0x01 /* Function (1 byte), Device (1 byte) */
#define DP_ACPI 0x02
#define DP_NODE_HEAD 4

/* After efivarfs' attributes: the option's Attributes (4) and FilePathListLength (2). */
#define LO_PATH_LEN 8
#define LO_DESCRIPTION 10

/* Appends device DEV, function FN to OUT: 0, or -EINVAL when OUT is full. */
static int pci_push(struct pci_path *out, unsigned dev, unsigned fn)
{
	if (out->n == PCI_PATH_MAX)
		return -EINVAL;
	out->dev[out->n] = (uint8_t)dev;
	out->fn[out->n++] = (uint8_t)fn;
	return 0;
}

/* DP, LEN bytes of device path: an ACPI root bridge, then the PCI nodes collected into OUT. */
static int device_path_pci(const uint8_t *dp, size_t len, struct pci_path *out)
{
	for (size_t at = 0; at + DP_NODE_HEAD <= len;) {
		const uint8_t *node = dp + at;
		size_t nlen = (size_t)le_get(node + 2, 2);
		if (nlen < DP_NODE_HEAD || nlen > len - at)
			return -EINVAL;
		if (at == 0 && node[0] != DP_ACPI)
			return -ENOENT;
		if (at > 0 && (node[0] != DP_HARDWARE || node[1] != DP_HW_PCI || nlen != 6))
			break;
		if (at > 0 && pci_push(out, node[5], node[4]) < 0)
			return -EINVAL;
		at += nlen;
	}
	return out->n ? 0 : -ENOENT;
}

int load_option_pci_path(const uint8_t *var, size_t len, struct pci_path *out)
{
	size_t at = LO_DESCRIPTION;

	*out = (struct pci_path){0};
	if (!var || len < LO_DESCRIPTION + 2)
		return -EINVAL;
	/* The description: UTF-16, up to and with its NUL. */
	while (at + 1 < len && (var[at] || var[at + 1]))
		at += 2;
	at += 2;
	size_t path_len = (size_t)le_get(var + LO_PATH_LEN, 2);
	if (at > len || path_len > len - at)
		return -EINVAL;
	return device_path_pci(var + at, path_len, out);
}

/*
 * When S (LEN bytes) is a PCI device's sysfs name, DOMAIN:BUS:DEV.FN in
 * hex ("0000:00:03.0"), appends its device and function to OUT. 0 or
 * -EINVAL (OUT full).
 */
static int pci_name(const char *s, size_t len, struct pci_path *out)
{
	if (len < 12 || s[len - 8] != ':' || s[len - 5] != ':' || s[len - 2] != '.' ||
	    !isxdigit((unsigned char)s[len - 4]) || !isxdigit((unsigned char)s[len - 3]) ||
	    s[len - 1] < '0' || s[len - 1] > '7')
		return 0;
	/* Two hex digits, then '.': strtoul stops there. */
	return pci_push(out, (unsigned)strtoul(s + len - 4, NULL, 16),
			(unsigned)(s[len - 1] - '0'));
}

int sysfs_pci_path(const char *link, struct pci_path *out)
{
	*out = (struct pci_path){0};
	for (const char *p = link; *p;) {
		size_t len = strcspn(p, "/");
		if (pci_name(p, len, out) < 0)
			return -EINVAL;
		p += len + (p[len] == '/');
	}
	return out->n ? 0 : -ENOENT;
}

static bool has_esp(const struct disk_facts *f)
{
	return f->esp;
}

static bool has_booted_esp(const struct disk_facts *f)
{
	return f->esp && f->booted;
}

static bool has_root(const struct disk_facts *f)
{
	return f->root && f->verity;
}

/* The one disk of D (N) that PICK takes: its index, -EAGAIN (none) or -EEXIST (several). */
static int only(const struct disk_facts *d, size_t n, bool (*pick)(const struct disk_facts *))
{
	int found = -EAGAIN;

	for (size_t i = 0; i < n; i++) {
		if (!pick(&d[i]))
			continue;
		if (found >= 0)
			return -EEXIST;
		found = (int)i;
	}
	return found;
}

int bootdisk_choose(const struct disk_facts *d, size_t n, bool have_esp)
{
	if (!have_esp)
		return only(d, n, has_root);
	int r = only(d, n, has_esp);
	if (r != -EEXIST)
		return r;
	/* Copies of the ESP: only the firmware's boot entry can tell which it read. */
	r = only(d, n, has_booted_esp);
	return r == -EAGAIN ? -EEXIST : r;
}
