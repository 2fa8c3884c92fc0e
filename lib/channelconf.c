/* channel.conf (see channelconf.h). */
#include "channelconf.h"
#include "errf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

int check_interval_parse(const char *s, size_t n, unsigned *seconds)
{
	unsigned v;

	if (decimal_parse(s, n, CHECK_INTERVAL_MAX, &v) < 0 || v < CHECK_INTERVAL_MIN)
		return -EINVAL;
	*seconds = v;
	return 0;
}

/* Dotted IPv4: four decimals 0-255, no leading zeros (which some read as octal). */
static bool ipv4_valid(const char *s, size_t n)
{
	unsigned v, parts = 0;

	for (size_t i = 0;; i++) {
		const char *dot = memchr(s + i, '.', n - i);
		size_t len = dot ? (size_t)(dot - (s + i)) : n - i;
		if (decimal_parse(s + i, len, 255, &v) < 0)
			return false;
		parts++;
		i += len;
		if (i == n)
			return parts == 4;
	}
}

static bool label_char(char c)
{
	return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/*
 * A DNS name: labels of 1 to 63 letters, digits and '-', not at either
 * end; a name whose last label is digits alone is a dotted IPv4 address.
 */
static const char *host_check(const char *s, size_t n)
{
	size_t start = 0;
	bool numeric = true; /* the label so far is digits alone */

	if (n == 0 || n > 253)
		return "the host must be 1 to 253 characters";
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!label_char(s[i]))
				return "the host may hold only letters, digits, '-' and '.'";
			numeric = numeric && digit(s[i]);
			continue;
		}
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return "each label of the host must be 1 to 63 characters, without '-' at "
			       "either end";
		start = i + 1;
		if (i < n)
			numeric = true;
	}
	if (numeric && !ipv4_valid(s, n))
		return "a host of numbers must be a dotted IPv4 address";
	return NULL;
}

/* PATH: '/' first and last, printable ASCII but space, '?' and '#'. */
static const char *path_check(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/' || s[n - 1] != '/')
		return "the path must start and end with '/'";
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '?' || s[i] == '#')
			return "the path may hold only printable ASCII, without space, '?' and '#'";
	return NULL;
}

const char *channel_url_check(const char *s, size_t n)
{
	unsigned port;

	_Static_assert(CHANNEL_URL_MAX == 200, "the message names the limit");
	if (n > CHANNEL_URL_MAX)
		return "longer than 200 characters";
	if (n < 7 || strncmp(s, "http://", 7))
		return "expected http://HOST[:PORT]/PATH/";
	s += 7;
	n -= 7;
	size_t host = 0, path;
	while (host < n && s[host] != ':' && s[host] != '/')
		host++;
	const char *why = host_check(s, host);
	if (why)
		return why;
	for (path = host; path < n && s[path] != '/';)
		path++;
	if (path > host &&
	    (decimal_parse(s + host + 1, path - host - 1, 65535, &port) < 0 || !port))
		return "the port must be 1 to 65535";
	return path_check(s + path, n - path);
}

/* "HH:MM" at S (5 bytes) into minutes after 00:00: 0 or -EINVAL. */
static int clock_parse(const char *s, unsigned *min)
{
	for (int i = 0; i < 5; i++)
		if (i == 2 ? s[i] != ':' : !digit(s[i]))
			return -EINVAL;
	unsigned h = (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
	unsigned m = (unsigned)(s[3] - '0') * 10 + (unsigned)(s[4] - '0');
	if (h > 23 || m > 59)
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

static bool word_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(s, word, n);
}

const char *reboot_policy_parse(const char *s, size_t n, struct channel_conf *c)
{
	unsigned start, end;

	if (word_is(s, n, "immediate") || word_is(s, n, "manual")) {
		c->reboot = s[0] == 'i' ? REBOOT_IMMEDIATE : REBOOT_MANUAL;
		c->window_start = c->window_end = 0;
		return NULL;
	}
	if (n != 11 || s[5] != '-' || clock_parse(s, &start) < 0 || clock_parse(s + 6, &end) < 0)
		return "expected immediate, manual or a daily window HH:MM-HH:MM (UTC)";
	if (start == end)
		return "the window must end at another time than it starts";
	c->reboot = REBOOT_WINDOW;
	c->window_start = start;
	c->window_end = end;
	return NULL;
}

bool reboot_window_open(const struct channel_conf *c, unsigned min)
{
	if (c->reboot != REBOOT_WINDOW)
		return c->reboot == REBOOT_IMMEDIATE;
	if (c->window_start < c->window_end)
		return min >= c->window_start && min < c->window_end;
	return min >= c->window_start || min < c->window_end; /* it passes midnight */
}

_Static_assert(CHECK_INTERVAL_MIN == 10 && CHECK_INTERVAL_MAX == 604800,
	       "take()'s message names the limits");

/* Line NO's value, V (N bytes), into C: why it is bad, or NULL. */
static const char *take(unsigned no, const char *v, size_t n, struct channel_conf *c)
{
	switch (no) {
	case 1: {
		const char *why = channel_url_check(v, n);
		if (!why)
			memcpy(c->url, v, n);
		return why;
	}
	case 2:
		if (check_interval_parse(v, n, &c->interval) < 0)
			return "expected a whole number of seconds from 10 to 604800";
		return NULL;
	default:
		return reboot_policy_parse(v, n, c);
	}
}

int channel_conf_parse(const char *text, struct channel_conf *c, char *err, size_t errlen)
{
	static const char *const keys[] = {CHC_CHANNEL, CHC_CHECK_INTERVAL, CHC_REBOOT};
	const char *line = text;

	memset(c, 0, sizeof(*c));
	for (unsigned no = 1; no <= 3; no++) {
		const char *key = keys[no - 1], *end = strchr(line, '\n');
		size_t klen = strlen(key);
		if (!end || strncmp(line, key, klen) || line[klen] != ' ')
			return errf_line(err, errlen, no, "expected \"%s VALUE\" and a newline",
					 key);
		const char *why = take(no, line + klen + 1, (size_t)(end - line) - klen - 1, c);
		if (why)
			return errf_line(err, errlen, no, "%s: %s", key, why);
		line = end + 1;
	}
	if (*line)
		return errf_line(err, errlen, 4, "nothing may follow the " CHC_REBOOT " line");
	return 0;
}

void reboot_policy_format(const struct channel_conf *c, char out[REBOOT_POLICY_LEN + 1])
{
	if (c->reboot == REBOOT_WINDOW)
		snprintf(out, REBOOT_POLICY_LEN + 1, "%02u:%02u-%02u:%02u",
			 c->window_start / 60 % 24, c->window_start % 60, c->window_end / 60 % 24,
			 c->window_end % 60);
	else
		strcpy(out, c->reboot == REBOOT_MANUAL ? "manual" : "immediate");
}

int channel_conf_format(const struct channel_conf *c, char *out, size_t size)
{
	char policy[REBOOT_POLICY_LEN + 1];

	reboot_policy_format(c, policy);
	int n =
	    snprintf(out, size, CHC_CHANNEL " %s\n" CHC_CHECK_INTERVAL " %u\n" CHC_REBOOT " %s\n",
		     c->url, c->interval, policy);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}
