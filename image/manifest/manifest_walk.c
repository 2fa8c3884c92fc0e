/*
 * The manifest's schema walker (manifest_walk.h). libyaml's document API
 * keeps the position of every node, so each error can point at the key or
 * value that caused it.
 */
#include "manifest_walk.h"
#include "errf.h"
#include "manifest_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* No real disk is this big; the cap lets the build tool add partition sizes without overflow. */
#define SIZE_LIMIT (1ULL << 50)

/* ---- errors ---- */

int mf_fail_at(struct ctx *c, yaml_mark_t mark, const char *fmt, ...)
{
	char where[PATH_MAX + 48];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%zu:%zu", c->path, mark.line + 1, mark.column + 1);
	va_start(ap, fmt);
	verrf(c->err, c->errlen, where, fmt, ap);
	va_end(ap);
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

/* ---- the document ---- */

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
		errf(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
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

int mf_load_text(struct ctx *c, const char *buf, size_t len, int (*check)(struct ctx *c))
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int r;

	if (!yaml_parser_initialize(&parser)) {
		errf(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	c->doc = &doc;
	r = load_one(c, &parser, buf, len);
	if (r)
		goto out;
	r = check(c);
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&parser);
	return r;
}

/* ---- scalars ---- */

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

/* The manifest's folder as its path names it; NULL, with c->err set, when out of memory. */
static char *folder_name(struct ctx *c)
{
	const char *slash = strrchr(c->path, '/');
	char *dir = slash ? strndup(c->path, slash == c->path ? 1 : (size_t)(slash - c->path))
			  : strdup(".");

	if (!dir)
		errf(c->err, c->errlen, "%s: %s", c->path, strerror(ENOMEM));
	return dir;
}

int mf_open_dir(struct ctx *c)
{
	char *dir = folder_name(c);
	int fd;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		errf(c->err, c->errlen, "%s: %s: %s", c->path, dir, strerror(-fd));
	}
	free(dir);
	return fd;
}

int mf_folder(struct ctx *c, char out[PATH_MAX])
{
	char *dir = folder_name(c);
	int r = 0;

	if (!dir)
		return -ENOMEM;
	if (!realpath(dir, out)) {
		r = -errno;
		errf(c->err, c->errlen, "%s: %s: %s", c->path, dir, strerror(-r));
	}
	free(dir);
	return r;
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
	return 0;
}

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
	why = mf_size_reason(s, &bytes);
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

/* ---- lists and mappings ---- */

static void join(char *out, size_t n, const char *prefix, const char *key)
{
	snprintf(out, n, "%s%s%s", prefix, *prefix ? "." : "", key);
}

/*
 * Fails, naming ITEM (its path) and the earlier one's line, when text I of
 * list SEQ repeats one before it: TEXTS holds them STRIDE bytes apart.
 * WHAT names them ("package"). 0 or -EINVAL.
 */
static int check_unique(struct ctx *c, const char *item, const yaml_node_t *seq, const char *texts,
			size_t stride, size_t i, const char *what)
{
	const yaml_node_item_t *items = seq->data.sequence.items.start;
	const char *text = texts + i * stride;

	for (size_t j = 0; j < i; j++) {
		if (strcmp(texts + j * stride, text))
			continue;
		size_t first = yaml_document_get_node(c->doc, items[j])->start_mark.line + 1;
		return mf_fail_at(c, yaml_document_get_node(c->doc, items[i])->start_mark,
				  "%s: duplicate %s '%s' (first on line %zu)", item, what, text,
				  first);
	}
	return 0;
}

/* Item I (node V) of a list of strings SEQ: MEMBER[I], and I + 1 in its count. */
static int take_string_item(struct ctx *c, const struct field *f, const char *path,
			    const yaml_node_t *seq, const yaml_node_t *v, size_t i)
{
	size_t n = i + 1;
	int r =
	    mf_take_text(c, path, v, v, f->check, f->what, c->base + f->off + i * f->size, f->size);

	if (r == 0 && f->dup)
		r = check_unique(c, path, seq, c->base + f->off, f->size, i, f->dup);
	if (r == 0)
		memcpy(c->base + f->count, &n, sizeof(n));
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
		int r =
		    f->item ? f->item(c, item, v, i, it) : take_string_item(c, f, item, v, it, i);
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
