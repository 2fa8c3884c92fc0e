/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's update: section. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest_fixture.h"

/* Lines 1-5; the section under test starts on line 6. */
#define BASE FX_BASE("rootfs: {}")

/* SECRET: the all-zero seed and its public key, A. */
#define HEX_A "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
#define HEX_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define SEED "0000000000000000000000000000000000000000000000000000000000000000"
#define PUB_A HEX_A "\n"
#define PUB_B HEX_B "\n"
#define SECRET SEED HEX_A "\n"

static const char *const files[][2] = {
    {"keys/a.pub", PUB_A},
    {"keys/b.pub", PUB_B},
    {"old/a.pub", PUB_B},
    {"keys/upper.pub", "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n"},
    {"keys/short.pub", "0011\n"},
    {"keys/release.key", SECRET},
    {"keys/open.key", SECRET},
    {"keys/damaged.key", SEED HEX_B "\n"},
};

/* The folders and files the manifests below name; keys/k0.pub to k8.pub are more than fit. */
static void make_files(void)
{
	char name[32];

	fx_mkdir("keys");
	fx_mkdir("old");
	fx_mkdir("keys/dir.pub");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fx_write(files[i][0], files[i][1]);
	for (int i = 0; i <= UPDATE_KEYS_MAX; i++) {
		snprintf(name, sizeof(name), "keys/k%d.pub", i);
		fx_write(name, PUB_A);
	}
	fx_chmod("keys/release.key", 0600);
	fx_chmod("keys/damaged.key", 0600);
	fx_chmod("keys/open.key", 0640);
}

static bool key_is(size_t i, const char *hex)
{
	char got[65];

	for (int j = 0; j < 32; j++)
		snprintf(got + 2 * j, 3, "%02x", m.update.keys[i].key[j]);
	return !strncmp(got, hex, 64);
}

static void test_update(void)
{
	CHECK(fx_load("") == 0 && !strcmp(m.update.compatible, "berth-x86_64") &&
		  m.update.health_deadline == 300 && m.update.n_keys == 0 &&
		  !m.update.signing_key[0] && m.update.security_epoch == 0,
	      "no update: section: the defaults, no keys, no signing key, epoch 0");
	CHECK(fx_load("update:\n  keys: [keys/a.pub]\n") == 0 &&
		  !strcmp(m.update.compatible, "berth-x86_64") && m.update.health_deadline == 300 &&
		  m.update.n_keys == 1 && !strcmp(m.update.keys[0].path, "keys/a.pub") &&
		  key_is(0, PUB_A) && !m.update.signing_key[0],
	      "keys only: the defaults");
	CHECK(fx_load("update:\n"
		      "  compatible: berth.edge_x86-64\n"
		      "  keys:\n"
		      "    - keys/a.pub\n"
		      "    - keys/b.pub\n"
		      "  signing_key: keys/release.key\n"
		      "  health_deadline: 3600\n"
		      "  security_epoch: 65535\n") == 0 &&
		  !strcmp(m.update.compatible, "berth.edge_x86-64") && m.update.n_keys == 2 &&
		  key_is(0, PUB_A) && key_is(1, PUB_B) &&
		  !strcmp(m.update.signing_key, "keys/release.key") &&
		  m.update.health_deadline == 3600 && m.update.security_epoch == 65535,
	      "every key of update:");
	CHECK(fx_load("update: {keys: [keys/a.pub], health_deadline: 10, signing_key: }\n") == 0 &&
		  m.update.health_deadline == 10 && !m.update.signing_key[0],
	      "deadline 10; an empty signing_key is none");
	CHECK(fx_load("update: {keys: [keys/a.pub], security_epoch: 0}\n") == 0 &&
		  m.update.security_epoch == 0,
	      "security epoch 0");
	CHECK(fx_load("update: {keys: [keys/a.pub], compatible: " // 64 characters
		      "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01}\n") == 0 &&
		  strlen(m.update.compatible) == 64,
	      "compatible of 64 characters");
}

