/* A config drive's meta-data (metadata.h), walked with the manifest's walker's helpers. */
#include <stdio.h>
#include <string.h>

#include "errf.h"
#include "manifest_rules.h"
#include "manifest_schema.h"
#include "metadata.h"

/*
 * Each key is a line of SSH_KEYS_FILE: mf_check_line keeps out a newline,
 * which would make two, but for those that end it (OpenStack's keys end
 * with one), dropped here.
 */
static const char *check_key(const char *s)
{
	static char line[METADATA_KEY_MAX];
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		n--;
	snprintf(line, sizeof(line), "%.*s", (int)n, s);
	return mf_check_line(line);
}

/* The next key of MD from node V (of key K), PATH naming it. */
static int take_key(struct ctx *c, struct metadata *md, const char *path, const yaml_node_t *k,
		    const yaml_node_t *v)
{
	char *key = md->keys[md->n_keys];

	if (md->n_keys == METADATA_KEYS_MAX)
		return mf_fail_at(c, v->start_mark, "%s: more than %d public keys", path,
				  METADATA_KEYS_MAX);
	int r = mf_take_text(c, path, k, v, check_key, "public key", key, METADATA_KEY_MAX);
	if (r)
		return r;
	key[strcspn(key, "\n")] = '\0';
	md->n_keys++;
	return 0;
}

/* NoCloud's public-keys: one key or a list; OpenStack's public_keys: NAME: KEY. */
static int take_keys(struct ctx *c, struct metadata *md, const char *name, const yaml_node_t *k,
		     const yaml_node_t *v)
{
	char path[80];
	int r = 0;

	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top && r == 0; i++) {
			const yaml_node_t *it = yaml_document_get_node(c->doc, *i);
			snprintf(path, sizeof(path), "%s[%zu]", name,
				 (size_t)(i - v->data.sequence.items.start));
			r = take_key(c, md, path, it, it);
		}
		return r;
	}
	if (v->type != YAML_MAPPING_NODE)
		return take_key(c, md, name, k, v);
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top && r == 0; p++) {
		const yaml_node_t *pk = yaml_document_get_node(c->doc, p->key);
		snprintf(path, sizeof(path), "%s.%.40s", name,
			 pk->type == YAML_SCALAR_NODE ? (const char *)pk->data.scalar.value : "?");
		r = take_key(c, md, path, pk, yaml_document_get_node(c->doc, p->value));
	}
	return r;
}

static int check_metadata(struct ctx *c)
{
	struct metadata *md = (struct metadata *)c->base;
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	char openstack_hostname[sizeof(md->hostname)] = "";

	if (!root || mf_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, root->start_mark, "top level must be a mapping");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		int r = 0;

		if (k->type != YAML_SCALAR_NODE || mf_is_null(v))
			continue;
		const char *key = (const char *)k->data.scalar.value;
		if (!strcmp(key, "local-hostname"))
			r = mf_take_text(c, key, k, v, mf_check_hostname, "hostname", md->hostname,
					 sizeof(md->hostname));
		else if (!strcmp(key, "hostname"))
			r = mf_take_text(c, key, k, v, mf_check_hostname, "hostname",
					 openstack_hostname, sizeof(openstack_hostname));
		else if (!strcmp(key, "public-keys") || !strcmp(key, "public_keys"))
			r = take_keys(c, md, key, k, v);
		if (r)
			return r;
	}
	if (!md->hostname[0])
		memcpy(md->hostname, openstack_hostname, sizeof(md->hostname));
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
