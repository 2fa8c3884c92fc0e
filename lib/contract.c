/* The rules of the build-to-device contract (see contract.h). */
#include "contract.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

const char *const net_words[] = {[NET_HOST] = "host", [NET_NONE] = "none", NULL};
const char *const runtime_words[] = {[RUNTIME_CRUN] = "crun", [RUNTIME_RUNC] = "runc", NULL};
const char *const restart_words[] = {
    [RESTART_ALWAYS] = "always", [RESTART_ON_FAILURE] = "on-failure", [RESTART_NO] = "no", NULL};
const char *const probe_words[] = {
    [PROBE_NONE] = "", [PROBE_HTTP] = "http", [PROBE_TCP] = "tcp", [PROBE_EXEC] = "exec", NULL};
const char *const provision_source_words[] = {[SOURCE_NOCLOUD] = "nocloud",
					      [SOURCE_CONFIG_2] = "config-2",
					      [SOURCE_EC2] = "ec2",
					      [SOURCE_GCE] = "gce",
					      [SOURCE_AZURE] = "azure",
					      [SOURCE_OPENSTACK] = "openstack",
					      NULL};

int word_index(const char *const words[], const char *s)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i;
	return -1;
}

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

#define LOWER_DIGIT "abcdefghijklmnopqrstuvwxyz0123456789"

bool id_valid(const char *s, size_t n)
{
	return n > 0 && n <= NAME_MAX_LEN && all_in(s, 1, LOWER_DIGIT) &&
	       all_in(s, n, LOWER_DIGIT "-");
}

/* Also a DNS label as to '-', so that it can serve as a hostname. */
bool name_valid(const char *s, size_t n)
{
	return id_valid(s, n) && s[n - 1] != '-';
}

bool compatible_valid(const char *s, size_t n)
{
	return n > 0 && n <= COMPATIBLE_MAX_LEN && all_in(s, n, LOWER_DIGIT "._-");
}

int decimal_parse(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int health_deadline_parse(const char *s, size_t n, unsigned *seconds)
{
	unsigned v;

	if (decimal_parse(s, n, HEALTH_DEADLINE_MAX, &v) < 0 || v < HEALTH_DEADLINE_MIN)
		return -EINVAL;
	*seconds = v;
	return 0;
}

const char *provision_address_parse(const char *s, uint32_t *addr, uint16_t *port)
{
	char host[16];
	struct in_addr a;
	unsigned p = 80;

	if (strncmp(s, "http://", 7))
		return "expected http://IPV4[:PORT]";
	s += 7;
	size_t n = strcspn(s, ":");
	if (n >= sizeof(host))
		return "expected an IPv4 address after http://";
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return "expected an IPv4 address after http://";
	if (s[n] && (decimal_parse(s + n + 1, strlen(s + n + 1), 65535, &p) < 0 || p == 0))
		return "expected a port from 1 to 65535 after the address";
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return NULL;
}

int security_epoch_parse(const char *s, size_t n, unsigned *epoch)
{
	return decimal_parse(s, n, SECURITY_EPOCH_MAX, epoch);
}