static void test_update_errors(void)
{
	EXPECT_ERR("update not a mapping", "update: [keys/a.pub]\n", "6:9",
		   "update must be a mapping");
	EXPECT_ERR("update empty", "update:\n", "6:1", "update must be a mapping");
	EXPECT_ERR("unknown key in update", "update:\n  keys: [keys/a.pub]\n  key: x\n", "8:3",
		   "unknown key 'key' in update");
	EXPECT_ERR("update without keys", "update:\n  compatible: berth\n", "7:3",
		   "missing required field 'update.keys'");
	EXPECT_ERR("no keys", "update:\n  keys: []\n", "7:9",
		   "update.keys: at least one public key is needed");
	EXPECT_ERR("keys not a list", "update:\n  keys: keys/a.pub\n", "7:9",
		   "update.keys must be a list");
	CHECK(fx_load("update:\n  keys: [keys/k0.pub, keys/k1.pub, keys/k2.pub, keys/k3.pub, "
		      "keys/k4.pub, keys/k5.pub, keys/k6.pub, keys/k7.pub]\n") == 0 &&
		  m.update.n_keys == 8,
	      "eight keys");
	EXPECT_ERR("nine keys",
		   "update:\n  keys: [keys/k0.pub, keys/k1.pub, keys/k2.pub, keys/k3.pub, "
		   "keys/k4.pub, keys/k5.pub, keys/k6.pub, keys/k7.pub, keys/k8.pub]\n",
		   "7:114", "update.keys has more than 8 items");
	EXPECT_ERR("key file missing", "update:\n  keys: [keys/a.pub, keys/nope.pub]\n", "7:22",
		   "update.keys[1]: 'keys/nope.pub' (relative to the manifest's folder): No such "
		   "file or directory");
	EXPECT_ERR(
	    "key upper-case hex", "update:\n  keys: [keys/upper.pub]\n", "7:10",
	    "update.keys[0]: 'keys/upper.pub' does not hold a key as berth keygen writes it");
	EXPECT_ERR("key too short", "update:\n  keys: [keys/short.pub]\n", "7:10",
		   "expected an Ed25519 public key: 64 lower-case hex digits and a newline");
	EXPECT_ERR("secret key as public key", "update:\n  keys: [keys/release.key]\n", "7:10",
		   "update.keys[0]: 'keys/release.key' does not hold a key");
	EXPECT_ERR("key is a folder", "update:\n  keys: [keys/dir.pub]\n", "7:10",
		   "update.keys[0]: 'keys/dir.pub' is not a regular file");
	EXPECT_ERR("key path with ..", "update:\n  keys: [keys/../keys/a.pub]\n", "7:10",
		   "update.keys[0]: bad key path 'keys/../keys/a.pub': must not contain '..'");
	EXPECT_ERR("absolute key path", "update:\n  keys: [/etc/a.pub]\n", "7:10",
		   "must be relative to the manifest's folder");
	EXPECT_ERR("two keys of one file name",
		   "update:\n  keys:\n    - keys/a.pub\n    - old/a.pub\n", "9:7",
		   "update.keys[1]: a key file named 'a.pub' is already listed (line 8)");
	EXPECT_ERR("compatible upper case", "update:\n  compatible: Berth\n  keys: [keys/a.pub]\n",
		   "7:15", "update.compatible: bad compatible string 'Berth': only lower-case");
	EXPECT_ERR("compatible with /", "update: {compatible: a/b, keys: [keys/a.pub]}\n", "6:22",
		   "bad compatible string 'a/b'");
	EXPECT_ERR("compatible empty", "update: {compatible: '', keys: [keys/a.pub]}\n", "6:22",
		   "must not be empty");
	EXPECT_ERR("compatible of 65",
		   "update: {compatible: "
		   "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz012, keys: "
		   "[keys/a.pub]}\n",
		   "6:22", "update.compatible is too long (65 bytes, at most 64)");
	EXPECT_ERR("deadline 9", "update: {keys: [keys/a.pub], health_deadline: 9}\n", "6:47",
		   "update.health_deadline: bad deadline '9': expected a number of seconds from 10 "
		   "to 3600");
	EXPECT_ERR("deadline 3601", "update: {keys: [keys/a.pub], health_deadline: 3601}\n", "6:47",
		   "bad deadline '3601'");
	EXPECT_ERR("deadline 0300", "update: {keys: [keys/a.pub], health_deadline: 0300}\n", "6:47",
		   "bad deadline '0300'");
	EXPECT_ERR("deadline 5m", "update: {keys: [keys/a.pub], health_deadline: 5m}\n", "6:47",
		   "bad deadline '5m'");
	static const char *const epochs[] = {"65536", "-1", "07", "1.5", "4294967297"};
	for (size_t i = 0; i < sizeof(epochs) / sizeof(epochs[0]); i++) {
		char name[32], yaml[96], want[128];
		snprintf(name, sizeof(name), "epoch %s", epochs[i]);
		snprintf(yaml, sizeof(yaml), "update: {keys: [keys/a.pub], security_epoch: %s}\n",
			 epochs[i]);
		snprintf(want, sizeof(want),
			 "update.security_epoch: bad epoch '%s': expected a whole number from 0 to "
			 "65535",
			 epochs[i]);
		EXPECT_ERR(name, yaml, "6:46", want);
	}
	EXPECT_ERR("signing key missing",
		   "update:\n  keys: [keys/a.pub]\n  signing_key: keys/nope.key\n", "8:16",
		   "update.signing_key: 'keys/nope.key' (relative to the manifest's folder): No "
		   "such file or directory");
	EXPECT_ERR("public key as signing key",
		   "update:\n  keys: [keys/a.pub]\n  signing_key: keys/a.pub\n", "8:16",
		   "update.signing_key: 'keys/a.pub' does not hold a key as berth keygen writes it "
		   "(expected an Ed25519 secret key: 128 lower-case hex digits and a newline)");
	EXPECT_ERR("signing key a list", "update:\n  keys: [keys/a.pub]\n  signing_key: [a]\n",
		   "8:16", "update.signing_key must be a scalar");
}

