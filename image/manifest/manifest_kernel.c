/*
 * kernel.source and signing.verity_key, and the rules that tie them: a
 * kernel built from kernel-config/ (source: config) comes from a Debian
 * linux-source package and trusts only the image's verity certificate, so
 * it needs one; Debian's own kernel would not trust it, so it takes none.
 * The key files are looked at when the manifest is loaded, so a missing
 * one is reported at its line.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "manifest_rules.h"
#include "manifest_schema.h"

const char *mf_parse_kernel_source(const char *s, void *dst)
{
	if (!strcmp(s, "debian"))
		*(int *)dst = KERNEL_SOURCE_DEBIAN;
	else if (!strcmp(s, "config"))
		*(int *)dst = KERNEL_SOURCE_CONFIG;
	else
		return "expected debian or config";
	return NULL;
}

/* Whether the file DIR/PATH starts with the PEM line BEGIN: 0, or -errno. */
static int pem_starts(int dir, const char *path, const char *begin)
{
	char head[64] = "";
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	ssize_t n = read_upto(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 0)
		return (int)n;
	head[n] = '\0';
	return strncmp(head, begin, strlen(begin)) ? -EINVAL : 0;
}

int mf_take_verity_key(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	static const struct {
		const char *ext, *begin, *what;
	} files[] = {
	    {".key", "-----BEGIN PRIVATE KEY-----\n", "an unencrypted PEM private key"},
	    {".crt", "-----BEGIN CERTIFICATE-----\n", "a PEM X.509 certificate"},
	};
	char *prefix = c->m->signing.verity_key, name[sizeof(c->m->signing.verity_key) + 4];
	char buf[SHOW_MAX + 4];
	int dir, r;

	if (v->type == YAML_SCALAR_NODE && mf_is_null(v))
		return 0;
	/* Room for the extension: the name must fit where the build tool puts it. */
	r = mf_take_text(c, path, k, v, mf_check_src, "key prefix", prefix,
			 sizeof(c->m->signing.verity_key) - 4);
	if (r)
		return r;
	dir = mf_open_dir(c);
	if (dir < 0)
		return dir;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && r == 0; i++) {
		snprintf(name, sizeof(name), "%s%s", prefix, files[i].ext);
		r = pem_starts(dir, name, files[i].begin);
		mf_show(name, strlen(name), buf);
		if (r == -EINVAL)
			r = mf_fail_at(c, v->start_mark,
				       "%s: '%s' is not %s (berth keygen --verity)", path, buf,
				       files[i].what);
		else if (r)
			r = mf_fail_at(c, v->start_mark,
				       "%s: '%s' (relative to the manifest's folder): %s", path,
				       buf, strerror(-r));
	}
	close(dir);
	return r;
}

int mf_check_kernel(struct ctx *c, const yaml_node_t *root)
{
	static const char source_pkg[] = "linux-source-";
	const struct manifest *m = c->m;
	const yaml_node_t *kv, *sv, *pv, *key, *val;

	mf_find_key(c, root, "kernel", &kv);
	if (m->kernel.source == KERNEL_SOURCE_DEBIAN) {
		if (!m->signing.verity_key[0])
			return 0;
		mf_find_key(c, root, "signing", &sv);
		key = mf_find_key(c, sv, "verity_key", &val);
		return mf_fail_at(c, mf_value_mark(key, val),
				  "signing.verity_key needs kernel.source: config (Debian's "
				  "kernel does not trust the image's certificate)");
	}
	if (strncmp(m->kernel.package, source_pkg, sizeof(source_pkg) - 1)) {
		key = mf_find_key(c, kv, "package", &pv);
		return mf_fail_at(c, mf_value_mark(key, pv),
				  "kernel.package: with source: config, a Debian linux-source "
				  "package such as linux-source-6.1");
	}
	if (!m->signing.verity_key[0]) {
		key = mf_find_key(c, kv, "source", &val);
		return mf_fail_at(
		    c, mf_value_mark(key, val),
		    "kernel.source: config needs signing.verity_key, the key pair its "
		    "root hash is signed with");
	}
	return 0;
}
