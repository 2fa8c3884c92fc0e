/*
 * libFuzzer target for what berth-provision reads from a config drive,
 * which anyone who can attach a drive to the machine controls: the input
 * is checked as user data (for an image with a service and an onboot
 * container), as NoCloud meta-data and as the first bytes of a block
 * device (its label). Besides not crashing: a document refused says where,
 * "PATH:LINE:COL: ..."; user data that checks good is written as
 * network.conf and containers.conf, which berth-init's readers must take.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffiles.h"
#include "ctrconf.h"
#include "label.h"
#include "manifest.h"
#include "metadata.h"
#include "netconf.h"
#include "positioned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* WRITE's text of M, NUL-terminated in a buffer the caller frees. */
static char *text_of(int (*write)(FILE *, const struct manifest *), const struct manifest *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || write(f, m) < 0 || fclose(f) != 0)
		abort();
	return buf;
}

static void image_setup(struct manifest *image)
{
	struct manifest_container *seed = &image->containers[0], *hello = &image->containers[1];

	image->n_containers = 2;
	strcpy(seed->name, "seed");
	strcpy(hello->name, "hello");
	hello->service = true;
	for (int i = 0; i < 2; i++)
		memset(image->containers[i].digest, 'a', 64);
	hello->n_env = 2;
	strcpy(hello->env[0], "GREETING=hi");
	strcpy(hello->env[1], "MODE=image");
}

static void userdata(const char *text, size_t size)
{
	/* Static: a struct manifest is too big for the stack. */
	static struct manifest image;
	static struct userdata ud;
	static struct netconf nc;
	static struct ctr ctrs[CONTAINERS_MAX];
	char err[MANIFEST_ERR_MAX], rerr[160];
	size_t n;

	if (!image.n_containers)
		image_setup(&image);
	int r = userdata_load_text("user-data", text, size, &image, &ud, err, sizeof(err));
	if (r == -EINVAL && !positioned(err, "user-data"))
		abort();
	if (r)
		return;
	char *conf = text_of(conffiles_network, &ud.m);
	if (netconf_parse(conf, &nc, rerr, sizeof(rerr)) < 0)
		abort();
	free(conf);
	conf = text_of(conffiles_containers, &ud.m);
	if (ctrconf_parse(conf, ctrs, &n, rerr, sizeof(rerr)) < 0 || n != 2 ||
	    ctrs[1].nenv != ud.m.containers[1].n_env)
		abort();
	free(conf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct metadata md;
	char err[MANIFEST_ERR_MAX], label[LABEL_MAX + 1];
	const char *text = (const char *)data;

	userdata(text, size);
	if (metadata_parse("meta-data", text, size, &md, err, sizeof(err)) == -EINVAL &&
	    !positioned(err, "meta-data"))
		abort();
	if (label_read(data, size, label) != FS_NONE && (!label[0] || strlen(label) > LABEL_MAX))
		abort();
	return 0;
}
