/*
 * The manifest's rules for single values (manifest_rules.h): each says why
 * a value is bad, so that the message can name the rule it breaks.
 */
#include "manifest_rules.h"
#include "contract.h"
#include "manifest.h"
#include "version.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR(x) #x
#define XSTR(x) STR(x)

static bool is_lower_digit(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool all_in(const char *s, const char *extra, bool (*base)(char))
{
	for (; *s; s++)
		if (!base(*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* ---- the contract's rules (lib/contract.h): why it refused S ---- */

static const char *id_reason(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (!is_lower_digit(s[0]))
		return "must start with a lower-case letter or digit";
	if (!all_in(s, "-", is_lower_digit))
		return "only lower-case letters, digits and '-' are allowed";
	return "longer than " XSTR(NAME_MAX_LEN) " characters";
}

const char *mf_check_id(const char *s)
{
	return id_valid(s, strlen(s)) ? NULL : id_reason(s);
}

/* A name is an id that does not end with '-'. */
const char *mf_check_name(const char *s)
{
	size_t n = strlen(s);

	if (name_valid(s, n))
		return NULL;
	return id_valid(s, n) ? "must not end with '-'" : id_reason(s);
}

int manifest_check_name(const char *s)
{
	return name_valid(s, strlen(s)) ? 0 : -EINVAL;
}

/* berth-update compares it with the bundle's. */
const char *mf_check_compatible(const char *s)
{
	if (compatible_valid(s, strlen(s)))
		return NULL;
	if (!*s)
		return "must not be empty";
	if (!all_in(s, "._-", is_lower_digit))
		return "only lower-case letters, digits, '.', '_' and '-' are allowed";
	return "longer than " XSTR(COMPATIBLE_MAX_LEN) " characters";
}

const char *mf_parse_deadline(const char *s, void *dst)
{
	if (health_deadline_parse(s, strlen(s), dst))
		return "expected a number of seconds from " XSTR(HEALTH_DEADLINE_MIN) " to " XSTR(
		    HEALTH_DEADLINE_MAX);
	return NULL;
}

/* ---- text ---- */

/* Debian Policy 5.6.1: at least two characters, starting alphanumeric. */
const char *mf_check_package(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (!is_lower_digit(s[0]))
		return "must start with a lower-case letter or digit";
	if (!all_in(s, "+.-", is_lower_digit))
		return "only lower-case letters, digits, '+', '.' and '-' are allowed";
	if (strlen(s) < 2)
		return "must be at least 2 characters";
	return NULL;
}

bool mf_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* It ends up in the UKI's .cmdline section, where a newline would split it. */
const char *mf_check_cmdline(const char *s)
{
	return mf_has_control(s) ? "control characters are not allowed" : NULL;
}

static const char *check_label(const char *s, size_t n)
{
	if (n == 0)
		return "empty label";
	if (n > 63)
		return "label longer than 63 characters";
	if (s[0] == '-' || s[n - 1] == '-')
		return "a label must not start or end with '-'";
	for (size_t i = 0; i < n; i++)
		if (!is_lower_digit(s[i]) && s[i] != '-')
			return "only lower-case letters, digits, '-' and '.' are allowed";
	return NULL;
}

/* RFC 1123 labels, lower case only so the name the host reports is the one written here. */
const char *mf_check_hostname(const char *s)
{
	if (!*s)
		return "must not be empty";
	for (;;) {
		size_t n = strcspn(s, ".");
		const char *why = check_label(s, n);
		if (why || !s[n])
			return why;
		s += n + 1;
	}
}

/* "" would be a line with nothing after its key. */
const char *mf_check_line(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_env(const char *s)
{
	size_t n = strcspn(s, "=");

	if (!s[n])
		return "expected KEY=VALUE";
	if (n == 0 || (s[0] >= '0' && s[0] <= '9') ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
		return "the key must be letters, digits and '_', not starting with a digit";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_tty(const char *s)
{
	if (!*s || !all_in(s, "", is_alnum))
		return "expected a tty name of letters and digits, e.g. ttyS0";
	return NULL;
}

/* A key id (8 or 16 hex digits) or a fingerprint (40), as gpg --list-keys prints them. */
const char *mf_check_gpg_key(const char *s)
{
	size_t n = strlen(s);

	if (n < 8 || n > 40 || strspn(s, "0123456789abcdefABCDEF") != n)
		return "expected a key id or fingerprint of 8 to 40 hex digits";
	return NULL;
}

/*
 * lib/version.c's rule; the messages say which part is wrong. No "+build"
 * part: '+' separates the version from the boot counter in UKI file names.
 */
const char *mf_check_version(const char *s)
{
	char core[65];
	const char *dash = strchr(s, '-');

	if (strlen(s) > 64)
		return "longer than 64 characters";
	if (version_valid(s))
		return NULL;
	snprintf(core, sizeof(core), "%.*s", dash ? (int)(dash - s) : (int)strlen(s), s);
	if (!dash || !version_valid(core))
		return "expected MAJOR.MINOR.PATCH[-PRERELEASE], decimal numbers without leading "
		       "zeros";
	if (!dash[1] || strlen(dash + 1) > 32)
		return "the prerelease part must be 1 to 32 characters";
	return "the prerelease part allows only letters, digits, '.' and '-'";
}

int manifest_check_version(const char *s)
{
	return s && mf_check_version(s) == NULL ? 0 : -EINVAL;
}

/* ---- paths ---- */

/* A ".." path component, which could lead out of the folder the path is meant for. */
static bool has_dotdot(const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		if (!s[n])
			return false;
		s += n + 1;
	}
}

/* Paths end up in stage scripts' environment, one per line: no control characters. */
const char *mf_check_relative(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (s[0] == '/')
		return "must be relative to the manifest's folder";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_src(const char *s)
{
	const char *why = mf_check_relative(s);

	if (!why && has_dotdot(s))
		why = "must not contain '..'";
	return why;
}

const char *mf_check_absolute(const char *s)
{
	if (!*s)
		return "must not be empty";
	if (s[0] != '/')
		return "must be an absolute path";
	if (has_dotdot(s))
		return "must not contain '..'";
	if (mf_has_control(s))
		return "control characters are not allowed";
	return NULL;
}

const char *mf_check_dst(const char *s)
{
	const char *why = mf_check_absolute(s);

	if (why)
		return why;
	if (!strcmp(s, "/"))
		return "must not be '/' itself";
	if (strstr(s, "//"))
		return "must not contain '//'";
	if (s[strlen(s) - 1] == '/')
		return "must not end with '/'";
	return NULL;
}

/*
 * A glob over module paths relative to /lib/modules/<release>/kernel/: the
 * build matches it with bash's [[ == ]], fnmatch without FNM_PATHNAME, so
 * only characters that read the same there and to fnmatch are allowed (no
 * '\\', no space: the build passes the globs one per line).
 */
const char *mf_check_module_glob(const char *s)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789_-.+,/*?[]!";
	size_t n = strlen(s);

	if (n == 0)
		return "must not be empty";
	if (mf_has_control(s))
		return "control characters are not allowed";
	if (s[0] == '/')
		return "must be relative to /lib/modules/RELEASE/kernel/, such as drivers/nvme/*";
	if (has_dotdot(s))
		return "must not contain '..'";
	if (strspn(s, allowed) != n)
		return "only letters, digits, '_-.+,/' and the wildcards '*', '?', '[...]' are "
		       "allowed";
	if (strstr(s, "//") || !strcmp(s, ".") || !strncmp(s, "./", 2) || strstr(s, "/./") ||
	    (n >= 2 && !strcmp(s + n - 2, "/.")))
		return "must not contain '//' or '.' components";
	if (s[n - 1] == '/')
		return "must not end with '/' (DIR/* names the modules under DIR)";
	return NULL;
}

/* ---- numbers ---- */

/* The scalar's text read as octal, however YAML would type it: "0644" and 0644 alike. */
const char *mf_parse_mode(const char *s, void *dst)
{
	size_t n = strlen(s);
	unsigned long v;

	if (n == 0 || n > 6 || strspn(s, "01234567") != n)
		return "expected an octal mode such as 0644";
	v = strtoul(s, NULL, 8);
	if (v > 07777)
		return "more than 07777";
	*(unsigned *)dst = (unsigned)v;
	return NULL;
}

/* Strict: YAML 1.1's yes, no, on and off read as words elsewhere in the manifest. */
const char *mf_parse_bool(const char *s, void *dst)
{
	if (strcmp(s, "true") && strcmp(s, "false"))
		return "expected true or false";
	*(bool *)dst = !strcmp(s, "true");
	return NULL;
}

/* A uid or gid: decimal, and never (uid_t)-1, which chown(2) reads as "unchanged". */
static const char *owner_number(const char **p, unsigned *out)
{
	size_t n = strspn(*p, "0123456789");
	unsigned long long v;

	if (n == 0 || n > 10)
		return "expected UID:GID, decimal numbers such as 0:0";
	v = strtoull(*p, NULL, 10);
	if (v >= 0xffffffffULL)
		return "uid and gid must be less than 4294967295";
	*out = (unsigned)v;
	*p += n;
	return NULL;
}

const char *mf_parse_owner(const char *s, void *dst)
{
	struct manifest_file *f = dst;
	unsigned uid, gid;
	const char *why = owner_number(&s, &uid);

	if (!why && *s++ != ':')
		why = "expected UID:GID, decimal numbers such as 0:0";
	if (!why)
		why = owner_number(&s, &gid);
	if (!why && *s)
		why = "expected UID:GID, decimal numbers such as 0:0";
	if (why)
		return why;
	f->uid = uid;
	f->gid = gid;
	return NULL;
}

const char *mf_size_reason(const char *s, uint64_t *bytes)
{
	uint64_t v = 0, unit = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return "number too large";
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || (*p && p[1]))
		return "expected a whole number with an optional K, M or G suffix";
	if (*p)
		unit = *p == 'K' ? 1024 : *p == 'M' ? MIB : *p == 'G' ? 1024 * MIB : 0;
	if (!unit)
		return "expected a whole number with an optional K, M or G suffix";
	if (v > UINT64_MAX / unit)
		return "number too large";
	if (v == 0)
		return "must be greater than zero";
	if ((v * unit) % MIB)
		return "must be a whole number of MiB";
	*bytes = v * unit;
	return NULL;
}

int manifest_parse_size(const char *s, uint64_t *bytes)
{
	return s && mf_size_reason(s, bytes) == NULL ? 0 : -EINVAL;
}
