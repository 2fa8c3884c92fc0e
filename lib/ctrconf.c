/*
 * The containers file: blocks that start with "onboot NAME" or
 * "service NAME", then "KEY VALUE" lines. The build writes it, so anything
 * unexpected is an error rather than something to guess around.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrconf.h"
#include "errf.h"

struct parser {
	struct ctr *ctrs;
	size_t n;
	unsigned line;
	char *err;
	size_t errlen;
};

/* Why the line being read is bad, printf-style, into the parser's ERR: returns -EINVAL. */
#define bad(p, ...) errf_line((p)->err, (p)->errlen, (p)->line, __VA_ARGS__)

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static int port_value(struct parser *p, const char *s, unsigned *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (s[0] < '1' || s[0] > '9' || *end || v > 65535)
		return bad(p, "bad port: %s", s);
	*port = (unsigned)v;
	return 0;
}

/* V appended to LIST (*N items of at most MAX, NULL-terminated). */
static int take_list(struct parser *p, const char **list, size_t *n, size_t max, const char *v)
{
	if (*n == max)
		return bad(p, "too many items");
	list[(*n)++] = v;
	list[*n] = NULL;
	return 0;
}

/* "SRC DST ro|rw": three fields, absolute paths. */
static int take_bind(struct parser *p, struct ctr *c, char *v)
{
	char *dst = strchr(v, ' ');
	char *mode = dst ? strchr(dst + 1, ' ') : NULL;

	if (c->nbinds == BINDS_MAX)
		return bad(p, "too many binds");
	if (!mode || strchr(mode + 1, ' ') || v[0] != '/' || dst[1] != '/' ||
	    (strcmp(mode + 1, "ro") && strcmp(mode + 1, "rw")))
		return bad(p, "bind wants 'SRC DST ro|rw' with absolute paths: %s", v);
	*dst++ = '\0';
	*mode++ = '\0';
	c->binds[c->nbinds++] =
	    (struct bind){.src = v, .dst = dst, .ro = mode[0] == 'r' && mode[1] == 'o'};
	return 0;
}

/* "http PORT PATH", "tcp PORT" or "exec" (argv in the "probe" lines that follow). */
static int take_health(struct parser *p, struct ctr *c, char *v)
{
	char *port = strchr(v, ' ');

	if (c->probe != PROBE_NONE)
		return bad(p, "second health line");
	if (port)
		*port++ = '\0';
	if (strcmp(v, probe_words[PROBE_EXEC]) == 0 && !port) {
		c->probe = PROBE_EXEC;
		return 0;
	}
	if (strcmp(v, probe_words[PROBE_TCP]) == 0 && port) {
		c->probe = PROBE_TCP;
		return port_value(p, port, &c->port);
	}
	char *path = port ? strchr(port, ' ') : NULL;
	if (strcmp(v, probe_words[PROBE_HTTP]) != 0 || !path || path[1] != '/' ||
	    strchr(path + 1, ' '))
		return bad(p, "health wants 'http PORT /PATH', 'tcp PORT' or 'exec': %s", v);
	*path++ = '\0';
	c->probe = PROBE_HTTP;
	c->path = path;
	return port_value(p, port, &c->port);
}

/* V's index in WORDS (NULL-terminated) into *OUT. */
static int take_choice(struct parser *p, const char *v, const char *const words[], int *out)
{
	*out = word_index(words, v);
	return *out < 0 ? bad(p, "unknown value: %s", v) : 0;
}

/* A line inside a block. */
static int take_key(struct parser *p, struct ctr *c, const char *key, char *v)
{
	static const char *const yesno[] = {"no", "yes", NULL};
	bool service = c->kind == CTR_SERVICE;
	int i;

	if (strcmp(key, CC_IMAGE) == 0 && v[0] == '/')
		c->image = v;
	else if (strcmp(key, CC_DIGEST) == 0 && strncmp(v, "sha256:", 7) == 0 && is_hex(v + 7, 64))
		c->digest = v;
	else if (strcmp(key, CC_NETWORK) == 0) {
		if (take_choice(p, v, net_words, &i) < 0)
			return -EINVAL;
		c->net = (enum net)i;
	} else if (strcmp(key, CC_RUNTIME) == 0) {
		if (take_choice(p, v, runtime_words, &i) < 0)
			return -EINVAL;
		c->runtime = (enum runtime)i;
	} else if (strcmp(key, CC_RESTART) == 0 && service) {
		if (take_choice(p, v, restart_words, &i) < 0)
			return -EINVAL;
		c->restart = (enum restart)i;
	} else if (strcmp(key, CC_CRITICAL) == 0 && service) {
		if (take_choice(p, v, yesno, &i) < 0)
			return -EINVAL;
		c->critical = i;
	} else if (strcmp(key, CC_HEALTH) == 0 && service)
		return take_health(p, c, v);
	else if (strcmp(key, CC_PROBE) == 0 && c->probe == PROBE_EXEC)
		return take_list(p, c->probe_argv, &c->nprobe, ARGS_MAX, v);
	else if (strcmp(key, CC_ARG) == 0)
		return take_list(p, c->args, &c->nargs, ARGS_MAX, v);
	else if (strcmp(key, CC_ENV) == 0 && strchr(v, '=') && v[0] != '=')
		return take_list(p, c->env, &c->nenv, ENV_MAX, v);
	else if (strcmp(key, CC_BIND) == 0)
		return take_bind(p, c, v);
	else
		return bad(p, "unexpected line: %s", key);
	return 0;
}

static int block_done(struct parser *p)
{
	struct ctr *c;

	if (p->n == 0)
		return 0;
	c = &p->ctrs[p->n - 1];
	if (!c->image || !c->digest)
		return bad(p, "block lacks an image or digest line before here: %s", c->name);
	if (c->probe == PROBE_EXEC && c->nprobe == 0)
		return bad(p, "'health exec' without probe lines before here: %s", c->name);
	return 0;
}

static int start_block(struct parser *p, enum ctr_kind kind, const char *name)
{
	if (block_done(p) < 0)
		return -EINVAL;
	if (!id_valid(name, strlen(name)))
		return bad(p, "bad container name: %s", name);
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ctrs[i].name, name) == 0)
			return bad(p, "container named twice: %s", name);
	if (p->n == CONTAINERS_MAX)
		return bad(p, "too many containers");
	p->ctrs[p->n++] = (struct ctr){.kind = kind, .name = name, .net = NET_HOST};
	return 0;
}

static int take_line(struct parser *p, char *s)
{
	char *v = strchr(s, ' ');

	if (!v || !v[1])
		return bad(p, "expected 'KEY VALUE': %s", s);
	*v++ = '\0';
	if (strcmp(s, CC_ONBOOT) == 0)
		return start_block(p, CTR_ONBOOT, v);
	if (strcmp(s, CC_SERVICE) == 0)
		return start_block(p, CTR_SERVICE, v);
	if (p->n == 0)
		return bad(p, "line before the first 'onboot' or 'service' line: %s", s);
	return take_key(p, &p->ctrs[p->n - 1], s, v);
}

int ctrconf_parse(char *text, struct ctr ctrs[CONTAINERS_MAX], size_t *n, char *err, size_t errlen)
{
	struct parser p = {.ctrs = ctrs, .err = err, .errlen = errlen};
	bool header = true;
	char *next;

	for (char *s = text; s && *s; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		if (s[0] == '\0' || (header && s[0] == '#'))
			continue;
		header = false;
		if (take_line(&p, s) < 0)
			return -EINVAL;
	}
	if (block_done(&p) < 0)
		return -EINVAL;
	*n = p.n;
	return 0;
}
