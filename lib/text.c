/* Pure text helpers for the device programs (see text.h). */
#include "text.h"

#include <errno.h>
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

int first_line(const char *text, char *out, size_t outlen)
{
	const char *end = text + strcspn(text, "\n");

	while (text < end && blank(*text))
		text++;
	while (end > text && blank(end[-1]))
		end--;
	if (end == text)
		return -ENOENT;
	return put(out, outlen, text, (size_t)(end - text));
}

bool tty_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 32 || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

int machine_id_parse(const char *text, char out[MACHINE_ID_LEN + 2])
{
	bool zero = true;

	for (int i = 0; i < MACHINE_ID_LEN; i++) {
		char c = text[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
		zero &= c == '0';
	}
	const char *end = text + MACHINE_ID_LEN;
	if (zero || !(end[0] == '\0' || (end[0] == '\n' && end[1] == '\0')))
		return -EINVAL;
	memcpy(out, text, MACHINE_ID_LEN);
	memcpy(out + MACHINE_ID_LEN, "\n", 2);
	return 0;
}

void machine_id_format(const unsigned char raw[16], char out[MACHINE_ID_LEN + 2])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		unsigned char b = raw[i];
		if (i == 6) /* version 4 */
			b = (b & 0x0f) | 0x40;
		else if (i == 8) /* variant 1 (RFC 4122) */
			b = (b & 0x3f) | 0x80;
		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 0x0f];
	}
	memcpy(out + MACHINE_ID_LEN, "\n", 2);
}
