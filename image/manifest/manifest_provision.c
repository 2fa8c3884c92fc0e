/*
 * The manifest's provision: section, and user data (docs/provision.md):
 * what one machine may set for itself (hostname, network, services' env,
 * its update channel settings), with the manifest's own field names
 * and walked with its tables (network: is the manifest's), so a machine is
 * held to the rules its image was. What the image trusts or is built with
 * is refused by name rather than as an unknown key, so the message says
 * why. berth-provision (provision/) links this file for the user data; the
 * build uses the provision: section.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "manifest_rules.h"
#include "manifest_schema.h"

static const char *check_source(const char *s)
{
	for (size_t i = 0; provision_source_words[i]; i++)
		if (!strcmp(s, provision_source_words[i]))
			return NULL;
	return "expected nocloud, config-2, ec2, gce, azure or openstack";
}

static const char *check_address(const char *s)
{
	uint32_t addr;
	uint16_t port;

	return provision_address_parse(s, &addr, &port);
}

const struct field mf_provision_fields[] = {
    MF_UNIQUE_STRINGS(struct manifest, "sources", PROVISION_SOURCES_MAX, provision.sources,
		      provision.n_sources, "source", check_source, "source"),
    MF_TEXT(struct manifest, "address", false, provision.address, "address", check_address),
    {0},
};

void mf_provision_default(struct ctx *c, const yaml_node_t *root)
{
	const yaml_node_t *v, *sources;

	if (mf_find_key(c, root, "provision", &v) && v->type == YAML_MAPPING_NODE &&
	    mf_find_key(c, v, "sources", &sources) && !mf_is_null(sources))
		return;
	for (size_t i = 0; i < PROVISION_SOURCES_DEFAULT; i++)
		strcpy(c->m->provision.sources[i], provision_source_words[i]);
	c->m->provision.n_sources = PROVISION_SOURCES_DEFAULT;
}

/* ---- user data ---- */

static int refuse(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	(void)v;
	return mf_fail_at(c, k->start_mark,
			  "%s is the image's own setting, which user data cannot change (it may "
			  "set hostname, network, services' env and update's channel, "
			  "check_interval and reboot)",
			  path);
}

#define REFUSED(k) MF_FUNC(k, false, refuse)

static int take_user_service(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			     const yaml_node_t *v);

static const struct field user_service_fields[] = {
    MF_TEXT(struct manifest_container, "name", true, name, "service name", mf_check_id),
    MF_STRINGS(struct manifest_container, "env", ENV_MAX, env, n_env, "environment variable",
	       mf_check_env),
    REFUSED("image"),
    REFUSED("command"),
    REFUSED("binds"),
    REFUSED("network"),
    REFUSED("restart"),
    REFUSED("critical"),
    REFUSED("health"),
    {0},
};

/* One machine may follow another channel, or the same at other times. */
static const struct field user_update_fields[] = {
    MF_CHANNEL_FIELDS,
    REFUSED("compatible"),
    REFUSED("keys"),
    REFUSED("signing_key"),
    REFUSED("health_deadline"),
    REFUSED("security_epoch"),
    {0},
};

static const struct field userdata_fields[] = {
    MF_TEXT(struct manifest, "hostname", false, rootfs.hostname, "hostname", mf_check_hostname),
    MF_MAP("network", false, mf_network_fields),
    MF_LIST("services", CONTAINERS_MAX, take_user_service),
    REFUSED("name"),
    REFUSED("version"),
    REFUSED("channel"),
    REFUSED("kernel"),
    REFUSED("rootfs"),
    REFUSED("signing"),
    REFUSED("disk"),
    REFUSED("debug"),
    REFUSED("onboot"),
    MF_MAP("update", false, user_update_fields),
    REFUSED("provision"),
    {0},
};

_Static_assert(sizeof(userdata_fields) / sizeof(userdata_fields[0]) <= FIELDS_MAX + 1,
	       "mf_walk_map's seen[] must hold a flag per field of the largest mapping");

/* The image's service NAME among c->m's containers (the image's, copied), or NULL. */
static struct manifest_container *service_named(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->m->n_containers; i++)
		if (c->m->containers[i].service && !strcmp(c->m->containers[i].name, name))
			return &c->m->containers[i];
	return NULL;
}

