/* update.conf and key files (see conf.h). */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool graph(char c)
{
	return c > ' ' && c < 0x7f;
}

static int set_deadline(const char *v, size_t n, struct update_conf *c)
{
	unsigned long s = 0;

	if (n == 0 || n > 5 || v[0] == '0')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		s = s * 10 + (unsigned long)(v[i] - '0');
	}
	if (s > HEALTH_DEADLINE_MAX)
		return -EINVAL;
	c->health_deadline = (unsigned)s;
	return 0;
}

int update_conf_parse(const char *text, struct update_conf *c, char *err, size_t errlen)
{
	bool seen_compat = false, seen_deadline = false;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		const char *next = line + n + (line[n] == '\n');
		lineno++;
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#') {
			line = next;
			continue;
		}
		size_t klen = strcspn(line, " \t");
		if (klen >= n)
			return fail(err, errlen, "line %d: expected KEY VALUE", lineno);
		const char *v = line + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vlen = (size_t)(line + n - v);
		for (size_t i = 0; i < vlen; i++)
			if (!graph(v[i]))
				return fail(err, errlen,
					    "line %d: one word of printable ASCII expected",
					    lineno);
		if (klen == 10 && !strncmp(line, "compatible", klen)) {
			if (seen_compat)
				return fail(err, errlen, "line %d: compatible given twice", lineno);
			if (vlen >= sizeof(c->compatible))
				return fail(err, errlen, "line %d: compatible longer than %zu",
					    lineno, sizeof(c->compatible) - 1);
			memcpy(c->compatible, v, vlen);
			seen_compat = true;
		} else if (klen == 15 && !strncmp(line, "health-deadline", klen)) {
			if (seen_deadline)
				return fail(err, errlen, "line %d: health-deadline given twice",
					    lineno);
			if (set_deadline(v, vlen, c) < 0)
				return fail(err, errlen,
					    "line %d: health-deadline must be 1 to %d seconds",
					    lineno, HEALTH_DEADLINE_MAX);
			seen_deadline = true;
		} else {
			return fail(err, errlen, "line %d: unknown key \"%.*s\"", lineno, (int)klen,
				    line);
		}
		line = next;
	}
	if (!seen_compat)
		return fail(err, errlen, "no compatible line");
	return 0;
}
