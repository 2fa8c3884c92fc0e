/*
 * What a manifest makes the build read on the build host, which also holds
 * the signing keys: a file copied whole into the image (rootfs.files, an
 * image archive) must be under the manifest's folder once every symlink is
 * resolved, and nothing copied may hold a secret key; a key file must be
 * under the manifest's folder or under the folder BERTH_KEYS names (the
 * operator's choice, never the manifest's: a manifest that could name any
 * key on the host could sign its own bundles with the fleet's key), and a
 * secret key the build signs with must be its owner's alone.
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "manifest_schema.h"

/* Whether the resolved path P is the resolved folder DIR or below it. */
static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (n == 1 || p[n] == '/' || p[n] == '\0');
}

/*
 * REL, relative to the manifest's folder (into FOLDER), with every symlink
 * resolved into RESOLVED; *ERR: realpath's errno, or 0. Returns mf_folder's
 * error, or 0.
 */
static int resolve_rel(struct ctx *c, const char *rel, char folder[PATH_MAX],
		       char resolved[PATH_MAX], int *err)
{
	char joined[PATH_MAX + 1024];
	int r = mf_folder(c, folder);

	if (r)
		return r;
	snprintf(joined, sizeof(joined), "%s/%s", folder, rel);
	*err = realpath(joined, resolved) ? 0 : errno;
	return 0;
}

int mf_resolve(struct ctx *c, const char *path, yaml_mark_t at, const char *rel,
	       char resolved[PATH_MAX])
{
	char folder[PATH_MAX], buf[SHOW_MAX + 4], shown[SHOW_MAX + 4];
	int err, r = resolve_rel(c, rel, folder, resolved, &err);

	if (r)
		return r;
	mf_show(rel, strlen(rel), buf);
	if (err)
		return mf_fail_at(c, at, "%s: '%s' (relative to the manifest's folder): %s", path,
				  buf, strerror(err));
	if (!under(resolved, folder))
		return mf_fail_at(
		    c, at,
		    "%s: '%s' leads to '%s', outside the manifest's folder; the build "
		    "copies nothing else of the build host",
		    path, buf, mf_show(resolved, strlen(resolved), shown));
	return 0;
}

int mf_check_key_place(struct ctx *c, const char *path, yaml_mark_t at, const char *rel)
{
	char folder[PATH_MAX], resolved[PATH_MAX], keys[PATH_MAX];
	char buf[SHOW_MAX + 4], shown[SHOW_MAX + 4];
	const char *env = getenv("BERTH_KEYS");
	int err, r = resolve_rel(c, rel, folder, resolved, &err);

	if (r)
		return r;
	/* A missing file is for its reader to report. */
	if (err || under(resolved, folder) ||
	    (env && *env && realpath(env, keys) && under(resolved, keys)))
		return 0;
	return mf_fail_at(c, at,
			  "%s: '%s' leads to '%s', outside the manifest's folder%s; a manifest "
			  "cannot make the build read keys it was not given (BERTH_KEYS names "
			  "the build machine's key folder)",
			  path, mf_show(rel, strlen(rel), buf),
			  mf_show(resolved, strlen(resolved), shown),
			  env && *env ? " and BERTH_KEYS" : "");
}

