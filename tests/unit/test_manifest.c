/* unit: image/manifest/m*.c lib/contract.c lib/errf.c lib/fileio.c lib/keyfile.c lib/version.c -lyaml -larchive -lsodium */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"

#define MIB (1024ULL * 1024)

/* Every field set, so each test below changes one thing from a known-good base. */
#define FULL                                          \
	"# a comment first, as real manifests have\n" \
	"name: berth-test\n"                          \
	"version: 1.2.3-rc.1\n"                       \
	"kernel:\n"                                   \
	"  package: linux-image-amd64\n"              \
	"  cmdline: console=ttyS0,115200 quiet\n"     \
	"rootfs:\n"                                   \
	"  hostname: node-1.example\n"                \
	"disk:\n"                                     \
	"  esp: 64M\n"                                \
	"  root: 1G\n"                                \
	"  verity: 16384K\n"                          \
	"  data: 268435456\n"                         \
	"debug:\n"                                    \
	"  shell: ttyS0\n"

#define KERNEL "kernel:\n  package: linux-image-amd64\n"
#define DISK "disk:\n  esp: 64M\n  root: 256M\n  verity: 16M\n  data: 256M\n"
/* Lines 1-2 name and version, 3-4 kernel, 5 rootfs, 6-10 disk. */
#define MINIMAL "name: berth\nversion: 0.1.0\n" KERNEL "rootfs: {}\n" DISK

/* Every new field set: lines 4 channel, 7-18 rootfs, 19-21 signing. */
#define FULL_NEW                                                \
	"name: berth-test\n"                                    \
	"version: 1.2.3\n"                                      \
	"kernel: {package: linux-image-amd64}\n"                \
	"channel: beta-2\n"                                     \
	"rootfs:\n"                                             \
	"  hostname: node-1\n"                                  \
	"  packages: [containerd, runc, c++lib.x]\n"            \
	"  files:\n"                                            \
	"    - src: files/motd\n"                               \
	"      dst: /etc/motd\n"                                \
	"      mode: \"0600\"\n"                                \
	"      owner: \"1000:1001\"\n"                          \
	"    - src: ./files/conf.d\n"                           \
	"      dst: /etc/berth/conf.d\n"                        \
	"      mode: 0640\n"                                    \
	"      owner: 0:4294967294\n"                           \
	"    - {src: files/motd, dst: /etc/issue}\n"            \
	"  remove: [/usr/share/zoneinfo/*, /usr/share/doc]\n"   \
	"signing:\n"                                            \
	"  gpg_key: 0123456789abcdefABCDEF0123456789abcdef01\n" \
	"  gpg_homedir: keys/gnupg\n" DISK

static struct manifest m;
static char err[MANIFEST_ERR_MAX];
static char path[128];
/* Manifests are written here, next to the files their rootfs.files name. */
static char dir[64] = "/tmp/test_manifest.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(1);
	}
}

static void make_dir(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (mkdir(p, 0755) < 0) {
		perror(p);
		exit(1);
	}
}

/* The folder a manifest's relative paths are resolved in. */
static void setup_dir(void)
{
	char p[128];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	make_dir("files");
	write_file("files/motd", "welcome\n");
	make_dir("files/conf.d");
	write_file("files/conf.d/a.conf", "a\n");
	make_dir("keys");
	make_dir("keys/gnupg");
	write_file("not-a-dir", "x\n");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	if (mkfifo(p, 0644) < 0) {
		perror(p);
		exit(1);
	}
}

static void cleanup_dir(void)
{
	static const char *const files[] = {"files/motd", "files/conf.d/a.conf", "not-a-dir",
					    "fifo"};
	static const char *const dirs[] = {"files/conf.d", "files", "keys/gnupg", "keys", ""};
	char p[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		rmdir(p);
	}
}

static int load_len(const char *yaml, size_t len)
{
	snprintf(path, sizeof(path), "%s/m.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	if (write(fd, yaml, len) != (ssize_t)len) {
		perror("write");
		exit(1);
	}
	close(fd);
	int r = manifest_load(path, &m, err, sizeof(err));
	unlink(path);
	return r;
}

static int load(const char *yaml)
{
	return load_len(yaml, strlen(yaml));
}

/* Loading YAML fails with -EINVAL and "<path>:POS: ...SUB...". */
static void expect_err(const char *name, const char *yaml, const char *pos, const char *sub)
{
	char prefix[160];
	int r = load(yaml);

	snprintf(prefix, sizeof(prefix), "%s:%s: ", path, pos);
	bool ok = r == -EINVAL && strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, sub);
	if (!ok)
		printf("# %s: r=%d err=\"%s\", want \"%s...%s\"\n", name, r, err, prefix, sub);
	CHECK(ok, name);
}

