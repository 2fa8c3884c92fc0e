/* unit: image/oci.c image/util.c lib/ocispec.c -larchive -lsodium -ljansson */
/*
 * OCI image archives made here, layer by layer, unpacked by oci_unpack:
 * layers in order, whiteouts (plain and opaque), hard links, the config
 * into image.conf, the mount points; and archives it must refuse.
 */
#define _GNU_SOURCE /* asprintf */
#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "oci.h"

struct entry {
	const char *path;
	char type; /* f file, d folder, h hard link to DATA, l symlink to DATA */
	const char *data;
};

struct blob {
	char *data;
	size_t len;
	char hex[65];
};

static char tmp[] = "/tmp/berth-test-oci-XXXXXX";
static char dir[256];

static void hash(struct blob *b)
{
	unsigned char sum[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(sum, (unsigned char *)b->data, b->len);
	sodium_bin2hex(b->hex, sizeof(b->hex), sum, sizeof(sum));
}

static void text_blob(struct blob *b, const char *text)
{
	b->data = strdup(text);
	b->len = strlen(text);
	hash(b);
}

static int put(struct archive *a, const char *path, char type, const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_mtime(e, 0, 0);
	if (type == 'd') {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else if (type == 'l') {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, data);
	} else if (type == 'h') {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, data);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0755);
		archive_entry_set_size(e, (la_int64_t)len);
	}
	int r = archive_write_header(a, e);
	if (r == ARCHIVE_OK && type == 'f' && len)
		r = archive_write_data(a, data, len) == (la_ssize_t)len ? ARCHIVE_OK
									: ARCHIVE_FATAL;
	archive_entry_free(e);
	return r;
}

/* A layer: a tar of ENTRIES (up to one with a NULL path), gzip-compressed when GZ. */
static void layer(struct blob *b, const struct entry *entries, bool gz)
{
	size_t cap = 1 << 20, used = 0;
	struct archive *a = archive_write_new();

	b->data = malloc(cap);
	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_write_open_memory(a, b->data, cap, &used);
	for (const struct entry *e = entries; e->path; e++)
		put(a, e->path, e->type, e->data, e->type == 'f' ? strlen(e->data) : 0);
	archive_write_close(a);
	archive_write_free(a);
	b->len = used;
	hash(b);
}

/* The image archive: oci-layout, INDEX as index.json, and the blobs. */
static char *archive_of(const char *index, struct blob *blobs, size_t n, const char *name)
{
	char *path, member[96];
	struct archive *a = archive_write_new();

	if (asprintf(&path, "%s/%s.tar", tmp, name) < 0)
		abort();
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, path);
	put(a, "oci-layout", 'f', "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	put(a, "index.json", 'f', index, strlen(index));
	for (size_t i = 0; i < n; i++) {
		snprintf(member, sizeof(member), "blobs/sha256/%s", blobs[i].hex);
		put(a, member, 'f', blobs[i].data, blobs[i].len);
	}
	archive_write_close(a);
	archive_write_free(a);
	return path;
}

static const struct entry layer1[] = {
    {"etc/", 'd', NULL},
    {"etc/passwd", 'f', "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"},
    {"etc/group", 'f', "root:x:0:\napp:x:1001:\nstaff:x:50:\n"},
    {"bin/hello", 'f', "one"},
    {"bin/hello2", 'h', "bin/hello"},
    {"old/a", 'f', "a"},
    {"keep/b", 'f', "b"},
    {"lib", 'l', "usr/lib"},
    {NULL, 0, NULL},
};
/* Whiteouts hide only what is below: keep/c comes before the opaque marker, and stays. */
static const struct entry layer2[] = {
    {"./bin/hello", 'f', "two"}, {"keep/c", 'f', "c"}, {"keep/.wh..wh..opq", 'f', ""},
    {".wh.old", 'f', ""},	 {NULL, 0, NULL},
};

/*
 * An image of LAYERS (NULL-terminated) with CONFIG's "config" object; its
 * archive's path, and its index digest into HEX. The first layer is
 * compressed with gzip, the others not. With CORRUPT, byte CORRUPT - 1 of
 * the last layer differs from the digest its manifest names. With
 * PLATFORMS, the index lists the manifest twice, with those two platform
 * objects, as a multi-platform image's index does.
 */
