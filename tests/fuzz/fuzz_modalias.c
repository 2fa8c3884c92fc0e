/*
 * libFuzzer target for what berth-init will read to load drivers
 * (init/modalias.c): kernel uevents, which any device can shape, and
 * depmod's files, and the glob their patterns are. Input: the bytes as a uevent, then (up to the
 * first NUL) as modules.alias and as modules.dep text. Besides not crashing, every answer must be
 * one the header documents.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modalias.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int any(void *ctx, const char *name)
{
	(void)ctx;
	return strlen(name) <= MODULE_NAME_MAX ? 0 : -EINVAL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 16];
	const char *files[MODDEP_MAX];
	size_t lens[MODDEP_MAX];
	struct uevent e;

	int r = uevent_parse((const char *)data, size, &e);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r == 0 && (!e.action[0] || !e.subsystem || !e.modalias || !e.ifname))
		abort();
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (modalias_each(text, "pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00", any,
			  NULL) < 0)
		abort();
	/* The input as a pattern, then as the string a pattern with every kind of element meets. */
	glob_match(text, "usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00");
	glob_match("usb:v*p*d*dc*dsc*dp*ic08isc0[1-6]ip50in*[!]a-]?\\*", text);
	r = moddep_files(text, "e1000e", files, lens);
	if (r != -ENOENT && r != -E2BIG && (r < 1 || r > MODDEP_MAX))
		abort();
	for (int i = 0; i < r; i++)
		if (files[i] < text || files[i] + lens[i] > text + size)
			abort();
	return 0;
}