static void test_full(void)
{
	CHECK(load(FULL) == 0, "full manifest loads");
	CHECK(!strcmp(m.name, "berth-test"), "full: name");
	CHECK(!strcmp(m.version, "1.2.3-rc.1"), "full: version");
	CHECK(!strcmp(m.kernel.package, "linux-image-amd64"), "full: kernel.package");
	CHECK(!strcmp(m.kernel.cmdline, "console=ttyS0,115200 quiet"), "full: kernel.cmdline");
	CHECK(!strcmp(m.rootfs.hostname, "node-1.example"), "full: rootfs.hostname");
	CHECK(m.disk.esp == 64 * MIB, "full: disk.esp in bytes");
	CHECK(m.disk.root == 1024 * MIB, "full: disk.root in bytes");
	CHECK(m.disk.verity == 16 * MIB, "full: disk.verity from K");
	CHECK(m.disk.data == 256 * MIB, "full: disk.data without suffix");
	CHECK(!strcmp(m.debug.shell, "ttyS0"), "full: debug.shell");
}

static void test_full_new(void)
{
	const struct manifest_file *f = m.rootfs.files;

	memset(&m, 0x55, sizeof(m));
	int r = load(FULL_NEW);
	if (r)
		printf("# %s\n", err);
	CHECK(r == 0, "manifest with every new field loads");
	CHECK(!strcmp(m.channel, "beta-2"), "new: channel");
	CHECK(!strcmp(m.rootfs.hostname, "node-1"), "new: hostname beside the new fields");
	CHECK(m.rootfs.n_packages == 3, "new: three packages");
	CHECK(!strcmp(m.rootfs.packages[0], "containerd") &&
		  !strcmp(m.rootfs.packages[1], "runc") &&
		  !strcmp(m.rootfs.packages[2], "c++lib.x"),
	      "new: packages in order");
	CHECK(m.rootfs.n_files == 3, "new: three files");
	CHECK(!strcmp(f[0].src, "files/motd") && !strcmp(f[0].dst, "/etc/motd"),
	      "new: files[0] src and dst");
	CHECK(f[0].mode == 0600, "new: files[0] quoted mode is octal");
	CHECK(f[0].uid == 1000 && f[0].gid == 1001, "new: files[0] owner");
	CHECK(!strcmp(f[1].src, "./files/conf.d") && !strcmp(f[1].dst, "/etc/berth/conf.d"),
	      "new: files[1] is a directory");
	CHECK(f[1].mode == 0640, "new: files[1] plain mode 0640 read as octal");
	CHECK(f[1].uid == 0 && f[1].gid == 4294967294u, "new: files[1] largest gid");
	CHECK(!strcmp(f[2].dst, "/etc/issue") && f[2].mode == 0644 && f[2].uid == 0 &&
		  f[2].gid == 0,
	      "new: files[2] defaults to 0644 and 0:0");
	CHECK(m.rootfs.n_remove == 2 && !strcmp(m.rootfs.remove[0], "/usr/share/zoneinfo/*") &&
		  !strcmp(m.rootfs.remove[1], "/usr/share/doc"),
	      "new: remove globs");
	CHECK(!strcmp(m.signing.gpg_key, "0123456789abcdefABCDEF0123456789abcdef01"),
	      "new: 40-digit fingerprint");
	CHECK(!strcmp(m.signing.gpg_homedir, "keys/gnupg"), "new: gpg_homedir kept as written");
}

static void test_new_defaults(void)
{
	memset(&m, 0x55, sizeof(m));
	CHECK(load(MINIMAL) == 0, "minimal manifest loads (new fields)");
	CHECK(!strcmp(m.channel, "stable"), "default: channel stable");
	CHECK(m.rootfs.n_packages == 0 && m.rootfs.n_files == 0 && m.rootfs.n_remove == 0,
	      "default: no packages, files or removals");
	CHECK(!strcmp(m.signing.gpg_key, "") && !strcmp(m.signing.gpg_homedir, ""),
	      "default: unsigned");
	CHECK(load("name: berth\nversion: 0.1.0\n" KERNEL
		   "rootfs:\n  packages:\n  files: ~\n  remove: []\n" DISK
		   "channel: ~\nsigning: {}\n") == 0 &&
		  m.rootfs.n_packages == 0 && m.rootfs.n_files == 0 && !strcmp(m.channel, "stable"),
	      "null and empty lists mean none");
	CHECK(load("name: berth\nversion: 0.1.0\n" KERNEL
		   "rootfs: {files: [{src: files/motd, dst: /m, mode: 7, owner: '0:0'}]}\n" DISK
		   "signing: {gpg_key: ABCDEF01}\n") == 0 &&
		  m.rootfs.files[0].mode == 07 && !strcmp(m.signing.gpg_key, "ABCDEF01"),
	      "one-digit mode, 8-digit key id");
	CHECK(load("name: berth\nversion: 0.1.0\n" KERNEL "channel: a-\nrootfs: {}\n" DISK) == 0 &&
		  !strcmp(m.channel, "a-"),
	      "channel may end with '-'");
}