static char *image_for(const struct entry *const *layers, const char *config, size_t corrupt,
		       const char *name, char hex[65], const char *const platforms[2])
{
	struct blob blobs[8], *cfg = &blobs[0], *man = &blobs[1];
	size_t n = 2;
	char *text, *list = strdup("");

	if (asprintf(&text, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":%s}", config) <
	    0)
		abort();
	text_blob(cfg, text);
	free(text);
	for (size_t i = 0; layers[i]; i++, n++) {
		layer(&blobs[n], layers[i], i == 0);
		char *more;
		if (asprintf(&more,
			     "%s%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar%s\","
			     "\"digest\":\"sha256:%s\",\"size\":%zu}",
			     list, i ? "," : "", i == 0 ? "+gzip" : "", blobs[n].hex,
			     blobs[n].len) < 0)
			abort();
		free(list);
		list = more;
	}
	if (asprintf(&text,
		     "{\"schemaVersion\":2,\"mediaType\":\"application/"
		     "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/"
		     "vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
		     "\"layers\":[%s]}",
		     cfg->hex, cfg->len, list) < 0)
		abort();
	text_blob(man, text);
	free(text);
	free(list);
	if (corrupt)
		blobs[n - 1].data[corrupt - 1] ^= 1;
	struct blob index;
	char *one[2];
	for (int i = 0; i < 2; i++)
		if (asprintf(&one[i],
			     "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			     "\"digest\":\"sha256:%s\",\"size\":%zu,%s%s%s\"annotations\":{"
			     "\"org.opencontainers.image.ref.name\":\"latest\"}}",
			     man->hex, man->len, platforms ? "\"platform\":" : "",
			     platforms ? platforms[i] : "", platforms ? "," : "") < 0)
			abort();
	if (asprintf(&text, "{\"schemaVersion\":2,\"manifests\":[%s%s%s]}", one[0],
		     platforms ? "," : "", platforms ? one[1] : "") < 0)
		abort();
	free(one[0]);
	free(one[1]);
	text_blob(&index, text);
	memcpy(hex, index.hex, 65);
	char *path = archive_of(text, blobs, n, name);
	free(text);
	free(index.data);
	for (size_t i = 0; i < n; i++)
		free(blobs[i].data);
	return path;
}

static char *image(const struct entry *const *layers, const char *config, size_t corrupt,
		   const char *name, char hex[65])
{
	return image_for(layers, config, corrupt, name, hex, NULL);
}

static bool file_is(const char *rel, const char *want)
{
	char path[512], got[256] = "";
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(got, 1, sizeof(got) - 1, f) : 0;

	if (f)
		fclose(f);
	got[n] = '\0';
	if (f && strcmp(got, want))
		printf("#   %s: '%s'\n", rel, got);
	return f && !strcmp(got, want);
}

static bool is(const char *rel, mode_t type)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

static const char *const mounts[] = {"/data/sub", NULL};

static void unpacked(void)
{
	const struct entry *const layers[] = {layer1, layer2, NULL};
	char hex[65];
	char *path = image(layers,
			   "{\"Entrypoint\":[\"/bin/hello\"],\"Cmd\":[\"--greet\",\"a b\"],"
			   "\"Env\":[\"A=b\"],\"WorkingDir\":\"/w\",\"User\":\"app\","
			   "\"Volumes\":{\"/vol\":{}}}",
			   0, "good", hex);

	CHECK(oci_unpack(path, hex, dir, mounts, "svc") == 0, "an image of two layers unpacks");
	CHECK(file_is("rootfs/bin/hello", "two") && file_is("rootfs/bin/hello2", "one"),
	      "a later layer's file replaces the one below; a hard link to the old one keeps it");
	CHECK(!is("rootfs/old", S_IFDIR) && !is("rootfs/keep/b", S_IFREG) &&
		  file_is("rootfs/keep/c", "c") && !is("rootfs/.wh.old", S_IFREG),
	      "whiteouts hide what is below them, not the layer's own files, and are not copied");
	CHECK(is("rootfs/lib", S_IFLNK), "a symlink stays a symlink");
	CHECK(file_is("image.conf", "# generated by berth build from the image's OCI config\n"
				    "arg /bin/hello\narg --greet\narg a b\nenv A=b\ncwd /w\n"
				    "user 1000 1001\ntmpfs /vol\n"),
	      "image.conf: entrypoint and command, environment, cwd, the user's ids, volumes");
	CHECK(is("rootfs/proc", S_IFDIR) && is("rootfs/dev", S_IFDIR) &&
		  is("rootfs/sys", S_IFDIR) && is("rootfs/tmp", S_IFDIR) &&
		  is("rootfs/run", S_IFDIR) && is("rootfs/etc/hosts", S_IFREG) &&
		  is("rootfs/etc/resolv.conf", S_IFREG) && is("rootfs/vol", S_IFDIR) &&
		  is("rootfs/data/sub", S_IFDIR),
	      "mount points: the runtime's, the volumes', the binds'");
	free(path);

	path = image(layers, "{\"Entrypoint\":[\"/bin/hello\"],\"User\":\"1000:staff\"}", 0, "user",
		     hex);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) == 0 &&
		  file_is("image.conf", "# generated by berth build from the image's OCI config\n"
					"arg /bin/hello\nuser 1000 50\n"),
	      "user UID:GROUP, the group by name");
	free(path);
	path = image(layers, "{\"Cmd\":[\"/bin/hello\"],\"User\":\"4242\"}", 0, "uid", hex);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) == 0 &&
		  file_is("image.conf", "# generated by berth build from the image's OCI config\n"
					"arg /bin/hello\nuser 4242 0\n"),
	      "an unlisted number: that uid, group 0");
	free(path);
}

