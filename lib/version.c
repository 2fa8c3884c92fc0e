/* Version syntax and precedence (see version.h). */
#include "version.h"

#include <errno.h>
#include <string.h>

#define VERSION_MAX 64
#define PRERELEASE_MAX 32

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A decimal number without leading zeros; advances *P past it. */
static bool number(const char **p)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	return true;
}

bool version_valid(const char *s)
{
	const char *p = s;

	if (!s || strlen(s) > VERSION_MAX)
		return false;
	if (!number(&p) || *p++ != '.' || !number(&p) || *p++ != '.' || !number(&p))
		return false;
	if (!*p)
		return true;
	if (*p++ != '-' || !*p || strlen(p) > PRERELEASE_MAX)
		return false;
	for (; *p; p++)
		if (!is_alnum(*p) && *p != '.' && *p != '-')
			return false;
	return true;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * Two runs of digits by value, whatever their length: leading zeros
 * skipped, then the longer is larger, then the first differing digit.
 */
static int compare_digits(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 1 && *a == '0')
		a++, alen--;
	while (blen > 1 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return sign(memcmp(a, b, alen));
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return n > 0;
}

/* One prerelease identifier each: numeric ones by value and before alphanumeric ones. */
static int compare_ident(const char *a, size_t alen, const char *b, size_t blen)
{
	bool an = all_digits(a, alen), bn = all_digits(b, blen);

	if (an && bn)
		return compare_digits(a, alen, b, blen);
	if (an != bn)
		return an ? -1 : 1;
	size_t n = alen < blen ? alen : blen;
	int c = memcmp(a, b, n);
	if (c)
		return sign(c);
	return alen == blen ? 0 : alen < blen ? -1 : 1;
}

static int compare_prerelease(const char *a, const char *b)
{
	for (;;) {
		size_t alen = strcspn(a, "."), blen = strcspn(b, ".");
		int c = compare_ident(a, alen, b, blen);
		if (c)
			return c;
		a += alen;
		b += blen;
		/* A longer list of otherwise equal identifiers is the newer. */
		if (!*a || !*b)
			return !*a && !*b ? 0 : !*a ? -1 : 1;
		a++;
		b++;
	}
}

int version_compare(const char *a, const char *b, int *order)
{
	if (!version_valid(a) || !version_valid(b))
		return -EINVAL;
	for (int part = 0; part < 3; part++) {
		size_t alen = strspn(a, "0123456789"), blen = strspn(b, "0123456789");
		int c = compare_digits(a, alen, b, blen);
		if (c) {
			*order = c;
			return 0;
		}
		a += alen + (part < 2);
		b += blen + (part < 2);
	}
	/* Now at the end or at the '-' of a prerelease. */
	if (!*a || !*b) {
		*order = !*a && !*b ? 0 : !*a ? 1 : -1;
		return 0;
	}
	*order = compare_prerelease(a + 1, b + 1);
	/* Numerically equal but spelled differently ("rc.01", "rc.1"): still a total order. */
	if (*order == 0)
		*order = sign(strcmp(a, b));
	return 0;
}