/* "rootfs:\n  KEY:\n" and N lines "    - BEFORE<i>AFTER\n" into BUF. */
static void many(char *buf, size_t len, const char *key, size_t n, const char *before,
		 const char *after)
{
	size_t used = (size_t)snprintf(buf, len, "rootfs:\n  %s:\n", key);

	for (size_t i = 0; i < n && used < len; i++)
		used +=
		    (size_t)snprintf(buf + used, len - used, "    - %s%zu%s\n", before, i, after);
}

static void test_new_errors(void)
{
	static char yaml[65536];
	char longglob[300];

	/* channel */
	expect_err("bad channel", "name: berth\nchannel: Beta\n", "2:10",
		   "channel: bad channel 'Beta'");
	expect_err("channel starts with '-'", "channel: -x\n", "1:10", "must start with");
	expect_err("channel too long", "channel: abcdefghijklmnopqrstuvwxyz0123456\n", "1:10",
		   "channel is too long (33 bytes, at most 32)");
	expect_err("channel as list", "channel: [a]\n", "1:10", "channel must be a scalar");

	/* rootfs.packages */
	expect_err("packages not a list", "rootfs:\n  packages: containerd\n", "2:13",
		   "rootfs.packages must be a list");
	expect_err("packages as mapping", "rootfs:\n  packages: {a: b}\n", "2:13",
		   "rootfs.packages must be a list");
	expect_err("package item is a mapping", "rootfs:\n  packages:\n    - runc\n    - {x: y}\n",
		   "4:7", "rootfs.packages[1] must be a scalar");
	expect_err("bad package item", "rootfs: {packages: [runc, Bad_One]}\n", "1:27",
		   "rootfs.packages[1]: bad package name 'Bad_One'");
	expect_err("empty package item", "rootfs:\n  packages:\n    -\n", "3:6",
		   "rootfs.packages[0]: bad package name '': must not be empty");
	expect_err("duplicate package", "rootfs:\n  packages:\n    - runc\n    - jq\n    - runc\n",
		   "5:7", "rootfs.packages[2]: duplicate package 'runc' (first on line 3)");
	many(yaml, sizeof(yaml), "packages", 257, "p", "");
	expect_err("257 packages", yaml, "259:7", "rootfs.packages has more than 256 items");
	many(yaml, sizeof(yaml), "packages", 256, "p", "");
	expect_err("256 packages fit", yaml, "1:1", "missing required field 'name'");

	/* rootfs.files */
	expect_err("files not a list", "rootfs:\n  files: files/motd\n", "2:10",
		   "rootfs.files must be a list");
	expect_err("file item is a scalar", "rootfs:\n  files:\n    - files/motd\n", "3:7",
		   "rootfs.files[0] must be a mapping");
	expect_err("unknown key in a file",
		   "rootfs:\n  files:\n    - src: files/motd\n      dst: /m\n      user: root\n",
		   "5:7", "unknown key 'user' in rootfs.files[0]");
	expect_err("duplicate key in a file", "rootfs: {files: [{src: files/motd, src: x}]}\n",
		   "1:36", "duplicate key 'src' in rootfs.files[0] (first on line 1)");
	expect_err("file without src", "rootfs:\n  files:\n    - dst: /etc/motd\n", "3:7",
		   "missing required field 'rootfs.files[0].src'");
	expect_err("file without dst",
		   "rootfs:\n  files:\n    - {src: files/motd, dst: /a}\n    - src: files/motd\n",
		   "4:7", "missing required field 'rootfs.files[1].dst'");
	many(yaml, sizeof(yaml), "files", 65, "{src: files/motd, dst: /f", "}");
	expect_err("65 files", yaml, "67:7", "rootfs.files has more than 64 items");
	many(yaml, sizeof(yaml), "files", 64, "{src: files/motd, dst: /f", "}");
	expect_err("64 files fit", yaml, "1:1", "missing required field 'name'");

	/* rootfs.files[].src */
	expect_err("src missing", "rootfs:\n  files:\n    - src: files/nope\n      dst: /m\n",
		   "3:12",
		   "rootfs.files[0].src: 'files/nope' (relative to the manifest's folder): No such "
		   "file or directory");
	expect_err("src absolute", "rootfs:\n  files:\n    - src: /etc/passwd\n", "3:12",
		   "bad source path '/etc/passwd': must be relative to the manifest's folder");
	expect_err("src with ..", "rootfs:\n  files:\n    - src: files/../../etc/passwd\n", "3:12",
		   "must not contain '..'");
	expect_err("src just ..", "rootfs: {files: [{src: ..}]}\n", "1:24",
		   "must not contain '..'");
	expect_err("src empty", "rootfs:\n  files:\n    - src:\n", "3:7",
		   "rootfs.files[0].src: bad source path '': must not be empty");
	expect_err("src a fifo", "rootfs: {files: [{src: fifo}]}\n", "1:24",
		   "'fifo' is neither a regular file nor a directory");
	expect_err("src with a newline", "rootfs: {files: [{src: \"a\\nb\"}]}\n", "1:24",
		   "control characters");

	/* rootfs.files[].dst */
	expect_err(
	    "dst relative", "rootfs:\n  files:\n    - src: files/motd\n      dst: etc/motd\n",
	    "4:12",
	    "rootfs.files[0].dst: bad destination path 'etc/motd': must be an absolute path");
	expect_err("dst is /", "rootfs: {files: [{src: files/motd, dst: /}]}\n", "1:41",
		   "must not be '/' itself");
	expect_err("dst with //", "rootfs: {files: [{src: files/motd, dst: /etc//motd}]}\n", "1:41",
		   "must not contain '//'");
	expect_err("dst with ..", "rootfs: {files: [{src: files/motd, dst: /etc/../motd}]}\n",
		   "1:41", "must not contain '..'");
	expect_err("dst ends with /", "rootfs: {files: [{src: files/motd, dst: /etc/}]}\n", "1:41",
		   "must not end with '/'");

	/* rootfs.files[].mode */
	expect_err("mode not octal", "rootfs: {files: [{src: files/motd, dst: /m, mode: 0999}]}\n",
		   "1:51", "rootfs.files[0].mode: bad mode '0999': expected an octal mode");
	expect_err("mode in hex", "rootfs: {files: [{src: files/motd, dst: /m, mode: 0x1a4}]}\n",
		   "1:51", "bad mode '0x1a4'");
	expect_err("mode too big", "rootfs: {files: [{src: files/motd, dst: /m, mode: '17777'}]}\n",
		   "1:51", "more than 07777");
	expect_err("mode symbolic", "rootfs: {files: [{src: files/motd, dst: /m, mode: u+rw}]}\n",
		   "1:51", "bad mode 'u+rw'");
	expect_err("mode empty", "rootfs: {files: [{src: files/motd, dst: /m, mode: ''}]}\n",
		   "1:51", "bad mode ''");
	expect_err("mode as list", "rootfs: {files: [{src: files/motd, dst: /m, mode: [1]}]}\n",
		   "1:51", "rootfs.files[0].mode must be a scalar");

	/* rootfs.files[].owner */
	expect_err("owner by name",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: root:root}]}\n", "1:52",
		   "rootfs.files[0].owner: bad owner 'root:root': expected UID:GID");
	expect_err("owner without gid",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '0'}]}\n", "1:52",
		   "expected UID:GID");
	expect_err("owner with three parts",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '0:0:0'}]}\n", "1:52",
		   "expected UID:GID");
	expect_err("owner -1",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '4294967295:0'}]}\n", "1:52",
		   "less than 4294967295");
	expect_err("owner negative",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '-1:0'}]}\n", "1:52",
		   "expected UID:GID");

	/* rootfs.remove */
	expect_err("remove not a list", "rootfs:\n  remove: /usr/share/doc\n", "2:11",
		   "rootfs.remove must be a list");
	expect_err("remove relative",
		   "rootfs:\n  remove:\n    - /usr/share/doc\n    - usr/share/man\n", "4:7",
		   "rootfs.remove[1]: bad glob 'usr/share/man': must be an absolute path");
	expect_err("remove with ..", "rootfs: {remove: ['/usr/../../*']}\n", "1:19",
		   "must not contain '..'");
	memset(longglob, 'a', sizeof(longglob));
	longglob[0] = '/';
	snprintf(yaml, sizeof(yaml), "rootfs: {remove: [%.*s]}\n", 256, longglob);
	expect_err("remove glob of 256", yaml, "1:19",
		   "rootfs.remove[0] is too long (256 bytes, at most 255)");
	snprintf(yaml, sizeof(yaml), "rootfs: {remove: [%.*s]}\n", 255, longglob);
	expect_err("remove glob of 255 fits", yaml, "1:1", "missing required field 'name'");
	many(yaml, sizeof(yaml), "remove", 65, "/r", "");
	expect_err("65 removals", yaml, "67:7", "rootfs.remove has more than 64 items");

	/* signing */
	expect_err("signing not a mapping", "signing: ABCDEF01\n", "1:10",
		   "signing must be a mapping");
	expect_err("unknown key in signing", "signing:\n  gpg_key: ABCDEF01\n  key_file: x\n",
		   "3:3", "unknown key 'key_file' in signing");
	expect_err(
	    "gpg_key too short", "signing: {gpg_key: ABCDEF0}\n", "1:20",
	    "signing.gpg_key: bad key id 'ABCDEF0': expected a key id or fingerprint of 8 to 40 "
	    "hex digits");
	expect_err("gpg_key not hex", "signing: {gpg_key: 0xABCDEF01}\n", "1:20", "bad key id");
	expect_err("gpg_key of 41 digits",
		   "signing: {gpg_key: 0123456789abcdef0123456789abcdef012345678}\n", "1:20",
		   "bad key id");
	expect_err(
	    "gpg_homedir missing", "signing:\n  gpg_homedir: keys/nope\n", "2:16",
	    "signing.gpg_homedir: 'keys/nope' (relative to the manifest's folder): No such file");
	expect_err("gpg_homedir a file", "signing:\n  gpg_homedir: not-a-dir\n", "2:16",
		   "signing.gpg_homedir: 'not-a-dir' is not a directory");
	expect_err("gpg_homedir absolute", "signing:\n  gpg_homedir: /root/.gnupg\n", "2:16",
		   "must be relative to the manifest's folder");
}

