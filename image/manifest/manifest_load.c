/*
 * Loading a manifest: reading the file, libyaml's parse into a document,
 * and the walk of the schema over it (manifest_schema.c). The document API
 * keeps the position of every node for the walk's messages.
 */
#include "errf.h"
#include "fileio.h"
#include "manifest.h"
#include "manifest_schema.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A manifest is a few hundred bytes: anything this big is not one. */
#define FILE_LIMIT (1 << 20)

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

int manifest_load_text(const char *path, const char *text, size_t len, struct manifest *m,
		       char *err, size_t errlen)
{
	/* Parsed aside, so a bad manifest leaves *M as it was; too big for the stack. */
	struct manifest *tmp = calloc(1, sizeof(*tmp));
	struct ctx c = {.m = tmp, .base = (char *)tmp, .path = path, .err = err, .errlen = errlen};

	errf(err, errlen, "%s", "");
	if (!tmp) {
		errf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	int r = mf_load_text(&c, text, len, mf_check_document);
	if (r == 0)
		*m = *tmp;
	free(tmp);
	return r;
}

int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen)
{
	/* One byte more than allowed tells a file at the limit from a larger one. */
	char *buf = malloc(FILE_LIMIT + 2);
	ssize_t len;
	int r;

	errf(err, errlen, "%s", "");
	if (!buf) {
		errf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	len = read_text(path, buf, FILE_LIMIT + 2);
	if (len < 0) {
		r = (int)len;
		errf(err, errlen, "%s: %s", path, strerror(-r));
	} else if (len > FILE_LIMIT) {
		r = -EFBIG;
		errf(err, errlen, "%s: larger than %d bytes, not a manifest", path, FILE_LIMIT);
	} else {
		r = manifest_load_text(path, buf, (size_t)len, m, err, errlen);
	}
	free(buf);
	return r;
}
