/*
 * update.channel, update.check_interval and update.reboot: the update
 * channel a machine follows (lib/channelconf.h), set by the manifest for
 * every machine of the image and by user data for one (manifest_update.c,
 * manifest_provision.c). The yes or no is lib/channelconf.c's, which the
 * device reads CHANNEL_CONF with.
 */
#include <string.h>

#include "manifest_schema.h"

const char *mf_check_channel(const char *s)
{
	return channel_url_check(s, strlen(s));
}

const char *mf_parse_check_interval(const char *s, void *dst)
{
	_Static_assert(CHECK_INTERVAL_MIN == 10 && CHECK_INTERVAL_MAX == 604800,
		       "the message names the limits");
	if (check_interval_parse(s, strlen(s), dst) < 0)
		return "expected a whole number of seconds from 10 to 604800";
	return NULL;
}

const char *mf_parse_reboot(const char *s, void *dst)
{
	return reboot_policy_parse(s, strlen(s), dst);
}

int mf_check_channel_given(struct ctx *c, const yaml_node_t *map, const char *path)
{
	if (c->m->update.channel.url[0])
		return 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = (const char *)k->data.scalar.value;
		if ((strcmp(key, "check_interval") && strcmp(key, "reboot")) || mf_is_null(v))
			continue;
		return mf_fail_at(c, k->start_mark,
				  "%s.%s without a channel to check: set %s.channel too", path, key,
				  path);
	}
	return 0;
}
