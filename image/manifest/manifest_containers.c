/*
 * The manifest's onboot: and services: sections: containers berth-init runs
 * with crun from OCI image archives unpacked into the root image. Every
 * string ends up on a line of /etc/berth/containers.conf, so none may hold
 * a control character. An image archive is opened here (and read by
 * manifest_oci.c) at load time, so a missing or wrong one is reported at
 * its line like any other mistake.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest_rules.h"
#include "manifest_schema.h"

static const char *check_http_path(const char *s);
static const char *parse_network(const char *s, void *dst);
/* The enums' names are the contract's words, as containers.conf spells them. */
static const char *parse_runtime(const char *s, void *dst)
{
	int i = word_index(runtime_words, s);

	if (i < 0)
		return "expected crun or runc";
	*(enum runtime *)dst = (enum runtime)i;
	return NULL;
}

static const char *parse_restart(const char *s, void *dst);
static const char *parse_port(const char *s, void *dst);
static int take_image(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
static int take_health(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
static int take_http(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
static int take_tcp(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
static int take_exec(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v);
static int take_bind(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		     const yaml_node_t *v);

/* Fields of one container: offsets into struct manifest_container. */
#define TEXT(k, req, member, noun, fn) MF_TEXT(struct manifest_container, k, req, member, noun, fn)
#define STRINGS(k, most, member, n, noun, fn) \
	MF_STRINGS(struct manifest_container, k, most, member, n, noun, fn)
#define NUMBER(k, req, member, noun, fn) \
	MF_NUMBER(struct manifest_container, k, req, member, noun, fn)

/* An onboot: entry has a service's fields but restart, critical and health. */
#define CONTAINER_FIELDS                                                                 \
	TEXT("name", true, name, "container name", mf_check_id),                         \
	    MF_FUNC("image", true, take_image),                                          \
	    STRINGS("command", ARGS_MAX, command, n_command, "argument", mf_check_line), \
	    STRINGS("env", ENV_MAX, env, n_env, "environment variable", mf_check_env),   \
	    MF_LIST("binds", BINDS_MAX, take_bind),                                      \
	    NUMBER("network", false, network, "network", parse_network),                 \
	    NUMBER("runtime", false, runtime, "OCI runtime", parse_runtime)

static const struct field onboot_fields[] = {
    CONTAINER_FIELDS,
    {0},
};

static const struct field service_fields[] = {
    CONTAINER_FIELDS,
    NUMBER("restart", false, restart, "restart policy", parse_restart),
    NUMBER("critical", false, critical, "boolean", mf_parse_bool),
    MF_FUNC("health", false, take_health),
    {0},
};

_Static_assert(sizeof(service_fields) / sizeof(service_fields[0]) <= FIELDS_MAX + 1,
	       "mf_walk_map's seen[] must hold a flag per field of a service");

static const struct field health_fields[] = {
    MF_FUNC("http", false, take_http),
    MF_FUNC("tcp", false, take_tcp),
    MF_FUNC("exec", false, take_exec),
    {0},
};

static const struct field http_fields[] = {
    NUMBER("port", true, health.port, "port", parse_port),
    TEXT("path", false, health.path, "path", check_http_path),
    {0},
};

static const struct field tcp_fields[] = {
    NUMBER("port", true, health.port, "port", parse_port),
    {0},
};

static const struct field exec_list =
    STRINGS("exec", ARGS_MAX, health.exec, health.n_exec, "argument", mf_check_line);

/* ---- validators ---- */

/* The path goes into an HTTP request line, where white space would end it. */
static const char *check_http_path(const char *s)
{
	if (s[0] != '/')
		return "must start with '/'";
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return "white space and control characters are not allowed";
	return NULL;
}

static const char *parse_network(const char *s, void *dst)
{
	int i = word_index(net_words, s);

	if (i < 0)
		return "expected host or none";
	*(enum net *)dst = (enum net)i;
	return NULL;
}

static const char *parse_restart(const char *s, void *dst)
{
	int i = word_index(restart_words, s);

	if (i < 0)
		return "expected always, on-failure or no";
	*(enum restart *)dst = (enum restart)i;
	return NULL;
}

static const char *parse_port(const char *s, void *dst)
{
	size_t n = strlen(s);

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n || s[0] == '0')
		return "expected a port number from 1 to 65535";
	unsigned long v = strtoul(s, NULL, 10);
	if (v > 65535)
		return "expected a port number from 1 to 65535";
	*(unsigned *)dst = (unsigned)v;
	return NULL;
}

/*
 * "SRC:DST[:ro|:rw]" into B; a bad path is named in *PART. The conf file
 * separates SRC, DST and the mode with spaces, so neither path may hold
 * white space.
 */
static const char *parse_bind(const char *s, struct manifest_bind *b, const char **part)
{
	const char *colon = strchr(s, ':'), *mode, *why;
	size_t n_src = colon ? (size_t)(colon - s) : 0, n_dst;

	*part = "";
	if (!colon)
		return "expected SRC:DST[:ro|:rw]";
	mode = strchr(colon + 1, ':');
	n_dst = mode ? (size_t)(mode - colon - 1) : strlen(colon + 1);
	if (mode && strcmp(mode, ":ro") && strcmp(mode, ":rw"))
		return "expected SRC:DST[:ro|:rw]";
	if (strpbrk(s, " \t"))
		return "white space is not allowed";
	if (n_src >= sizeof(b->src) || n_dst >= sizeof(b->dst))
		return "a path is longer than 255 bytes";
	memcpy(b->src, s, n_src);
	b->src[n_src] = '\0';
	memcpy(b->dst, colon + 1, n_dst);
	b->dst[n_dst] = '\0';
	b->ro = mode && !strcmp(mode, ":ro");
	*part = "the source ";
	why = mf_check_dst(b->src);
	if (!why && strncmp(b->src, "/var/", 5))
		why = "must be under /var/ (the data partition)";
	if (!why) {
		*part = "the destination ";
		why = mf_check_dst(b->dst);
	}
	return why;
}

static struct manifest_container *container_of(struct ctx *c)
{
	return (struct manifest_container *)c->base;
}

static int take_image(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	struct manifest_container *ct = container_of(c);
	char buf[SHOW_MAX + 4], why[256], resolved[PATH_MAX];
	const char *bad;
	struct stat st;
	int r, fd, dir;

	r = mf_take_text(c, path, k, v, mf_check_src, "image path", ct->image, sizeof(ct->image));
	if (r)
		return r;
	mf_show(ct->image, strlen(ct->image), buf);
	dir = mf_open_dir(c);
	if (dir < 0)
		return dir;
	/* O_NONBLOCK: a FIFO in the image's place must not hang the build. */
	fd = openat(dir, ct->image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	r = fd < 0 ? -errno : 0;
	close(dir);
	if (r == -ENOENT)
		return mf_fail_at(c, v->start_mark, "%s: image '%s': no such file", path, buf);
	if (r)
		return mf_fail_at(c, v->start_mark, "%s: image '%s': %s", path, buf, strerror(-r));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		bad = "is not a regular file";
	else
		bad = mf_read_archive(fd, ct->digest, why, sizeof(why));
	close(fd);
	if (bad)
		return mf_fail_at(c, v->start_mark, "%s: image '%s' %s", path, buf, bad);
	/* It is copied into the image whole: it must not be some other file of the build host. */
	return mf_resolve(c, path, v->start_mark, ct->image, resolved);
}

/* ---- health ---- */

static int set_probe(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v,
		     enum probe probe)
{
	struct manifest_container *ct = container_of(c);

	if (ct->health.probe != PROBE_NONE)
		return mf_fail_at(c, k->start_mark,
				  "%s: a health check has one probe: http, tcp or exec", path);
	ct->health.probe = probe;
	if (probe != PROBE_EXEC && v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, mf_value_mark(k, v), "%s must be a mapping", path);
	return 0;
}

static int take_http(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	int r = set_probe(c, path, k, v, PROBE_HTTP);

	if (r)
		return r;
	strcpy(container_of(c)->health.path, "/");
	return mf_walk_map(c, v, http_fields, path);
}

static int take_tcp(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	int r = set_probe(c, path, k, v, PROBE_TCP);

	return r ? r : mf_walk_map(c, v, tcp_fields, path);
}

static int take_exec(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	int r = set_probe(c, path, k, v, PROBE_EXEC);

	if (r == 0)
		r = mf_take_list(c, &exec_list, path, k, v);
	if (r == 0 && container_of(c)->health.n_exec == 0)
		return mf_fail_at(c, mf_value_mark(k, v),
				  "%s: expected a command, e.g. [/app, check]", path);
	return r;
}

static int take_health(struct ctx *c, const char *path, const yaml_node_t *k, const yaml_node_t *v)
{
	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, mf_value_mark(k, v), "%s must be a mapping", path);
	int r = mf_walk_map(c, v, health_fields, path);
	if (r == 0 && container_of(c)->health.probe == PROBE_NONE)
		return mf_fail_at(c, v->start_mark, "%s: expected one probe: http, tcp or exec",
				  path);
	return r;
}

/* ---- list items ---- */

static int take_bind(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		     const yaml_node_t *v)
{
	struct manifest_container *ct = container_of(c);
	char text[2 * sizeof(ct->binds[i].src) + 4], buf[SHOW_MAX + 4];
	const char *why, *part;
	int r = mf_take_text(c, path, v, v, mf_check_line, "bind", text, sizeof(text));

	(void)seq;
	if (r)
		return r;
	why = parse_bind(text, &ct->binds[i], &part);
	if (why)
		return mf_fail_at(c, v->start_mark, "%s: bad bind '%s': %s%s", path,
				  mf_show(text, strlen(text), buf), part, why);
	ct->n_binds = i + 1;
	return 0;
}

/* An onboot: or a services: entry. */
static int take_container(struct ctx *c, const char *path, const yaml_node_t *v, bool service)
{
	struct manifest *m = c->m;
	struct manifest_container *ct = &m->containers[m->n_containers];
	const yaml_node_t *name, *health, *probe;
	char *base = c->base;
	int r;

	if (v->type != YAML_MAPPING_NODE)
		return mf_fail_at(c, v->start_mark, "%s must be a mapping", path);
	if (m->n_containers == CONTAINERS_MAX)
		return mf_fail_at(c, v->start_mark,
				  "%s: more than %d containers (onboot and services together)",
				  path, CONTAINERS_MAX);
	memset(ct, 0, sizeof(*ct));
	ct->service = service;
	c->base = (char *)ct;
	r = mf_walk_map(c, v, service ? service_fields : onboot_fields, path);
	c->base = base;
	if (r)
		return r;
	mf_find_key(c, v, "name", &name);
	for (size_t j = 0; j < m->n_containers; j++)
		if (!strcmp(m->containers[j].name, ct->name))
			return mf_fail_at(c, name->start_mark,
					  "%s.name: duplicate container name '%s' (first on line "
					  "%zu)",
					  path, ct->name, c->name_line[j]);
	health = mf_find_key(c, v, "health", &probe);
	if ((ct->health.probe == PROBE_HTTP || ct->health.probe == PROBE_TCP) &&
	    ct->network != NET_HOST)
		return mf_fail_at(c, health->start_mark,
				  "%s.health: http and tcp probes need network: host", path);
	c->name_line[m->n_containers++] = name->start_mark.line + 1;
	return 0;
}

int mf_take_onboot(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		   const yaml_node_t *v)
{
	(void)seq;
	(void)i;
	return take_container(c, path, v, false);
}

int mf_take_service(struct ctx *c, const char *path, const yaml_node_t *seq, size_t i,
		    const yaml_node_t *v)
{
	(void)seq;
	(void)i;
	return take_container(c, path, v, true);
}

static bool has_package(const struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->rootfs.n_packages; i++)
		if (!strcmp(m->rootfs.packages[i], name))
			return true;
	return false;
}

/*
 * berth-init runs each container with its runtime, crun or runc; the image
 * must have it. Said at the list's key, for the first container it lacks.
 */
int mf_check_containers(struct ctx *c, const yaml_node_t *root)
{
	const struct manifest *m = c->m;

	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const char *key = (const char *)k->data.scalar.value;
		bool service = !strcmp(key, "services");
		if (!service && strcmp(key, "onboot"))
			continue;
		for (size_t i = 0; i < m->n_containers; i++) {
			const struct manifest_container *ct = &m->containers[i];
			const char *rt = runtime_words[ct->runtime];
			if (ct->service == service && !has_package(m, rt))
				return mf_fail_at(c, k->start_mark, "%s need %s in rootfs.packages",
						  service ? "services" : "onboot containers", rt);
		}
	}
	return 0;
}
