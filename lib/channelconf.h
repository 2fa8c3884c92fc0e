/*
 * channel.conf: which update channel a machine follows and how
 * (docs/fleet.md). `berth build` writes CHANNEL_CONF from the manifest's
 * update.channel, update.check_interval and update.reboot; berth-provision
 * writes RUN_CHANNEL_CONF when user data sets any of them (the image's
 * values for the rest). Readers take RUN_CHANNEL_CONF when it exists, else
 * CHANNEL_CONF; without either, the machine follows no channel. Exactly
 * these lines, in this order:
 *
 *   channel URL                 http://HOST[:PORT]/PATH/ (ends in '/'; the
 *                               index is URL "index")
 *   check-interval SECONDS      CHECK_INTERVAL_MIN..CHECK_INTERVAL_MAX
 *   reboot POLICY               immediate | manual | HH:MM-HH:MM (UTC; a
 *                               daily window, may pass midnight;
 *                               start and end differ)
 *
 * Each "KEY VALUE" with one space and a newline; no comments, blank lines
 * or anything after, so that a file parses only as channel_conf_format()
 * writes it. Pure parsing: tests/unit/test_channelconf.c runs it on the host.
 */
#ifndef BERTH_CHANNELCONF_H
#define BERTH_CHANNELCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "contract.h"

/* The keys, in their order (berth-init reads the first two, berth-update all). */
#define CHC_CHANNEL "channel"
#define CHC_CHECK_INTERVAL "check-interval"
#define CHC_REBOOT "reboot"

#define CHANNEL_URL_MAX 200
#define CHECK_INTERVAL_MIN 10
#define CHECK_INTERVAL_MAX 604800
#define CHECK_INTERVAL_DEFAULT 3600

enum reboot_policy { REBOOT_IMMEDIATE, REBOOT_MANUAL, REBOOT_WINDOW };

struct channel_conf {
	char url[CHANNEL_URL_MAX + 1];
	unsigned interval; /* seconds */
	enum reboot_policy reboot;
	/* minutes after 00:00 UTC, 0 to 1439; REBOOT_WINDOW only (else 0) */
	unsigned window_start, window_end;
};

/* TEXT (NUL-terminated) into C. 0, or -EINVAL with ERR ("line N: ..."). */
int channel_conf_parse(const char *text, struct channel_conf *c, char *err, size_t errlen);
/* C as channel.conf text into OUT (SIZE bytes): its length, or -ENOSPC. */
int channel_conf_format(const struct channel_conf *c, char *out, size_t size);

/*
 * The N bytes at S as check-interval (and the manifest's update.check_interval):
 * decimal seconds without a leading zero, CHECK_INTERVAL_MIN to
 * CHECK_INTERVAL_MAX. 0 or -EINVAL.
 */
int check_interval_parse(const char *s, size_t n, unsigned *seconds);
/*
 * Whether S (N bytes) is a channel URL as above: NULL, or why not. HOST is
 * a DNS name (labels of [A-Za-z0-9-], none starting or ending with '-') or
 * a dotted IPv4 address; PORT 1 to 65535; PATH printable ASCII without
 * space, '?' and '#'; at most CHANNEL_URL_MAX bytes in all.
 */
const char *channel_url_check(const char *s, size_t n);
/*
 * "immediate", "manual" or "HH:MM-HH:MM" (N bytes; two digits each, start
 * and end differ) into C's reboot fields: NULL, or why not.
 */
const char *reboot_policy_parse(const char *s, size_t n, struct channel_conf *c);
#define REBOOT_POLICY_LEN 11 /* "HH:MM-HH:MM" */
/* C's reboot policy as channel.conf and the manifest spell it into OUT. */
void reboot_policy_format(const struct channel_conf *c, char out[REBOOT_POLICY_LEN + 1]);
/*
 * Whether minute MIN (0 to 1439) of the day (UTC) is inside C's window
 * (start inclusive, end exclusive; a window whose end is before its start
 * passes midnight). REBOOT_IMMEDIATE: every minute is; REBOOT_MANUAL: none.
 */
bool reboot_window_open(const struct channel_conf *c, unsigned min);

#endif
