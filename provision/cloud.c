/* The metadata services' answers (cloud.h). */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "cloud.h"

/* The next line of *S (changed in place; "\r\n" or "\n" ends it), or NULL at the end. */
static char *next_line(char **s)
{
	char *line = *s;

	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	*s = nl ? nl + 1 : NULL;
	if (nl) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
	}
	return line;
}

int ec2_key_indexes(char *text, unsigned idx[CLOUD_KEYS_MAX])
{
	int n = 0;

	for (char *line; (line = next_line(&text));) {
		unsigned v = 0;
		char *p = line;
		/* An index of at most three digits: there are far fewer keys than that. */
		for (; isdigit((unsigned char)*p) && p - line < 4; p++)
			v = v * 10 + (unsigned)(*p - '0');
		if (p == line || p - line > 3 || *p != '=')
			return -EINVAL;
		if (n < CLOUD_KEYS_MAX)
			idx[n++] = v;
	}
	return n;
}

int gce_ssh_keys(char *text, const char *keys[CLOUD_KEYS_MAX])
{
	int n = 0;

	for (char *line; (line = next_line(&text));) {
		if (!*line)
			continue;
		char *colon = strchr(line, ':');
		if (!colon || colon == line)
			return -EINVAL;
		if (n < CLOUD_KEYS_MAX)
			keys[n++] = colon + 1;
	}
	return n;
}

int azure_keys(const char *json, size_t len, char keys[CLOUD_KEYS_MAX][METADATA_KEY_MAX])
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int n = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)json, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_SEQUENCE_NODE) {
		n = -EINVAL;
		goto out;
	}
	for (yaml_node_item_t *i = root->data.sequence.items.start;
	     i < root->data.sequence.items.top && n >= 0; i++) {
		yaml_node_t *item = yaml_document_get_node(&doc, *i);
		const yaml_node_t *data = NULL;
		if (item->type != YAML_MAPPING_NODE) {
			n = -EINVAL;
			break;
		}
		for (yaml_node_pair_t *p = item->data.mapping.pairs.start;
		     p < item->data.mapping.pairs.top; p++) {
			const yaml_node_t *k = yaml_document_get_node(&doc, p->key);
			if (k->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)k->data.scalar.value, "keyData"))
				data = yaml_document_get_node(&doc, p->value);
		}
		if (!data || data->type != YAML_SCALAR_NODE ||
		    data->data.scalar.length >= METADATA_KEY_MAX ||
		    memchr(data->data.scalar.value, '\0', data->data.scalar.length))
			n = -EINVAL;
		else if (n < CLOUD_KEYS_MAX)
			memcpy(keys[n++], data->data.scalar.value, data->data.scalar.length + 1);
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return n;
}

