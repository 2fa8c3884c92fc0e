/* unit: lib/channelconf.c lib/contract.c lib/errf.c */
/* channel.conf (lib/channelconf.h): the URL rule, the reboot window, every bad line, round trips.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "channelconf.h"
#include "check.h"

static struct channel_conf c;
static char err[256];

static int parse(const char *text)
{
	memset(&c, 0x55, sizeof(c));
	err[0] = '\0';
	return channel_conf_parse(text, &c, err, sizeof(err));
}

/* Whether TEXT is refused with a message that holds WANT. */
static bool refused(const char *text, const char *want)
{
	if (parse(text) != -EINVAL || !strstr(err, want)) {
		printf("# got \"%s\", want \"%s\"\n", err, want);
		return false;
	}
	return true;
}

static bool url_ok(const char *s)
{
	return channel_url_check(s, strlen(s)) == NULL;
}

/* Whether URL S is refused for a reason holding WANT. */
static bool url_refused(const char *s, const char *want)
{
	const char *why = channel_url_check(s, strlen(s));

	return why && strstr(why, want);
}

static void test_good(void)
{
	CHECK(parse("channel http://updates.example.com/stable/\ncheck-interval 3600\n"
		    "reboot immediate\n") == 0 &&
		  !strcmp(c.url, "http://updates.example.com/stable/") && c.interval == 3600 &&
		  c.reboot == REBOOT_IMMEDIATE && c.window_start == 0 && c.window_end == 0,
	      "immediate");
	CHECK(parse("channel http://10.0.2.2:8080/\ncheck-interval 10\nreboot manual\n") == 0 &&
		  !strcmp(c.url, "http://10.0.2.2:8080/") && c.interval == CHECK_INTERVAL_MIN &&
		  c.reboot == REBOOT_MANUAL,
	      "manual, an IPv4 address and port, the shortest interval");
	CHECK(parse("channel http://h/a/b/\ncheck-interval 604800\nreboot 23:30-00:15\n") == 0 &&
		  c.interval == CHECK_INTERVAL_MAX && c.reboot == REBOOT_WINDOW &&
		  c.window_start == 23 * 60 + 30 && c.window_end == 15,
	      "a window passing midnight, the longest interval");
}

static void test_bad_lines(void)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"", "line 1: expected \"channel VALUE\""},
	    {"channel http://h/\n", "line 2: expected \"check-interval VALUE\""},
	    {"channel http://h/\ncheck-interval 60\n", "line 3: expected \"reboot VALUE\""},
	    {"channel http://h/\ncheck-interval 60\nreboot manual",
	     "line 3: expected \"reboot VALUE\" and a newline"},
	    {"channel http://h/\ncheck-interval 60\nreboot manual\n\n",
	     "line 4: nothing may follow the reboot line"},
	    {"channel http://h/\ncheck-interval 60\nreboot manual\nreboot manual\n",
	     "line 4: nothing may follow"},
	    {"# channel.conf\nchannel http://h/\ncheck-interval 60\nreboot manual\n",
	     "line 1: expected \"channel VALUE\""},
	    {"\nchannel http://h/\ncheck-interval 60\nreboot manual\n", "line 1: expected"},
	    {"check-interval 60\nchannel http://h/\nreboot manual\n", "line 1: expected"},
	    {"channel http://h/\nreboot manual\ncheck-interval 60\n",
	     "line 2: expected \"check-interval VALUE\""},
	    {"channel\nhttp://h/\ncheck-interval 60\nreboot manual\n", "line 1: expected"},
	    {"channel\thttp://h/\ncheck-interval 60\nreboot manual\n", "line 1: expected"},
	    {"channels http://h/\ncheck-interval 60\nreboot manual\n", "line 1: expected"},
	    {"channel  http://h/\ncheck-interval 60\nreboot manual\n",
	     "line 1: channel: expected http://HOST[:PORT]/PATH/"},
	    {"channel http://h/ \ncheck-interval 60\nreboot manual\n",
	     "line 1: channel: the path must start and end with '/'"},
	    {"channel http://h/a b/\ncheck-interval 60\nreboot manual\n",
	     "line 1: channel: the path may hold only printable ASCII"},
	    {"channel http://h/\r\ncheck-interval 60\nreboot manual\n",
	     "line 1: channel: the path"},
	    {"channel https://h/\ncheck-interval 60\nreboot manual\n",
	     "line 1: channel: expected http://"},
	    {"channel \ncheck-interval 60\nreboot manual\n", "line 1: channel: expected http://"},
	    {"channel http://h/\ncheck-interval 9\nreboot manual\n",
	     "line 2: check-interval: expected a whole number of seconds from 10 to 604800"},
	    {"channel http://h/\ncheck-interval 604801\nreboot manual\n", "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval 0060\nreboot manual\n", "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval 1h\nreboot manual\n", "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval -60\nreboot manual\n", "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval \nreboot manual\n", "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval 99999999999\nreboot manual\n",
	     "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval 4294967356\nreboot manual\n",
	     "line 2: check-interval"},
	    {"channel http://h/\ncheck-interval 60\nreboot never\n",
	     "line 3: reboot: expected immediate, manual or a daily window HH:MM-HH:MM (UTC)"},
	    {"channel http://h/\ncheck-interval 60\nreboot Manual\n", "line 3: reboot: expected"},
	    {"channel http://h/\ncheck-interval 60\nreboot manual \n", "line 3: reboot: expected"},
	    {"channel http://h/\ncheck-interval 60\nreboot 02:00-02:00\n",
	     "line 3: reboot: the window must end at another time than it starts"},
	};
	char name[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad file %zu: %.40s", i, bad[i].err);
		CHECK(refused(bad[i].text, bad[i].err), name);
	}
}