/* update.channel, check_interval and reboot: the channel the image's machines follow. */
static void test_channel(void)
{
	const struct channel_conf *ch = &m.update.channel;

	CHECK(fx_load("") == 0 && !ch->url[0] && ch->interval == CHECK_INTERVAL_DEFAULT &&
		  ch->reboot == REBOOT_IMMEDIATE,
	      "channel: none without update:");
	CHECK(fx_load("update:\n  keys: [keys/a.pub]\n") == 0 && !ch->url[0],
	      "channel: none without update.channel");
	CHECK(
	    fx_load("update:\n  keys: [keys/a.pub]\n  channel: http://updates.example.com/s/\n") ==
		    0 &&
		!strcmp(ch->url, "http://updates.example.com/s/") &&
		ch->interval == CHECK_INTERVAL_DEFAULT && ch->reboot == REBOOT_IMMEDIATE &&
		ch->window_start == 0 && ch->window_end == 0,
	    "channel: the defaults, every hour and reboot at once");
	CHECK(fx_load("update:\n"
		      "  keys: [keys/a.pub]\n"
		      "  channel: http://10.0.2.2:8080/berth/canary/\n"
		      "  check_interval: 604800\n"
		      "  reboot: 23:00-01:30\n") == 0 &&
		  !strcmp(ch->url, "http://10.0.2.2:8080/berth/canary/") &&
		  ch->interval == CHECK_INTERVAL_MAX && ch->reboot == REBOOT_WINDOW &&
		  ch->window_start == 23 * 60 && ch->window_end == 90,
	      "channel: every key; a window unquoted in block style");
	CHECK(fx_load("update: {keys: [keys/a.pub], channel: 'http://h/', check_interval: 10, "
		      "reboot: manual}\n") == 0 &&
		  ch->interval == CHECK_INTERVAL_MIN && ch->reboot == REBOOT_MANUAL,
	      "channel: manual, the shortest interval");
	CHECK(
	    fx_load(
		"update: {keys: [keys/a.pub], channel: 'http://h/', reboot: \"00:00-06:00\"}\n") ==
		    0 &&
		ch->reboot == REBOOT_WINDOW && ch->window_start == 0 && ch->window_end == 360,
	    "channel: a quoted window");
	CHECK(fx_load("update: {keys: [keys/a.pub], channel: 'http://h/', check_interval: , "
		      "reboot: }\n") == 0 &&
		  ch->interval == CHECK_INTERVAL_DEFAULT && ch->reboot == REBOOT_IMMEDIATE,
	      "channel: keys with nothing after them are the defaults");
	CHECK(fx_load("update: {keys: [keys/a.pub], check_interval: , reboot: }\n") == 0 &&
		  !ch->url[0],
	      "channel: empty check_interval and reboot need no channel");
}

