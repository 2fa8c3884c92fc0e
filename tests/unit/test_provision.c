/* unit: tests/unit/manifest_fixture.c provision/conf.c provision/label.c provision/metadata.c
 * image/conffiles.c init/ctrconf.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/*
 * Per-machine settings: the manifest's provision: section and what the
 * build writes of it, the labels of config drives, NoCloud's meta-data,
 * and user data checked against an image's containers, as berth-provision
 * reads and writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

#include "conf.h"
#include "conffiles.h"
#include "label.h"
#include "metadata.h"

/* ---- the manifest's provision: section and provision.conf ---- */

static void test_manifest(void)
{
	CHECK(fx_load("") == 0 && m.provision.n_sources == 1 &&
		  !strcmp(m.provision.sources[0], "nocloud"),
	      "provision: without the key, every config drive");
	CHECK(fx_load("provision: {}\n") == 0 && m.provision.n_sources == 1,
	      "provision: {} is the default");
	CHECK(fx_load("provision: {sources: }\n") == 0 && m.provision.n_sources == 1,
	      "provision.sources with nothing after it is the default");
	CHECK(fx_load("provision: {sources: []}\n") == 0 && m.provision.n_sources == 0,
	      "provision.sources: [] reads nothing");
	CHECK(fx_load("provision:\n  sources: [nocloud]\n") == 0 && m.provision.n_sources == 1,
	      "provision.sources: [nocloud]");
	EXPECT_ERR("provision.sources: an unknown source", "provision:\n  sources: [ec2]\n", "7:13",
		   "provision.sources[0]: bad source 'ec2': expected nocloud");
	EXPECT_ERR("provision: an unknown key", "provision:\n  address: 10.0.2.2\n", "7:3",
		   "unknown key 'address' in provision");
}

/* What conffiles_provision writes for the manifest just loaded, parsed back. */
static int provconf_roundtrip(enum provision_source sources[PROVISION_SOURCES_MAX])
{
	char *text = NULL, perr[160];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || conffiles_provision(f, &m) < 0 || fclose(f) != 0)
		fx_die("conffiles_provision");
	int n = provconf_parse(text, sources, perr, sizeof(perr));
	free(text);
	return n;
}

static void test_provconf(void)
{
	enum provision_source sources[PROVISION_SOURCES_MAX];
	char text[128], perr[160];

	CHECK(fx_load("") == 0 && conffiles_want_provision(&m) &&
		  provconf_roundtrip(sources) == 1 && sources[0] == SOURCE_NOCLOUD,
	      "provision.conf: the default, written and read back");
	CHECK(fx_load("provision: {sources: []}\n") == 0 && !conffiles_want_provision(&m),
	      "provision.conf: not written without sources");
	snprintf(text, sizeof(text), "source nocloud\nsource nocloud\n");
	CHECK(provconf_parse(text, sources, perr, sizeof(perr)) == -EINVAL &&
		  strstr(perr, "line 2") && strstr(perr, "twice"),
	      "provision.conf: a source twice is refused");
	snprintf(text, sizeof(text), "source ec2\n");
	CHECK(provconf_parse(text, sources, perr, sizeof(perr)) == -EINVAL &&
		  strstr(perr, "unknown source: ec2"),
	      "provision.conf: an unknown source is refused");
	snprintf(text, sizeof(text), "sources nocloud\n");
	CHECK(provconf_parse(text, sources, perr, sizeof(perr)) == -EINVAL,
	      "provision.conf: another keyword is refused");
	snprintf(text, sizeof(text), "# comment\n");
	CHECK(provconf_parse(text, sources, perr, sizeof(perr)) == 0,
	      "provision.conf: comments alone name no source");
}

/* ---- labels ---- */

static unsigned char dev[LABEL_BYTES];

static void iso(const char *volume)
{
	unsigned char *pvd = dev + 32768;

	memset(dev, 0, sizeof(dev));
	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	memset(pvd + 40, ' ', 32);
	memcpy(pvd + 40, volume, strlen(volume));
}

/* A FAT boot sector as mkfs.fat writes it: FAT32 or FAT16. */
static void fat(bool fat32, const char *label)
{
	unsigned char *ext = dev + (fat32 ? 64 : 36);

	memset(dev, 0, sizeof(dev));
	dev[22] = fat32 ? 0 : 32; /* sectors per FAT, 16-bit: 0 on FAT32 */
	ext[2] = 0x29;
	memset(ext + 7, ' ', 11);
	memcpy(ext + 7, label, strlen(label));
	memcpy(ext + 18, fat32 ? "FAT32   " : "FAT16   ", 8);
	dev[510] = 0x55;
	dev[511] = 0xaa;
}

