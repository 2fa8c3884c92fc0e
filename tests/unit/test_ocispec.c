/* unit: lib/ocispec.c lib/imageconf.c lib/ctrconf.c lib/errf.c lib/contract.c -ljansson */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ocispec.h"

static char conf[4096];

/* C's config.json over the image settings IMAGE, parsed back; NULL when not written. */
static json_t *spec(const struct ctr *c, const char *image, bool resolv)
{
	struct imageconf ic;
	char err[128], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	snprintf(conf, sizeof(conf), "%s", image);
	if (imageconf_parse(conf, &ic, err, sizeof(err)) < 0 ||
	    ocispec_write(f, c, &ic, "/usr/lib/berth/images/x/rootfs", resolv) < 0) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		printf("#   %s: %s\n", je.text, text);
	free(text);
	return j;
}

static const char *str(json_t *j, const char *path)
{
	json_t *v = json_object_get(j, path);
	return json_string_value(v);
}

/* The strings of ARRAY joined with "|". */
static const char *joined(json_t *array)
{
	static char out[1024];
	json_t *v;
	size_t i;

	out[0] = '\0';
	json_array_foreach(array, i, v)
	{
		if (i)
			strcat(out, "|");
		strncat(out, json_string_value(v) ? json_string_value(v) : "?",
			sizeof(out) - strlen(out) - 2);
	}
	return out;
}

static json_t *mount_at(json_t *spec_, const char *dst)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(spec_, "mounts"), i,
			   m) if (!strcmp(str(m, "destination"), dst)) return m;
	return NULL;
}

static bool has_netns(json_t *s)
{
	json_t *n;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(s, "linux"), "namespaces"), i,
			   n) if (!strcmp(str(n, "type"), "network")) return true;
	return false;
}

int main(void)
{
	struct ctr c = {
	    .kind = CTR_SERVICE,
	    .name = "hello",
	    .net = NET_HOST,
	    .nenv = 2,
	    .env = {"MODE=conf", "Q=\"quoted\\\"\n"},
	    .nbinds = 2,
	    .binds = {{"/var/lib/hello", "/data", false}, {"/var/log", "/cache", true}}};
	json_t *s = spec(&c,
			 "arg /hello\narg serve\nenv MODE=image\nenv DATA_DIR=/data\n"
			 "cwd /srv\nuser 7 8\ntmpfs /cache\ntmpfs /scratch\n",
			 true);
	json_t *p = json_object_get(s, "process");

	CHECK(s && !strcmp(str(s, "ociVersion"), "1.0.2"), "valid JSON, OCI runtime spec 1.0.2");
	CHECK(!strcmp(joined(json_object_get(p, "args")), "/hello|serve"),
	      "no command of its own: the image's");
	CHECK(!strcmp(joined(json_object_get(p, "env")),
		      "DATA_DIR=/data|MODE=conf|Q=\"quoted\\\"\n|"
		      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
	      "containers.conf's variables over the image's, escaped; PATH when none has it");
	CHECK(!strcmp(str(p, "cwd"), "/srv") &&
		  json_integer_value(json_object_get(json_object_get(p, "user"), "uid")) == 7 &&
		  json_integer_value(json_object_get(json_object_get(p, "user"), "gid")) == 8,
	      "the image's cwd and user");
	json_t *root = json_object_get(s, "root");
	CHECK(!strcmp(str(root, "path"), "/usr/lib/berth/images/x/rootfs") &&
		  json_is_true(json_object_get(root, "readonly")),
	      "the image's tree in the verified root, read-only");
	json_t *data = mount_at(s, "/data"), *cache = mount_at(s, "/cache");
	CHECK(data && !strcmp(str(data, "type"), "bind") &&
		  !strcmp(str(data, "source"), "/var/lib/hello") &&
		  !strcmp(joined(json_object_get(data, "options")), "rbind|rw"),
	      "a bind, read-write");
	CHECK(cache && !strcmp(str(cache, "type"), "bind") &&
		  !strcmp(joined(json_object_get(cache, "options")), "rbind|ro"),
	      "a bind over a volume: the bind, read-only, and no tmpfs");
	json_t *scratch = mount_at(s, "/scratch"), *tmp = mount_at(s, "/tmp");
	CHECK(scratch && tmp && !strcmp(str(scratch, "type"), "tmpfs") &&
		  !strcmp(str(tmp, "type"), "tmpfs") && mount_at(s, "/run") && mount_at(s, "/proc"),
	      "tmpfs on the image's other volumes, /tmp and /run");
	CHECK(mount_at(s, "/etc/hosts") && mount_at(s, "/etc/resolv.conf") && !has_netns(s),
	      "host network: no network namespace, the host's hosts and resolv.conf");
	json_decref(s);

	c.net = NET_NONE;
	c.nargs = 2;
	c.args[0] = "/hello";
	c.args[1] = "hit";
	s = spec(&c, "arg /hello\nenv PATH=/bin\n", true);
	p = json_object_get(s, "process");
	CHECK(s && !strcmp(joined(json_object_get(p, "args")), "/hello|hit"),
	      "a command of its own replaces the image's");
	CHECK(strstr(joined(json_object_get(p, "env")), "PATH=/bin") &&
		  !strstr(joined(json_object_get(p, "env")), "/usr/local/sbin") &&
		  !strcmp(str(p, "cwd"), "/"),
	      "the image's PATH kept; cwd / by default");
	CHECK(has_netns(s) && !mount_at(s, "/etc/hosts"),
	      "network none: a network namespace of its own, no host files");
	json_decref(s);

	c.net = NET_HOST;
	s = spec(&c, "arg /hello\n", false);
	CHECK(s && mount_at(s, "/etc/hosts") && !mount_at(s, "/etc/resolv.conf"),
	      "no resolv.conf on the host: none bound");
	json_decref(s);

	c.nargs = 0;
	c.args[0] = NULL;
	CHECK(spec(&c, "env A=b\n", true) == NULL, "no command anywhere: refused");
	return CHECK_DONE();
}