static void test_channel_errors(void)
{
	char yaml[512];

	EXPECT_ERR("check_interval without a channel",
		   "update:\n  keys: [keys/a.pub]\n  check_interval: 60\n", "8:3",
		   "update.check_interval without a channel to check: set update.channel too");
	EXPECT_ERR("reboot without a channel", "update:\n  reboot: manual\n  keys: [keys/a.pub]\n",
		   "7:3", "update.reboot without a channel to check: set update.channel too");
	EXPECT_ERR(
	    "channel https", "update:\n  keys: [keys/a.pub]\n  channel: https://h/\n", "8:12",
	    "update.channel: bad channel URL 'https://h/': expected http://HOST[:PORT]/PATH/");
	EXPECT_ERR("channel without the last /",
		   "update:\n  keys: [keys/a.pub]\n  channel: http://h/stable\n", "8:12",
		   "the path must start and end with '/'");
	EXPECT_ERR("channel with a query",
		   "update:\n  keys: [keys/a.pub]\n  channel: http://h/?ring=1/\n", "8:12",
		   "without space, '?' and '#'");
	EXPECT_ERR("channel port 0", "update:\n  keys: [keys/a.pub]\n  channel: http://h:0/\n",
		   "8:12", "the port must be 1 to 65535");
	EXPECT_ERR("channel bad host", "update:\n  keys: [keys/a.pub]\n  channel: http://h_1/\n",
		   "8:12", "the host may hold only letters, digits, '-' and '.'");
	EXPECT_ERR("channel a list", "update:\n  keys: [keys/a.pub]\n  channel: [http://h/]\n",
		   "8:12", "update.channel must be a scalar");
	snprintf(yaml, sizeof(yaml), "update:\n  keys: [keys/a.pub]\n  channel: http://h/%0*d/\n",
		 CHANNEL_URL_MAX - 9, 0);
	EXPECT_ERR("channel of 201", yaml, "8:12",
		   "update.channel is too long (201 bytes, at most 200)");
	snprintf(yaml, sizeof(yaml), "update:\n  keys: [keys/a.pub]\n  channel: http://h/%0*d/\n",
		 CHANNEL_URL_MAX - 10, 0);
	CHECK(fx_load(yaml) == 0 && strlen(m.update.channel.url) == CHANNEL_URL_MAX,
	      "channel of 200");
	static const char *const intervals[] = {"9", "604801", "0060", "1h", "-60", "1e3"};
	for (size_t i = 0; i < sizeof(intervals) / sizeof(intervals[0]); i++) {
		char name[32], want[128];
		snprintf(name, sizeof(name), "check_interval %s", intervals[i]);
		snprintf(yaml, sizeof(yaml),
			 "update: {keys: [keys/a.pub], channel: 'http://h/', check_interval: %s}\n",
			 intervals[i]);
		snprintf(want, sizeof(want),
			 "update.check_interval: bad check interval '%s': expected a whole number "
			 "of seconds from 10 to 604800",
			 intervals[i]);
		EXPECT_ERR(name, yaml, "6:68", want);
	}
	static const char *const policies[] = {"never",	      "Manual",	       "'24:00-01:00'",
					       "'1:00-2:00'", "'02:00-02:00'", "'02:00-03:00 '"};
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "reboot %s", policies[i]);
		snprintf(yaml, sizeof(yaml),
			 "update: {keys: [keys/a.pub], channel: 'http://h/', reboot: %s}\n",
			 policies[i]);
		EXPECT_ERR(name, yaml, "6:60", "update.reboot: bad reboot policy");
	}
}

