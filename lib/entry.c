/* Boot entry names and the boot counter variable (see entry.h). */
#include "entry.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "version.h"

#define COUNTER_DIGITS 9 /* keeps the number in an int */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* The decimal number at *P (before END); advances *P past it. */
static int counter(const char **p, const char *end, int *out)
{
	const char *s = *p;
	int v = 0;

	if (s == end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (s - *p >= COUNTER_DIGITS)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int entry_parse(const char *file, struct entry_name *e)
{
	size_t n = file ? strlen(file) : 0;

	if (n < 4 || n >= ENTRY_FILE_MAX || strcasecmp(file + n - 4, ".efi") != 0)
		return -EINVAL;
	const char *end = file + n - 4;
	/* '+' cannot be in a name or a version: it starts the counter. */
	const char *plus = memchr(file, '+', (size_t)(end - file));
	const char *stem_end = plus ? plus : end;

	e->left = e->done = -1;
	if (plus) {
		const char *p = plus + 1;
		if (counter(&p, end, &e->left) < 0)
			return -EINVAL;
		if (p < end && (*p++ != '-' || counter(&p, end, &e->done) < 0))
			return -EINVAL;
		if (p != end)
			return -EINVAL;
	}

	/* A version holds no '_': the last one ends the name. */
	const char *us = NULL;
	for (const char *p = file; p < stem_end; p++)
		if (*p == '_')
			us = p;
	if (!us || !valid_name(file, (size_t)(us - file)))
		return -EINVAL;
	size_t vlen = (size_t)(stem_end - us - 1);
	if (vlen >= sizeof(e->version))
		return -EINVAL;
	memcpy(e->name, file, (size_t)(us - file));
	e->name[us - file] = '\0';
	memcpy(e->version, us + 1, vlen);
	e->version[vlen] = '\0';
	return version_valid(e->version) ? 0 : -EINVAL;
}

int entry_format(const struct entry_name *e, char *out, size_t len)
{
	char counter_text[32] = "";

	if (!valid_name(e->name, strlen(e->name)) || !version_valid(e->version) || e->left < -1 ||
	    e->done < -1 || (e->left < 0 && e->done >= 0))
		return -EINVAL;
	if (e->left >= 0 && e->done >= 0)
		snprintf(counter_text, sizeof(counter_text), "+%d-%d", e->left, e->done);
	else if (e->left >= 0)
		snprintf(counter_text, sizeof(counter_text), "+%d", e->left);
	int n = snprintf(out, len, "%s_%s%s.efi", e->name, e->version, counter_text);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

enum entry_state entry_state(const struct entry_name *e)
{
	return e->left < 0 ? ENTRY_GOOD : e->left > 0 ? ENTRY_PENDING : ENTRY_BAD;
}

bool entry_same_release(const struct entry_name *a, const struct entry_name *b)
{
	return strcasecmp(a->name, b->name) == 0 && strcasecmp(a->version, b->version) == 0;
}

int entry_order(const struct entry_name *a, const struct entry_name *b)
{
	bool abad = entry_state(a) == ENTRY_BAD, bbad = entry_state(b) == ENTRY_BAD;
	int newer = 0;

	if (abad != bbad)
		return abad ? 1 : -1;
	if (version_compare(a->version, b->version, &newer) == 0 && newer)
		return -newer;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	/* Same name and version: the one with more tries left first. */
	return (b->left < 0 ? 1 << 30 : b->left) - (a->left < 0 ? 1 << 30 : a->left);
}

int boot_count_path(const uint8_t *var, size_t len, char *out, size_t outlen)
{
	size_t n = 0;

	if (!var || len < 4 || (len - 4) % 2 || outlen == 0)
		return -EINVAL;
	for (size_t i = 4; i + 1 < len; i += 2) {
		unsigned c = var[i] | (unsigned)var[i + 1] << 8;
		if (c == 0)
			break;
		if (c < 0x20 || c > 0x7e || c == '/')
			return -EINVAL;
		if (n + 1 >= outlen)
			return -ENOSPC;
		out[n++] = c == '\\' ? '/' : (char)c;
	}
	out[n] = '\0';
	if (n < 2 || out[0] != '/' || out[n - 1] == '/')
		return -EINVAL;
	/* Each part between slashes: not empty, not "." or "..". */
	for (const char *p = out + 1;;) {
		size_t part = strcspn(p, "/");
		if (part == 0 || (part == 1 && p[0] == '.') || (part == 2 && !strncmp(p, "..", 2)))
			return -EINVAL;
		if (!p[part])
			return 0;
		p += part + 1;
	}
}
