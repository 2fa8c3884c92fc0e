/* Which kernel modules a device needs (see modalias.h). */
#include "modalias.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The longest alias pattern matched; the kernel's are far shorter. */
#define PATTERN_MAX 255

/*
 * How many bytes of pattern P the one character C matches (0: none): a
 * character, '?', a "[...]" set (ranges, '!' or '^' negating, a first ']'
 * a member; an unclosed '[' is itself), or a backslash and the character it quotes.
 */
static size_t match_one(const char *p, char c)
{
	if (*p == '?')
		return 1;
	if (*p == '\\') /* a backslash that ends the pattern quotes nothing: it matches nothing */
		return p[1] && p[1] == c ? 2 : 0;
	if (*p != '[')
		return *p && *p == c ? 1 : 0;
	const char *q = p + 1;
	bool neg = *q == '!' || *q == '^', in = false;
	q += neg;
	for (const char *first = q; *q && (*q != ']' || q == first); q++) {
		if (q[1] == '-' && q[2] && q[2] != ']') {
			in |= (unsigned char)c >= (unsigned char)q[0] &&
			      (unsigned char)c <= (unsigned char)q[2];
			q += 2;
		} else {
			in |= *q == c;
		}
	}
	if (*q != ']')
		return c == '[' ? 1 : 0;
	return in != neg ? (size_t)(q + 1 - p) : 0;
}

/*
 * Whether S matches the shell glob P as fnmatch(P, S, 0) says for the
 * ASCII of modaliases. Not fnmatch itself: musl's brings 15 KB of
 * wide-character tables into a PID 1 that must stay small.
 */
bool glob_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		size_t n = *s ? match_one(p, *s) : 0;
		if (n) {
			p += n;
			s++;
			continue;
		}
		if (!*s && !*p)
			return true;
		/* The last '*' takes one more character and the rest is tried again. */
		if (!star_p || !*star_s)
			return false;
		p = star_p;
		s = ++star_s;
	}
}

/* Copies the LEN bytes at S into OUT (MAX bytes and a NUL): false when they do not fit. */
static bool take(const char *s, size_t len, char *out, size_t max)
{
	if (len > max)
		return false;
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

int modalias_each(const char *aliases, const char *modalias, int (*fn)(void *ctx, const char *name),
		  void *ctx)
{
	char pattern[PATTERN_MAX + 1], name[MODULE_NAME_MAX + 1];
	int found = 0;

	for (const char *line = aliases; *line;) {
		size_t len = strcspn(line, "\n");
		const char *p = line + 6, *end = line + len;
		const char *next = line + len + (line[len] == '\n');
		if (len < 6 || strncmp(line, "alias ", 6) != 0) {
			line = next;
			continue;
		}
		size_t plen = strcspn(p, " \n");
		const char *m = p + plen + (p[plen] == ' ');
		/* Most patterns differ from MODALIAS before their first wildcard:
		 * comparing that far spares the glob tens of thousands of lines. */
		size_t lit = strcspn(p, "*?[\\ \n");
		if (strncmp(p, modalias, lit) != 0) {
			line = next;
			continue;
		}
		if (m < end && take(p, plen, pattern, PATTERN_MAX) &&
		    take(m, (size_t)(end - m), name, MODULE_NAME_MAX) &&
		    strchr(name, ' ') == NULL && glob_match(pattern, modalias)) {
			int r = fn(ctx, name);
			if (r < 0)
				return r;
			found++;
		}
		line = next;
	}
	return found;
}

int module_name(const char *file, size_t len, char name[MODULE_NAME_MAX + 1])
{
	const char *base = file;
	size_t n, i;

	for (i = 0; i < len; i++)
		if (file[i] == '/')
			base = file + i + 1;
	n = (size_t)(file + len - base);
	for (i = n; i >= 3; i--)
		if (!strncmp(base + i - 3, ".ko", 3) && (i == n || base[i] == '.'))
			break;
	if (i < 3 || i - 3 == 0 || i - 3 > MODULE_NAME_MAX)
		return -EINVAL;
	n = i - 3;
	for (i = 0; i < n; i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[n] = '\0';
	return 0;
}

static bool is_module(const char *file, size_t len, const char *name)
{
	char got[MODULE_NAME_MAX + 1];

	return module_name(file, len, got) == 0 && strcmp(got, name) == 0;
}

int moddep_files(const char *dep, const char *name, const char *files[MODDEP_MAX],
		 size_t lens[MODDEP_MAX])
{
	for (const char *line = dep; *line;) {
		size_t len = strcspn(line, "\n"), flen = strcspn(line, ":\n");
		const char *next = line + len + (line[len] == '\n');
		if (flen == len || !is_module(line, flen, name)) {
			line = next;
			continue;
		}
		/* The dependencies, deepest last: loaded from the end of the list. */
		const char *dfiles[MODDEP_MAX];
		size_t dlens[MODDEP_MAX], n = 0;
		for (const char *p = line + flen + 1; p < line + len;) {
			p += strspn(p, " ");
			size_t w = strcspn(p, " \n");
			if (w == 0)
				break;
			if (n == MODDEP_MAX - 1)
				return -E2BIG;
			dfiles[n] = p;
			dlens[n++] = w;
			p += w;
		}
		for (size_t i = 0; i < n; i++) {
			files[i] = dfiles[n - 1 - i];
			lens[i] = dlens[n - 1 - i];
		}
		files[n] = line;
		lens[n] = flen;
		return (int)n + 1;
	}
	return -ENOENT;
}

int uevent_parse(const char *msg, size_t len, struct uevent *e)
{
	*e = (struct uevent){"", "", "", ""};
	/* The kernel NUL-terminates every string; a message that is not is not the kernel's. */
	if (len == 0 || msg[len - 1] != '\0' || !strchr(msg, '@'))
		return -EINVAL;
	for (size_t at = strlen(msg) + 1; at < len; at += strlen(msg + at) + 1) {
		const char *kv = msg + at;
		if (!strncmp(kv, "ACTION=", 7))
			e->action = kv + 7;
		else if (!strncmp(kv, "SUBSYSTEM=", 10))
			e->subsystem = kv + 10;
		else if (!strncmp(kv, "MODALIAS=", 9))
			e->modalias = kv + 9;
		else if (!strncmp(kv, "INTERFACE=", 10))
			e->ifname = kv + 10;
	}
	return *e->action ? 0 : -EINVAL;
}
