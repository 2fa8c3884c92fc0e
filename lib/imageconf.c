/* IMAGE_CONF's lines (see imageconf.h): the build writes them, so anything unexpected is an error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errf.h"
#include "imageconf.h"

static int take(const char **list, size_t *n, size_t max, const char *v)
{
	if (*n == max)
		return -1;
	list[(*n)++] = v;
	if (max != VOLUMES_MAX)
		list[*n] = NULL;
	return 0;
}

/* "UID GID", decimal, below 2^31. */
static int take_user(struct imageconf *ic, const char *v)
{
	char *gid;
	unsigned long uid = strtoul(v, &gid, 10), g;

	if (v[0] < '0' || v[0] > '9' || gid[0] != ' ' || gid[1] < '0' || gid[1] > '9')
		return -1;
	g = strtoul(gid + 1, &gid, 10);
	if (*gid || uid > INT32_MAX || g > INT32_MAX)
		return -1;
	ic->uid = (unsigned)uid;
	ic->gid = (unsigned)g;
	return 0;
}

static int take_line(struct imageconf *ic, char *s)
{
	char *v = strchr(s, ' ');

	if (!v || !v[1])
		return -1;
	*v++ = '\0';
	if (strcmp(s, IC_ARG) == 0)
		return take(ic->args, &ic->nargs, ARGS_MAX, v);
	if (strcmp(s, IC_ENV) == 0 && strchr(v, '=') && v[0] != '=')
		return take(ic->env, &ic->nenv, ENV_MAX, v);
	if (strcmp(s, IC_CWD) == 0 && v[0] == '/') {
		ic->cwd = v;
		return 0;
	}
	if (strcmp(s, IC_USER) == 0)
		return take_user(ic, v);
	if (strcmp(s, IC_TMPFS) == 0 && v[0] == '/')
		return take(ic->tmpfs, &ic->ntmpfs, VOLUMES_MAX, v);
	return -1;
}

int imageconf_parse(char *text, struct imageconf *ic, char *err, size_t errlen)
{
	unsigned line = 0;
	char *next;

	*ic = (struct imageconf){.cwd = "/"};
	for (char *s = text; s && *s; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		if (s[0] == '\0' || s[0] == '#')
			continue;
		if (take_line(ic, s) < 0)
			return errf_line(err, errlen, line, "unexpected line: %s", s);
	}
	return 0;
}
