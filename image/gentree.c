/* The generated files and the lists the rootfs stage installs by (see gentree.h). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conffiles.h"
#include "fileio.h"
#include "gentree.h"
#include "oci.h"
#include "util.h"

static bool always(const struct manifest *m)
{
	(void)m;
	return true;
}

/* A generated file (WRITE) or folder (WRITE_DIR) at DST in the image, when WANT says so. */
static const struct gen {
	const char *dst;
	bool (*want)(const struct manifest *m);
	int (*write)(FILE *f, const struct manifest *m);
	int (*write_dir)(const char *path, const struct manifest *m);
} gens[] = {
    {NETWORK_CONF, conffiles_want_network, conffiles_network, NULL},
    {CONTAINERS_CONF, conffiles_want_containers, conffiles_containers, NULL},
    {PROVISION_CONF, conffiles_want_provision, conffiles_provision, NULL},
    {UPDATE_CONF, always, conffiles_update, NULL},
    {CHANNEL_CONF, conffiles_want_channel, conffiles_channel, NULL},
    {KEYS_DIR, always, NULL, conffiles_keys},
    {CONSOLE_SHELL_CONF, conffiles_want_console_shell, conffiles_console_shell, NULL},
};

static int write_file(const char *path, int (*write)(FILE *, const struct manifest *),
		      const struct manifest *m)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -errno;
	r = write(f, m);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

/* work/generated/DST for G, and its line in LIST; one of an earlier build is removed. */
static int generate(const struct build_ctx *b, const struct gen *g, FILE *list)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int r = pathf(path, sizeof(path), "%s/generated%s", b->work, g->dst);

	if (r == 0 && !g->want(b->m)) {
		if (unlink(path) == 0 || errno == ENOENT)
			return 0;
		r = -errno;
	} else if (r == 0) {
		memcpy(dir, path, sizeof(dir));
		r = make_dirs(dirname(dir));
	}
	if (r == 0)
		r = g->write ? write_file(path, g->write, b->m) : g->write_dir(path, b->m);
	if (r == 0)
		fprintf(list, "%s\t%s\t644\t0\t0\n", path, g->dst);
	if (r < 0)
		say("cannot write %s: %s", path, strerror(-r));
	return r;
}

/*
 * Each container image once, unpacked into work/images/HEX (image/oci.h),
 * with the mount points of every container that runs it; copied as it is.
 */
static int list_images(const struct build_ctx *b, FILE *list)
{
	const struct manifest *m = b->m;
	const char *mounts[CONTAINERS_MAX * BINDS_MAX + 1];
	char src[PATH_MAX], dir[PATH_MAX];

	for (size_t i = 0; i < m->n_containers; i++) {
		const char *digest = m->containers[i].digest, *no_command = NULL;
		size_t n = 0;
		if (!conffiles_first_image(m, i))
			continue;
		for (size_t j = i; j < m->n_containers; j++) {
			const struct manifest_container *ct = &m->containers[j];
			if (strcmp(ct->digest, digest))
				continue;
			for (size_t k = 0; k < ct->n_binds; k++)
				mounts[n++] = ct->binds[k].dst;
			if (!ct->n_command)
				no_command = ct->name;
		}
		mounts[n] = NULL;
		if (pathf(src, sizeof(src), "%s/%s", b->manifest_dir, m->containers[i].image) < 0 ||
		    pathf(dir, sizeof(dir), "%s/images/%s", b->work, digest) < 0 ||
		    oci_unpack(src, digest, dir, mounts, no_command) < 0)
			return -1;
		fprintf(list, "%s\t" IMAGES_DIR "/%s\t-\t-\t-\n", dir, digest);
	}
	return 0;
}

static void list_files(const struct build_ctx *b, FILE *list)
{
	const struct manifest *m = b->m;

	for (size_t i = 0; i < m->rootfs.n_files; i++) {
		const struct manifest_file *e = &m->rootfs.files[i];
		/* Resolved when the manifest was loaded: what was checked is what is copied. */
		fprintf(list, "%s\t%s\t%o\t%u\t%u\n", e->path, e->dst, e->mode, e->uid, e->gid);
	}
}

/* work/NAME, written by FILL (0, or -1 after saying why); its path into PATH. */
static int write_list(const struct build_ctx *b, const char *name, char *path, size_t len,
		      int (*fill)(const struct build_ctx *, FILE *))
{
	FILE *f = NULL;
	bool said = false;
	int r = pathf(path, len, "%s/%s", b->work, name);

	if (r == 0 && !(f = fopen(path, "w")))
		r = -errno;
	if (r == 0 && fill(b, f) < 0) {
		said = true;
		r = -EIO;
	} else if (r == 0 && ferror(f)) {
		r = -EIO;
	}
	if (f && fclose(f) != 0 && r == 0)
		r = -errno;
	if (r < 0 && !said)
		say("cannot write %s: %s", path, strerror(-r));
	return r < 0 ? -1 : 0;
}

static int fill_install(const struct build_ctx *b, FILE *list)
{
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (generate(b, &gens[i], list) < 0)
			return -1;
	if (list_images(b, list) < 0)
		return -1;
	list_files(b, list);
	return 0;
}

static int fill_remove(const struct build_ctx *b, FILE *list)
{
	for (size_t i = 0; i < b->m->rootfs.n_remove; i++)
		fprintf(list, "%s\n", b->m->rootfs.remove[i]);
	return 0;
}

int gentree_install_list(const struct build_ctx *b, char *path, size_t len)
{
	return write_list(b, "install.list", path, len, fill_install);
}

int gentree_remove_list(const struct build_ctx *b, char *path, size_t len)
{
	return write_list(b, "remove.list", path, len, fill_remove);
}
