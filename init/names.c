/* Pure text helpers of berth-init (see names.h). */
#include "names.h"

#include <errno.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int first_line(const char *text, char *out, size_t outlen)
{
	const char *end = text + strcspn(text, "\n");

	while (text < end && is_blank(*text))
		text++;
	while (end > text && is_blank(end[-1]))
		end--;
	size_t n = (size_t)(end - text);
	if (n == 0)
		return -ENOENT;
	if (n >= outlen)
		return -ENOSPC;
	memcpy(out, text, n);
	out[n] = '\0';
	return (int)n;
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