/* ENV (KEY=VALUE) into CT's environment, replacing the variable of that KEY: false when full. */
static bool env_set(struct manifest_container *ct, const char *env)
{
	size_t key = strcspn(env, "=") + 1;

	for (size_t i = 0; i < ct->n_env; i++) {
		if (!strncmp(ct->env[i], env, key)) {
			strcpy(ct->env[i], env);
			return true;
		}
	}
	if (ct->n_env == ENV_MAX)
		return false;
	strcpy(ct->env[ct->n_env++], env);
	return true;
}

static int take_user_service(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
			     const yaml_node_t *v)
{
	/* Too big for a small stack: one at a time, for the walk to fill. */
	static struct manifest_container given;
	const yaml_node_t *name, *first, *env;
	char *base = c->base;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, v->start_mark, "%s must be a mapping", path);
	memset(&given, 0, sizeof(given));
	c->base = (char *)&given;
	int r = mf_walk_map(c, v, user_service_fields, path);
	c->base = base;
	if (r)
		return r;
	mf_find_key(c, v, "name", &name);
	struct manifest_container *ct = service_named(c, given.name);
	if (!ct)
		return mf_fail_at(c, name->start_mark, "%s.name: this image has no service '%s'",
				  path, given.name);
	for (size_t j = 0; j < i; j++) {
		const yaml_node_t *item =
		    yaml_document_get_node(c->doc, seq->data.sequence.items.start[j]);
		if (mf_find_key(c, item, "name", &first) &&
		    !strcmp((const char *)first->data.scalar.value, given.name))
			return mf_fail_at(c, name->start_mark,
					  "%s.name: duplicate service '%s' (first on line %zu)",
					  path, given.name, first->start_mark.line + 1);
	}
	for (size_t j = 0; j < given.n_env; j++) {
		if (env_set(ct, given.env[j]))
			continue;
		mf_find_key(c, v, "env", &env);
		return mf_fail_at(
		    c,
		    yaml_document_get_node(c->doc, env->data.sequence.items.start[j])->start_mark,
		    "%s.env[%zu]: service '%s' would have more than %d variables with the image's",
		    path, j, ct->name, ENV_MAX);
	}
	return 0;
}

/* Whether mapping MAP has a key whose value is not null, one that sets something. */
static bool sets_any(struct ctx *c, const yaml_node_t *map)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++)
		if (!mf_is_null(yaml_document_get_node(c->doc, p->value)))
			return true;
	return false;
}

static int check_userdata(struct ctx *c)
{
	struct userdata *ud = (struct userdata *)c->m;
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	const yaml_node_t *v;

	/* An empty document (or comments alone, as "#cloud-config") sets nothing. */
	if (!root || mf_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, root->start_mark, "top level must be a mapping");
	int r = mf_walk_map(c, root, userdata_fields, "");
	if (r == 0)
		ud->network = mf_find_key(c, root, "network", &v) != NULL;
	if (r == 0 && mf_find_key(c, root, "update", &v)) {
		r = mf_check_channel_given(c, v, "update");
		ud->channel = sets_any(c, v);
	}
	return r;
}

int userdata_load_text(const char *path, const char *text, size_t len, const struct manifest *image,
		       struct userdata *ud, char *err, size_t errlen)
{
	/* Checked aside, so bad user data leaves *UD as it was; too big for the stack. */
	struct userdata *tmp = calloc(1, sizeof(*tmp));
	struct ctx c = {.path = path, .err = err, .errlen = errlen};

	errf(err, errlen, "%s", "");
	if (!tmp) {
		errf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	tmp->m.n_containers = image->n_containers;
	memcpy(tmp->m.containers, image->containers, sizeof(image->containers));
	/* What user data does not set of the channel is the image's, or the defaults. */
	tmp->m.update.channel = image->update.channel;
	if (!image->update.channel.url[0])
		tmp->m.update.channel = (struct channel_conf){.interval = CHECK_INTERVAL_DEFAULT};
	c.m = &tmp->m;
	c.base = (char *)&tmp->m;
	int r = mf_load_text(&c, text, len, check_userdata);
	if (r == 0)
		*ud = *tmp;
	free(tmp);
	return r;
}