/* The secret key the build signs with: its owner's alone, and one the image accepts. */
static void test_signing_key_errors(void)
{
	EXPECT_ERR("signing key readable by its group",
		   "update:\n  keys: [keys/a.pub]\n  signing_key: keys/open.key\n", "8:16",
		   "update.signing_key: the secret key 'keys/open.key' is open to group or others "
		   "(mode 0640)");
	EXPECT_ERR("signing key not among the keys",
		   "update:\n  keys: [keys/b.pub]\n  signing_key: keys/release.key\n", "8:16",
		   "update.signing_key: its public key is not among update.keys");
	EXPECT_ERR("signing key before the keys it is not among",
		   "update:\n  signing_key: keys/release.key\n  keys: [keys/b.pub, old/a.pub]\n",
		   "7:16", "its public key is not among update.keys");
	CHECK(fx_load("update:\n  signing_key: keys/release.key\n  keys: [keys/b.pub, "
		      "keys/a.pub]\n") == 0,
	      "signing key before the keys it is among");
	EXPECT_ERR("signing key of two halves that do not belong together",
		   "update:\n  keys: [keys/b.pub]\n  signing_key: keys/damaged.key\n", "8:16",
		   "'keys/damaged.key' do not belong together");
}

/*
 * A key the manifest reaches through a symlink out of its folder: only from
 * the folder BERTH_KEYS names (the operator's), else a manifest could sign
 * its bundles with any key of the build machine.
 */
static void test_key_place(void)
{
	char elsewhere[] = "/tmp/berth-test-keys-XXXXXX", file[64];
	FILE *f;

	if (!mkdtemp(elsewhere) || snprintf(file, sizeof(file), "%s/a.pub", elsewhere) < 0 ||
	    !(f = fopen(file, "w")) || fputs(PUB_A, f) < 0 || fclose(f) != 0)
		fx_die(elsewhere);
	fx_symlink(elsewhere, "elsewhere");
	unsetenv("BERTH_KEYS");
	EXPECT_ERR("a key through a symlink out, no BERTH_KEYS",
		   "update:\n  keys: [elsewhere/a.pub]\n", "7:10",
		   "update.keys[0]: 'elsewhere/a.pub' leads to '/tmp/berth-test-keys-");
	EXPECT_ERR("and the message says who chooses the folder",
		   "update:\n  keys: [elsewhere/a.pub]\n", "7:10",
		   "outside the manifest's folder; a manifest cannot make the build read keys it "
		   "was not given");
	setenv("BERTH_KEYS", elsewhere, 1);
	CHECK(fx_load("update:\n  keys: [elsewhere/a.pub]\n") == 0 && key_is(0, HEX_A),
	      "a key through a symlink into BERTH_KEYS");
	setenv("BERTH_KEYS", "/usr", 1);
	EXPECT_ERR("a key through a symlink out, BERTH_KEYS another folder",
		   "update:\n  keys: [elsewhere/a.pub]\n", "7:10",
		   "outside the manifest's folder and BERTH_KEYS");
	unsetenv("BERTH_KEYS");
	unlink(file);
	rmdir(elsewhere);
}

int main(void)
{
	fx_setup("test_manifest_update", BASE);
	make_files();
	test_update();
	test_update_errors();
	test_signing_key_errors();
	test_channel();
	test_channel_errors();
	test_key_place();
	fx_cleanup();
	return CHECK_DONE();
}
