/* unit: image/manifest/m*.c lib/contract.c lib/errf.c lib/fileio.c lib/keyfile.c lib/version.c -lyaml -larchive -lsodium */
/* The manifest's network:, onboot: and services: sections. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"

/* Lines 1-5; the sections under test start on line 6. */
#define BASE                                       \
	"name: berth\n"                            \
	"version: 0.1.0\n"                         \
	"kernel: {package: linux-image-amd64}\n"   \
	"rootfs: {packages: [runc, containerd]}\n" \
	"disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"

/* A service whose image is good: lines 7-8 after "services:" on line 6. */
#define SERVICE "services:\n  - name: web\n    image: images/hello.tar\n"

#define HELLO_INDEX "{\"schemaVersion\":2,\"manifests\":[]}\n"
#define OTHER_INDEX "{\"schemaVersion\":2,\"manifests\":[{}]}\n"
#define LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

static struct manifest m;
static char err[MANIFEST_ERR_MAX];
static char path[128];
static char dir[64] = "/tmp/test_manifest_sections.XXXXXX";
static char hello_hex[65], other_hex[65];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* A tar of N members NAMES[i] with CONTENTS[i]. */
static void write_tar(const char *name, size_t n, const char *const *names,
		      const char *const *contents)
{
	struct archive *a = archive_write_new();
	char p[128];

	at(p, sizeof(p), name);
	if (!a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, p) != ARCHIVE_OK)
		die(p);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(contents[i]);
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, contents[i], len) != (la_ssize_t)len)
			die(p);
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		die(p);
	archive_write_free(a);
}

static void write_file(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	at(p, sizeof(p), name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die(p);
}

static void hex_of(const char *text, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

static void setup_dir(void)
{
	char p[128];

	if (!mkdtemp(dir))
		die("mkdtemp");
	at(p, sizeof(p), "images");
	if (mkdir(p, 0755) < 0)
		die(p);
	write_tar("images/hello.tar", 3, (const char *[]){"oci-layout", "index.json", "blobs"},
		  (const char *[]){LAYOUT, HELLO_INDEX, "x"});
	write_tar("images/other.tar", 2, (const char *[]){"./index.json", "./oci-layout"},
		  (const char *[]){OTHER_INDEX, LAYOUT});
	write_tar("images/no-index.tar", 1, (const char *[]){"oci-layout"},
		  (const char *[]){LAYOUT});
	write_tar("images/no-layout.tar", 1, (const char *[]){"index.json"},
		  (const char *[]){HELLO_INDEX});
	write_tar("images/two-index.tar", 3,
		  (const char *[]){"oci-layout", "index.json", "./index.json"},
		  (const char *[]){LAYOUT, HELLO_INDEX, OTHER_INDEX});
	write_file("images/text.tar", "not a tar\n");
	at(p, sizeof(p), "images/dir.tar");
	if (mkdir(p, 0755) < 0)
		die(p);
	hex_of(HELLO_INDEX, hello_hex);
	hex_of(OTHER_INDEX, other_hex);
}

static void cleanup_dir(void)
{
	static const char *const files[] = {"images/hello.tar",	    "images/other.tar",
					    "images/no-index.tar",  "images/no-layout.tar",
					    "images/two-index.tar", "images/text.tar"};
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		at(p, sizeof(p), files[i]);
		unlink(p);
	}
	at(p, sizeof(p), "images/dir.tar");
	rmdir(p);
	at(p, sizeof(p), "images");
	rmdir(p);
	rmdir(dir);
}

static int load(const char *yaml)
{
	size_t len = strlen(yaml);
	int fd;

	snprintf(path, sizeof(path), "%s/m.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	if (write(fd, yaml, len) != (ssize_t)len)
		die("write");
	close(fd);
	int r = manifest_load(path, &m, err, sizeof(err));
	unlink(path);
	return r;
}

/* Loading BASE + YAML fails with -EINVAL and "<path>:POS: ...SUB...". */
static void expect_err(const char *name, const char *yaml, const char *pos, const char *sub)
{
	static char text[8192];
	char prefix[160];
	int r;

	snprintf(text, sizeof(text), "%s%s", BASE, yaml);
	r = load(text);
	snprintf(prefix, sizeof(prefix), "%s:%s: ", path, pos);
	bool ok = r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, sub);
	if (!ok)
		printf("# %s: r=%d err=\"%s\", want \"%s...%s\"\n", name, r, err, prefix, sub);
	CHECK(ok, name);
}

static int load_base(const char *yaml)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%s%s", BASE, yaml);
	int r = load(text);
	if (r)
		printf("# %s\n", err);
	return r;
}

