/*
 * signing.secure_boot: the PREFIX `berth keygen --secure-boot` wrote its
 * files with, relative to the manifest's folder. The build signs with the
 * db key and certificate and puts the three .auth files on the ESP for
 * enrolment; PK's and KEK's secret keys are not needed, so they can stay
 * off the build machine. Each file is opened here, at load time, so a
 * missing one is reported at its line rather than half way through a
 * build.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest_rules.h"
#include "manifest_schema.h"

static const char *const needed[] = {"db.key", "db.crt", "PK.auth", "KEK.auth", "db.auth"};
/* Secret keys, their owner's alone: db's, and PK's and KEK's if they are kept here too. */
static const char *const secret[] = {"db.key", "PK.key", "KEK.key"};

/* Why PREFIX-NAME, relative to the folder DIR, is not a readable file: -errno, or 0. */
static int check_file(int dir, const char *prefix, const char *name, char *file, size_t len)
{
	struct stat st;
	int fd, r = 0;

	if ((size_t)snprintf(file, len, "%s-%s", prefix, name) >= len)
		return -ENAMETOOLONG;
	fd = openat(dir, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	close(fd);
	return r;
}

int mf_take_secure_boot(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	char *prefix = c->m->signing.secure_boot, file[sizeof(c->m->signing.secure_boot) + 16];
	char buf[SHOW_MAX + 4];
	int r, dir;

	if (v->type == YAML_SCALAR_NODE && mf_is_null(v))
		return 0;
	r = mf_take_text(c, path, k, v, mf_check_src, "key prefix", prefix,
			 sizeof(c->m->signing.secure_boot));
	if (r)
		return r;
	dir = mf_open_dir(c);
	if (dir < 0)
		return dir;
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]) && r == 0; i++) {
		r = check_file(dir, prefix, needed[i], file, sizeof(file));
		if (r == 0 && (r = mf_check_key_place(c, path, v->start_mark, file)))
			break;
		mf_show(file, strlen(file), buf);
		if (r == -EINVAL)
			r = mf_fail_at(c, v->start_mark, "%s: '%s' is not a regular file", path,
				       buf);
		else if (r)
			r = mf_fail_at(c, v->start_mark,
				       "%s: '%s' (relative to the manifest's folder): %s (`berth "
				       "keygen --secure-boot PREFIX` writes the files)",
				       path, buf, strerror(-r));
	}
	for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]) && r == 0; i++) {
		/* Fits: "KEK.auth" did. */
		snprintf(file, sizeof(file), "%s-%s", prefix, secret[i]);
		if (i > 0 && faccessat(dir, file, F_OK, 0) < 0 && errno == ENOENT)
			continue;
		r = mf_check_private(c, path, v->start_mark, dir, file);
	}
	close(dir);
	return r;
}
