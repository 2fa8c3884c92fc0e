/*
 * The build manifest. libyaml's document API keeps the position of every
 * node, so each error can point at the key or value that caused it. The
 * schema is a table walked in document order: the first error a user sees
 * is the first one in the file.
 */
#include "manifest.h"
#include "manifest_int.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MIB (1024ULL * 1024)
/* No real disk is this big; the cap lets the build tool add partition sizes without overflow. */
#define SIZE_LIMIT (1ULL << 50)
/* A manifest is a few hundred bytes: anything this big is not one. */
#define FILE_LIMIT (1 << 20)

static const char *check_name(const char *s);
static const char *check_version(const char *s);
static const char *check_package(const char *s);
static const char *check_cmdline(const char *s);
static const char *check_hostname(const char *s);
static const char *check_tty(const char *s);
static const char *check_gpg_key(const char *s);
static const char *check_homedir(const char *s);
static const char *parse_mode(const char *s, void *dst);
static const char *parse_owner(const char *s, void *dst);
static int take_package(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			const yaml_node_t *v);
static int take_file(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		     const yaml_node_t *v);
static int take_remove(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		       const yaml_node_t *v);

#define MEMBER_SIZE(member) sizeof(((struct manifest *)0)->member)
#define STRING(k, req, member, noun, fn)                                               \
	{                                                                              \
		.key = k, .kind = F_STRING, .required = req,                           \
		.off = offsetof(struct manifest, member), .size = MEMBER_SIZE(member), \
		.what = noun, .check = fn                                              \
	}
#define SIZE(k, member, minimum)                                         \
	{                                                                \
		.key = k, .kind = F_SIZE, .required = true,              \
		.off = offsetof(struct manifest, member), .min = minimum \
	}
#define MAP(k, req, fields)                                             \
	{                                                               \
		.key = k, .kind = F_MAP, .required = req, .sub = fields \
	}
#define LIST(k, most, fn)                                                            \
	{                                                                            \
		.key = k, .kind = F_LIST, .required = false, .max = most, .item = fn \
	}
/* Fields of one rootfs.files item: offsets into struct manifest_file. */
#define FILE_MEMBER_SIZE(member) sizeof(((struct manifest_file *)0)->member)
#define FILE_PATH(k, member, noun, fn, ex)                                                       \
	{                                                                                        \
		.key = k, .kind = F_STRING, .required = true,                                    \
		.off = offsetof(struct manifest_file, member), .size = FILE_MEMBER_SIZE(member), \
		.what = noun, .check = fn, .exists = ex                                          \
	}
#define NUMBER(k, offset, noun, fn)                                                         \
	{                                                                                   \
		.key = k, .kind = F_NUMBER, .required = false, .off = offset, .what = noun, \
		.parse = fn                                                                 \
	}

static const struct field kernel_fields[] = {
    STRING("package", true, kernel.package, "package name", check_package),
    STRING("cmdline", false, kernel.cmdline, "kernel command line", check_cmdline),
    NUMBER("source", offsetof(struct manifest, kernel.source), "kernel source",
	   mf_parse_kernel_source),
    {0},
};

static const struct field rootfs_fields[] = {
    STRING("hostname", false, rootfs.hostname, "hostname", check_hostname),
    LIST("packages", MANIFEST_MAX_PACKAGES, take_package),
    LIST("files", MANIFEST_MAX_FILES, take_file),
    LIST("remove", MANIFEST_MAX_REMOVE, take_remove),
    {0},
};

static const struct field file_fields[] = {
    FILE_PATH("src", src, "source path", mf_check_src, E_FILE_OR_DIR),
    FILE_PATH("dst", dst, "destination path", mf_check_dst, E_NONE),
    NUMBER("mode", offsetof(struct manifest_file, mode), "mode", parse_mode),
    NUMBER("owner", 0, "owner", parse_owner),
    {0},
};