static void test_network(void)
{
	const struct manifest_interface *eth0 = &m.network.interfaces[0],
					*eth1 = &m.network.interfaces[1];

	memset(&m, 0x55, sizeof(m));
	CHECK(load_base("network:\n"
			"  interfaces:\n"
			"    - name: eth0\n"
			"      dhcp: false\n"
			"      addresses: [10.0.2.15/24, \"fec0::15/64\"]\n"
			"      routes:\n"
			"        - to: default\n"
			"          via: 10.0.2.2\n"
			"        - {to: default, via: \"fec0::2\"}\n"
			"        - to: 192.168.5.0/24\n"
			"        - {to: \"fd00::/8\", via: \"fec0::1\"}\n"
			"    - name: enp0s1.100\n"
			"  dns: [10.0.2.3, \"fec0::3\"]\n") == 0,
	      "network: full example loads");
	CHECK(m.network.n_interfaces == 2, "network: two interfaces");
	CHECK(!strcmp(eth0->name, "eth0") && !eth0->dhcp, "network: eth0, dhcp false");
	CHECK(eth0->n_addresses == 2 && !strcmp(eth0->addresses[0], "10.0.2.15/24") &&
		  !strcmp(eth0->addresses[1], "fec0::15/64"),
	      "network: addresses as written");
	CHECK(eth0->n_routes == 4, "network: four routes");
	CHECK(!strcmp(eth0->routes[0].to, "0.0.0.0/0") && !strcmp(eth0->routes[0].via, "10.0.2.2"),
	      "network: IPv4 default route");
	CHECK(!strcmp(eth0->routes[1].to, "::/0") && !strcmp(eth0->routes[1].via, "fec0::2"),
	      "network: IPv6 default route");
	CHECK(!strcmp(eth0->routes[2].to, "192.168.5.0/24") && !strcmp(eth0->routes[2].via, ""),
	      "network: on-link route");
	CHECK(!strcmp(eth0->routes[3].to, "fd00::/8") && !strcmp(eth0->routes[3].via, "fec0::1"),
	      "network: IPv6 route with gateway");
	CHECK(!strcmp(eth1->name, "enp0s1.100") && eth1->dhcp && eth1->n_addresses == 0 &&
		  eth1->n_routes == 0,
	      "network: dhcp defaults to true without addresses");
	CHECK(m.network.n_dns == 2 && !strcmp(m.network.dns[0], "10.0.2.3") &&
		  !strcmp(m.network.dns[1], "fec0::3"),
	      "network: dns");

	CHECK(load_base("network:\n  interfaces:\n    - {name: eth0, addresses: [10.0.0.2/8]}\n"
			"    - {name: eth1, addresses: [10.1.0.2/8], dhcp: true}\n"
			"    - {name: eth2, dhcp: false}\n") == 0 &&
		  !m.network.interfaces[0].dhcp && m.network.interfaces[1].dhcp &&
		  !m.network.interfaces[2].dhcp && m.network.n_dns == 0,
	      "network: dhcp defaults to false with addresses; explicit values win");
	CHECK(load_base("network:\n  interfaces: [{name: eth0, dhcp: ~}]\n") == 0 &&
		  m.network.interfaces[0].dhcp,
	      "network: null dhcp means the default");
	CHECK(load_base("network: {}\n") == 0 && m.network.n_interfaces == 0 &&
		  m.network.n_dns == 0,
	      "network: empty section");
	CHECK(load_base("network:\n  dns: [1.1.1.1, 8.8.8.8, \"::1\"]\n") == 0 &&
		  m.network.n_dns == 3,
	      "network: three name servers fit");
	CHECK(load_base("network:\n  interfaces:\n    - name: abcdefghijklmno\n"
			"      addresses: [\"0.0.0.0/0\", \"::ffff:1.2.3.4/128\"]\n") == 0,
	      "network: 15-character name, prefix 0 and 128");
}