static void test_labels(void)
{
	char label[LABEL_MAX + 1];

	iso("cidata");
	CHECK(label_read(dev, sizeof(dev), label) == FS_ISO9660 && !strcmp(label, "cidata"),
	      "label: ISO 9660's volume identifier, padding dropped");
	CHECK(label_read(dev, 32768 + 60, label) == FS_NONE,
	      "label: a device too short for the descriptor has none");
	iso("config-2-and-more-than-32-bytes!");
	CHECK(label_read(dev, sizeof(dev), label) == FS_ISO9660 &&
		  !strcmp(label, "config-2-and-more-than-32-bytes!"),
	      "label: a whole 32-byte volume identifier");
	iso("");
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: a blank identifier is none");
	iso("cidata");
	dev[32768 + 1] = 'X';
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: not CD001, not ISO 9660");
	fat(true, "CIDATA");
	CHECK(label_read(dev, sizeof(dev), label) == FS_VFAT && !strcmp(label, "CIDATA"),
	      "label: FAT32's volume label");
	fat(false, "cidata");
	CHECK(label_read(dev, sizeof(dev), label) == FS_VFAT && !strcmp(label, "cidata"),
	      "label: FAT16's volume label");
	fat(false, "ci\001data");
	dev[36 + 7 + 2] = '\0';
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: a NUL inside is no label");
	fat(true, "CIDATA");
	dev[66] = 0x28; /* an older boot sector: no label field */
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE,
	      "label: without the extended boot signature, none");
	fat(true, "CIDATA");
	dev[511] = 0;
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE, "label: no 55 AA, no FAT");
	memset(dev, 0, sizeof(dev));
	CHECK(label_read(dev, sizeof(dev), label) == FS_NONE && !label[0],
	      "label: zeros are nothing");
	CHECK(!strcmp(fs_type_name(FS_ISO9660), "iso9660") &&
		  !strcmp(fs_type_name(FS_VFAT), "vfat"),
	      "label: mount types");
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
}

/* ---- user data ---- */

/* An image's containers.conf as the build writes it: an onboot container, then two services. */
static const char containers_conf[] =
    "# generated by berth build from the manifest's onboot: and services: sections\n"
    "onboot seed\n"
    "image /usr/share/berth/images/"
    "0000000000000000000000000000000000000000000000000000000000000001.tar\n"
    "digest sha256:0000000000000000000000000000000000000000000000000000000000000001\n"
    "network host\n"
    "arg /hello\n"
    "arg hit\n"
    "bind /var/lib/hello /data rw\n"
    "\n"
    "service hello\n"
    "image /usr/share/berth/images/"
    "0000000000000000000000000000000000000000000000000000000000000001.tar\n"
    "digest sha256:0000000000000000000000000000000000000000000000000000000000000001\n"
    "network host\n"
    "restart always\n"
    "critical yes\n"
    "health http 8080 /health\n"
    "env GREETING=hi\n"
    "env MODE=image\n"
    "bind /var/lib/hello /data ro\n"
    "\n"
    "service probe\n"
    "image /usr/share/berth/images/"
    "0000000000000000000000000000000000000000000000000000000000000002.tar\n"
    "digest sha256:0000000000000000000000000000000000000000000000000000000000000002\n"
    "network none\n"
    "restart on-failure\n"
    "critical no\n"
    "health exec\n"
    "probe /bin/true\n"
    "probe -x\n";

static struct manifest image;
static struct userdata ud;

/* M's containers as conffiles_containers writes them; the caller frees it. */
static char *containers_text(const struct manifest *mf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || conffiles_containers(f, mf) < 0 || fclose(f) != 0)
		fx_die("conffiles_containers");
	return text;
}

static void image_load(void)
{
	static struct ctr ctrs[CONTAINERS_MAX];
	static char text[sizeof(containers_conf)];
	size_t n;

	memcpy(text, containers_conf, sizeof(text));
	if (ctrconf_parse(text, ctrs, &n, perr, sizeof(perr)) < 0)
		fx_die(perr);
	provconf_containers(ctrs, n, &image);
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

static void test_image(void)
{
	char *text;

	image_load();
	text = containers_text(&image);
	CHECK(!strcmp(text, containers_conf),
	      "containers.conf: read and written again, the same bytes");
	free(text);
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
	CHECK(user_fails("hostname: a\nupdate:\n  keys: [x.pub]\n", "2:1",
			 "update is the image's own setting, which user data cannot change"),
	      "user data: update is refused as the image's");
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

int main(void)
{
	fx_setup("berth-test-provision", FX_BASE("rootfs: {}"));
	test_manifest();
	test_provconf();
	fx_cleanup();
	test_labels();
	test_metadata();
	test_image();
	test_userdata();
	return CHECK_DONE();
}
