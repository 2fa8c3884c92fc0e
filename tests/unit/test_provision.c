/* unit: provision/[cm][oe][nt]*.c image/c*.c image/manifest/[m]*_[cnprw][!o]*.c lib/?*.c -lyaml */
/*
 * Per-machine settings as berth-provision reads and writes them:
 * provision.conf as the build writes it, NoCloud's meta-data, and user
 * data checked against an image's containers. Elsewhere: the manifest's
 * provision: section (test_manifest_provision.c), drives' labels
 * (test_label.c), the image's containers.conf read and written again
 * (test_ctrconf.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#include "conf.h"
#include "conffiles.h"
#include "metadata.h"

/* ---- provision.conf ---- */

static struct manifest m;

static struct provconf pc;

/* What conffiles_provision writes for M, parsed back into pc. */
static int provconf_roundtrip(void)
{
	char *text = NULL, perr[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || conffiles_provision(f, &m) < 0 || fclose(f) != 0)
		abort();
	int r = provconf_parse(text, &pc, perr, sizeof(perr));
	free(text);
	return r;
}

static void test_provconf(void)
{
	char text[128], perr[160];

	m.provision.n_sources = 2;
	strcpy(m.provision.sources[0], "config-2");
	strcpy(m.provision.sources[1], "nocloud");
	CHECK(conffiles_want_provision(&m) && provconf_roundtrip() == 0 && pc.n_sources == 2 &&
		  pc.sources[0] == SOURCE_CONFIG_2 && pc.sources[1] == SOURCE_NOCLOUD &&
		  pc.address == 0,
	      "provision.conf: both sources, in order, written and read back");
	m.provision.n_sources = 6;
	for (int i = 0; i < 6; i++)
		strcpy(m.provision.sources[i], provision_source_words[5 - i]);
	strcpy(m.provision.address, "http://10.0.2.2:18169");
	CHECK(provconf_roundtrip() == 0 && pc.n_sources == 6 && pc.sources[0] == SOURCE_OPENSTACK &&
		  pc.sources[1] == SOURCE_AZURE && pc.sources[2] == SOURCE_GCE &&
		  pc.sources[3] == SOURCE_EC2 && pc.sources[5] == SOURCE_NOCLOUD &&
		  pc.address == htonl(0x0a000202) && pc.port == 18169,
	      "provision.conf: every source and the address, written and read back");
	m.provision.address[0] = '\0';
	m.provision.n_sources = 0;
	CHECK(!conffiles_want_provision(&m), "provision.conf: not written without sources");
	snprintf(text, sizeof(text), "source nocloud\nsource nocloud\n");
	CHECK(provconf_parse(text, &pc, perr, sizeof(perr)) == -EINVAL && strstr(perr, "line 2") &&
		  strstr(perr, "twice"),
	      "provision.conf: a source twice is refused");
	snprintf(text, sizeof(text), "source aws\n");
	CHECK(provconf_parse(text, &pc, perr, sizeof(perr)) == -EINVAL &&
		  strstr(perr, "unknown source: aws"),
	      "provision.conf: an unknown source is refused");
	snprintf(text, sizeof(text), "source ec2\naddress http://10.0.2.2:0\n");
	CHECK(provconf_parse(text, &pc, perr, sizeof(perr)) == -EINVAL && strstr(perr, "line 2") &&
		  strstr(perr, "port"),
	      "provision.conf: a bad address is refused");
	snprintf(text, sizeof(text), "sources nocloud\n");
	CHECK(provconf_parse(text, &pc, perr, sizeof(perr)) == -EINVAL,
	      "provision.conf: another keyword is refused");
	snprintf(text, sizeof(text), "# comment\n");
	CHECK(provconf_parse(text, &pc, perr, sizeof(perr)) == 0 && pc.n_sources == 0,
	      "provision.conf: comments alone name no source");
}

/* ---- meta-data ---- */

