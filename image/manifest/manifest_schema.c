/*
 * The manifest's schema (manifest_schema.h): the top level, kernel, rootfs,
 * signing, disk and debug. Every other section has a file of its own.
 */
#include "manifest_schema.h"
#include "manifest_rules.h"

#include <stdio.h>
#include <string.h>

static int take_file(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		     const yaml_node_t *v);
static int take_src(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);

#define TOP(k, req, member, noun, fn) MF_TEXT(struct manifest, k, req, member, noun, fn)
#define SIZE(k, member, minimum)                                         \
	{                                                                \
		.key = k, .kind = F_SIZE, .required = true,              \
		.off = offsetof(struct manifest, member), .min = minimum \
	}

static const struct field kernel_fields[] = {
    TOP("package", true, kernel.package, "package name", mf_check_package),
    MF_FUNC("cmdline", false, mf_take_cmdline),
    MF_NUMBER(struct manifest, "source", false, kernel.source, "kernel source",
	      mf_parse_kernel_source),
    MF_FUNC("modules", false, mf_take_modules),
    {0},
};

static const struct field rootfs_fields[] = {
    TOP("hostname", false, rootfs.hostname, "hostname", mf_check_hostname),
    MF_UNIQUE_STRINGS(struct manifest, "packages", MANIFEST_MAX_PACKAGES, rootfs.packages,
		      rootfs.n_packages, "package name", mf_check_package, "package"),
    MF_LIST("files", MANIFEST_MAX_FILES, take_file),
    MF_STRINGS(struct manifest, "remove", MANIFEST_MAX_REMOVE, rootfs.remove, rootfs.n_remove,
	       "glob", mf_check_absolute),
    {0},
};

/* One rootfs.files item: offsets into struct manifest_file. */
static const struct field file_fields[] = {
    MF_FUNC("src", true, take_src),
    MF_TEXT(struct manifest_file, "dst", true, dst, "destination path", mf_check_dst),
    MF_NUMBER(struct manifest_file, "mode", false, mode, "mode", mf_parse_mode),
    /* uid and gid: parse_owner takes the whole item */
    {.key = "owner", .kind = F_NUMBER, .what = "owner", .parse = mf_parse_owner},
    {0},
};

static const struct field signing_fields[] = {
    TOP("gpg_key", false, signing.gpg_key, "key id", mf_check_gpg_key),
    MF_PATH(struct manifest, "gpg_homedir", false, signing.gpg_homedir, "gpg home directory",
	    mf_check_relative, E_DIR),
    MF_FUNC("secure_boot", false, mf_take_secure_boot),
    MF_FUNC("verity_key", false, mf_take_verity_key),
    {0},
};

/* The files image/mkformats.sh writes beside disk.raw (docs/clouds.md). */
static const char *check_format(const char *s)
{
	static const char *const known[] = {"raw", "qcow2", "vhd", "vmdk", "gce", "raw.zst"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(s, known[i]))
			return NULL;
	return "expected raw, qcow2, vhd, vmdk, gce or raw.zst";
}

/* The ESP minimum is FAT32's smallest volume as mkfs.vfat makes it for the build. */
static const struct field disk_fields[] = {
    SIZE("esp", disk.esp, 32 * MIB),
    SIZE("root", disk.root, 16 * MIB),
    SIZE("verity", disk.verity, 1 * MIB),
    SIZE("data", disk.data, 16 * MIB),
    MF_UNIQUE_STRINGS(struct manifest, "formats", MANIFEST_MAX_FORMATS, disk.formats,
		      disk.n_formats, "format", check_format, "format"),
    {0},
};

static const struct field debug_fields[] = {
    TOP("shell", false, debug.shell, "tty", mf_check_tty),
    {0},
};

static const struct field top_fields[] = {
    TOP("name", true, name, "name", mf_check_name),
    TOP("version", true, version, "version", mf_check_version),
    MF_MAP("kernel", true, kernel_fields),
    TOP("channel", false, channel, "channel", mf_check_id),
    MF_MAP("rootfs", true, rootfs_fields),
    MF_MAP("signing", false, signing_fields),
    MF_MAP("disk", true, disk_fields),
    MF_MAP("debug", false, debug_fields),
    MF_MAP("network", false, mf_network_fields),
    MF_LIST("onboot", CONTAINERS_MAX, mf_take_onboot),
    MF_LIST("services", CONTAINERS_MAX, mf_take_service),
    MF_FUNC("update", false, mf_take_update),
    MF_MAP("provision", false, mf_provision_fields),
    {0},
};

_Static_assert(sizeof(top_fields) / sizeof(top_fields[0]) <= FIELDS_MAX + 1,
	       "mf_walk_map's seen[] must hold a flag per field of the largest mapping");

/* ---- rootfs.files items ---- */

/* rootfs.files[].src: as written, and resolved on the build host (manifest_host.c). */
static int take_src(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	struct manifest_file *f = (struct manifest_file *)c->base;
	int r = mf_take_text(c, path, k, v, mf_check_src, "source path", f->src, sizeof(f->src));

	return r ? r : mf_take_source(c, path, mf_value_mark(k, v), f->src, f->path);
}

static int take_file(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		     const yaml_node_t *v)
{
	struct manifest_file *f = &c->m->rootfs.files[i];
	char *base = c->base;

	(void)seq;
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, v->start_mark, "%s must be a mapping", path);
	memset(f, 0, sizeof(*f));
	f->mode = 0644;
	c->base = (char *)f;
	int r = mf_walk_map(c, v, file_fields, path);
	c->base = base;
	if (r == 0)
		c->m->rootfs.n_files = i + 1;
	return r;
}

/* ---- the whole document ---- */

int mf_check_document(struct ctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	yaml_mark_t start = {0};

	if (!root || mf_is_null(root))
		return mf_fail_at(c, root ? root->start_mark : start, "empty document");
	if (root->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, root->start_mark, "top level must be a mapping");
	int r = mf_walk_map(c, root, top_fields, "");
	if (r == 0)
		r = mf_check_containers(c, root);
	if (r == 0)
		r = mf_check_kernel(c, root);
	if (r)
		return r;
	mf_provision_default(c, root);
	if (!c->m->channel[0])
		strcpy(c->m->channel, "stable");
	/* The architecture is x86-64 until an image can be anything else. */
	if (!c->m->update.compatible[0])
		snprintf(c->m->update.compatible, sizeof(c->m->update.compatible), "%s-x86_64",
			 c->m->name);
	if (!c->m->update.health_deadline)
		c->m->update.health_deadline = HEALTH_DEADLINE_DEFAULT;
	if (!c->m->update.channel.interval)
		c->m->update.channel.interval = CHECK_INTERVAL_DEFAULT;
	return 0;
}
