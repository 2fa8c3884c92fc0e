/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's onboot: and services: sections. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

/* Lines 1-5; the sections under test start on line 6. */
#define BASE FX_BASE("rootfs: {packages: [crun]}")

/* A service whose image is good: lines 7-8 after "services:" on line 6. */
#define SERVICE "services:\n  - name: web\n    image: images/hello.tar\n"

#define HELLO_INDEX "{\"schemaVersion\":2,\"manifests\":[]}\n"
#define OTHER_INDEX "{\"schemaVersion\":2,\"manifests\":[{}]}\n"
#define LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"

static char hello_hex[65], other_hex[65];

/* A tar of N members NAMES[i] with CONTENTS[i]. */
static void write_tar(const char *name, size_t n, const char *const *names,
		      const char *const *contents)
{
	struct archive *a = archive_write_new();
	char p[128];

	fx_at(p, sizeof(p), name);
	if (!a || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, p) != ARCHIVE_OK)
		fx_die(p);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = strlen(contents[i]);
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, contents[i], len) != (la_ssize_t)len)
			fx_die(p);
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		fx_die(p);
	archive_write_free(a);
}

static void hex_of(const char *text, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* The image archives the manifests below name, good and bad. */
static void make_images(void)
{
	fx_mkdir("images");
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
	fx_write("images/text.tar", "not a tar\n");
	fx_mkdir("images/dir.tar");
	hex_of(HELLO_INDEX, hello_hex);
	hex_of(OTHER_INDEX, other_hex);
}

static void test_containers(void)
{
	const struct manifest_container *c = m.containers;

	CHECK(fx_load("onboot:\n"
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
	CHECK(c[0].runtime == RUNTIME_CRUN && c[1].runtime == RUNTIME_CRUN,
	      "containers: runtime defaults to crun");
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

	CHECK(fx_load("services:\n  - {name: a, image: images/hello.tar}\n"
		      "onboot:\n  - {name: b, image: images/hello.tar}\n") == 0 &&
		  m.n_containers == 2 && m.containers[0].service && !m.containers[1].service &&
		  m.containers[0].health.probe == PROBE_NONE,
	      "containers: in document order; no probe by default");
	CHECK(fx_load("onboot: []\nservices:\n") == 0 && m.n_containers == 0,
	      "containers: empty lists");
	CHECK(fx_load_raw(
		  "name: berth\nversion: 0.1.0\nkernel: {package: l0}\nrootfs: {}\n"
		  "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\nservices: []\n") == 0,
	      "containers: empty services need no crun");
}

static void test_container_errors(void)
{
	static char yaml[8192];
	size_t n;

	/* structure */
	EXPECT_ERR("services not a list", "services: {name: a}\n", "6:11",
		   "services must be a list");
	EXPECT_ERR("service not a mapping", "services:\n  - web\n", "7:5",
		   "services[0] must be a mapping");
	EXPECT_ERR("service without name", "services:\n  - image: images/hello.tar\n", "7:5",
		   "missing required field 'services[0].name'");
	EXPECT_ERR("service without image", "services:\n  - name: web\n", "7:5",
		   "missing required field 'services[0].image'");
	EXPECT_ERR("unknown key in service", SERVICE "    ports: [80]\n", "9:5",
		   "unknown key 'ports' in services[0]");
	EXPECT_ERR("onboot with restart",
		   "onboot:\n  - name: a\n    image: images/hello.tar\n    restart: always\n",
		   "9:5", "unknown key 'restart' in onboot[0]");
	EXPECT_ERR("onboot with health",
		   "onboot:\n  - {name: a, image: images/hello.tar, health: {tcp: {port: 1}}}\n",
		   "7:40", "unknown key 'health' in onboot[0]");
	EXPECT_ERR("onboot with critical",
		   "onboot:\n  - {name: a, image: images/hello.tar, critical: true}\n", "7:40",
		   "unknown key 'critical' in onboot[0]");

	/* name */
	EXPECT_ERR("bad container name", "services:\n  - {name: Web, image: images/hello.tar}\n",
		   "7:12", "services[0].name: bad container name 'Web'");
	EXPECT_ERR("container name too long",
		   "services:\n  - {name: abcdefghijklmnopqrstuvwxyz0123456, image: x}\n", "7:12",
		   "services[0].name is too long (33 bytes, at most 32)");
	EXPECT_ERR("duplicate container name",
		   "onboot:\n  - {name: web, image: images/hello.tar}\n" SERVICE, "9:11",
		   "services[0].name: duplicate container name 'web' (first on line 7)");
	EXPECT_ERR("duplicate service name", SERVICE "  - name: web\n    image: images/hello.tar\n",
		   "9:11", "services[1].name: duplicate container name 'web' (first on line 7)");

	/* image */
	EXPECT_ERR("image missing", "services:\n  - {name: a, image: images/nope.tar}\n", "7:22",
		   "services[0].image: image 'images/nope.tar': no such file");
	EXPECT_ERR("image not a tar", "services:\n  - {name: a, image: images/text.tar}\n", "7:22",
		   "image 'images/text.tar' is not an OCI image archive");
	EXPECT_ERR("image without index.json",
		   "services:\n  - {name: a, image: images/no-index.tar}\n", "7:22",
		   "image 'images/no-index.tar' is not an OCI image archive (no index.json)");
	EXPECT_ERR("image without oci-layout",
		   "services:\n  - {name: a, image: images/no-layout.tar}\n", "7:22",
		   "is not an OCI image archive (no oci-layout)");
	EXPECT_ERR("image with two index.json",
		   "services:\n  - {name: a, image: images/two-index.tar}\n", "7:22",
		   "image 'images/two-index.tar' has 2 index.json members");
	EXPECT_ERR("image a directory", "services:\n  - {name: a, image: images/dir.tar}\n", "7:22",
		   "image 'images/dir.tar' is not a regular file");
	EXPECT_ERR("image absolute", "services:\n  - {name: a, image: /tmp/x.tar}\n", "7:22",
		   "services[0].image: bad image path '/tmp/x.tar': must be relative");
	EXPECT_ERR("image with ..", "services:\n  - {name: a, image: images/../x.tar}\n", "7:22",
		   "must not contain '..'");
	EXPECT_ERR("image empty", "services:\n  - name: a\n    image:\n", "8:5",
		   "bad image path '': must not be empty");

	/* command, env */
	EXPECT_ERR("command not a list", SERVICE "    command: /hello seed\n", "9:14",
		   "services[0].command must be a list");
	EXPECT_ERR("command item empty", SERVICE "    command: [/hello, '']\n", "9:23",
		   "services[0].command[1]: bad argument '': must not be empty");
	EXPECT_ERR("command with newline", SERVICE "    command: [\"a\\nb\"]\n", "9:15",
		   "control characters are not allowed");
	n = (size_t)snprintf(yaml, sizeof(yaml), SERVICE "    command:\n");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "      - a%d\n", i);
	EXPECT_ERR("33 command items", yaml, "42:9", "services[0].command has more than 32 items");
	EXPECT_ERR("bad env", SERVICE "    env: [DATA_DIR]\n", "9:11",
		   "services[0].env[0]: bad environment variable 'DATA_DIR': expected KEY=VALUE");
	EXPECT_ERR("env key with a dash", SERVICE "    env: [MY-VAR=1]\n", "9:11",
		   "the key must be letters, digits and '_'");
	EXPECT_ERR("env key with a digit first", SERVICE "    env: [1X=1]\n", "9:11",
		   "not starting with a digit");
	EXPECT_ERR("env empty key", SERVICE "    env: [=1]\n", "9:11", "the key must be");
	EXPECT_ERR("env value with a tab", SERVICE "    env: [\"A=\\t\"]\n", "9:11",
		   "control characters are not allowed");

	/* binds */
	EXPECT_ERR("bind source outside /var", SERVICE "    binds: [\"/etc:/etc\"]\n", "9:13",
		   "services[0].binds[0]: bad bind '/etc:/etc': the source must be under /var/");
	EXPECT_ERR("bind source /var", SERVICE "    binds: [\"/var:/data\"]\n", "9:13",
		   "the source must be under /var/");
	EXPECT_ERR("bind source /var/", SERVICE "    binds: [\"/var/:/data\"]\n", "9:13",
		   "the source must not end with '/'");
	EXPECT_ERR("bind source with ..", SERVICE "    binds: [\"/var/../etc:/data\"]\n", "9:13",
		   "the source must not contain '..'");
	EXPECT_ERR("bind source relative", SERVICE "    binds: [\"var/x:/data\"]\n", "9:13",
		   "the source must be an absolute path");
	EXPECT_ERR("bind destination relative", SERVICE "    binds: [\"/var/x:data\"]\n", "9:13",
		   "the destination must be an absolute path");
	EXPECT_ERR("bind destination /", SERVICE "    binds: [\"/var/x:/\"]\n", "9:13",
		   "the destination must not be '/' itself");
	EXPECT_ERR("bind without destination", SERVICE "    binds: [/var/x]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	EXPECT_ERR("bind with a bad mode", SERVICE "    binds: [\"/var/x:/x:rx\"]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	EXPECT_ERR("bind with four parts", SERVICE "    binds: [\"/var/x:/x:ro:rw\"]\n", "9:13",
		   "expected SRC:DST[:ro|:rw]");
	EXPECT_ERR("bind with a space", SERVICE "    binds: [\"/var/a b:/x\"]\n", "9:13",
		   "white space is not allowed");
	EXPECT_ERR("9 binds",
		   SERVICE "    binds: [/var/a:/a, /var/a:/b, /var/a:/c, /var/a:/d, /var/a:/e, "
			   "/var/a:/f, /var/a:/g, /var/a:/h, /var/a:/i]\n",
		   "9:101", "services[0].binds has more than 8 items");

	/* network, restart, critical */
	EXPECT_ERR("bad network", SERVICE "    network: bridge\n", "9:14",
		   "services[0].network: bad network 'bridge': expected host or none");
	EXPECT_ERR("bad restart", SERVICE "    restart: sometimes\n", "9:14",
		   "services[0].restart: bad restart policy 'sometimes': expected always, "
		   "on-failure or no");
	EXPECT_ERR("critical yes", SERVICE "    critical: yes\n", "9:15",
		   "services[0].critical: bad boolean 'yes': expected true or false");

	/* health */
	EXPECT_ERR("health with two probes",
		   SERVICE "    health:\n      http: {port: 80}\n      tcp: {port: 80}\n", "11:7",
		   "services[0].health.tcp: a health check has one probe: http, tcp or exec");
	EXPECT_ERR("health without a probe", SERVICE "    health: {}\n", "9:13",
		   "services[0].health: expected one probe: http, tcp or exec");
	EXPECT_ERR("health not a mapping", SERVICE "    health: http\n", "9:13",
		   "services[0].health must be a mapping");
	EXPECT_ERR("unknown probe", SERVICE "    health: {grpc: {port: 1}}\n", "9:14",
		   "unknown key 'grpc' in services[0].health");
	EXPECT_ERR("tcp health with network none",
		   SERVICE "    health: {tcp: {port: 80}}\n    network: none\n", "9:5",
		   "services[0].health: http and tcp probes need network: host");
	EXPECT_ERR("http health with network none",
		   SERVICE "    network: none\n    health: {http: {port: 80}}\n", "10:5",
		   "http and tcp probes need network: host");
	CHECK(fx_load(SERVICE "    network: none\n    health: {exec: [/bin/true]}\n") == 0,
	      "exec health works without host network");
	EXPECT_ERR("port 0", SERVICE "    health: {tcp: {port: 0}}\n", "9:26",
		   "services[0].health.tcp.port: bad port '0': expected a port number from 1 to "
		   "65535");
	EXPECT_ERR("port 65536", SERVICE "    health: {tcp: {port: 65536}}\n", "9:26",
		   "bad port '65536'");
	EXPECT_ERR("port missing", SERVICE "    health: {http: {path: /}}\n", "9:20",
		   "missing required field 'services[0].health.http.port'");
	EXPECT_ERR("http not a mapping", SERVICE "    health: {http: 8080}\n", "9:20",
		   "services[0].health.http must be a mapping");
	EXPECT_ERR("http path relative", SERVICE "    health: {http: {port: 80, path: health}}\n",
		   "9:37", "services[0].health.http.path: bad path 'health': must start with '/'");
	EXPECT_ERR("http path with space", SERVICE "    health: {http: {port: 80, path: '/a b'}}\n",
		   "9:37", "white space and control characters are not allowed");
	EXPECT_ERR("exec empty", SERVICE "    health: {exec: []}\n", "9:20",
		   "services[0].health.exec: expected a command");
	EXPECT_ERR("exec not a list", SERVICE "    health: {exec: /bin/true}\n", "9:20",
		   "services[0].health.exec must be a list");
	EXPECT_ERR("exec item empty", SERVICE "    health: {exec: [/bin/check, '']}\n", "9:33",
		   "services[0].health.exec[1]: bad argument ''");

	/* across sections */
	CHECK(fx_load_raw("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
			  "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"
			  "onboot: []\n"
			  "services:\n  - {name: a, image: images/hello.tar}\n"
			  "rootfs: {packages: [containerd, runc]}\n") == -EINVAL &&
		  strstr(err, ":6:1: services need crun in rootfs.packages"),
	      "services without crun: error at the services key");
	CHECK(fx_load_raw("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
			  "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\nrootfs: {}\n"
			  "onboot:\n  - {name: a, image: images/hello.tar}\nservices: []\n") ==
		      -EINVAL &&
		  strstr(err, ":6:1: onboot containers need crun in rootfs.packages"),
	      "onboot without crun: error at the onboot key");
	int r = fx_load_raw("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
			    "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"
			    "rootfs: {packages: [runc]}\n"
			    "services:\n  - {name: a, image: images/hello.tar, runtime: runc}\n");
	CHECK(r == 0 && m.containers[0].runtime == RUNTIME_RUNC,
	      "runtime: runc, with runc alone in the packages");
	CHECK(fx_load_raw("name: berth\nversion: 0.1.0\nkernel: {package: l0}\n"
			  "disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"
			  "rootfs: {packages: [crun]}\nonboot: []\n"
			  "services:\n  - {name: a, image: images/hello.tar}\n"
			  "  - {name: b, image: images/hello.tar, runtime: runc}\n") == -EINVAL &&
		  strstr(err, ":7:1: services need runc in rootfs.packages"),
	      "a service with runtime runc, and no runc: error at the services key");
	EXPECT_ERR("runtime docker", SERVICE "    runtime: docker\n", "9:14",
		   "services[0].runtime: bad OCI runtime 'docker': expected crun or runc");
	n = (size_t)snprintf(yaml, sizeof(yaml), "onboot:\n");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  - {name: o%d, image: images/hello.tar}\n", i);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "services:\n");
	for (int i = 0; i < 7; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  - {name: s%d, image: images/hello.tar}\n", i);
	EXPECT_ERR("17 containers", yaml, "24:5",
		   "services[6]: more than 16 containers (onboot and services together)");
}

int main(void)
{
	fx_setup("test_manifest_containers", BASE);
	make_images();
	test_containers();
	test_container_errors();
	fx_cleanup();
	return CHECK_DONE();
}