static void test_defaults(void)
{
	memset(&m, 0x55, sizeof(m));
	CHECK(load(MINIMAL) == 0, "minimal manifest loads");
	CHECK(!strcmp(m.kernel.cmdline, ""), "default: cmdline empty");
	CHECK(!strcmp(m.rootfs.hostname, ""), "default: no hostname");
	CHECK(!strcmp(m.debug.shell, ""), "default: no debug shell");
	CHECK(load("name: berth\nversion: 0.1.0\n" KERNEL "rootfs:\n  hostname: ~\n" DISK
		   "debug: {}\n") == 0 &&
		  !strcmp(m.rootfs.hostname, ""),
	      "null hostname means none");
	CHECK(load(MINIMAL "debug: {shell: null}\n") == 0 && !strcmp(m.debug.shell, ""),
	      "null shell means none");
	CHECK(load("{name: a1, version: 0.0.0, kernel: {package: l0, cmdline: ''}, rootfs: {},"
		   " disk: {esp: 32M, root: 16M, verity: 1M, data: 16M}}") == 0 &&
		  m.disk.esp == 32 * MIB && m.disk.verity == MIB,
	      "flow style with every minimum");
	CHECK(load("---\n" MINIMAL "...\n# trailing comment\n") == 0, "explicit document markers");
	CHECK(load("name: &n berth\nversion: 0.1.0\n" KERNEL "rootfs: {hostname: *n}\n" DISK) ==
		      0 &&
		  !strcmp(m.rootfs.hostname, "berth"),
	      "aliases resolve");
}

