/* An OCI image archive unpacked for the root image (see oci.h). */
#define _GNU_SOURCE /* O_PATH */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "contract.h"
#include "oci.h"
#include "ocispec.h"
#include "util.h"

#define JSON_MAX (4 << 20) /* an index, manifest or config */
#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

struct image {
	const char *archive;
	int root; /* DIR/rootfs */
	json_t *index, *manifest, *config;
};

/* ---- the archive's members ---- */

static const char *member_name(const char *name)
{
	return strncmp(name, "./", 2) ? name : name + 2;
}

/* The archive, read up to member NAME's data; NULL after saying why. */
static struct archive *open_member(const char *archive, const char *name)
{
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return NULL;
	archive_read_support_format_tar(a);
	r = archive_read_open_filename(a, archive, 65536);
	while (r == ARCHIVE_OK || r == ARCHIVE_WARN) {
		r = archive_read_next_header(a, &e);
		if ((r == ARCHIVE_OK || r == ARCHIVE_WARN) &&
		    archive_entry_filetype(e) == AE_IFREG &&
		    !strcmp(member_name(archive_entry_pathname(e)), name))
			return a;
	}
	if (r == ARCHIVE_EOF)
		say("%s: no %s in the image archive", archive, name);
	else
		say("%s: %s", archive, archive_error_string(a));
	archive_read_free(a);
	return NULL;
}

/* "sha256:HEX" as the member that holds the blob. */
static int blob_name(const char *digest, char *name, size_t len)
{
	if (strncmp(digest, "sha256:", 7) || strlen(digest) != 7 + 64 ||
	    strspn(digest + 7, "0123456789abcdef") != 64)
		return -1;
	snprintf(name, len, "blobs/sha256/%s", digest + 7);
	return 0;
}

static bool digest_is(const unsigned char sum[crypto_hash_sha256_BYTES], const char *hex)
{
	char have[65];

	sodium_bin2hex(have, sizeof(have), sum, crypto_hash_sha256_BYTES);
	return !strcmp(have, hex);
}

/* Member NAME, whose SHA-256 must be HEX, as JSON; NULL after saying why. */
static json_t *read_json(const struct image *im, const char *name, const char *hex)
{
	unsigned char sum[crypto_hash_sha256_BYTES];
	struct archive *a = open_member(im->archive, name);
	char *buf = a ? malloc(JSON_MAX) : NULL;
	json_t *j = NULL;
	size_t len = 0;
	la_ssize_t n = 1;

	if (!buf)
		goto out;
	while (len < JSON_MAX && (n = archive_read_data(a, buf + len, JSON_MAX - len)) > 0)
		len += (size_t)n;
	crypto_hash_sha256(sum, (unsigned char *)buf, len);
	json_error_t err;
	if (n < 0)
		say("%s: %s: %s", im->archive, name, archive_error_string(a));
	else if (len == JSON_MAX)
		say("%s: %s: larger than %d bytes", im->archive, name, JSON_MAX);
	else if (!digest_is(sum, hex))
		say("%s: %s: its SHA-256 is not %s", im->archive, name, hex);
	else if (!(j = json_loadb(buf, len, 0, &err)))
		say("%s: %s: line %d: %s", im->archive, name, err.line, err.text);
out:
	free(buf);
	if (a)
		archive_read_free(a);
	return j;
}

/* The blob a descriptor (mediaType, digest, size) names, as JSON. */
static json_t *read_blob(const struct image *im, json_t *desc)
{
	char name[96];
	const char *digest = json_string_value(json_object_get(desc, "digest"));

	if (!digest || blob_name(digest, name, sizeof(name)) < 0) {
		say("%s: a descriptor without a sha256 digest", im->archive);
		return NULL;
	}
	return read_json(im, name, digest + 7);
}

static bool is_amd64(json_t *desc)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));

	return os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64");
}

/* The index's one manifest, or its one for linux/amd64. */
static json_t *pick_manifest(const struct image *im)
{
	json_t *list = json_object_get(im->index, "manifests"), *d, *pick = NULL;
	size_t i, amd64 = 0;

	json_array_foreach(list, i, d)
	{
		if (json_array_size(list) == 1 || is_amd64(d)) {
			pick = d;
			amd64++;
		}
	}
	if (amd64 != 1) {
		say("%s: index.json names %s manifest for linux/amd64", im->archive,
		    amd64 ? "more than one" : "no");
		return NULL;
	}
	return pick;
}

/* ---- layers ---- */

struct layer {
	struct archive *outer;
	crypto_hash_sha256_state st;
	unsigned char buf[65536];
};