static void test_urls(void)
{
	char longest[CHANNEL_URL_MAX + 2] = "http://h/";

	CHECK(url_ok("http://h/"), "url: the shortest");
	CHECK(url_ok("http://Updates.EXAMPLE.com/stable/"), "url: upper case in the host");
	CHECK(url_ok("http://a-b.c0.example/x/y-z_1.2~%41/"),
	      "url: '-' inside labels; a long path");
	CHECK(url_ok("http://0.0.0.0/") && url_ok("http://255.255.255.255:65535/"),
	      "url: IPv4 at both ends, the highest port");
	CHECK(url_ok("http://h:1/") && url_ok("http://1a.2b/"),
	      "url: port 1; labels that start with a digit");
	CHECK(url_ok("http://"
		     "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0/"),
	      "url: a label of 63");
	memset(longest + 9, 'a', CHANNEL_URL_MAX - 10);
	longest[CHANNEL_URL_MAX - 1] = '/';
	CHECK(strlen(longest) == CHANNEL_URL_MAX && url_ok(longest), "url: 200 characters");
	strcat(longest, "/");
	CHECK(url_refused(longest, "longer than 200"), "url: 201 characters");

	static const char *const bad[][2] = {
	    {"https://h/", "expected http://"},
	    {"HTTP://h/", "expected http://"},
	    {"http:/h/", "expected http://"},
	    {"http://", "the host must be 1 to 253"},
	    {"http:///x/", "the host must be 1 to 253"},
	    {"http://:80/", "the host must be 1 to 253"},
	    {"http://h", "the path must start and end with '/'"},
	    {"http://h:80", "the path must start and end with '/'"},
	    {"http://h/stable", "the path must start and end with '/'"},
	    {"http://h/index?x/", "printable ASCII, without space, '?' and '#'"},
	    {"http://h/a#b/", "without space, '?' and '#'"},
	    {"http://h/a b/", "without space"},
	    {"http://h/\x7f/", "printable ASCII"},
	    {"http://h/\xc3\xa9/", "printable ASCII"},
	    {"http://h:0/", "the port must be 1 to 65535"},
	    {"http://h:65536/", "the port must be 1 to 65535"},
	    {"http://h:080/", "the port must be 1 to 65535"},
	    {"http://h:/", "the port must be 1 to 65535"},
	    {"http://h:8a/", "the port must be 1 to 65535"},
	    {"http://h:99999999999/", "the port must be 1 to 65535"},
	    {"http://user@h/", "only letters, digits, '-' and '.'"},
	    {"http://h_1/", "only letters, digits, '-' and '.'"},
	    {"http://[::1]/", "only letters, digits, '-' and '.'"},
	    {"http://-h/", "each label of the host must be 1 to 63"},
	    {"http://h-.example/", "without '-' at either end"},
	    {"http://a..b/", "each label"},
	    {"http://.h/", "each label"},
	    {"http://h./", "each label"},
	    {"http://abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01/",
	     "1 to 63 characters"},
	    {"http://256.0.0.1/", "a host of numbers must be a dotted IPv4 address"},
	    {"http://1.2.3/", "dotted IPv4"},
	    {"http://1.2.3.4.5/", "dotted IPv4"},
	    {"http://01.2.3.4/", "dotted IPv4"},
	    {"http://1234/", "dotted IPv4"},
	    {"http://example.123/", "dotted IPv4"},
	};
	char name[96];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "url refused: %s", bad[i][0]);
		CHECK(url_refused(bad[i][0], bad[i][1]), name);
	}
	CHECK(channel_url_check("http://h/x", 9) == NULL, "url: only its N bytes count");
}

/* The policy S into c: its window, or why not. */
static const char *policy(const char *s)
{
	memset(&c, 0x55, sizeof(c));
	return reboot_policy_parse(s, strlen(s), &c);
}