static void test_network_errors(void)
{
	expect_err("network not a mapping", "network: [eth0]\n", "6:10",
		   "network must be a mapping");
	expect_err("unknown key in network", "network:\n  interface: []\n", "7:3",
		   "unknown key 'interface' in network");
	expect_err("interface not a mapping", "network:\n  interfaces: [eth0]\n", "7:16",
		   "network.interfaces[0] must be a mapping");
	expect_err("interface without name", "network:\n  interfaces:\n    - dhcp: true\n", "8:7",
		   "missing required field 'network.interfaces[0].name'");
	expect_err("unknown key in interface",
		   "network:\n  interfaces:\n    - name: eth0\n      mtu: 1500\n", "9:7",
		   "unknown key 'mtu' in network.interfaces[0]");
	expect_err("interface name with '/'", "network:\n  interfaces: [{name: a/b}]\n", "7:23",
		   "network.interfaces[0].name: bad interface name 'a/b': only letters");
	expect_err("interface name with space", "network:\n  interfaces: [{name: 'a b'}]\n", "7:23",
		   "bad interface name 'a b'");
	expect_err("interface name ..", "network:\n  interfaces: [{name: ..}]\n", "7:23",
		   "must not be '.' or '..'");
	expect_err("interface lo", "network:\n  interfaces: [{name: lo}]\n", "7:23",
		   "the loopback interface");
	expect_err("interface name too long",
		   "network:\n  interfaces: [{name: abcdefghijklmnop}]\n", "7:23",
		   "network.interfaces[0].name is too long (16 bytes, at most 15)");
	expect_err("duplicate interface",
		   "network:\n  interfaces:\n    - name: eth0\n    - name: eth0\n", "9:13",
		   "network.interfaces[1].name: duplicate interface 'eth0' (first on line 8)");
	expect_err("dhcp yes", "network:\n  interfaces: [{name: eth0, dhcp: yes}]\n", "7:35",
		   "network.interfaces[0].dhcp: bad boolean 'yes': expected true or false");
	expect_err("9 interfaces",
		   "network:\n  interfaces: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e},"
		   " {name: f}, {name: g}, {name: h}, {name: i}]\n",
		   "7:104", "network.interfaces has more than 8 items");

	/* addresses */
	expect_err("address without prefix",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15]}]\n", "7:41",
		   "network.interfaces[0].addresses[0]: bad address '10.0.2.15': expected "
		   "ADDRESS/PREFIX");
	expect_err("bad CIDR", "network:\n  interfaces: [{name: eth0, addresses: [10.0.2/24]}]\n",
		   "7:41", "bad address '10.0.2/24'");
	expect_err("IPv4 prefix 33",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/33]}]\n", "7:41",
		   "an IPv4 prefix is 0 to 32");
	expect_err("IPv6 prefix 129",
		   "network:\n  interfaces: [{name: eth0, addresses: ['fec0::1/129']}]\n", "7:41",
		   "an IPv6 prefix is 0 to 128");
	expect_err("prefix with leading zero",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/024]}]\n", "7:41",
		   "expected ADDRESS/PREFIX");
	expect_err("prefix empty",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/]}]\n", "7:41",
		   "expected ADDRESS/PREFIX");
	expect_err("address a hostname",
		   "network:\n  interfaces: [{name: eth0, addresses: [host/24]}]\n", "7:41",
		   "bad address 'host/24'");
	expect_err("9 addresses",
		   "network:\n  interfaces:\n    - name: eth0\n      addresses: [1.0.0.1/8, "
		   "1.0.0.2/8, 1.0.0.3/8, 1.0.0.4/8, 1.0.0.5/8, 1.0.0.6/8, 1.0.0.7/8, 1.0.0.8/8, "
		   "1.0.0.9/8]\n",
		   "9:107", "network.interfaces[0].addresses has more than 8 items");

	/* routes */
	expect_err("route not a mapping",
		   "network:\n  interfaces: [{name: eth0, routes: [default]}]\n", "7:38",
		   "network.interfaces[0].routes[0] must be a mapping");
	expect_err("route without to",
		   "network:\n  interfaces: [{name: eth0, routes: [{via: 10.0.0.1}]}]\n", "7:38",
		   "missing required field 'network.interfaces[0].routes[0].to'");
	expect_err("default route without via",
		   "network:\n  interfaces:\n    - name: eth0\n      routes:\n"
		   "        - to: default\n",
		   "10:15", "network.interfaces[0].routes[0].to: a default route needs via");
	expect_err("route family mismatch",
		   "network:\n  interfaces:\n    - name: eth0\n      routes:\n"
		   "        - to: 10.0.0.0/8\n          via: \"fec0::2\"\n",
		   "11:16",
		   "network.interfaces[0].routes[0].via: 'fec0::2' is IPv6 but to '10.0.0.0/8' is "
		   "IPv4");
	expect_err("route with host bits",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: 10.0.0.1/8}]}]\n", "7:43",
		   "routes[0].to: bad destination '10.0.0.1/8': the address has bits set beyond "
		   "the prefix");
	expect_err("route via a CIDR",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: default, via: "
		   "10.0.0.1/8}]}]\n",
		   "7:57", "routes[0].via: bad gateway '10.0.0.1/8': expected an IPv4 or IPv6");
	expect_err("unknown key in route",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: default, gw: x}]}]\n",
		   "7:52", "unknown key 'gw' in network.interfaces[0].routes[0]");

	/* dns */
	expect_err("too many dns", "network:\n  dns: [1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1]\n",
		   "7:36", "network.dns has more than 3 items");
	expect_err("dns a hostname", "network:\n  dns: [dns.example]\n", "7:9",
		   "network.dns[0]: bad address 'dns.example': expected an IPv4 or IPv6 address");
	expect_err("dns with prefix", "network:\n  dns: [1.1.1.1/32]\n", "7:9", "bad address");
}