/* The layer's compressed bytes, from the outer archive, hashed on the way. */
static la_ssize_t layer_read(struct archive *a, void *ctx, const void **out)
{
	struct layer *l = ctx;
	la_ssize_t n = archive_read_data(l->outer, l->buf, sizeof(l->buf));

	if (n > 0)
		crypto_hash_sha256_update(&l->st, l->buf, (unsigned long long)n);
	else if (n < 0)
		archive_set_error(a, EIO, "%s", archive_error_string(l->outer));
	*out = l->buf;
	return n;
}

/* A layer's entry name relative to the root, or NULL when it would leave it. */
static const char *clean(const char *name)
{
	while (!strncmp(name, "./", 2) || name[0] == '/')
		name += name[0] == '/' ? 1 : 2;
	for (const char *s = name; s; s = strchr(s, '/')) {
		s += s[0] == '/';
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return NULL;
	}
	return name;
}

/* NAME's folder inside the image's root, symlinks resolved as the container would. */
static int open_in_root(int root, const char *name, int flags)
{
	struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};

	return (int)syscall(SYS_openat2, root, name[0] ? name : ".", &how, sizeof(how));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

/* PATH, whatever it is, if it is. */
static int remove_tree(const char *path)
{
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* NAME in folder FD. */
static int remove_path(int fd, const char *name)
{
	char path[64 + NAME_MAX];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fd, name);
	return remove_tree(path);
}

static int remove_children(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	DIR *d = opendir(path);
	struct dirent *de;
	int r = 0;

	if (!d)
		return -1;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = remove_path(fd, de->d_name);
	closedir(d);
	return r;
}

