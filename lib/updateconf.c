/* update.conf (see updateconf.h). */
#include "updateconf.h"
#include "errf.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool graph(char c)
{
	return c > ' ' && c < 0x7f;
}

static bool key_is(const char *s, size_t n, const char *key)
{
	return n == strlen(key) && strncmp(s, key, n) == 0;
}

int update_conf_parse(const char *text, struct update_conf *c, char *err, size_t errlen)
{
	bool seen_compat = false, seen_deadline = false;
	unsigned no = 0;

	memset(c, 0, sizeof(*c));
	c->health_deadline = HEALTH_DEADLINE_DEFAULT;
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		const char *next = line + n + (line[n] == '\n');
		no++;
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#') {
			line = next;
			continue;
		}
		size_t klen = strcspn(line, " \t");
		if (klen >= n)
			return errf_line(err, errlen, no, "expected KEY VALUE");
		const char *v = line + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vlen = (size_t)(line + n - v);
		for (size_t i = 0; i < vlen; i++)
			if (!graph(v[i]))
				return errf_line(err, errlen, no,
						 "one word of printable ASCII expected");
		if (key_is(line, klen, UC_COMPATIBLE)) {
			if (seen_compat)
				return errf_line(err, errlen, no, UC_COMPATIBLE " given twice");
			if (!compatible_valid(v, vlen))
				return errf_line(err, errlen, no,
						 UC_COMPATIBLE " must be 1 to %d of [a-z0-9._-]",
						 COMPATIBLE_MAX_LEN);
			memcpy(c->compatible, v, vlen);
			seen_compat = true;
		} else if (key_is(line, klen, UC_HEALTH_DEADLINE)) {
			if (seen_deadline)
				return errf_line(err, errlen, no,
						 UC_HEALTH_DEADLINE " given twice");
			if (health_deadline_parse(v, vlen, &c->health_deadline) < 0)
				return errf_line(err, errlen, no,
						 UC_HEALTH_DEADLINE " must be %d to %d seconds",
						 HEALTH_DEADLINE_MIN, HEALTH_DEADLINE_MAX);
			seen_deadline = true;
		} else {
			return errf_line(err, errlen, no, "unknown key \"%.*s\"", (int)klen, line);
		}
		line = next;
	}
	if (!seen_compat)
		return errf(err, errlen, "no " UC_COMPATIBLE " line");
	return 0;
}
