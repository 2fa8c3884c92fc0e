/*
 * The manifest's schema walker, shared by lib/manifest.c (the walk itself,
 * the top level and the older sections) and the files holding the tables of
 * the other sections (manifest_network.c, manifest_containers.c,
 * manifest_update.c). Only lib/manifest*.c include it.
 */
#ifndef BERTH_MANIFEST_INT_H
#define BERTH_MANIFEST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "manifest.h"

/* Longest key or value quoted back in a message. */
#define SHOW_MAX 64
/* Most keys a mapping of the schema has (the top level). */
#define FIELDS_MAX 12

/*
 * F_STRING: a checked string copied into the struct. F_SIZE: a disk size.
 * F_NUMBER: a scalar turned into numbers by parse(). F_MAP: a nested
 * mapping. F_LIST: a sequence whose items item() takes one by one.
 * F_FUNC: a value take() handles whole.
 */
enum kind { F_STRING, F_SIZE, F_NUMBER, F_MAP, F_LIST, F_FUNC };

/* What must exist, relative to the manifest's folder, for an F_STRING path. */
enum exists { E_NONE, E_FILE_OR_DIR, E_DIR };

struct ctx;

struct field {
	const char *key;
	enum kind kind;
	bool required;
	size_t off;			    /* F_STRING, F_SIZE, F_NUMBER: member of the struct */
	size_t size;			    /* F_STRING: buffer size, room for the NUL included */
	const char *what;		    /* F_STRING, F_NUMBER: noun in "bad <what>" */
	const char *(*check)(const char *); /* F_STRING: why the value is bad, or NULL */
	enum exists exists;		    /* F_STRING */
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
};

/* Fails with "path:line:col: message" at MARK; returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int mf_fail_at(struct ctx *c, yaml_mark_t mark,
						     const char *fmt, ...);
/* S as it can be quoted on one line of a terminal. */
const char *mf_show(const char *s, size_t len, char buf[SHOW_MAX + 4]);
bool mf_is_null(const yaml_node_t *n);
/* Where V is, or its key K when V is absent. */
yaml_mark_t mf_value_mark(const yaml_node_t *k, const yaml_node_t *v);
/* Checks scalar V against CHECK and copies it to DST, a buffer of SIZE bytes. */
int mf_take_text(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v,
		 const char *(*check)(const char *), const char *what, char *dst, size_t size);
int mf_walk_map(struct ctx *c, const yaml_node_t *map, const struct field *fields,
		const char *prefix);
int mf_take_list(struct ctx *c, const struct field *f, const char *path, const yaml_node_t *k,
		 const yaml_node_t *v);
/* The key node KEY of mapping MAP (its value in *VALUE), or NULL. */
const yaml_node_t *mf_find_key(struct ctx *c, const yaml_node_t *map, const char *key,
			       const yaml_node_t **value);
/* The manifest's folder, opened O_DIRECTORY; or -errno, with c->err set. */
int mf_open_dir(struct ctx *c);

/* Validators: why S is bad, or NULL. */
const char *mf_check_id(const char *s);	 /* [a-z0-9][a-z0-9-]* */
const char *mf_check_src(const char *s); /* relative to the manifest's folder, no ".." */
const char *mf_check_dst(const char *s); /* absolute, no "..", "//", trailing '/' */
bool mf_has_control(const char *s);
/* F_NUMBER parser: true or false into a bool. */
const char *mf_parse_bool(const char *s, void *dst);

extern const struct field mf_network_fields[];
int mf_take_onboot(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		   const yaml_node_t *v);
int mf_take_service(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v);
int mf_take_secure_boot(struct ctx *c, const char *path, const yaml_node_t *k,
			const yaml_node_t *v);
int mf_take_update(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
const char *mf_parse_kernel_source(const char *s, void *dst);
int mf_take_verity_key(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
/* Checks across sections, once the whole document is walked. */
int mf_check_containers(struct ctx *c, const yaml_node_t *root);
int mf_check_kernel(struct ctx *c, const yaml_node_t *root);

#endif
