/* unit: provision/[cm][le]*.c image/manifest/manifest_[rw]*.c lib/[a-z]*.c -lyaml */
/*
 * What berth-provision makes of the metadata services' answers: EC2's
 * public-keys listing, GCE's ssh-keys lines, Azure's publicKeys JSON and
 * base64 user data, host names, the meta-data document made of them (read
 * back by metadata_parse), Azure's goal state and the Health XML.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#include "cloud.h"
#include "metadata.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthTestKey"

static void test_ec2(void)
{
	unsigned idx[CLOUD_KEYS_MAX];
	char text[256];

	snprintf(text, sizeof(text), "0=my-key\n1=other\r\n12=x");
	CHECK(ec2_key_indexes(text, idx) == 3 && idx[0] == 0 && idx[1] == 1 && idx[2] == 12,
	      "ec2: public-keys/ lines N=NAME, the last without a newline");
	snprintf(text, sizeof(text), "%s", "");
	CHECK(ec2_key_indexes(text, idx) == 0, "ec2: an empty listing");
	snprintf(text, sizeof(text), "0=a\nkey\n");
	CHECK(ec2_key_indexes(text, idx) == -EINVAL, "ec2: a line without N= is refused");
	snprintf(text, sizeof(text), "1234=a\n");
	CHECK(ec2_key_indexes(text, idx) == -EINVAL, "ec2: an index of four digits is refused");
	char *p = text;
	for (int i = 0; i < 20; i++)
		p += sprintf(p, "%d=k\n", i);
	CHECK(ec2_key_indexes(text, idx) == CLOUD_KEYS_MAX,
	      "ec2: more keys than METADATA_KEYS_MAX: one more kept, for the check to refuse");
}

static void test_gce(void)
{
	const char *keys[CLOUD_KEYS_MAX];
	char text[256];

	snprintf(text, sizeof(text), "alice:" KEY " alice\n\nbob:ssh-rsa AAAA bob\r\n");
	CHECK(gce_ssh_keys(text, keys) == 2 && !strcmp(keys[0], KEY " alice") &&
		  !strcmp(keys[1], "ssh-rsa AAAA bob"),
	      "gce: ssh-keys USER:KEY lines, empty lines skipped");
	snprintf(text, sizeof(text), "alice:" KEY "\n" KEY "\n");
	CHECK(gce_ssh_keys(text, keys) == -EINVAL, "gce: a line without USER: is refused");
	snprintf(text, sizeof(text), ":" KEY "\n");
	CHECK(gce_ssh_keys(text, keys) == -EINVAL, "gce: an empty USER is refused");
}

static char keys[CLOUD_KEYS_MAX][METADATA_KEY_MAX];

static int azkeys(const char *json)
{
	return azure_keys(json, strlen(json), keys);
}

static void test_azure_keys(void)
{
	CHECK(azkeys("[{\"keyData\": \"" KEY "\", \"path\": \"/home/u/.ssh/authorized_keys\"},"
		     " {\"path\": \"/p\", \"keyData\": \"ssh-rsa AAAA\"}]") == 2 &&
		  !strcmp(keys[0], KEY) && !strcmp(keys[1], "ssh-rsa AAAA"),
	      "azure: publicKeys' keyData, in order");
	CHECK(azkeys("[]") == 0, "azure: no publicKeys");
	CHECK(azkeys("{\"keyData\": \"x\"}") == -EINVAL, "azure: publicKeys not a list: refused");
	CHECK(azkeys("[{\"path\": \"/p\"}]") == -EINVAL, "azure: a key without keyData: refused");
	CHECK(azkeys("[{\"keyData\": [1]}]") == -EINVAL, "azure: keyData not text: refused");
	CHECK(azkeys("[\"x\"]") == -EINVAL, "azure: an item not a mapping: refused");
	CHECK(azkeys("[{\"keyData\": \"x\"") == -EINVAL, "azure: bad JSON: refused");
}

static void test_base64(void)
{
	char out[64];

	CHECK(base64_decode("aGk6IHRoZXJl", 12, out, sizeof(out)) == 9 &&
		  !memcmp(out, "hi: there", 9),
	      "base64: no padding");
	CHECK(base64_decode("YQ==", 4, out, sizeof(out)) == 1 && out[0] == 'a' &&
		  base64_decode("YWI=", 4, out, sizeof(out)) == 2 && !memcmp(out, "ab", 2),
	      "base64: one or two padding characters");
	CHECK(base64_decode("YWJj\r\nZGVm\n", 11, out, sizeof(out)) == 6 &&
		  !memcmp(out, "abcdef", 6),
	      "base64: line breaks skipped");
	CHECK(base64_decode("", 0, out, sizeof(out)) == 0, "base64: empty");
	CHECK(base64_decode("YWJ", 3, out, sizeof(out)) == -EINVAL &&
		  base64_decode("Y===", 4, out, sizeof(out)) == -EINVAL &&
		  base64_decode("YQ=a", 4, out, sizeof(out)) == -EINVAL &&
		  base64_decode("YQ==YWJj", 8, out, sizeof(out)) == -EINVAL &&
		  base64_decode("YW J", 4, out, sizeof(out)) == -EINVAL &&
		  base64_decode("YW-_", 4, out, sizeof(out)) == -EINVAL,
	      "base64: cut short, misplaced padding, text after it, other characters: refused");
	CHECK(base64_decode("YWJjZGVm", 8, out, 5) == -EFBIG, "base64: larger than the buffer");
	char both[] = "YWJjZGVm";
	CHECK(base64_decode(both, 8, both, sizeof(both)) == 6 && !memcmp(both, "abcdef", 6),
	      "base64: decoded in place");
}

static void test_hostname(void)
{
	char name[64];

	snprintf(name, sizeof(name), "ip-10-0-0-1.ec2.internal. other.example");
	cloud_hostname(name, false);
	CHECK(!strcmp(name, "ip-10-0-0-1.ec2.internal"),
	      "ec2: the first of the names, without its trailing dot");
	snprintf(name, sizeof(name), "vm-1.c.project.internal");
	cloud_hostname(name, true);
	CHECK(!strcmp(name, "vm-1"), "gce: the first label");
	snprintf(name, sizeof(name), "MyVM\n");
	cloud_hostname(name, false);
	CHECK(!strcmp(name, "myvm"), "azure: the name in lower case");
	snprintf(name, sizeof(name), "web_01");
	cloud_hostname(name, false);
	CHECK(!strcmp(name, "web-01"),
	      "azure: '_', which its names allow and host names do not, as '-'");
}

static void test_meta(void)
{
	static struct metadata md;
	static char doc[8192], err[512];
	const char *list[] = {KEY, "ssh-rsa A\"B\\C"};
	ssize_t n = cloud_meta(doc, sizeof(doc), "web-1", list, 2);

	CHECK(n > 0 && metadata_parse("m", doc, (size_t)n, &md, err, sizeof(err)) == 0 &&
		  !strcmp(md.hostname, "web-1") && md.n_keys == 2 && !strcmp(md.keys[0], KEY) &&
		  !strcmp(md.keys[1], "ssh-rsa A\"B\\C"),
	      "meta-data made of a host name and keys reads back (quotes escaped)");
	n = cloud_meta(doc, sizeof(doc), "", list, 0);
	CHECK(n > 0 && metadata_parse("m", doc, (size_t)n, &md, err, sizeof(err)) == 0 &&
		  !md.hostname[0] && md.n_keys == 0,
	      "meta-data of nothing");
	const char *ctl[] = {"ssh-rsa A\nssh-rsa B"};
	n = cloud_meta(doc, sizeof(doc), "web-1", ctl, 1);
	CHECK(n > 0 && metadata_parse("m", doc, (size_t)n, &md, err, sizeof(err)) == -EINVAL &&
		  strstr(err, "control characters"),
	      "a key with a newline inside is refused by the meta-data's check");
	CHECK(cloud_meta(doc, 20, "web-1", list, 2) == -EFBIG, "meta-data larger than the buffer");
}

static void test_goalstate(void)
{
	struct goalstate gs;
	static char out[2048];
	const char *xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<GoalState "
			  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  "
			  "<Version>2012-11-30</Version>\n"
			  "  <Incarnation>7</Incarnation>\n  "
			  "<Machine><ExpectedState>Started</ExpectedState></Machine>\n"
			  "  <Container>\n    <ContainerId>c6d5e4f3-&amp;-id</ContainerId>\n    "
			  "<RoleInstanceList>\n"
			  "      <RoleInstance>\n        <InstanceId>role-1&lt;x&gt;</InstanceId>\n"
			  "      </RoleInstance>\n      "
			  "<RoleInstance><InstanceId>role-2</InstanceId></RoleInstance>\n"
			  "    </RoleInstanceList>\n  </Container>\n</GoalState>\n";

	CHECK(
	    azure_goalstate(xml, &gs) == 0 && !strcmp(gs.incarnation, "7") &&
		!strcmp(gs.container_id, "c6d5e4f3-&-id") && !strcmp(gs.instance_id, "role-1<x>"),
	    "azure: the goal state's Incarnation, ContainerId, first InstanceId, entities decoded");
	ssize_t n = azure_health(out, sizeof(out), &gs);
	CHECK(n > 0 && strstr(out, "<GoalStateIncarnation>7</GoalStateIncarnation>") &&
		  strstr(out, "<ContainerId>c6d5e4f3-&amp;-id</ContainerId>") &&
		  strstr(out, "<Role><InstanceId>role-1&lt;x&gt;</InstanceId>") &&
		  strstr(out, "<Health><State>Ready</State></Health>") &&
		  !strncmp(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Health ", 46),
	      "azure: the Health XML, State Ready, values escaped");
	CHECK(azure_health(out, 100, &gs) == -EFBIG, "azure: Health XML larger than the buffer");
	CHECK(azure_goalstate("<Incarnation>1</Incarnation><ContainerId>c</ContainerId>", &gs) ==
		  -EINVAL,
	      "azure: no RoleInstance: refused");
	CHECK(azure_goalstate("<Incarnation>1</Incarnation><ContainerId>c</ContainerId>"
			      "<RoleInstance></RoleInstance><InstanceId>i</InstanceId>",
			      &gs) == -EINVAL,
	      "azure: an InstanceId outside the first RoleInstance is not its");
	CHECK(azure_goalstate("<Incarnation></Incarnation><ContainerId>c</ContainerId>"
			      "<RoleInstance><InstanceId>i</InstanceId></RoleInstance>",
			      &gs) == -EINVAL,
	      "azure: an empty Incarnation: refused");
	CHECK(azure_goalstate("<Incarnation>1</Incarnation><ContainerId>c&bad;</ContainerId>"
			      "<RoleInstance><InstanceId>i</InstanceId></RoleInstance>",
			      &gs) == -EINVAL,
	      "azure: an entity not XML's five: refused");
	CHECK(azure_goalstate("<Incarnation>1</Incarnation><ContainerId><b>c</b></ContainerId>"
			      "<RoleInstance><InstanceId>i</InstanceId></RoleInstance>",
			      &gs) == -EINVAL,
	      "azure: markup inside a value: refused");
	char longer[400];
	snprintf(longer, sizeof(longer),
		 "<Incarnation>1</Incarnation><ContainerId>%0200d</ContainerId>"
		 "<RoleInstance><InstanceId>i</InstanceId></RoleInstance>",
		 0);
	CHECK(azure_goalstate(longer, &gs) == -EINVAL, "azure: a value too long: refused");
}

int main(void)
{
	test_ec2();
	test_gce();
	test_azure_keys();
	test_base64();
	test_hostname();
	test_meta();
	test_goalstate();
	return CHECK_DONE();
}
