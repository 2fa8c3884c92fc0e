/* NoCloud's meta-data (metadata.h), walked with the manifest's walker's helpers. */
#include <stdio.h>
#include <string.h>

#include "errf.h"
#include "manifest_rules.h"
#include "manifest_schema.h"
#include "metadata.h"

/* Each key is a line of SSH_KEYS_FILE: mf_check_line keeps out a newline, which would make two. */
static int take_keys(struct ctx *c, struct metadata *md, const yaml_node_t *k, const yaml_node_t *v)
{
	char path[32];

	if (v->type != YAML_SEQUENCE_NODE) {
		int r = mf_take_text(c, "public-keys", k, v, mf_check_line, "public key",
				     md->keys[0], sizeof(md->keys[0]));
		md->n_keys = r == 0;
		return r;
	}
	size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *it =
		    yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
		if (i == METADATA_KEYS_MAX)
			return mf_fail_at(c, it->start_mark, "public-keys has more than %d items",
					  METADATA_KEYS_MAX);
		snprintf(path, sizeof(path), "public-keys[%zu]", i);
		int r = mf_take_text(c, path, it, it, mf_check_line, "public key", md->keys[i],
				     sizeof(md->keys[i]));
		if (r)
			return r;
		md->n_keys = i + 1;
	}
	return 0;
}

static int check_metadata(struct ctx *c)
{
	struct metadata *md = (struct metadata *)c->base;
	yaml_node_t *root = yaml_document_get_root_node(c->doc);

	if (!root || mf_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, root->start_mark, "top level must be a mapping");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = (const char *)k->data.scalar.value;
		int r = 0;

		if (k->type != YAML_SCALAR_NODE)
			continue;
		if (!strcmp(key, "local-hostname") && !mf_is_null(v))
			r = mf_take_text(c, key, k, v, mf_check_hostname, "hostname", md->hostname,
					 sizeof(md->hostname));
		else if (!strcmp(key, "public-keys") && !mf_is_null(v))
			r = take_keys(c, md, k, v);
		if (r)
			return r;
	}
	return 0;
}

int metadata_parse(const char *path, const char *text, size_t len, struct metadata *md, char *err,
		   size_t errlen)
{
	struct ctx c = {.path = path, .base = (char *)md, .err = err, .errlen = errlen};

	errf(err, errlen, "%s", "");
	memset(md, 0, sizeof(*md));
	int r = mf_load_text(&c, text, len, check_metadata);
	if (r)
		memset(md, 0, sizeof(*md));
	return r;
}