static const struct field signing_fields[] = {
    STRING("gpg_key", false, signing.gpg_key, "key id", check_gpg_key),
    {.key = "gpg_homedir",
     .kind = F_STRING,
     .off = offsetof(struct manifest, signing.gpg_homedir),
     .size = MEMBER_SIZE(signing.gpg_homedir),
     .what = "gpg home directory",
     .check = check_homedir,
     .exists = E_DIR},
    {.key = "secure_boot", .kind = F_FUNC, .take = mf_take_secure_boot},
    {.key = "verity_key", .kind = F_FUNC, .take = mf_take_verity_key},
    {0},
};

/* The ESP minimum is FAT32's smallest volume as mkfs.vfat makes it for the build. */
static const struct field disk_fields[] = {
    SIZE("esp", disk.esp, 32 * MIB),
    SIZE("root", disk.root, 16 * MIB),
    SIZE("verity", disk.verity, 1 * MIB),
    SIZE("data", disk.data, 16 * MIB),
    {0},
};

static const struct field debug_fields[] = {
    STRING("shell", false, debug.shell, "tty", check_tty),
    {0},
};

static const struct field top_fields[] = {
    STRING("name", true, name, "name", check_name),
    STRING("version", true, version, "version", check_version),
    MAP("kernel", true, kernel_fields),
    STRING("channel", false, channel, "channel", mf_check_id),
    MAP("rootfs", true, rootfs_fields),
    MAP("signing", false, signing_fields),
    MAP("disk", true, disk_fields),
    MAP("debug", false, debug_fields),
    MAP("network", false, mf_network_fields),
    LIST("onboot", CONTAINERS_MAX, mf_take_onboot),
    LIST("services", CONTAINERS_MAX, mf_take_service),
    {.key = "update", .kind = F_FUNC, .take = mf_take_update},
    {0},
};

_Static_assert(sizeof(top_fields) / sizeof(top_fields[0]) <= FIELDS_MAX + 1,
	       "mf_walk_map's seen[] must hold a flag per field of the largest mapping");

/* ---- validators: each returns why S is bad, or NULL ---- */