static struct metadata md;
static char perr[MANIFEST_ERR_MAX];

static int meta(const char *text)
{
	int r = metadata_parse("meta-data", text, strlen(text), &md, perr, sizeof(perr));

	if (r)
		printf("# %s\n", perr);
	return r;
}

static void test_metadata(void)
{
	CHECK(meta("instance-id: iid-1\nlocal-hostname: web-1\n"
		   "public-keys:\n  - ssh-ed25519 AAAAC3Nza one@host\n  - ssh-rsa AAAAB3 two\n") ==
		      0 &&
		  !strcmp(md.hostname, "web-1") && md.n_keys == 2 &&
		  !strcmp(md.keys[1], "ssh-rsa AAAAB3 two"),
	      "meta-data: hostname and a list of keys; instance-id skipped");
	CHECK(meta("public-keys: ssh-ed25519 AAAA one\n") == 0 && md.n_keys == 1 &&
		  !md.hostname[0] && !strcmp(md.keys[0], "ssh-ed25519 AAAA one"),
	      "meta-data: one key as a string");
	CHECK(meta("") == 0 && !md.n_keys && !md.hostname[0], "meta-data: empty");
	CHECK(meta("local-hostname:\nplacement: {zone: a}\n") == 0 && !md.hostname[0],
	      "meta-data: an empty hostname and the cloud's other keys");
	CHECK(meta("local-hostname: Web_1\n") == -EINVAL &&
		  !strncmp(perr, "meta-data:1:17: local-hostname: bad hostname 'Web_1'", 51),
	      "meta-data: a bad hostname, at its line and column");
	CHECK(meta("public-keys: [\"ssh-rsa A\\nssh-rsa B\"]\n") == -EINVAL &&
		  strstr(perr, "control characters"),
	      "meta-data: a key that would be two lines is refused");
	CHECK(meta("local-hostname: [a\n") == -EINVAL && !strncmp(perr, "meta-data:2:1: yaml", 19),
	      "meta-data: a YAML error, at its line and column");
	CHECK(meta("- a\n") == -EINVAL && strstr(perr, "top level must be a mapping"),
	      "meta-data: not a mapping");
	/* OpenStack's meta_data.json, as json.dumps and as compact JSON. */
	CHECK(meta("{\"uuid\": \"83679162\", \"hostname\": \"vm-2.novalocal\", \"public_keys\": "
		   "{\"mykey\": \"ssh-rsa AAAAB3 one@host\\n\", \"other\": \"ssh-ed25519 B\"}, "
		   "\"meta\": {\"role\": \"web\"}}") == 0 &&
		  !strcmp(md.hostname, "vm-2.novalocal") && md.n_keys == 2 &&
		  !strcmp(md.keys[0], "ssh-rsa AAAAB3 one@host") &&
		  !strcmp(md.keys[1], "ssh-ed25519 B"),
	      "meta_data.json: hostname, public_keys by name, a key's newline dropped");
	CHECK(meta("{\"hostname\":\"vm-3\",\"public_keys\":{\"k\":\"ssh-rsa C\"}}") == 0 &&
		  !strcmp(md.hostname, "vm-3") && md.n_keys == 1,
	      "meta_data.json: compact JSON");
	CHECK(meta("hostname: os\nlocal-hostname: nc\n") == 0 && !strcmp(md.hostname, "nc"),
	      "meta-data: local-hostname wins over hostname");
	CHECK(meta("{\"public_keys\": {\"k\": \"ssh-rsa A\\nssh-rsa B\"}}") == -EINVAL &&
		  strstr(perr, "public_keys.k: bad public key"),
	      "meta_data.json: a newline inside a key is refused");
}

/* ---- user data ---- */

static struct manifest image;
static struct userdata ud;

/* M's containers as conffiles_containers writes them; the caller frees it. */
static char *containers_text(const struct manifest *mf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || conffiles_containers(f, mf) < 0 || fclose(f) != 0)
		abort();
	return text;
}