static bool open_at(unsigned h, unsigned m)
{
	return reboot_window_open(&c, h * 60 + m);
}

static void test_window(void)
{
	CHECK(!policy("02:00-04:30") && c.window_start == 120 && c.window_end == 270 &&
		  !open_at(1, 59) && open_at(2, 0) && open_at(2, 1) && open_at(4, 29) &&
		  !open_at(4, 30) && !open_at(23, 59) && !open_at(0, 0),
	      "window 02:00-04:30: from its first minute to before its last");
	CHECK(!policy("23:30-00:30") && !open_at(23, 29) && open_at(23, 30) && open_at(23, 59) &&
		  open_at(0, 0) && open_at(0, 29) && !open_at(0, 30) && !open_at(12, 0),
	      "window 23:30-00:30 passes midnight");
	CHECK(!policy("22:00-00:00") && open_at(22, 0) && open_at(23, 59) && !open_at(0, 0) &&
		  !open_at(21, 59),
	      "window 22:00-00:00 ends at midnight");
	CHECK(!policy("00:00-00:01") && open_at(0, 0) && !open_at(0, 1) && !open_at(23, 59),
	      "window of one minute");
	CHECK(!policy("00:01-00:00") && !open_at(0, 0) && open_at(0, 1) && open_at(23, 59),
	      "window of all but one minute");
	CHECK(!policy("23:59-00:00") && open_at(23, 59) && !open_at(0, 0) && !open_at(23, 58),
	      "the day's last minute");

	bool always = !policy("immediate") && c.reboot == REBOOT_IMMEDIATE;
	bool never = true;
	for (unsigned min = 0; min < 24 * 60; min++)
		always = always && reboot_window_open(&c, min);
	policy("manual");
	for (unsigned min = 0; min < 24 * 60; min++)
		never = never && !reboot_window_open(&c, min);
	CHECK(always, "immediate: every minute is open");
	CHECK(c.reboot == REBOOT_MANUAL && c.window_start == 0 && c.window_end == 0 && never,
	      "manual: no minute is open");

	static const char *const bad[] = {
	    "24:00-01:00",  "12:60-13:00", "1:00-02:00",       "01:00-2:00",  "01:00 02:00",
	    "01:00-02:00x", "01:00-02:0",  "0a:00-02:00",      "01:00--2:00", "",
	    "immediate ",   "Immediate",   "01:00-02:00-03:00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "reboot refused: '%s'", bad[i]);
		CHECK(policy(bad[i]) != NULL, name);
	}
}

/* C formatted, parsed back to the same struct and formatted to the same bytes. */
static bool round_trip(const struct channel_conf *in)
{
	char text[512], again[512];
	int n = channel_conf_format(in, text, sizeof(text));

	if (n < 0 || (size_t)n != strlen(text) || parse(text) != 0) {
		printf("# %s: %s\n", text, err);
		return false;
	}
	return !memcmp(&c, in, sizeof(c)) && channel_conf_format(&c, again, sizeof(again)) == n &&
	       !strcmp(text, again);
}

static void test_round_trip(void)
{
	struct channel_conf in;
	char text[512];

	memset(&in, 0, sizeof(in));
	strcpy(in.url, "http://updates.example.com:8080/berth/stable/");
	in.interval = CHECK_INTERVAL_DEFAULT;
	CHECK(round_trip(&in), "round trip: immediate");
	CHECK(channel_conf_format(&in, text, sizeof(text)) > 0 &&
		  !strcmp(text, "channel http://updates.example.com:8080/berth/stable/\n"
				"check-interval 3600\nreboot immediate\n"),
	      "format: the three lines");
	in.reboot = REBOOT_MANUAL;
	in.interval = CHECK_INTERVAL_MIN;
	CHECK(round_trip(&in), "round trip: manual");
	in.reboot = REBOOT_WINDOW;
	in.window_start = 23 * 60 + 59;
	in.window_end = 0;
	in.interval = CHECK_INTERVAL_MAX;
	memset(in.url, 'a', CHANNEL_URL_MAX);
	memcpy(in.url, "http://h/", 9);
	in.url[CHANNEL_URL_MAX - 1] = '/';
	CHECK(round_trip(&in), "round trip: a window, the longest URL and interval");
	CHECK(channel_conf_format(&in, text, sizeof(text)) > 0 &&
		  strstr(text, "\nreboot 23:59-00:00\n"),
	      "format: the window as HH:MM-HH:MM");
	int n = channel_conf_format(&in, text, sizeof(text));
	CHECK(channel_conf_format(&in, text, (size_t)n) == -ENOSPC &&
		  channel_conf_format(&in, text, (size_t)n + 1) == n,
	      "format: -ENOSPC without room for the NUL");
}

int main(void)
{
	test_good();
	test_bad_lines();
	test_urls();
	test_window();
	test_round_trip();
	return CHECK_DONE();
}
