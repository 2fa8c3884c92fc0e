/*
 * The manifest's schema walker (manifest_walk.c): a mapping is checked
 * against a table of fields, in document order, so the first error a user
 * sees is the first one in the file, and each error points at the key or
 * value that caused it. The tables are the schema (manifest_schema.c and
 * the section files); what makes a value good is in manifest_rules.c. Only
 * image/manifest/ includes this file, and provision/metadata.c, which walks
 * NoCloud's meta-data with its helpers.
 */
#ifndef BERTH_MANIFEST_WALK_H
#define BERTH_MANIFEST_WALK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "manifest.h"

/* Longest key or value quoted back in a message. */
#define SHOW_MAX 64
/* Most keys a mapping of the schema has (the top level of user data). */
#define FIELDS_MAX 16

/*
 * F_STRING: a checked string copied into the struct. F_SIZE: a disk size.
 * F_NUMBER: a scalar turned into numbers by parse(). F_MAP: a nested
 * mapping. F_LIST: a sequence whose items item() takes one by one, or
 * without item(), a list of strings each checked as an F_STRING is.
 * F_FUNC: a value take() handles whole.
 */
enum kind { F_STRING, F_SIZE, F_NUMBER, F_MAP, F_LIST, F_FUNC };

/* What must exist, relative to the manifest's folder, for an F_STRING path. */
enum exists { E_NONE, E_DIR };

struct ctx;

struct field {
	const char *key;
	enum kind kind;
	bool required;
	size_t off;	  /* F_STRING, F_SIZE, F_NUMBER, a list of strings: member of the struct */
	size_t size;	  /* F_STRING, a list of strings: buffer size, room for the NUL included */
	size_t count;	  /* a list of strings: the size_t member counting them */
	const char *what; /* F_STRING, F_NUMBER: noun in "bad <what>" */
	const char *dup;  /* a list of strings: noun in "duplicate <dup>"; NULL: repeats allowed */
	const char *(*check)(const char *);	    /* F_STRING: why the value is bad, or NULL */
	enum exists exists;			    /* F_STRING */
	const char *(*parse)(const char *, void *); /* F_NUMBER: stores at off, or says why not */
	uint64_t min;				    /* F_SIZE: bytes */
	const struct field *sub;		    /* F_MAP */
	size_t max;				    /* F_LIST: most items */
	/* F_LIST: takes item I (node V, field path PATH) of sequence SEQ. */
	int (*item)(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v);
	/* F_FUNC: takes value V of key K. */
	int (*take)(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
};

/*
 * Table entries. TYPE is the struct the fields being walked live in (struct
 * ctx's base). MF_PATH: a string that must also name what EX asks for.
 */
#define MF_PATH(type, k, req, member, noun, fn, ex)                                          \
	{                                                                                    \
		.key = k, .kind = F_STRING, .required = req, .off = offsetof(type, member),  \
		.size = sizeof(((type *)0)->member), .what = noun, .check = fn, .exists = ex \
	}
#define MF_TEXT(type, k, req, member, noun, fn) MF_PATH(type, k, req, member, noun, fn, E_NONE)
#define MF_NUMBER(type, k, req, member, noun, fn)                                           \
	{                                                                                   \
		.key = k, .kind = F_NUMBER, .required = req, .off = offsetof(type, member), \
		.what = noun, .parse = fn                                                   \
	}
#define MF_MAP(k, req, fields)                                          \
	{                                                               \
		.key = k, .kind = F_MAP, .required = req, .sub = fields \
	}
#define MF_LIST(k, most, fn)                                                         \
	{                                                                            \
		.key = k, .kind = F_LIST, .required = false, .max = most, .item = fn \
	}
/*
 * A list of strings: at most MOST items MEMBER[i], each checked by FN,
 * counted in N; with MF_UNIQUE_STRINGS each once, a repeat being a "duplicate DUP".
 */
#define MF_UNIQUE_STRINGS(type, k, most, member, n, noun, fn, d)                                  \
	{                                                                                         \
		.key = k, .kind = F_LIST, .max = most, .off = offsetof(type, member),             \
		.size = sizeof(((type *)0)->member[0]), .count = offsetof(type, n), .what = noun, \
		.check = fn, .dup = d                                                             \
	}
#define MF_STRINGS(type, k, most, member, n, noun, fn) \
	MF_UNIQUE_STRINGS(type, k, most, member, n, noun, fn, NULL)
#define MF_FUNC(k, req, fn)                                           \
	{                                                             \
		.key = k, .kind = F_FUNC, .required = req, .take = fn \
	}

struct ctx {
	yaml_document_t *doc;
	struct manifest *m;
	/* where the fields being walked live: c->m, or one item of a list */
	char *base;
	const char *path;
	char *err;
	size_t errlen;
	/* line of each container's name, for "first on line N" */
	size_t name_line[CONTAINERS_MAX];
	/* update.signing_key's public half, once it is taken */
	uint8_t signer[32];
};

/*
 * Parses the LEN bytes at BUF as one YAML document and has CHECK walk it
 * (c->doc): 0, or -errno with c->err set ("path:line:col: message" for
 * -EINVAL). The document API keeps the position of every node for the
 * walk's messages.
 */
int mf_load_text(struct ctx *c, const char *buf, size_t len, int (*check)(struct ctx *c));
/* Fails with "path:line:col: message" at MARK; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int mf_fail_at(struct ctx *c, yaml_mark_t mark,
						     const char *fmt, ...);
/* S as it can be quoted on one line of a terminal; returns BUF. */
const char *mf_show(const char *s, size_t len, char buf[SHOW_MAX + 4]);
/* Whether N is a plain scalar YAML reads as null (an absent value). */
bool mf_is_null(const yaml_node_t *n);
/* Where V is, or its key K when V is absent. */
yaml_mark_t mf_value_mark(const yaml_node_t *k, const yaml_node_t *v);
/* Checks scalar V against CHECK and copies it to DST, a buffer of SIZE bytes: 0 or -EINVAL. */
int mf_take_text(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v,
		 const char *(*check)(const char *), const char *what, char *dst, size_t size);
/* Walks mapping MAP against FIELDS, PREFIX naming it in messages: 0 or -EINVAL. */
int mf_walk_map(struct ctx *c, const yaml_node_t *map, const struct field *fields,
		const char *prefix);
/* Takes the items of sequence V (key K) with F's item(): 0 or -EINVAL. */
int mf_take_list(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		 const yaml_node_t *v);
/* The key node KEY of mapping MAP (its value in *VALUE), or NULL. */
const yaml_node_t *mf_find_key(struct ctx *c, const yaml_node_t *map, const char *key,
			       const yaml_node_t **value);
/* The manifest's folder, opened O_DIRECTORY; or -errno, with c->err set. */
int mf_open_dir(struct ctx *c);
/* The manifest's folder with every symlink resolved, into OUT: 0, or -errno with c->err set. */
int mf_folder(struct ctx *c, char out[PATH_MAX]);

#endif