/* Whether the LEN bytes at P hold the start of a PEM (or PGP) private key: "-----BEGIN ...". */
static bool has_private_pem(const char *p, size_t len)
{
	static const char begin[] = "-----BEGIN ", label[] = "PRIVATE KEY";
	const char *end = p + len;

	while ((p = memmem(p, (size_t)(end - p), begin, sizeof(begin) - 1))) {
		const char *q = p += sizeof(begin) - 1;
		while (q < end && q - p < 64 &&
		       (*q == ' ' || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
			q++;
		if (memmem(p, (size_t)(q - p), label, sizeof(label) - 1))
			return true;
	}
	return false;
}

/* Which secret key the regular file NAME in DIR holds: NULL for none; else what, or *ERR. */
static const char *secret_in(int dir, const char *name, int *err)
{
	uint8_t key[KEYFILE_SECRET];
	const char *what = NULL, *why;
	struct stat st;
	void *map = MAP_FAILED;
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	*err = fd < 0 || fstat(fd, &st) < 0 ? -errno : 0;
	if (*err == 0 && st.st_size == 2 * KEYFILE_SECRET + 1 &&
	    keyfile_read(dir, name, key, sizeof(key), &why) == 0)
		what = "a berth secret key (berth keygen)";
	explicit_bzero(key, sizeof(key));
	if (*err == 0 && !what && st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		*err = map == MAP_FAILED ? -errno : 0;
	}
	if (map != MAP_FAILED) {
		if (has_private_pem(map, (size_t)st.st_size))
			what = "a PEM private key";
		munmap(map, (size_t)st.st_size);
	}
	if (fd >= 0)
		close(fd);
	return what;
}

struct walk {
	struct ctx *c;
	const char *path; /* the field, for messages */
	yaml_mark_t at;
	char rel[PATH_MAX]; /* the entry, relative to the manifest's folder */
};

static int check_folder(struct walk *w, int parent, const char *name);

/*
 * The entry NAME of the open folder DIR, w->rel: a folder is walked, a
 * regular file must hold no secret key, a symlink is copied as it is and
 * never followed; nothing else is copied. 0 or -EINVAL.
 */
static int check_entry(struct walk *w, int dir, const char *name)
{
	char buf[SHOW_MAX + 4];
	const char *what = NULL;
	struct stat st;
	int r = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;

	if (r == 0 && S_ISDIR(st.st_mode))
		return check_folder(w, dir, name);
	if (r == 0 && S_ISREG(st.st_mode))
		what = secret_in(dir, name, &r);
	mf_show(w->rel, strlen(w->rel), buf);
	if (r)
		return mf_fail_at(w->c, w->at, "%s: '%s': %s", w->path, buf, strerror(-r));
	if (what)
		return mf_fail_at(w->c, w->at,
				  "%s: '%s' holds %s; secret keys never go into an image", w->path,
				  buf, what);
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return mf_fail_at(w->c, w->at,
				  "%s: '%s' is neither a regular file, a folder nor a symlink",
				  w->path, buf);
	return 0;
}

/* The folder NAME in PARENT, w->rel, and everything in it: 0 or -EINVAL. */
static int check_folder(struct walk *w, int parent, const char *name)
{
	char buf[SHOW_MAX + 4];
	size_t n = strlen(w->rel), room = sizeof(w->rel) - n;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return mf_fail_at(w->c, w->at, "%s: '%s': %s", w->path, mf_show(w->rel, n, buf),
				  strerror(-r));
	}
	while (r == 0 && (errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(w->rel + n, room, "/%s", e->d_name) >= room)
			r = mf_fail_at(w->c, w->at, "%s: '%s': %s", w->path,
				       mf_show(w->rel, n, buf), strerror(ENAMETOOLONG));
		else
			r = check_entry(w, fd, e->d_name);
	}
	if (r == 0 && errno)
		r = mf_fail_at(w->c, w->at, "%s: '%s': %s", w->path, mf_show(w->rel, n, buf),
			       strerror(errno));
	w->rel[n] = '\0';
	closedir(d);
	return r;
}

int mf_take_source(struct ctx *c, const char *path, yaml_mark_t at, const char *src,
		   char resolved[PATH_MAX])
{
	struct walk w = {.c = c, .path = path, .at = at};
	char buf[SHOW_MAX + 4];
	struct stat st;
	int r = mf_resolve(c, path, at, src, resolved);

	if (r)
		return r;
	mf_show(src, strlen(src), buf);
	if (stat(resolved, &st) < 0)
		return mf_fail_at(c, at, "%s: '%s': %s", path, buf, strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return mf_fail_at(c, at, "%s: '%s' is neither a regular file nor a directory", path,
				  buf);
	snprintf(w.rel, sizeof(w.rel), "%s", src);
	return check_entry(&w, AT_FDCWD, resolved);
}

int mf_check_private(struct ctx *c, const char *path, yaml_mark_t at, int dir, const char *name)
{
	char buf[SHOW_MAX + 4];
	struct stat st;

	mf_show(name, strlen(name), buf);
	if (fstatat(dir, name, &st, 0) < 0)
		return mf_fail_at(c, at, "%s: '%s' (relative to the manifest's folder): %s", path,
				  buf, strerror(errno));
	if (st.st_mode & 077)
		return mf_fail_at(c, at,
				  "%s: the secret key '%s' is open to group or others (mode %04o); "
				  "`chmod 600` it, as ssh asks of its keys",
				  path, buf, (unsigned)(st.st_mode & 07777));
	return 0;
}