static void test_containers(void)
{
	const struct manifest_container *c = m.containers;

	memset(&m, 0x55, sizeof(m));
	CHECK(load_base("onboot:\n"
			"  - name: seed\n"
			"    image: images/hello.tar\n"
			"    command: [/hello, seed, \"two words\"]\n"
			"    env: [DATA_DIR=/data, _X=, \"MSG=a b=c\"]\n"
			"    binds: [\"/var/lib/hello:/data\", \"/var/log:/logs:ro\", "
			"\"/var/a:/b:rw\"]\n"
			"    network: none\n"
			"services:\n"
			"  - name: hello\n"
			"    image: images/hello.tar\n"
			"    restart: on-failure\n"
			"    critical: true\n"
			"    health:\n"
			"      http: {port: 8080, path: /health?x=1}\n"
			"  - name: tcp-1\n"
			"    image: ./images/other.tar\n"
			"    restart: no\n"
			"    health: {tcp: {port: 65535}}\n"
			"  - name: probe\n"
			"    image: images/other.tar\n"
			"    network: host\n"
			"    critical: false\n"
			"    health:\n"
			"      exec: [/hello, check, \"a b\"]\n"
			"  - name: plain\n"
			"    image: images/hello.tar\n"
			"    health: {http: {port: 1}}\n") == 0,
	      "containers: full example loads");
	CHECK(m.n_containers == 5, "containers: five");
	CHECK(!c[0].service && !strcmp(c[0].name, "seed") &&
		  !strcmp(c[0].image, "images/hello.tar") && !strcmp(c[0].digest, hello_hex),
	      "onboot: name, image, digest of index.json");
	CHECK(c[0].n_command == 3 && !strcmp(c[0].command[0], "/hello") &&
		  !strcmp(c[0].command[2], "two words"),
	      "onboot: command");
	CHECK(c[0].n_env == 3 && !strcmp(c[0].env[0], "DATA_DIR=/data") &&
		  !strcmp(c[0].env[1], "_X=") && !strcmp(c[0].env[2], "MSG=a b=c"),
	      "onboot: env");
	CHECK(c[0].n_binds == 3 && !strcmp(c[0].binds[0].src, "/var/lib/hello") &&
		  !strcmp(c[0].binds[0].dst, "/data") && !c[0].binds[0].ro &&
		  !strcmp(c[0].binds[1].src, "/var/log") && !strcmp(c[0].binds[1].dst, "/logs") &&
		  c[0].binds[1].ro && !c[0].binds[2].ro,
	      "onboot: binds, rw by default");
	CHECK(c[0].network == NET_NONE, "onboot: network none");
	CHECK(c[1].service && !strcmp(c[1].name, "hello") && c[1].network == NET_HOST,
	      "service: network defaults to host");
	CHECK(c[1].restart == RESTART_ON_FAILURE && c[1].critical,
	      "service: restart on-failure, critical");
	CHECK(c[1].health.probe == PROBE_HTTP && c[1].health.port == 8080 &&
		  !strcmp(c[1].health.path, "/health?x=1"),
	      "service: http probe");
	CHECK(c[1].n_command == 0 && c[1].n_env == 0 && c[1].n_binds == 0,
	      "service: no command, env or binds");
	CHECK(!strcmp(c[2].image, "./images/other.tar") && !strcmp(c[2].digest, other_hex),
	      "service: image with ./ members and its own digest");
	CHECK(c[2].restart == RESTART_NO && c[2].health.probe == PROBE_TCP &&
		  c[2].health.port == 65535,
	      "service: restart no, tcp probe");
	CHECK(c[3].restart == RESTART_ALWAYS && !c[3].critical,
	      "service: restart defaults to always, critical to false");
	CHECK(c[3].health.probe == PROBE_EXEC && c[3].health.n_exec == 3 &&
		  !strcmp(c[3].health.exec[2], "a b"),
	      "service: exec probe");
	CHECK(c[4].health.probe == PROBE_HTTP && !strcmp(c[4].health.path, "/") &&
		  c[4].health.port == 1,
	      "service: http path defaults to /");

	CHECK(load_base("services:\n  - {name: a, image: images/hello.tar}\n"
			"onboot:\n  - {name: b, image: images/hello.tar}\n") == 0 &&
		  m.n_containers == 2 && m.containers[0].service && !m.containers[1].service &&
		  m.containers[0].health.probe == PROBE_NONE,
	      "containers: in document order; no probe by default");
	CHECK(load_base("onboot: []\nservices:\n") == 0 && m.n_containers == 0,
	      "containers: empty lists");
	CHECK(load("name: berth\nversion: 0.1.0\nkernel: {package: l0}\nrootfs: {}\n"
		   "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\nservices: []\n") == 0,
	      "containers: empty services need no containerd");
}