static bool is_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool all_in(const char *s, const char *extra, bool (*base)(char))
{
	for (; *s; s++)
		if (!base(*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* A name also follows the DNS label rule about '-', so that it can serve as a hostname. */
static const char *check_name(const char *s)
{
	const char *why = mf_check_id(s);

	if (why)
		return why;
	if (s[strlen(s) - 1] == '-')
		return "must not end with '-'";
	return NULL;
}

int manifest_check_name(const char *s)
{
	return strlen(s) < sizeof(((struct manifest *)0)->name) && !check_name(s) ? 0 : -EINVAL;
}

/* Debian Policy 5.6.1: at least two characters, starting alphanumeric. */
static const char *check_package(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (!is_lower_digit(s[0]))
		return "must start with a lower-case letter or digit";
	if (!all_in(s, "+.-", is_lower_digit))
		return "only lower-case letters, digits, '+', '.' and '-' are allowed";
	if (strlen(s) < 2)
		return "must be at least 2 characters";
	return NULL;
}

/* It ends up in the UKI's .cmdline section, where a newline would split it. */
static const char *check_cmdline(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "control characters are not allowed";
	return NULL;
}

static const char *check_label(const char *s, size_t n)
{
	if (n == 0)
		return "empty label";
	if (n > 63)
		return "label longer than 63 characters";
	if (s[0] == '-' || s[n - 1] == '-')
		return "a label must not start or end with '-'";
	for (size_t i = 0; i < n; i++)
		if (!is_lower_digit(s[i]) && s[i] != '-')
			return "only lower-case letters, digits, '-' and '.' are allowed";
	return NULL;
}

/* RFC 1123 labels, lower case only so the name the host reports is the one written here. */
static const char *check_hostname(const char *s)
{
	if (!*s)
		return "must not be empty";
	for (;;) {
		size_t n = strcspn(s, ".");
		const char *why = check_label(s, n);
		if (why || !s[n])
			return why;
		s += n + 1;
	}
}

static const char *check_tty(const char *s)
{
	if (!*s || !all_in(s, "", is_alnum))
		return "expected a tty name of letters and digits, e.g. ttyS0";
	return NULL;
}

/* A channel or a container name: like a name, but it may end with '-'. */
const char *mf_check_id(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (!is_lower_digit(s[0]))
		return "must start with a lower-case letter or digit";
	if (!all_in(s, "-", is_lower_digit))
		return "only lower-case letters, digits and '-' are allowed";
	return NULL;
}

bool mf_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A ".." path component, which could lead out of the folder the path is meant for. */
static bool has_dotdot(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		if (!s[n])
			return false;
		s += n + 1;
	}
}

/* Paths end up in stage scripts' environment, one per line: no control characters. */
static const char *check_relative(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (s[0] == '/')
		return "must be relative to the manifest's folder";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_src(const char *s)
{
	const char *why = check_relative(s);

	if (!why && has_dotdot(s))
		why = "must not contain '..'";
	return why;
}

/* An absolute path in the image, or a glob of them. */
static const char *check_absolute(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (s[0] != '/')
		return "must be an absolute path";
	if (has_dotdot(s))
		return "must not contain '..'";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_dst(const char *s)
{
	const char *why = check_absolute(s);

	if (why)
		return why;
	if (!strcmp(s, "/"))
		return "must not be '/' itself";
	if (strstr(s, "//"))
		return "must not contain '//'";
	if (s[strlen(s) - 1] == '/')
		return "must not end with '/'";
	return NULL;
}

/* A key id (8 or 16 hex digits) or a fingerprint (40), as gpg --list-keys prints them. */
static const char *check_gpg_key(const char *s)
{
	size_t n = strlen(s);

	if (n < 8 || n > 40 || strspn(s, "0123456789abcdefABCDEF") != n)
		return "expected a key id or fingerprint of 8 to 40 hex digits";
	return NULL;
}

static const char *check_homedir(const char *s)
{
	return check_relative(s);
}

/* The scalar's text read as octal, however YAML would type it: "0644" and 0644 alike. */
static const char *parse_mode(const char *s, void *dst)
{
	size_t n = strlen(s);
	unsigned long v;

	if (n == 0 || n > 6 || strspn(s, "01234567") != n)
		return "expected an octal mode such as 0644";
	v = strtoul(s, NULL, 8);
	if (v > 07777)
		return "more than 07777";
	*(unsigned *)dst = (unsigned)v;
	return NULL;
}

/* Strict: YAML 1.1's yes, no, on and off read as words elsewhere in the manifest. */
const char *mf_parse_bool(const char *s, void *dst)
{
	if (strcmp(s, "true") && strcmp(s, "false"))
		return "expected true or false";
	*(bool *)dst = !strcmp(s, "true");
	return NULL;
}

/* A uid or gid: decimal, and never (uid_t)-1, which chown(2) reads as "unchanged". */
static const char *owner_number(const char **p, unsigned *out)
{
	size_t n = strspn(*p, "0123456789");
	unsigned long long v;

	if (n == 0 || n > 10)
		return "expected UID:GID, decimal numbers such as 0:0";
	v = strtoull(*p, NULL, 10);
	if (v >= 0xffffffffULL)
		return "uid and gid must be less than 4294967295";
	*out = (unsigned)v;
	*p += n;
	return NULL;
}

static const char *parse_owner(const char *s, void *dst)
{
	struct manifest_file *f = dst;
	unsigned uid, gid;
	const char *why = owner_number(&s, &uid);

	if (!why && *s++ != ':')
		why = "expected UID:GID, decimal numbers such as 0:0";
	if (!why)
		why = owner_number(&s, &gid);
	if (!why && *s)
		why = "expected UID:GID, decimal numbers such as 0:0";
	if (why)
		return why;
	f->uid = uid;
	f->gid = gid;
	return NULL;
}

/*
 * lib/version.c's rule; the messages say which part is wrong. No "+build"
 * part: '+' separates the version from the boot counter in UKI file names.
 */
static const char *check_version(const char *s)
{
	char core[65];
	const char *dash = strchr(s, '-');

	if (strlen(s) > 64)
		return "longer than 64 characters";
	if (version_valid(s))
		return NULL;
	snprintf(core, sizeof(core), "%.*s", dash ? (int)(dash - s) : (int)strlen(s), s);
	if (!dash || !version_valid(core))
		return "expected MAJOR.MINOR.PATCH[-PRERELEASE], decimal numbers without leading "
		       "zeros";
	if (!dash[1] || strlen(dash + 1) > 32)
		return "the prerelease part must be 1 to 32 characters";
	return "the prerelease part allows only letters, digits, '.' and '-'";
}

static const char *size_reason(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, unit = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return "number too large";
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || (*p && p[1]))
		return "expected a whole number with an optional K, M or G suffix";
	if (*p)
		unit = *p == 'K' ? 1024 : *p == 'M' ? MIB : *p == 'G' ? 1024 * MIB : 0;
	if (!unit)
		return "expected a whole number with an optional K, M or G suffix";
	if (v > UINT64_MAX / unit)
		return "number too large";
	if (v == 0)
		return "must be greater than zero";
	if ((v * unit) % MIB)
		return "must be a whole number of MiB";
	*bytes = v * unit;
	return NULL;
}

int manifest_parse_size(const char *s, uint64_t *bytes)
{
	return s && size_reason(s, bytes) == NULL ? 0 : -EINVAL;
}

int manifest_check_version(const char *s)
{
	return s && check_version(s) == NULL ? 0 : -EINVAL;
}

/* ---- errors ---- */

__attribute__((format(printf, 3, 4))) static int set_err(char *err, size_t errlen, const char *fmt,
							 ...)
{
	va_list ap;

	if (!err || !errlen)
		return 0;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return n < 0 ? 0 : n;
}

int mf_fail_at(struct ctx *c, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;
	size_t n = (size_t)set_err(c->err, c->errlen, "%s:%zu:%zu: ", c->path, mark.line + 1,
				   mark.column + 1);

	if (c->err && n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* S as it can be quoted on one line of a terminal: no control characters, not too long. */
const char *mf_show(const char *s, size_t len, char buf[SHOW_MAX + 4])
{
	size_t n = len < SHOW_MAX ? len : SHOW_MAX;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(buf + n, len > SHOW_MAX ? "..." : "");
	return buf;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* YAML 1.1 spells null these ways: an absent optional value, an empty required one. */
bool mf_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(scalar(n), nulls[i]))
			return true;
	return false;
}

/* An absent value has no position of its own: point at its key instead. */
yaml_mark_t mf_value_mark(const yaml_node_t *k, const yaml_node_t *v)
{
	if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0 && mf_is_null(v))
		return k->start_mark;
	return v->start_mark;
}

/* ---- schema walk ---- */

/* The text of scalar V for field PATH; a NUL inside would silently cut it short. */
static int scalar_text(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v,
		       const char **text)
{
	if (v->type != YAML_SCALAR_NODE)
		return mf_fail_at(c, mf_value_mark(k, v), "%s must be a scalar", path);
	if (strlen(scalar(v)) != v->data.scalar.length)
		return mf_fail_at(c, v->start_mark, "%s must not contain a NUL character", path);
	*text = mf_is_null(v) ? "" : scalar(v);
	return 0;
}

int mf_open_dir(struct ctx *c)
{
	const char *slash = strrchr(c->path, '/');
	char *dir = slash ? strndup(c->path, slash == c->path ? 1 : (size_t)(slash - c->path))
			  : strdup(".");
	int fd;

	if (!dir) {
		set_err(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		set_err(c->err, c->errlen, "%s: %s: %s", c->path, dir, strerror(-fd));
	}
	free(dir);
	return fd;
}

/* S, a path relative to the manifest's folder, names what E asks for. */
static int check_exists(struct ctx *c, const char *path, yaml_mark_t at, const char *s,
			enum exists e)
{
	char buf[SHOW_MAX + 4];
	struct stat st;
	int r, fd = mf_open_dir(c);

	if (fd < 0)
		return fd;
	r = fstatat(fd, s, &st, 0) < 0 ? -errno : 0;
	close(fd);
	mf_show(s, strlen(s), buf);
	if (r)
		return mf_fail_at(c, at, "%s: '%s' (relative to the manifest's folder): %s", path,
				  buf, strerror(-r));
	if (e == E_DIR && !S_ISDIR(st.st_mode))
		return mf_fail_at(c, at, "%s: '%s' is not a directory", path, buf);
	if (e == E_FILE_OR_DIR && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return mf_fail_at(c, at, "%s: '%s' is neither a regular file nor a directory", path,
				  buf);
	return 0;
}

/* Checks scalar V against CHECK and copies it to DST, a buffer of SIZE bytes. */
int mf_take_text(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v,
		 const char *(*check)(const char *), const char *what, char *dst, size_t size)
{
	char buf[SHOW_MAX + 4];
	const char *s, *why;
	int r = scalar_text(c, path, k, v, &s);

	if (r)
		return r;
	size_t len = strlen(s);
	if (len >= size)
		return mf_fail_at(c, v->start_mark, "%s is too long (%zu bytes, at most %zu)", path,
				  len, size - 1);
	why = check(s);
	if (why)
		return mf_fail_at(c, mf_value_mark(k, v), "%s: bad %s '%s': %s", path, what,
				  mf_show(s, len, buf), why);
	memcpy(dst, s, len + 1);
	return 0;
}

static int take_string(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		       const yaml_node_t *v)
{
	char *dst = c->base + f->off;

	/* "hostname:" with nothing after it means the default, as if the key were absent. */
	if (!f->required && v->type == YAML_SCALAR_NODE && mf_is_null(v))
		return 0;
	int r = mf_take_text(c, path, k, v, f->check, f->what, dst, f->size);
	if (r == 0 && f->exists != E_NONE)
		r = check_exists(c, path, mf_value_mark(k, v), dst, f->exists);
	return r;
}

static int take_number(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		       const yaml_node_t *v)
{
	char buf[SHOW_MAX + 4];
	const char *s, *why;
	int r = scalar_text(c, path, k, v, &s);

	if (r)
		return r;
	if (!f->required && mf_is_null(v))
		return 0;
	why = f->parse(s, c->base + f->off);
	if (why)
		return mf_fail_at(c, mf_value_mark(k, v), "%s: bad %s '%s': %s", path, f->what,
				  mf_show(s, strlen(s), buf), why);
	return 0;
}

static int take_size(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		     const yaml_node_t *v)
{
	char buf[SHOW_MAX + 4];
	const char *s, *why;
	uint64_t bytes = 0;
	int r = scalar_text(c, path, k, v, &s);

	if (r)
		return r;
	yaml_mark_t at = mf_value_mark(k, v);
	why = size_reason(s, &bytes);
	if (why)
		return mf_fail_at(c, at, "%s: bad size '%s': %s", path, mf_show(s, strlen(s), buf),
				  why);
	if (bytes < f->min)
		return mf_fail_at(c, at, "%s: size '%s' is too small (minimum %lluM)", path, s,
				  (unsigned long long)(f->min / MIB));
	if (bytes > SIZE_LIMIT)
		return mf_fail_at(c, at, "%s: size '%s' is too large (maximum %lluG)", path, s,
				  (unsigned long long)(SIZE_LIMIT / MIB / 1024));
	memcpy(c->base + f->off, &bytes, sizeof(bytes));
	return 0;
}

static void join(char *out, size_t n, const char *prefix, const char *key)
{
	snprintf(out, n, "%s%s%s", prefix, *prefix ? "." : "", key);
}

/* ---- list items ---- */

static int take_package(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			const yaml_node_t *v)
{
	struct manifest *m = c->m;
	int r = mf_take_text(c, path, v, v, check_package, "package name", m->rootfs.packages[i],
			     sizeof(m->rootfs.packages[i]));

	if (r)
		return r;
	for (size_t j = 0; j < i; j++) {
		if (strcmp(m->rootfs.packages[j], m->rootfs.packages[i]))
			continue;
		const yaml_node_t *first =
		    yaml_document_get_node(c->doc, seq->data.sequence.items.start[j]);
		return mf_fail_at(c, v->start_mark,
				  "%s: duplicate package '%s' (first on line %zu)", path,
				  m->rootfs.packages[i], first->start_mark.line + 1);
	}
	m->rootfs.n_packages = i + 1;
	return 0;
}

static int take_remove(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		       const yaml_node_t *v)
{
	struct manifest *m = c->m;
	int r = mf_take_text(c, path, v, v, check_absolute, "glob", m->rootfs.remove[i],
			     sizeof(m->rootfs.remove[i]));

	(void)seq;
	if (r == 0)
		m->rootfs.n_remove = i + 1;
	return r;
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

int mf_take_list(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		 const yaml_node_t *v)
{
	char item[96];

	/* "packages:" with nothing after it: no packages, as if the key were absent. */
	if (!f->required && mf_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return mf_fail_at(c, mf_value_mark(k, v), "%s must be a list", path);
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *it =
		    yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
		if (i >= f->max)
			return mf_fail_at(c, it->start_mark, "%s has more than %zu items", path,
					  f->max);
		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		int r = f->item(c, item, v, i, it);
		if (r)
			return r;
	}
	return 0;
}

static int take_value(struct ctx *c, const struct field *f, const char *prefix,
		      const yaml_node_t *k, const yaml_node_t *v)
{
	char path[64];

	join(path, sizeof(path), prefix, f->key);
	switch (f->kind) {
	case F_STRING:
		return take_string(c, f, path, k, v);
	case F_SIZE:
		return take_size(c, f, path, k, v);
	case F_NUMBER:
		return take_number(c, f, path, k, v);
	case F_MAP:
		if (v->type != YAML_MAPPING_NODE)
			return mf_fail_at(c, mf_value_mark(k, v), "%s must be a mapping", path);
		return mf_walk_map(c, v, f->sub, path);
	case F_LIST:
		return mf_take_list(c, f, path, k, v);
	case F_FUNC:
		return f->take(c, path, k, v);
	}
	return -EINVAL;
}

static const struct field *find_field(const struct field *fields, const yaml_node_t *k)
{
	for (const struct field *f = fields; f->key; f++)
		if (strlen(f->key) == k->data.scalar.length && !strcmp(f->key, scalar(k)))
			return f;
	return NULL;
}

const yaml_node_t *mf_find_key(struct ctx *c, const yaml_node_t *map, const char *key,
			       const yaml_node_t **value)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		if (k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
		    !strcmp(key, scalar(k))) {
			*value = yaml_document_get_node(c->doc, p->value);
			return k;
		}
	}
	return NULL;
}

static int walk_pair(struct ctx *c, const yaml_node_pair_t *pair, const struct field *fields,
		     const char *prefix, const yaml_node_t **seen)
{
	char buf[SHOW_MAX + 4], where[80];
	const yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
	const yaml_node_t *v = yaml_document_get_node(c->doc, pair->value);

	if (*prefix)
		snprintf(where, sizeof(where), "in %s", prefix);
	else
		snprintf(where, sizeof(where), "at top level");
	if (k->type != YAML_SCALAR_NODE)
		return mf_fail_at(c, k->start_mark, "keys must be scalars (%s)", where);
	const struct field *f = find_field(fields, k);
	if (!f)
		return mf_fail_at(c, k->start_mark, "unknown key '%s' %s",
				  mf_show(scalar(k), k->data.scalar.length, buf), where);
	const yaml_node_t **first = &seen[f - fields];
	if (*first)
		return mf_fail_at(c, k->start_mark, "duplicate key '%s' %s (first on line %zu)",
				  f->key, where, (*first)->start_mark.line + 1);
	*first = k;
	return take_value(c, f, prefix, k, v);
}

int mf_walk_map(struct ctx *c, const yaml_node_t *map, const struct field *fields,
		const char *prefix)
{
	const yaml_node_t *seen[FIELDS_MAX] = {0};
	char path[64];

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		int r = walk_pair(c, p, fields, prefix, seen);
		if (r)
			return r;
	}
	for (const struct field *f = fields; f->key; f++) {
		if (!f->required || seen[f - fields])
			continue;
		join(path, sizeof(path), prefix, f->key);
		return mf_fail_at(c, map->start_mark, "missing required field '%s'", path);
	}
	return 0;
}

static int check_document(struct ctx *c)
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
	if (!c->m->channel[0])
		strcpy(c->m->channel, "stable");
	/* The architecture is x86-64 until an image can be anything else. */
	if (!c->m->update.compatible[0])
		snprintf(c->m->update.compatible, sizeof(c->m->update.compatible), "%s-x86_64",
			 c->m->name);
	if (!c->m->update.health_deadline)
		c->m->update.health_deadline = HEALTH_DEADLINE_DEFAULT;
	return 0;
}

/* ---- loading ---- */

/* Reader errors (bad UTF-8, control characters) carry only a byte offset. */
static yaml_mark_t mark_at(const char *buf, size_t len, size_t offset)
{
	yaml_mark_t m = {.index = offset};

	for (size_t i = 0; i < offset && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

static int syntax_error(struct ctx *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_mark_t at = p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR) {
		set_err(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	if (p->error == YAML_READER_ERROR)
		at = mark_at(buf, len, p->problem_offset);
	if (p->context)
		return mf_fail_at(c, at, "yaml syntax error: %s (%s at line %zu)",
				  p->problem ? p->problem : "unknown", p->context,
				  p->context_mark.line + 1);
	return mf_fail_at(c, at, "yaml syntax error: %s", p->problem ? p->problem : "unknown");
}

/* Loads the first document and makes sure nothing but comments follows it. */
static int load_one(struct ctx *c, yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_document_t next;

	if (!yaml_parser_load(p, c->doc))
		return syntax_error(c, p, buf, len);
	if (!yaml_parser_load(p, &next)) {
		yaml_document_delete(c->doc);
		return syntax_error(c, p, buf, len);
	}
	bool more = yaml_document_get_root_node(&next) != NULL;
	yaml_mark_t at = next.start_mark;
	yaml_document_delete(&next);
	if (more) {
		yaml_document_delete(c->doc);
		return mf_fail_at(c, at, "only one document is allowed");
	}
	return 0;
}

static int parse(struct ctx *c, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int r;

	if (!yaml_parser_initialize(&parser)) {
		set_err(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	c->doc = &doc;
	r = load_one(c, &parser, buf, len);
	if (r)
		goto out;
	r = check_document(c);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return r;
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*len = n;
	return 0;
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	char *buf = NULL;
	int r, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	/* One byte more than allowed tells a file at the limit from a larger one. */
	buf = malloc(FILE_LIMIT + 1);
	if (!buf) {
		r = -ENOMEM;
		goto fail;
	}
	r = read_all(fd, buf, FILE_LIMIT + 1, len);
	if (r)
		goto fail;
	if (*len > FILE_LIMIT) {
		r = -EFBIG;
		set_err(err, errlen, "%s: larger than %d bytes, not a manifest", path, FILE_LIMIT);
		goto out;
	}
	*out = buf;
	close(fd);
	return 0;
fail:
	set_err(err, errlen, "%s: %s", path, strerror(-r));
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen)
{
	/* Parsed aside, so a bad manifest leaves *M as it was; too big for the stack. */
	struct manifest *tmp = calloc(1, sizeof(*tmp));
	struct ctx c = {.m = tmp, .base = (char *)tmp, .path = path, .err = err, .errlen = errlen};
	char *buf = NULL;
	size_t len = 0;

	set_err(err, errlen, "%s", "");
	if (!tmp) {
		set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	int r = read_file(path, &buf, &len, err, errlen);
	if (r == 0) {
		r = parse(&c, buf, len);
		free(buf);
	}
	if (r == 0)
		*m = *tmp;
	free(tmp);
	return r;
}