/* A whiteout entry: what it hides of the layers below goes. */
static int whiteout(int root, const char *name)
{
	char dir[PATH_MAX];
	const char *base = strrchr(name, '/');
	size_t dlen = base ? (size_t)(base - name) : 0;

	base = base ? base + 1 : name;
	snprintf(dir, sizeof(dir), "%.*s", (int)dlen, name);
	int fd = open_in_root(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	int r =
	    !strcmp(base, OPAQUE) ? remove_children(fd) : remove_path(fd, base + strlen(WHITEOUT));
	close(fd);
	return r;
}

static bool is_whiteout(const char *name)
{
	const char *base = strrchr(name, '/');

	return !strncmp(base ? base + 1 : name, WHITEOUT, strlen(WHITEOUT));
}

static struct archive *disk_writer(void)
{
	struct archive *w = archive_write_disk_new();

	if (w)
		archive_write_disk_set_options(
		    w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			   ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_UNLINK |
			   ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			   ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	return w;
}

/* One entry of a layer into the root (the working folder), as it is in the layer. */
static int extract(struct archive *in, struct archive *w, struct archive_entry *e, const char *name)
{
	const char *link = archive_entry_hardlink(e);
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	archive_entry_set_pathname(e, name);
	if (link) {
		if (!(link = clean(link)))
			return ARCHIVE_FATAL;
		archive_entry_set_hardlink(e, link);
	}
	r = archive_write_header(w, e);
	while (r == ARCHIVE_OK && (r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK)
		r = archive_write_data_block(w, buf, len, off) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
	if (r == ARCHIVE_EOF)
		r = ARCHIVE_OK;
	if (r == ARCHIVE_OK)
		r = archive_write_finish_entry(w);
	return r;
}

/*
 * One pass over the layer DESC: its whiteouts (WHITEOUTS), which hide only
 * what the layers below it have, or its other entries. The second pass
 * checks the layer's digest.
 */
static int layer_pass(const struct image *im, json_t *desc, bool whiteouts)
{
	char name[96];
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	struct layer *l = calloc(1, sizeof(*l));
	struct archive *in = archive_read_new(), *w = whiteouts ? NULL : disk_writer();
	struct archive_entry *e;
	const char *why = NULL;
	char path[PATH_MAX] = ""; /* the entry's name as the layer has it, for messages */
	int r = ARCHIVE_FATAL;

	if (!l || !in || (!whiteouts && !w) || !digest || blob_name(digest, name, sizeof(name)) < 0)
		goto out;
	if (!(l->outer = open_member(im->archive, name)))
		goto out;
	crypto_hash_sha256_init(&l->st);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_format_tar(in);
	r = archive_read_open(in, l, NULL, layer_read, NULL);
	while (r == ARCHIVE_OK) {
		r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_WARN)
			r = ARCHIVE_OK;
		if (r != ARCHIVE_OK)
			break;
		snprintf(path, sizeof(path), "%s", archive_entry_pathname(e));
		const char *rel = clean(path);
		if (!rel) {
			why = "a name that leads out of the root";
			r = ARCHIVE_FATAL;
		} else if (!rel[0]) {
			continue; /* the root itself */
		} else if (is_whiteout(rel)) {
			if (whiteouts && whiteout(im->root, rel) < 0) {
				why = strerror(errno);
				r = ARCHIVE_FATAL;
			}
		} else if (!whiteouts && (r = extract(in, w, e, rel)) != ARCHIVE_OK) {
			why = archive_error_string(w);
			r = ARCHIVE_FATAL;
		}
	}
	if (r != ARCHIVE_EOF) {
		say("%s: layer %s: %s%s%s", im->archive, digest, path, path[0] ? ": " : "",
		    why ? why : archive_error_string(in));
		r = ARCHIVE_FATAL;
		goto out;
	}
	r = ARCHIVE_OK;
	if (!whiteouts) {
		unsigned char sum[crypto_hash_sha256_BYTES];
		/* What the tar reader left of the blob (its padding) counts too. */
		while (layer_read(in, l, &(const void *){NULL}) > 0)
			;
		crypto_hash_sha256_final(&l->st, sum);
		if (!digest_is(sum, digest + 7)) {
			say("%s: layer %s: its SHA-256 is not the one its manifest names",
			    im->archive, digest);
			r = ARCHIVE_FATAL;
		}
	}
out:
	if (in)
		archive_read_free(in);
	if (w)
		archive_write_free(w);
	if (l && l->outer)
		archive_read_free(l->outer);
	free(l);
	return r == ARCHIVE_OK ? 0 : -1;
}

/* Every layer, in order; archive_write_disk writes relative to the working folder, the root. */
static int apply_layers(const struct image *im)
{
	json_t *layers = json_object_get(im->manifest, "layers"), *d;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
	size_t i;

	if (cwd < 0 || fchdir(im->root) < 0) {
		say("cannot enter the image's root: %s", strerror(errno));
		if (cwd >= 0)
			close(cwd);
		return -1;
	}
	json_array_foreach(layers, i, d)
	{
		if (r == 0)
			r = layer_pass(im, d, true);
		if (r == 0)
			r = layer_pass(im, d, false);
	}
	if (fchdir(cwd) < 0) {
		say("cannot return to the working folder: %s", strerror(errno));
		r = -1;
	}
	close(cwd);
	return r;
}

/* ---- mount points ---- */

/* PATH in the root, made as a folder (or an empty file, FILE) unless something is there. */
static int mount_point(int root, const char *path, bool file)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	int r = 0;

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	int fd = open_in_root(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 && errno == ENOENT && mount_point(root, dir, false) == 0)
		fd = open_in_root(root, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstatat(fd, base + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		int made = file
			       ? openat(fd, base + 1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)
			       : mkdirat(fd, base + 1, 0755);
		if (made < 0)
			r = -1;
		else if (file)
			close(made);
	}
	close(fd);
	return r;
}

static int mount_points(const struct image *im, const char *const *mounts, json_t *volumes)
{
	const char *v;
	json_t *value;

	for (size_t i = 0; ocispec_dirs[i]; i++)
		if (mount_point(im->root, ocispec_dirs[i], false) < 0)
			goto fail;
	for (size_t i = 0; ocispec_files[i]; i++)
		if (mount_point(im->root, ocispec_files[i], true) < 0)
			goto fail;
	for (size_t i = 0; mounts[i]; i++)
		if (mount_point(im->root, mounts[i], false) < 0)
			goto fail;
	json_object_foreach(volumes, v, value)
	{
		if (v[0] != '/' || !clean(v) || mount_point(im->root, v, false) < 0)
			goto fail;
	}
	return 0;
fail:
	say("%s: cannot make the mount points in its root: %s", im->archive, strerror(errno));
	return -1;
}

/* ---- image.conf ---- */

/*
 * The line of FILE (the image's /etc/passwd or /etc/group) whose name is
 * NAME, or whose id is NAME when NAME is a number: its id, and its third
 * number (a user's group) into *GID when GID is not NULL. 0, or -1.
 */
static int id_find(int root, const char *file, const char *name, unsigned long *id,
		   unsigned long *gid)
{
	char *end;
	unsigned long n = strtoul(name, &end, 10);
	bool number = name[0] >= '0' && name[0] <= '9' && !*end;
	int fd = open_in_root(root, file, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	int r = -1;

	while (f && r < 0 && getline(&line, &cap, f) > 0) {
		char *fields[4], *s = line;
		size_t k = 0;
		for (; k < 4 && s; k++)
			fields[k] = strsep(&s, ":\n");
		if (k < 4 || (number ? strtoul(fields[2], NULL, 10) != n : strcmp(fields[0], name)))
			continue;
		*id = strtoul(fields[2], NULL, 10);
		if (gid)
			*gid = strtoul(fields[3], NULL, 10);
		r = 0;
	}
	free(line);
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (r < 0 && number) { /* a number need not be listed; its group is then 0 */
		*id = n;
		if (gid)
			*gid = 0;
		r = 0;
	}
	return r;
}

/* The config's User: "", USER or USER:GROUP, each a name or a number, as containerd reads it. */
static int user_line(const struct image *im, const char *user, FILE *out)
{
	char u[256];
	unsigned long uid = 0, gid = 0;
	char *group;

	snprintf(u, sizeof(u), "%s", user ? user : "");
	group = strchr(u, ':');
	if (group)
		*group++ = '\0';
	if ((u[0] && id_find(im->root, "etc/passwd", u, &uid, &gid) < 0) ||
	    (group && id_find(im->root, "etc/group", group, &gid, NULL) < 0) || uid > INT32_MAX ||
	    gid > INT32_MAX) {
		say("%s: the image's user '%s' is not in its /etc/passwd or /etc/group",
		    im->archive, user);
		return -1;
	}
	fprintf(out, IC_USER " %lu %lu\n", uid, gid);
	return 0;
}

/* The strings of ARRAY as KEY lines: at most MAX, each one line. */
static int list_lines(const struct image *im, json_t *array, const char *key, size_t max, size_t *n,
		      FILE *out)
{
	json_t *s;
	size_t i;

	json_array_foreach(array, i, s)
	{
		const char *v = json_string_value(s);
		if (!v || strchr(v, '\n') || !v[0] || ++*n > max) {
			say("%s: the image's %s: more than %zu, or one not a line of text",
			    im->archive, key, max);
			return -1;
		}
		fprintf(out, "%s %s\n", key, v);
	}
	return 0;
}

static int write_conf(const struct image *im, const char *dir, const char *no_command)
{
	char path[PATH_MAX];
	json_t *c = json_object_get(im->config, "config");
	const char *cwd = json_string_value(json_object_get(c, "WorkingDir"));
	size_t nargs = 0, nenv = 0, nvol = 0;
	const char *v;
	json_t *value;

	snprintf(path, sizeof(path), "%s/" IMAGE_CONF, dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		say("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# generated by berth build from the image's OCI config\n");
	int r = list_lines(im, json_object_get(c, "Entrypoint"), IC_ARG, ARGS_MAX, &nargs, f);
	if (r == 0)
		r = list_lines(im, json_object_get(c, "Cmd"), IC_ARG, ARGS_MAX, &nargs, f);
	if (r == 0 && !nargs && no_command) {
		say("%s: the image has no Entrypoint or Cmd, and container %s gives no command",
		    im->archive, no_command);
		r = -1;
	}
	if (r == 0)
		r = list_lines(im, json_object_get(c, "Env"), IC_ENV, ENV_MAX, &nenv, f);
	if (r == 0 && cwd && cwd[0] == '/' && !strchr(cwd, '\n'))
		fprintf(f, IC_CWD " %s\n", cwd);
	if (r == 0)
		r = user_line(im, json_string_value(json_object_get(c, "User")), f);
	json_object_foreach(json_object_get(c, "Volumes"), v, value)
	{
		if (r == 0 && ++nvol > VOLUMES_MAX) {
			say("%s: the image has more than %d volumes", im->archive, VOLUMES_MAX);
			r = -1;
		} else if (r == 0) {
			fprintf(f, IC_TMPFS " %s\n", v);
		}
	}
	if (fclose(f) != 0 && r == 0) {
		say("cannot write %s: %s", path, strerror(errno));
		r = -1;
	}
	return r;
}

int oci_unpack(const char *archive, const char *digest, const char *dir, const char *const *mounts,
	       const char *no_command)
{
	struct image im = {.archive = archive, .root = -1};
	char root[PATH_MAX];
	json_t *desc;
	int r = -1;

	snprintf(root, sizeof(root), "%s/rootfs", dir);
	if (remove_tree(dir) < 0 || make_dirs(root) < 0 ||
	    (im.root = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		say("cannot make %s: %s", root, strerror(errno));
		goto out;
	}
	if (!(im.index = read_json(&im, "index.json", digest)) || !(desc = pick_manifest(&im)) ||
	    !(im.manifest = read_blob(&im, desc)) ||
	    !(im.config = read_blob(&im, json_object_get(im.manifest, "config"))))
		goto out;
	if (apply_layers(&im) == 0 &&
	    mount_points(&im, mounts,
			 json_object_get(json_object_get(im.config, "config"), "Volumes")) == 0)
		r = write_conf(&im, dir, no_command);
out:
	if (im.root >= 0)
		close(im.root);
	json_decref(im.index);
	json_decref(im.manifest);
	json_decref(im.config);
	return r;
}