static void test_container_errors(void)
{
	static char yaml[8192];
	size_t n;

	/* structure */
	expect_err("services not a list", "services: {name: a}\n", "6:11",
		   "services must be a list");
	expect_err("service not a mapping", "services:\n  - web\n", "7:5",
		   "services[0] must be a mapping");
	expect_err("service without name", "services:\n  - image: images/hello.tar\n", "7:5",
		   "missing required field 'services[0].name'");
	expect_err("service without image", "services:\n  - name: web\n", "7:5",
		   "missing required field 'services[0].image'");
	expect_err("unknown key in service", SERVICE "    ports: [80]\n", "9:5",
		   "unknown key 'ports' in services[0]");
	expect_err("onboot with restart",
		   "onboot:\n  - name: a\n    image: images/hello.tar\n    restart: always\n",
		   "9:5", "unknown key 'restart' in onboot[0]");
	expect_err("onboot with health",
		   "onboot:\n  - {name: a, image: images/hello.tar, health: {tcp: {port: 1}}}\n",
		   "7:40", "unknown key 'health' in onboot[0]");
	expect_err("onboot with critical",
		   "onboot:\n  - {name: a, image: images/hello.tar, critical: true}\n", "7:40",
		   "unknown key 'critical' in onboot[0]");

	/* name */
	expect_err("bad container name", "services:\n  - {name: Web, image: images/hello.tar}\n",
		   "7:12", "services[0].name: bad container name 'Web'");
	expect_err("container name too long",
		   "services:\n  - {name: abcdefghijklmnopqrstuvwxyz0123456, image: x}\n", "7:12",
		   "services[0].name is too long (33 bytes, at most 32)");
	expect_err("duplicate container name",
		   "onboot:\n  - {name: web, image: images/hello.tar}\n" SERVICE, "9:11",
		   "services[0].name: duplicate container name 'web' (first on line 7)");
	expect_err("duplicate service name", SERVICE "  - name: web\n    image: images/hello.tar\n",
		   "9:11", "services[1].name: duplicate container name 'web' (first on line 7)");

	/* image */
	expect_err("image missing", "services:\n  - {name: a, image: images/nope.tar}\n", "7:22",
		   "services[0].image: image 'images/nope.tar': no such file");
	expect_err("image not a tar", "services:\n  - {name: a, image: images/text.tar}\n", "7:22",
		   "image 'images/text.tar' is not an OCI image archive");
	expect_err("image without index.json",
		   "services:\n  - {name: a, image: images/no-index.tar}\n", "7:22",
		   "image 'images/no-index.tar' is not an OCI image archive (no index.json)");
	expect_err("image without oci-layout",
		   "services:\n  - {name: a, image: images/no-layout.tar}\n", "7:22",
		   "is not an OCI image archive (no oci-layout)");
	expect_err("image with two index.json",
		   "services:\n  - {name: a, image: images/two-index.tar}\n", "7:22",
		   "image 'images/two-index.tar' has 2 index.json members");
	expect_err("image a directory", "services:\n  - {name: a, image: images/dir.tar}\n", "7:22",
		   "image 'images/dir.tar' is not a regular file");
	expect_err("image absolute", "services:\n  - {name: a, image: /tmp/x.tar}\n", "7:22",
		   "services[0].image: bad image path '/tmp/x.tar': must be relative");
	expect_err("image with ..", "services:\n  - {name: a, image: images/../x.tar}\n", "7:22",
		   "must not contain '..'");
	expect_err("image empty", "services:\n  - name: a\n    image:\n", "8:5",
		   "bad image path '': must not be empty");

	/* command, env */
	expect_err("command not a list", SERVICE "    command: /hello seed\n", "9:14",
		   "services[0].command must be a list");
	expect_err("command item empty", SERVICE "    command: [/hello, '']\n", "9:23",
		   "services[0].command[1]: bad argument '': must not be empty");
	expect_err("command with newline", SERVICE "    command: [\"a\\nb\"]\n", "9:15",
		   "control characters are not allowed");
	n = (size_t)snprintf(yaml, sizeof(yaml), SERVICE "    command:\n");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "      - a%d\n", i);
	expect_err("33 command items", yaml, "42:9", "services[0].command has more than 32 items");
	expect_err("bad env", SERVICE "    env: [DATA_DIR]\n", "9:11",
		   "services[0].env[0]: bad environment variable 'DATA_DIR': expected KEY=VALUE");
	expect_err("env key with a dash", SERVICE "    env: [MY-VAR=1]\n", "9:11",
		   "the key must be letters, digits and '_'");
	expect_err("env key with a digit first", SERVICE "    env: [1X=1]\n", "9:11",
		   "not starting with a digit");
	expect_err("env empty key", SERVICE "    env: [=1]\n", "9:11", "the key must be");
	expect_err("env value with a tab", SERVICE "    env: [\"A=\\t\"]\n", "9:11",
		   "control characters are not allowed");

	/* binds */
	expect_err("bind source outside /var", SERVICE "    binds: [\"/etc:/etc\"]\n", "9:13",
		   "services[0].binds[0]: bad bind '/etc:/etc': the source must be under /var/");
	expect_err("bind source /var", SERVICE "    binds: [\"/var:/data\"]\n", "9:13",
		   "the source must be under /var/");
	expect_err("bind source /var/", SERVICE "    binds: [\"/var/:/data\"]\n", "9:13",
		   "the source must not end with '/'");
	expect_err("bind source with ..", SERVICE "    binds: [\"/var/../etc:/data\"]\n", "9:13",
		   "the source must not contain '..'");
	expect_err("bind source relative", SERVICE "    binds: [\"var/x:/data\"]\n", "9:13",
		   "the source must be an absolute path");
	expect_err("bind destination relative", SERVICE "    binds: [\"/var/x:data\"]\n", "9:13",
		   "the destination must be an absolute path");
	expect_err("bind destination /", SERVICE "    binds: [\"/var/x:/\"]\n", "9:13",
		   "the destination must not be '/' itself");
	expect_err("bind without destination", SERVICE "    binds: [/var/x]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	expect_err("bind with a bad mode", SERVICE "    binds: [\"/var/x:/x:rx\"]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	expect_err("bind with four parts", SERVICE "    binds: [\"/var/x:/x:ro:rw\"]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	expect_err("bind with a space", SERVICE "    binds: [\"/var/a b:/x\"]\n", "9:13",
		   "white space is not allowed");
	expect_err("9 binds",
		   SERVICE "    binds: [/var/a:/a, /var/a:/b, /var/a:/c, /var/a:/d, /var/a:/e, "
			   "/var/a:/f, /var/a:/g, /var/a:/h, /var/a:/i]\n",
		   "9:101", "services[0].binds has more than 8 items");

	/* network, restart, critical */
	expect_err("bad network", SERVICE "    network: bridge\n", "9:14",
		   "services[0].network: bad network 'bridge': expected host or none");
	expect_err("bad restart", SERVICE "    restart: sometimes\n", "9:14",
		   "services[0].restart: bad restart policy 'sometimes': expected always, "
		   "on-failure or no");
	expect_err("critical yes", SERVICE "    critical: yes\n", "9:15",
		   "services[0].critical: bad boolean 'yes': expected true or false");

	/* health */
	expect_err("health with two probes",
		   SERVICE "    health:\n      http: {port: 80}\n      tcp: {port: 80}\n", "11:7",
		   "services[0].health.tcp: a health check has one probe: http, tcp or exec");
	expect_err("health without a probe", SERVICE "    health: {}\n", "9:13",
		   "services[0].health: expected one probe: http, tcp or exec");
	expect_err("health not a mapping", SERVICE "    health: http\n", "9:13",
		   "services[0].health must be a mapping");
	expect_err("unknown probe", SERVICE "    health: {grpc: {port: 1}}\n", "9:14",
		   "unknown key 'grpc' in services[0].health");
	expect_err("tcp health with network none",
		   SERVICE "    health: {tcp: {port: 80}}\n    network: none\n", "9:5",
		   "services[0].health: http and tcp probes need network: host");
	expect_err("http health with network none",
		   SERVICE "    network: none\n    health: {http: {port: 80}}\n", "10:5",
		   "http and tcp probes need network: host");
	CHECK(load_base(SERVICE "    network: none\n    health: {exec: [/bin/true]}\n") == 0,
	      "exec health works without host network");
	expect_err("port 0", SERVICE "    health: {tcp: {port: 0}}\n", "9:26",
		   "services[0].health.tcp.port: bad port '0': expected a port number from 1 to "
		   "65535");
	expect_err("port 65536", SERVICE "    health: {tcp: {port: 65536}}\n", "9:26",
		   "bad port '65536'");
	expect_err("port missing", SERVICE "    health: {http: {path: /}}\n", "9:20",
		   "missing required field 'services[0].health.http.port'");
	expect_err("http not a mapping", SERVICE "    health: {http: 8080}\n", "9:20",
		   "services[0].health.http must be a mapping");
	expect_err("http path relative", SERVICE "    health: {http: {port: 80, path: health}}\n",
		   "9:37", "services[0].health.http.path: bad path 'health': must start with '/'");
	expect_err("http path with space", SERVICE "    health: {http: {port: 80, path: '/a b'}}\n",
		   "9:37", "white space and control characters are not allowed");
	expect_err("exec empty", SERVICE "    health: {exec: []}\n", "9:20",
		   "services[0].health.exec: expected a command");
	expect_err("exec not a list", SERVICE "    health: {exec: /bin/true}\n", "9:20",
		   "services[0].health.exec must be a list");
	expect_err("exec item empty", SERVICE "    health: {exec: [/bin/check, '']}\n", "9:33",
		   "services[0].health.exec[1]: bad argument ''");

	/* across sections */
	CHECK(load("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
		   "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"
		   "onboot: []\n"
		   "services:\n  - {name: a, image: images/hello.tar}\n"
		   "rootfs: {packages: [runc]}\n") == -EINVAL &&
		  strstr(err, ":6:1: services need containerd in rootfs.packages"),
	      "services without containerd: error at the services key");
	CHECK(load("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
		   "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\nrootfs: {}\n"
		   "onboot:\n  - {name: a, image: images/hello.tar}\nservices: []\n") == -EINVAL &&
		  strstr(err, ":6:1: onboot containers need containerd in rootfs.packages"),
	      "onboot without containerd: error at the onboot key");
	n = (size_t)snprintf(yaml, sizeof(yaml), "onboot:\n");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  - {name: o%d, image: images/hello.tar}\n", i);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "services:\n");
	for (int i = 0; i < 7; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  - {name: s%d, image: images/hello.tar}\n", i);
	expect_err("17 containers", yaml, "24:5",
		   "services[6]: more than 16 containers (onboot and services together)");
}

int main(void)
{
	setup_dir();
	test_network();
	test_network_errors();
	test_containers();
	test_container_errors();
	cleanup_dir();
	return CHECK_DONE();
}