/* An image with an onboot container and two services, one with two variables. */
static void image_setup(void)
{
	static const char *const names[] = {"seed", "hello", "probe"};

	image.n_containers = 3;
	for (int i = 0; i < 3; i++) {
		strcpy(image.containers[i].name, names[i]);
		image.containers[i].service = i > 0;
		memset(image.containers[i].digest, '0' + i, 64);
	}
	image.containers[1].n_env = 2;
	strcpy(image.containers[1].env[0], "GREETING=hi");
	strcpy(image.containers[1].env[1], "MODE=image");
	image.containers[2].health.probe = PROBE_EXEC;
	image.containers[2].health.n_exec = 2;
	strcpy(image.containers[2].health.exec[0], "/bin/true");
	strcpy(image.containers[2].health.exec[1], "-x");
}

static int user(const char *text)
{
	memset(&ud, 0x55, sizeof(ud));
	int r =
	    userdata_load_text("user-data", text, strlen(text), &image, &ud, perr, sizeof(perr));

	if (r)
		printf("# %s\n", perr);
	return r;
}

/* Whether TEXT is refused with "user-data:POS: ...SUB...". */
static bool user_fails(const char *text, const char *pos, const char *sub)
{
	char at[32];
	int len = snprintf(at, sizeof(at), "user-data:%s: ", pos);

	return user(text) == -EINVAL && !strncmp(perr, at, (size_t)len) && strstr(perr, sub);
}