static void test_failure_keeps_output(void)
{
	load(FULL);
	expect_err("failed load", "name: Bad\n", "1:7", "bad name");
	CHECK(!strcmp(m.name, "berth-test"), "failed load leaves *m untouched");
}

static void test_syntax(void)
{
	expect_err("syntax: unclosed flow", "name: berth\nkernel: {package: x\n", "3:1",
		   "yaml syntax error");
	expect_err("syntax: tab indent", "name: berth\ndisk:\n\tesp: 64M\n", "3:1",
		   "yaml syntax error");
	expect_err("syntax: bad indentation", "kernel:\n  package: a\n cmdline: b\n", "3:2",
		   "yaml syntax error");
	expect_err("syntax: invalid utf-8", "name: berth\nversion: \xff\n", "2:10",
		   "invalid leading UTF-8 octet");
	expect_err("syntax: undefined alias", "name: *nope\n", "1:7", "undefined alias");
	expect_err("syntax: error in a second document", MINIMAL "---\n[\n", "13:1",
		   "yaml syntax error");
}

static void test_structure(void)
{
	expect_err("top level sequence", "# x\n- name: berth\n", "2:1",
		   "top level must be a mapping");
	expect_err("top level scalar", "berth\n", "1:1", "top level must be a mapping");
	expect_err("empty file", "", "1:1", "empty document");
	expect_err("comments only", "# nothing\n# here\n", "1:1", "empty document");
	expect_err("bare document marker", "\n---\n", "3:1", "empty document");
	expect_err("two documents", MINIMAL "---\nname: x\n", "11:1", "only one document");
	expect_err("non-scalar key", "? [a]\n: b\n", "1:3", "keys must be scalars");
}