static int b64_value(char c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

ssize_t base64_decode(const char *in, size_t n, char *out, size_t size)
{
	size_t len = 0;
	unsigned quad = 0, got = 0, pad = 0;
	bool done = false;

	for (size_t i = 0; i < n; i++) {
		int v = 0;
		if (in[i] == '\r' || in[i] == '\n')
			continue;
		/* Padding ends the text: "x===" and "xy=z" are not base64. */
		if (done || (in[i] == '=' && got < 2) || (in[i] != '=' && pad) ||
		    (in[i] != '=' && (v = b64_value(in[i])) < 0))
			return -EINVAL;
		pad += in[i] == '=';
		quad = quad << 6 | (unsigned)v;
		if (++got < 4)
			continue;
		if (len + 3 - pad > size)
			return -EFBIG;
		for (unsigned b = 0; b < 3 - pad; b++)
			out[len++] = (char)(quad >> (16 - 8 * b));
		quad = got = 0;
		done = pad > 0;
	}
	return got ? -EINVAL : (ssize_t)len;
}

void cloud_hostname(char *name, bool label)
{
	name[strcspn(name, label ? " \t\r\n." : " \t\r\n")] = '\0';
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		name[n - 1] = '\0';
	/* Azure allows '_' in a VM's name, which a host name may not hold. */
	for (char *p = name; *p; p++)
		*p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
}

/* Appends to OUT (SIZE bytes, *LEN used); false when it does not fit. */
__attribute__((format(printf, 4, 5))) static bool add(char *out, size_t size, size_t *len,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += (size_t)n;
	return true;
}

/* S as a JSON string. */
static bool add_string(char *out, size_t size, size_t *len, const char *s)
{
	bool ok = add(out, size, len, "\"");

	for (; ok && *s; s++) {
		unsigned char c = (unsigned char)*s;
		ok = c < 0x20		     ? add(out, size, len, "\\u%04x", c)
		     : c == '"' || c == '\\' ? add(out, size, len, "\\%c", c)
					     : add(out, size, len, "%c", c);
	}
	return ok && add(out, size, len, "\"");
}

ssize_t cloud_meta(char *out, size_t size, const char *hostname, const char *const *keys, size_t n)
{
	size_t len = 0;
	bool ok = add(out, size, &len, "{");

	if (ok && hostname[0])
		ok = add(out, size, &len, "\"local-hostname\": ") &&
		     add_string(out, size, &len, hostname) && add(out, size, &len, ", ");
	ok = ok && add(out, size, &len, "\"public-keys\": [");
	for (size_t i = 0; ok && i < n; i++)
		ok = add(out, size, &len, i ? ", " : "") && add_string(out, size, &len, keys[i]);
	ok = ok && add(out, size, &len, "]}\n");
	return ok ? (ssize_t)len : -EFBIG;
}

/*
 * The text of the first <TAG> after FROM, up to its </TAG>, its entities
 * (the five of XML) decoded into OUT; at most END when END is not NULL.
 * 0, or -EINVAL when it is missing, empty, too long or holds markup.
 */
static int xml_text(const char *from, const char *end, const char *tag, char *out, size_t size)
{
	static const char *const entities[][2] = {
	    {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&apos;", "'"}};
	char open[40], close[40];
	size_t len = 0;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	const char *s = strstr(from, open);
	if (!s || (end && s >= end))
		return -EINVAL;
	s += strlen(open);
	const char *e = strstr(s, close);
	if (!e || e == s || (end && e >= end))
		return -EINVAL;
	while (s < e) {
		size_t i = 0, n = 1;
		const char *c = s;
		if (*s == '<')
			return -EINVAL;
		if (*s == '&') {
			while (i < 5 && strncmp(s, entities[i][0], strlen(entities[i][0])))
				i++;
			if (i == 5)
				return -EINVAL;
			n = strlen(entities[i][0]);
			c = entities[i][1];
		}
		if (len + 1 >= size)
			return -EINVAL;
		out[len++] = *c;
		s += n;
	}
	out[len] = '\0';
	return 0;
}

int azure_goalstate(const char *xml, struct goalstate *gs)
{
	const char *role = strstr(xml, "<RoleInstance>");
	const char *role_end = role ? strstr(role, "</RoleInstance>") : NULL;

	memset(gs, 0, sizeof(*gs));
	if (!role_end ||
	    xml_text(xml, NULL, "Incarnation", gs->incarnation, sizeof(gs->incarnation)) ||
	    xml_text(xml, NULL, "ContainerId", gs->container_id, sizeof(gs->container_id)) ||
	    xml_text(role, role_end, "InstanceId", gs->instance_id, sizeof(gs->instance_id)))
		return -EINVAL;
	return 0;
}

/* S with &, <, >, " and ' as entities. */
static bool add_escaped(char *out, size_t size, size_t *len, const char *s)
{
	bool ok = true;

	for (; ok && *s; s++) {
		const char *e = *s == '&'    ? "&amp;"
				: *s == '<'  ? "&lt;"
				: *s == '>'  ? "&gt;"
				: *s == '"'  ? "&quot;"
				: *s == '\'' ? "&apos;"
					     : NULL;
		ok = e ? add(out, size, len, "%s", e) : add(out, size, len, "%c", *s);
	}
	return ok;
}

ssize_t azure_health(char *out, size_t size, const struct goalstate *gs)
{
	size_t len = 0;
	bool ok =
	    add(out, size, &len,
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<Health xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n"
		"  <GoalStateIncarnation>") &&
	    add_escaped(out, size, &len, gs->incarnation) &&
	    add(out, size, &len, "</GoalStateIncarnation>\n  <Container><ContainerId>") &&
	    add_escaped(out, size, &len, gs->container_id) &&
	    add(out, size, &len, "</ContainerId>\n    <RoleInstanceList><Role><InstanceId>") &&
	    add_escaped(out, size, &len, gs->instance_id) &&
	    add(out, size, &len,
		"</InstanceId>\n      <Health><State>Ready</State></Health>\n"
		"    </Role></RoleInstanceList></Container>\n</Health>\n");
	return ok ? (ssize_t)len : -EFBIG;
}