static void test_userdata(void)
{
	const struct manifest_container *hello = &ud.m.containers[1];

	CHECK(user("#cloud-config\n") == 0 && !ud.m.rootfs.hostname[0] && !ud.network &&
		  !memcmp(ud.m.containers, image.containers, sizeof(image.containers)),
	      "user data: comments alone set nothing");
	CHECK(user("") == 0, "user data: empty");
	CHECK(user("hostname: web-1\n"
		   "network:\n"
		   "  interfaces:\n"
		   "    - name: eth0\n"
		   "      addresses: [10.0.2.15/24]\n"
		   "      routes: [{to: default, via: 10.0.2.2}]\n"
		   "  dns: [10.0.2.3]\n"
		   "services:\n"
		   "  - name: hello\n"
		   "    env: [MODE=machine, COLOR=blue]\n") == 0,
	      "user data: hostname, network and a service's env");
	CHECK(!strcmp(ud.m.rootfs.hostname, "web-1"), "user data: the hostname");
	CHECK(ud.network && ud.m.network.n_interfaces == 1 && !ud.m.network.interfaces[0].dhcp &&
		  !strcmp(ud.m.network.interfaces[0].routes[0].to, "0.0.0.0/0") &&
		  ud.m.network.n_dns == 1,
	      "user data: the network, as the manifest's rules make it");
	CHECK(hello->n_env == 3 && !strcmp(hello->env[0], "GREETING=hi") &&
		  !strcmp(hello->env[1], "MODE=machine") && !strcmp(hello->env[2], "COLOR=blue"),
	      "user data: env replaces the image's variable of that name, adds the others");
	char *text = containers_text(&ud.m);
	CHECK(strstr(text, "service hello\n") &&
		  strstr(text, "env MODE=machine\nenv COLOR=blue\n") && strstr(text, "probe -x\n"),
	      "user data: containers.conf written with the service's environment");
	free(text);
	CHECK(user("network: {}\n") == 0 && ud.network && !ud.m.network.n_interfaces,
	      "user data: an empty network section replaces the image's (DHCP)");

	CHECK(user_fails("hostname: [a\n", "2:1", "yaml syntax error"),
	      "user data: a YAML error, at its line and column");
	CHECK(user_fails("hostname: a\nnetwork:\n  interface: []\n", "3:3",
			 "unknown key 'interface' in network"),
	      "user data: an unknown key, at its line and column");
	CHECK(user_fails("hostname: a\nupdate:\n  keys: [x.pub]\n", "3:3",
			 "update.keys is the image's own setting, which user data cannot change"),
	      "user data: update.keys is refused as the image's");
	CHECK(user_fails("rootfs: {hostname: a}\n", "1:1", "rootfs is the image's own setting"),
	      "user data: rootfs is refused as the image's");
	CHECK(user_fails("services:\n  - name: hello\n    image: evil.tar\n", "3:5",
			 "services[0].image is the image's own setting"),
	      "user data: a service's image is refused");
	CHECK(user_fails("services:\n  - name: hello\n    command: [/bin/sh]\n", "3:5",
			 "services[0].command is the image's own setting"),
	      "user data: a service's command is refused");
	CHECK(user_fails("services:\n  - name: seed\n    env: [A=1]\n", "2:11",
			 "this image has no service 'seed'"),
	      "user data: an onboot container is not a service");
	CHECK(user_fails("services:\n  - {name: hello, env: [A=1]}\n  - {name: hello}\n", "3:12",
			 "duplicate service 'hello' (first on line 2)"),
	      "user data: a service twice");
	CHECK(user_fails("services:\n  - {name: hello, env: [1A=1]}\n", "2:25",
			 "bad environment variable '1A=1'"),
	      "user data: a bad variable");
	CHECK(user_fails("hostname: -bad\n", "1:11", "bad hostname"), "user data: a bad hostname");
	CHECK(user_fails("name: x\n", "1:1", "name is the image's own setting"),
	      "user data: the image's name is refused");
	CHECK(user_fails("hello\n", "1:1", "top level must be a mapping"),
	      "user data: a script is not user data");

	/* 30 new variables and the image's 2: one more is one too many. */
	char big[2048] = "services:\n  - name: hello\n    env: [";
	for (int i = 0; i < 31; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%sV%d=1", i ? ", " : "", i);
	strcat(big, "]\n");
	CHECK(user_fails(big, "3:211",
			 "services[0].env[30]: service 'hello' would have more than 32"),
	      "user data: no more variables than a container may have");
	CHECK(user("services:\n  - name: hello\n    env: [GREETING=a, GREETING=b]\n") == 0 &&
		  hello->n_env == 2 && !strcmp(hello->env[0], "GREETING=b"),
	      "user data: the last of a name twice wins");
}

/* M's channel settings as conffiles_channel writes them, parsed back into *C: 0 or -errno. */
static int channel_read_back(const struct manifest *mf, struct channel_conf *c)
{
	char *text = NULL, err[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || conffiles_channel(f, mf) < 0 || fclose(f) != 0)
		abort();
	int r = channel_conf_parse(text, c, err, sizeof(err));
	if (r)
		printf("# %s: %s\n", text, err);
	free(text);
	return r;
}

/* User data's update: on an image without a channel, then on one with. */
static void test_userdata_channel(void)
{
	const struct channel_conf *got = &ud.m.update.channel;
	struct channel_conf back;

	CHECK(user("hostname: a\n") == 0 && !ud.channel, "channel: user data without update");
	CHECK(user("update: {}\n") == 0 && !ud.channel, "channel: an empty update sets nothing");
	CHECK(user("update: {channel: , reboot: }\n") == 0 && !ud.channel,
	      "channel: keys with nothing after them set nothing");
	CHECK(user("update:\n  channel: http://updates.example.com/canary/\n") == 0 && ud.channel &&
		  !strcmp(got->url, "http://updates.example.com/canary/") &&
		  got->interval == CHECK_INTERVAL_DEFAULT && got->reboot == REBOOT_IMMEDIATE,
	      "channel: an image without one: the user data's, the defaults for the rest");
	CHECK(channel_read_back(&ud.m, &back) == 0 && !memcmp(&back, got, sizeof(back)),
	      "channel: written as channel.conf, read back");
	CHECK(user("update:\n  channel: http://10.0.0.1:8080/c/\n  check_interval: 60\n"
		   "  reboot: \"01:30-03:00\"\n") == 0 &&
		  ud.channel && got->interval == 60 && got->reboot == REBOOT_WINDOW &&
		  got->window_start == 90 && got->window_end == 180,
	      "channel: all three keys");
	CHECK(user_fails("update:\n  reboot: manual\n", "2:3",
			 "update.reboot without a channel to check: set update.channel too"),
	      "channel: reboot alone on an image without a channel");
	CHECK(user_fails("update: {check_interval: 60}\n", "1:10",
			 "update.check_interval without a channel"),
	      "channel: check_interval alone on an image without a channel");
	CHECK(user_fails("hostname: b\nupdate:\n  channel: https://h/\n", "3:12",
			 "update.channel: bad channel URL 'https://h/': expected http://"),
	      "channel: https is refused (the index and bundles are signed)");
	CHECK(
	    user_fails("update:\n  channel: http://h/\n  check_interval: 5\n", "3:19",
		       "update.check_interval: bad check interval '5': expected a whole number of "
		       "seconds from 10 to 604800"),
	    "channel: an interval too short");
	CHECK(user_fails("update:\n  channel: http://h/\n  reboot: never\n", "3:11",
			 "update.reboot: bad reboot policy 'never': expected immediate, manual or"),
	      "channel: an unknown reboot policy");
	CHECK(user_fails("update:\n  channel: http://h/\n  channel: http://i/\n", "3:3",
			 "duplicate key 'channel' in update"),
	      "channel: a key twice");
	static const char *const refused[] = {"compatible", "keys", "signing_key",
					      "health_deadline", "security_epoch"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char text[96], want[96], name[96];
		snprintf(text, sizeof(text), "update:\n  channel: http://h/\n  %s: x\n",
			 refused[i]);
		snprintf(want, sizeof(want), "update.%s is the image's own setting", refused[i]);
		snprintf(name, sizeof(name), "channel: update.%s is refused", refused[i]);
		CHECK(user_fails(text, "3:3", want), name);
	}
	CHECK(user_fails("update:\n  channels: http://h/\n", "2:3",
			 "unknown key 'channels' in update"),
	      "channel: an unknown key in update");

	/* The image follows a channel: the user data's keys override its values one by one. */
	strcpy(image.update.channel.url, "http://updates.example.com/stable/");
	image.update.channel.interval = 7200;
	reboot_policy_parse("manual", 6, &image.update.channel);
	CHECK(user("update: {reboot: \"22:00-02:00\"}\n") == 0 && ud.channel &&
		  !strcmp(got->url, image.update.channel.url) && got->interval == 7200 &&
		  got->reboot == REBOOT_WINDOW && got->window_start == 22 * 60 &&
		  got->window_end == 120,
	      "channel: the image's channel and interval, the user data's window");
	CHECK(user("update:\n  check_interval: 600\n") == 0 && ud.channel &&
		  !strcmp(got->url, image.update.channel.url) && got->interval == 600 &&
		  got->reboot == REBOOT_MANUAL,
	      "channel: the image's channel and policy, the user data's interval");
	CHECK(user("update:\n  channel: http://updates.example.com/beta/\n") == 0 &&
		  !strcmp(got->url, "http://updates.example.com/beta/") && got->interval == 7200 &&
		  got->reboot == REBOOT_MANUAL,
	      "channel: another channel, at the image's interval and policy");
	CHECK(user("hostname: c\n") == 0 && !ud.channel &&
		  !memcmp(got, &image.update.channel, sizeof(*got)),
	      "channel: user data without update leaves the image's");
	memset(&image.update.channel, 0, sizeof(image.update.channel));
}

int main(void)
{
	test_provconf();
	test_metadata();
	image_setup();
	test_userdata();
	test_userdata_channel();
	return CHECK_DONE();
}