static void test_unknown_key(void)
{
	expect_err("unknown key at top", "name: berth\nnmae: x\n", "2:1",
		   "unknown key 'nmae' at top level");
	expect_err("unknown key in disk",
		   "name: berth\nversion: 0.1.0\n" KERNEL "disk:\n  esp: 64M\n"
		   "  swap: 1G\n",
		   "7:3", "unknown key 'swap' in disk");
	expect_err("unknown key in debug", MINIMAL "debug: {shell: ttyS0, ssh: yes}\n", "11:23",
		   "unknown key 'ssh' in debug");
	expect_err("merge key is unknown", MINIMAL "debug:\n  <<: {shell: x}\n", "12:3",
		   "unknown key '<<' in debug");
}

static void test_duplicate_key(void)
{
	expect_err("duplicate key at top", MINIMAL "name: again\n", "11:1",
		   "duplicate key 'name' at top level (first on line 1)");
	expect_err("duplicate key in disk", "disk:\n  esp: 64M\n  root: 1G\n  esp: 32M\n", "4:3",
		   "duplicate key 'esp' in disk");
}

static void test_wrong_type(void)
{
	expect_err("kernel as scalar", "name: berth\nkernel: linux\n", "2:9",
		   "kernel must be a mapping");
	expect_err("kernel empty", "name: berth\nkernel:\nrootfs: {}\n", "2:1",
		   "kernel must be a mapping");
	expect_err("disk.esp as sequence", "disk:\n  esp: [64M]\n", "2:8",
		   "disk.esp must be a scalar");
	expect_err("name as mapping", "name:\n  first: berth\n", "2:3", "name must be a scalar");
	expect_err("debug as sequence", MINIMAL "debug:\n  - ttyS0\n", "12:3",
		   "debug must be a mapping");
	expect_err("NUL in a value", "name: \"ber\\0th\"\n", "1:7", "must not contain a NUL");
}

static void test_missing(void)
{
	expect_err("missing version", "# top\nname: berth\n" KERNEL "rootfs: {}\n" DISK, "2:1",
		   "missing required field 'version'");
	expect_err("missing disk.data",
		   "name: berth\nversion: 0.1.0\n" KERNEL "rootfs: {}\n"
		   "disk:\n  esp: 64M\n  root: 256M\n  verity: 16M\n",
		   "7:3", "missing required field 'disk.data'");
	expect_err("missing kernel.package in flow", "name: berth\nversion: 0.1.0\nkernel: {}\n",
		   "3:9", "missing required field 'kernel.package'");
	expect_err("missing rootfs", "name: berth\nversion: 0.1.0\n" KERNEL DISK, "1:1",
		   "missing required field 'rootfs'");
}

static void test_sizes_in_manifest(void)
{
	expect_err("bad size suffix", "disk:\n  esp: 64M\n  root: 12X\n", "3:9",
		   "disk.root: bad size '12X': ");
	expect_err("size not MiB", "disk:\n  esp: 1025K\n", "2:8",
		   "disk.esp: bad size '1025K': must be a whole number of MiB");
	expect_err("size zero", "disk:\n  data: 0M\n", "2:9", "disk.data: bad size '0M'");
	expect_err("size empty", "disk:\n  data:\n", "2:3", "disk.data: bad size ''");
	expect_err("esp too small", "disk:\n  esp: 16M\n", "2:8",
		   "disk.esp: size '16M' is too small (minimum 32M)");
	expect_err("root too small", "disk:\n  esp: 32M\n  root: 15M\n", "3:9",
		   "disk.root: size '15M' is too small (minimum 16M)");
	expect_err("data too small", "disk:\n  data: 8M\n", "2:9", "too small (minimum 16M)");
	expect_err("size too large", "disk:\n  data: 1048577G\n", "2:9", "too large");
	expect_err("size overflows", "disk:\n  data: 99999999999999999999\n", "2:9",
		   "number too large");
}

