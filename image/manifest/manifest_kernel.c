/*
 * kernel.cmdline, which must leave alone what berth puts on the line after
 * it; kernel.modules; kernel.source and signing.verity_key, and the rules that tie them: a
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

#include "cmdline.h"
#include "fileio.h"
#include "manifest_rules.h"
#include "manifest_schema.h"

/*
 * Parameters kernel.cmdline may not set: NAME (NAME=VALUE and NAME alike),
 * or with a trailing '*', every name that starts so. The kernel reads '-'
 * in a name as '_'. berth writes its own parameters after the manifest's,
 * and where two disagree the kernel or berth-init would take one of them.
 */
static const char *const owned[] = {"roothash", "systemd.verity*", "berth.*"};
/* dm-verity's settings, the program that runs first, and whether modules must be signed. */
static const char *const weakening[] = {"dm_verity.*", "init",	 "rdinit",
					"noinitrd",    "initrd", "module.sig_enforce"};

static bool listed(const char *name, const char *const *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(rules[i]);
		if (rules[i][len - 1] == '*' ? !strncmp(name, rules[i], len - 1)
					     : !strcmp(name, rules[i]))
			return true;
	}
	return false;
}

/* Why the parameter TOK may not be on the manifest's line, or NULL; TOK is changed. */
static const char *refused_param(char *tok)
{
	if (!strcmp(tok, "--"))
		return "ends the kernel's parameters, and berth's own follow it";
	tok[strcspn(tok, "=")] = '\0';
	for (char *p = tok; *p; p++)
		if (*p == '-')
			*p = '_';
	if (listed(tok, owned, sizeof(owned) / sizeof(owned[0])))
		return "is berth's to set (roothash=, systemd.verity*, berth.*)";
	if (listed(tok, weakening, sizeof(weakening) / sizeof(weakening[0])))
		return "would weaken what berth verifies (dm_verity.*, init=, rdinit=, noinitrd, "
		       "initrd=, module.sig_enforce=)";
	return NULL;
}

/*
 * kernel.cmdline, split as the kernel splits it (lib/cmdline.h): berth's
 * parameters follow it on the UKI's line, so it must leave them alone.
 */
int mf_take_cmdline(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	char *line = c->m->kernel.cmdline, tok[sizeof(c->m->kernel.cmdline)], buf[SHOW_MAX + 4];
	const char *pos = line, *why = NULL;
	bool cut, unclosed;
	int r = mf_take_text(c, path, k, v, mf_check_cmdline, "kernel command line", line,
			     sizeof(c->m->kernel.cmdline));

	while (r == 0 && !why && cmdline_next(&pos, tok, sizeof(tok), &cut, &unclosed)) {
		mf_show(tok, strlen(tok), buf);
		if (unclosed)
			return mf_fail_at(
			    c, v->start_mark,
			    "%s: an unclosed '\"' in '%s' would swallow the parameters "
			    "berth adds after it",
			    path, buf);
		why = refused_param(tok);
	}
	if (why)
		return mf_fail_at(c, v->start_mark, "%s: '%s' %s", path, buf, why);
	return r;
}

/*
 * kernel.modules: a list of globs (an empty one: no module). A null value
 * is refused rather than read as absent: "modules:" alone could mean the
 * default set or none.
 */
int mf_take_modules(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	static const struct field globs =
	    MF_UNIQUE_STRINGS(struct manifest, "modules", MANIFEST_MAX_MODULES, kernel.modules,
			      kernel.n_modules, "module glob", mf_check_module_glob, "glob");
	struct manifest *m = c->m;

	if (v->type != YAML_SEQUENCE_NODE)
		return mf_fail_at(c, mf_value_mark(k, v),
				  "%s must be a list of globs such as drivers/nvme/* ([] for no "
				  "module; without the key, the default set)",
				  path);
	m->kernel.modules_given = true;
	m->kernel.n_modules = 0;
	return mf_take_list(c, &globs, path, k, v);
}

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
		r = mf_check_key_place(c, path, v->start_mark, name);
		if (r)
			break;
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
	if (r == 0) {
		snprintf(name, sizeof(name), "%s%s", prefix, files[0].ext);
		r = mf_check_private(c, path, v->start_mark, dir, name);
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