static void refused(void)
{
	const struct entry *const layers[] = {layer1, NULL};
	const struct entry escape[] = {{"../escaped", 'f', "x"}, {NULL, 0, NULL}};
	const struct entry *const bad[] = {layer1, escape, NULL};
	char hex[65], outside[512];
	const struct entry *const two[] = {layer1, layer2, NULL};
	char *path = image(layers, "{\"Cmd\":[\"/x\"]}", 100, "gzip", hex);

	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0, "a damaged compressed layer");
	free(path);
	/* The first file's data, after its 512-byte header: a valid tar still. */
	path = image(two, "{\"Cmd\":[\"/x\"]}", 513, "digest", hex);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0, "a layer that is not its digest");
	free(path);
	path = image(layers, "{\"Cmd\":[\"/x\"]}", 0, "index", hex);
	hex[0] = hex[0] == '0' ? '1' : '0';
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0,
	      "an index.json that is not the manifest's");
	free(path);
	path = image(bad, "{\"Cmd\":[\"/x\"]}", 0, "escape", hex);
	snprintf(outside, sizeof(outside), "%s/escaped", dir);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0 && access(outside, F_OK) < 0,
	      "an entry named ../: refused, nothing written outside the root");
	free(path);
	path = image(layers, "{\"Env\":[\"A=b\"]}", 0, "nocmd", hex);
	CHECK(oci_unpack(path, hex, dir, mounts, "svc") < 0 &&
		  oci_unpack(path, hex, dir, mounts, NULL) == 0,
	      "no command in the image: refused when a container gives none either");
	free(path);
	path = image(layers, "{\"Cmd\":[\"/x\"],\"User\":\"nobody\"}", 0, "nouser", hex);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0, "a user the image does not list");
	free(path);
	path = image(layers,
		     "{\"Cmd\":[\"/x\"],\"Volumes\":{\"/1\":{},\"/2\":{},\"/3\":{},\"/4\":{},"
		     "\"/5\":{},\"/6\":{},\"/7\":{},\"/8\":{},\"/9\":{}}}",
		     0, "volumes", hex);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0, "more than 8 volumes");
	free(path);
}

/* A multi-platform index: its one linux/amd64 manifest, else refused. */
static void platforms(void)
{
	const struct entry *const layers[] = {layer1, NULL};
	static const char arm[] = "{\"os\":\"linux\",\"architecture\":\"arm64\"}",
			  amd[] = "{\"os\":\"linux\",\"architecture\":\"amd64\"}";
	const char *const mixed[2] = {arm, amd}, *const none[2] = {arm, arm},
			  *const both[2] = {amd, amd};
	char hex[65];
	char *path = image_for(layers, "{\"Cmd\":[\"/x\"]}", 0, "mixed", hex, mixed);

	CHECK(oci_unpack(path, hex, dir, mounts, NULL) == 0,
	      "an index with an arm64 and an amd64 manifest: the amd64 one");
	free(path);
	path = image_for(layers, "{\"Cmd\":[\"/x\"]}", 0, "arm", hex, none);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0,
	      "an index of two manifests, none for linux/amd64: refused");
	free(path);
	path = image_for(layers, "{\"Cmd\":[\"/x\"]}", 0, "twice", hex, both);
	CHECK(oci_unpack(path, hex, dir, mounts, NULL) < 0,
	      "an index of two manifests both for linux/amd64: refused");
	free(path);
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(tmp))
		return 1;
	snprintf(dir, sizeof(dir), "%s/out", tmp);
	unpacked();
	refused();
	platforms();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	return CHECK_DONE();
}