static void test_values(void)
{
	expect_err("bad version", "name: berth\nversion: 1.2\n", "2:10",
		   "version: bad version '1.2'");
	expect_err("version leading zero", "name: berth\nversion: '01.2.3'\n", "2:10",
		   "bad version '01.2.3'");
	expect_err("bad name", "name: Berth\n", "1:7", "name: bad name 'Berth'");
	expect_err("name with underscore", "name: my_os\n", "1:7", "bad name");
	expect_err("name ends with dash", "name: berth-\n", "1:7", "must not end with '-'");
	expect_err("empty name", "name: ''\n", "1:7", "bad name '': must not be empty");
	expect_err("null name", "name:\nversion: 0.1.0\n", "1:1", "bad name '': must not be empty");
	expect_err("quoted empty hostname", "rootfs:\n  hostname: ''\n", "2:13",
		   "bad hostname '': must not be empty");
	expect_err("bad package", "name: berth\nversion: 0.1.0\nkernel:\n  package: Linux_Image\n",
		   "4:12", "kernel.package: bad package name 'Linux_Image'");
	expect_err("one-letter package", "kernel: {package: l}\n", "1:19", "at least 2");
	expect_err("bad hostname", "rootfs:\n  hostname: -bad.example\n", "2:13",
		   "rootfs.hostname: bad hostname '-bad.example'");
	expect_err("hostname empty label", "rootfs:\n  hostname: a..b\n", "2:13", "empty label");
	expect_err("hostname upper case", "rootfs:\n  hostname: Node\n", "2:13", "bad hostname");
	expect_err("bad tty", MINIMAL "debug:\n  shell: /dev/ttyS0\n", "12:10",
		   "debug.shell: bad tty '/dev/ttyS0'");
	expect_err("cmdline with newline", "kernel:\n  cmdline: \"a\\nb\"\n", "2:12",
		   "control characters");
}

static void test_too_long(void)
{
	char yaml[2200], big[1100];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "kernel:\n  cmdline: %s\n", big);
	expect_err("cmdline too long", yaml, "2:12",
		   "kernel.cmdline is too long (1099 bytes, at most 1024)");
	big[1024] = '\0';
	snprintf(yaml, sizeof(yaml), "kernel:\n  package: l0\n  cmdline: %s\n", big);
	expect_err("cmdline of 1024 fits", yaml, "1:1", "missing required field 'name'");
	expect_err("name too long", "name: abcdefghijklmnopqrstuvwxyz0123456\n", "1:7",
		   "name is too long (33 bytes, at most 32)");
	expect_err("name of 32 fits", "name: abcdefghijklmnopqrstuvwxyz012345\n", "1:1",
		   "missing required field 'version'");
	expect_err(
	    "version too long",
	    "version: 1.2.3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "1:10", "version is too long");
	expect_err("tty too long", "debug:\n  shell: ttyS0123456789012345678901234567890\n", "2:10",
		   "debug.shell is too long");
}

static void test_file_errors(void)
{
	int r = manifest_load("/nonexistent/berth.yaml", &m, err, sizeof(err));
	CHECK(r == -ENOENT, "missing file gives -ENOENT");
	CHECK(!strcmp(err, "/nonexistent/berth.yaml: No such file or directory"),
	      "missing file message");
	r = manifest_load("/tmp", &m, err, sizeof(err));
	CHECK(r == -EISDIR && !strncmp(err, "/tmp: ", 6), "directory gives -EISDIR");
	r = manifest_load("/nonexistent", &m, NULL, 0);
	CHECK(r == -ENOENT, "NULL err buffer is allowed");
	char small[16];
	r = manifest_load("/nonexistent/berth.yaml", &m, small, sizeof(small));
	CHECK(r == -ENOENT && strlen(small) == sizeof(small) - 1, "short err buffer truncates");
}

