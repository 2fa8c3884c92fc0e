/*
 * A stage's key is the SHA-256 of everything it reads: its scripts, the
 * manifest values it uses, the files it copies, and its upstream stages'
 * keys. A stage whose key matches the one recorded after its last success
 * is not run again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inputs.h"
#include "util.h"

/* Fields are length-prefixed so that ("ab","c") and ("a","bc") differ. */
static void add_bytes(struct inputs *in, const void *p, size_t n)
{
	uint64_t len = n;

	crypto_hash_sha256_update(&in->st, (const unsigned char *)&len, sizeof(len));
	crypto_hash_sha256_update(&in->st, p, n);
}

static void add_str(struct inputs *in, const char *s)
{
	add_bytes(in, s, strlen(s));
}

void inputs_init(struct inputs *in, const char *stage)
{
	crypto_hash_sha256_init(&in->st);
	add_str(in, "berth stage inputs v1");
	add_str(in, stage);
}

void inputs_add(struct inputs *in, const char *name, const char *value)
{
	add_str(in, name);
	add_str(in, value ? "set" : "unset");
	if (value)
		add_str(in, value);
}

static int add_file(struct inputs *in, const char *path, off_t size)
{
	unsigned char buf[65536];
	uint64_t len = (uint64_t)size;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	crypto_hash_sha256_update(&in->st, (const unsigned char *)&len, sizeof(len));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		crypto_hash_sha256_update(&in->st, buf, (unsigned long long)n);
	}
	close(fd);
	return 0;
}

static int add_tree(struct inputs *in, const char *path, const char *rel);

static int add_dir(struct inputs *in, const char *path, const char *rel)
{
	struct dirent **names;
	char child[PATH_MAX], child_rel[PATH_MAX];
	int n = scandir(path, &names, NULL, alphasort), r = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;

		if (r == 0 && strcmp(d, ".") && strcmp(d, "..")) {
			if (snprintf(child, sizeof(child), "%s/%s", path, d) >=
				(int)sizeof(child) ||
			    snprintf(child_rel, sizeof(child_rel), "%s/%s", rel, d) >=
				(int)sizeof(child_rel))
				r = -ENAMETOOLONG;
			else
				r = add_tree(in, child, child_rel);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

static int add_tree(struct inputs *in, const char *path, const char *rel)
{
	char target[PATH_MAX], mode[16];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return -errno;
	snprintf(mode, sizeof(mode), "%o", (unsigned)st.st_mode);
	add_str(in, rel);
	add_str(in, mode);
	if (S_ISDIR(st.st_mode))
		return add_dir(in, path, rel);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target));
		if (n < 0)
			return -errno;
		add_bytes(in, target, (size_t)n);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return add_file(in, path, st.st_size);
	return -EINVAL; /* devices, sockets: not something a build reads */
}

int inputs_add_path(struct inputs *in, const char *label, const char *path)
{
	char real[PATH_MAX];
	int r = 0;

	add_str(in, label);
	/* What PATH names, also through a symlink. */
	if (!realpath(path, real))
		r = -errno;
	if (r == 0)
		r = add_tree(in, real, ".");
	if (r < 0)
		say("cannot read input %s: %s", path, strerror(-r));
	return r;
}

int inputs_add_file(struct inputs *in, const char *label, const char *path)
{
	struct stat st;
	int r = stat(path, &st) < 0 ? -errno : 0;

	add_str(in, label);
	if (r == 0)
		r = add_file(in, path, st.st_size);
	if (r < 0)
		say("cannot read input %s: %s", path, strerror(-r));
	return r;
}

void inputs_hex(struct inputs *in, char hex[65])
{
	unsigned char out[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_final(&in->st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
}
