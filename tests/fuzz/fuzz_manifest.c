/*
 * libFuzzer target for the manifest parser (image/manifest/), which reads
 * what a manifest's author writes. The input is the manifest's text, taken
 * as tests/manifests/fuzz.yaml (a name only: no such file is read), so that
 * its relative file names find the test keys, files and archives there, or
 * nothing, an error path too. Besides not crashing: a manifest refused as
 * bad says where, "PATH:LINE:COL: ..."; one that loads holds only names and
 * values the device's readers accept (lib/contract.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"
#include "manifest.h"
#include "positioned.h"

#define PATH "tests/manifests/fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid(const char *s, bool (*rule)(const char *, size_t))
{
	return rule(s, strlen(s));
}

/* What berth-init and berth-update will read of M is what they accept. */
static bool device_accepts(const struct manifest *m)
{
	if (!valid(m->name, name_valid) || !valid(m->channel, id_valid) ||
	    !valid(m->update.compatible, compatible_valid) ||
	    m->update.health_deadline < HEALTH_DEADLINE_MIN ||
	    m->update.health_deadline > HEALTH_DEADLINE_MAX)
		return false;
	for (size_t i = 0; i < m->n_containers; i++)
		if (!valid(m->containers[i].name, id_valid))
			return false;
	return m->n_containers <= CONTAINERS_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Static: a struct manifest is too big for the stack. */
	static struct manifest m;
	char err[MANIFEST_ERR_MAX];
	int r = manifest_load_text(PATH, (const char *)data, size, &m, err, sizeof(err));

	if (r == 0 && (err[0] || !device_accepts(&m)))
		abort();
	if (r == -EINVAL && !positioned(err, PATH))
		abort();
	/* Anything else is the system's (out of memory): it says which file. */
	if (r && r != -EINVAL && strncmp(err, PATH ": ", strlen(PATH ": ")))
		abort();
	return 0;
}
