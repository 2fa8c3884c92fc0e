/* os-release(5) values (see osrelease.h). */
#include "osrelease.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Copies N bytes and terminates, or -ENOSPC. */
static int put(char *out, size_t outlen, const char *s, size_t n)
{
	if (n >= outlen)
		return -ENOSPC;
	memcpy(out, s, n);
	out[n] = '\0';
	return (int)n;
}

/* Decodes one value (the part after '=', up to END) into OUT. */
static int decode_value(const char *v, const char *end, char *out, size_t outlen)
{
	char q = v < end ? *v : '\0';
	size_t n = 0;

	if (q != '"' && q != '\'') {
		while (end > v && blank(end[-1]))
			end--;
		return put(out, outlen, v, (size_t)(end - v));
	}
	for (v++; v < end && *v != q; v++) {
		/* Inside "...", a backslash quotes the next character, as in sh. */
		if (q == '"' && *v == '\\' && v + 1 < end && strchr("\"\\$`", v[1]))
			v++;
		if (n + 1 >= outlen)
			return -ENOSPC;
		out[n++] = *v;
	}
	if (v >= end)
		return -EINVAL;
	out[n] = '\0';
	return (int)n;
}

int osrelease_value(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	int r = -ENOENT;

	if (!outlen)
		return -ENOSPC;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		const char *s = line;
		while (s < end && blank(*s))
			s++;
		if ((size_t)(end - s) > klen && strncmp(s, key, klen) == 0 && s[klen] == '=')
			r = decode_value(s + klen + 1, end, out, outlen);
		line = *end ? end + 1 : end;
	}
	if (r < 0 && r != -ENOENT)
		out[0] = '\0';
	return r;
}
