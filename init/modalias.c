/* Which kernel modules a device needs (see modalias.h). */
#include "modalias.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <string.h>

/* The longest alias pattern matched; the kernel's are far shorter. */
#define PATTERN_MAX 255

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
		if (m < end && take(p, plen, pattern, PATTERN_MAX) &&
		    take(m, (size_t)(end - m), name, MODULE_NAME_MAX) &&
		    strchr(name, ' ') == NULL && fnmatch(pattern, modalias, 0) == 0) {
			int r = fn(ctx, name);
			if (r < 0)
				return r;
			found++;
		}
		line = next;
	}
	return found;
}

/* Whether the file FILE (LEN bytes) is module NAME: its base name, less ".ko[.*]", '-' as '_'. */
static bool is_module(const char *file, size_t len, const char *name)
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
	if (i < 3)
		return false;
	n = i - 3;
	if (strlen(name) != n)
		return false;
	for (i = 0; i < n; i++)
		if ((base[i] == '-' ? '_' : base[i]) != name[i])
			return false;
	return true;
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