static void test_parse_size(void)
{
	uint64_t b = 0;

	CHECK(manifest_parse_size("64M", &b) == 0 && b == 64 * MIB, "size 64M");
	CHECK(manifest_parse_size("1G", &b) == 0 && b == 1024 * MIB, "size 1G");
	CHECK(manifest_parse_size("4096K", &b) == 0 && b == 4 * MIB, "size 4096K");
	CHECK(manifest_parse_size("1048576", &b) == 0 && b == MIB, "size in bytes");
	CHECK(manifest_parse_size("1024K", &b) == 0 && b == MIB, "size 1024K");
	CHECK(manifest_parse_size("16777215G", &b) == 0 && b == 16777215ULL << 30, "size huge");
	CHECK(manifest_parse_size("17179869184G", &b) == -EINVAL, "size 2^64 overflows");
	CHECK(manifest_parse_size("18446744073709551615", &b) == -EINVAL,
	      "UINT64_MAX bytes is not MiB");
	CHECK(manifest_parse_size("18446744073709551616", &b) == -EINVAL, "number overflows");
	CHECK(manifest_parse_size("99999999999999999999999M", &b) == -EINVAL, "long number");
	CHECK(manifest_parse_size("0", &b) == -EINVAL, "size 0");
	CHECK(manifest_parse_size("0M", &b) == -EINVAL, "size 0M");
	CHECK(manifest_parse_size("", &b) == -EINVAL, "size empty");
	CHECK(manifest_parse_size("M", &b) == -EINVAL, "size without number");
	CHECK(manifest_parse_size("1000", &b) == -EINVAL, "size not whole MiB");
	CHECK(manifest_parse_size("1536K", &b) == -EINVAL, "size 1.5 MiB");
	CHECK(manifest_parse_size("64m", &b) == -EINVAL, "lower-case suffix");
	CHECK(manifest_parse_size("64MB", &b) == -EINVAL, "two-letter suffix");
	CHECK(manifest_parse_size("64T", &b) == -EINVAL, "unknown suffix");
	CHECK(manifest_parse_size("-64M", &b) == -EINVAL, "negative");
	CHECK(manifest_parse_size("+64M", &b) == -EINVAL, "plus sign");
	CHECK(manifest_parse_size(" 64M", &b) == -EINVAL, "leading space");
	CHECK(manifest_parse_size("64 M", &b) == -EINVAL, "inner space");
	CHECK(manifest_parse_size("1.5G", &b) == -EINVAL, "fraction");
	CHECK(manifest_parse_size("0x40M", &b) == -EINVAL, "hex");
	CHECK(manifest_parse_size(NULL, &b) == -EINVAL, "NULL");
}

static void test_check_version(void)
{
	static const char *const good[] = {"0.1.0",	 "1.2.3",	  "10.20.30",
					   "1.2.3-rc.1", "0.0.0-alpha-2", "1.0.0-0A.b"};
	static const char *const bad[] = {"",
					  "1.2",
					  "1.2.3.4",
					  "01.2.3",
					  "1.02.3",
					  "1.2.03",
					  "v1.2.3",
					  "1.2.3-",
					  "1.2.3+b",
					  "1.2.3-a_b",
					  "1..3",
					  "1.2.3 ",
					  " 1.2.3",
					  "1.2.-3",
					  "a.b.c",
					  "1.2.3-rc 1",
					  "1.2.3-123456789012345678901234567890123"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char name[80];
		snprintf(name, sizeof(name), "version '%s' is good", good[i]);
		CHECK(manifest_check_version(good[i]) == 0, name);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char name[80];
		snprintf(name, sizeof(name), "version '%s' is bad", bad[i]);
		CHECK(manifest_check_version(bad[i]) == -EINVAL, name);
	}
	CHECK(manifest_check_version("1.2.3-12345678901234567890123456789012") == 0,
	      "32-character prerelease");
	char longv[80] = "111111111111111111111111111111.2.3-";
	strcat(longv, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 32, total 67 */
	CHECK(manifest_check_version(longv) == -EINVAL, "version over 64 characters");
	CHECK(manifest_check_version(NULL) == -EINVAL, "version NULL");
}

static void test_check_name(void)
{
	CHECK(manifest_check_name("berth") == 0, "name 'berth' is good");
	CHECK(manifest_check_name("a-1") == 0, "name 'a-1' is good");
	CHECK(manifest_check_name("") == -EINVAL, "empty name is bad");
	CHECK(manifest_check_name("-a") == -EINVAL, "name starting with '-' is bad");
	CHECK(manifest_check_name("a-") == -EINVAL, "name ending with '-' is bad");
	CHECK(manifest_check_name("Berth") == -EINVAL, "upper-case name is bad");
	CHECK(manifest_check_name("a/b") == -EINVAL, "name with '/' is bad");
	CHECK(manifest_check_name("abcdefghijabcdefghijabcdefghijab") == 0, "32-character name");
	CHECK(manifest_check_name("abcdefghijabcdefghijabcdefghijabc") == -EINVAL,
	      "33-character name is bad");
}

int main(void)
{
	setup_dir();
	test_check_name();
	test_full();
	test_full_new();
	test_new_defaults();
	test_new_errors();
	test_defaults();
	test_failure_keeps_output();
	test_syntax();
	test_structure();
	test_unknown_key();
	test_duplicate_key();
	test_wrong_type();
	test_missing();
	test_sizes_in_manifest();
	test_values();
	test_too_long();
	test_file_errors();
	test_parse_size();
	test_check_version();
	cleanup_dir();
	return CHECK_DONE();
}
