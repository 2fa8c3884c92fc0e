/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/*
 * The manifest's channel, rootfs and signing.gpg_*: files, packages,
 * removals, and what rootfs.files may copy from the build host.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

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

/* The files and folders the manifests below name. */
static void make_files(void)
{
	fx_mkdir("files");
	fx_write("files/motd", "welcome\n");
	fx_mkdir("files/conf.d");
	fx_write("files/conf.d/a.conf", "a\n");
	fx_mkdir("keys");
	fx_mkdir("keys/gnupg");
	fx_write("not-a-dir", "x\n");
	fx_mkfifo("fifo");
}

#define PEM(label) "-----BEGIN " label "-----\nMIIB\n-----END " label "-----\n"

/* Symlinks that lead out of the folder, or stay in it; folders with secret keys in them. */
static void make_host_files(void)
{
	fx_symlink("/etc/passwd", "files/shadow");
	fx_symlink("/etc", "files/etc");
	fx_symlink("../..", "files/up");
	fx_symlink("motd", "files/motd-link");
	fx_symlink("conf.d", "files/conf-link");
	fx_mkdir("tree");
	fx_write("tree/a.conf", "a\n");
	fx_symlink("/etc/passwd", "tree/passwd");
	fx_symlink("a.conf", "tree/b.conf");
	fx_write("tree/cert.pem", PEM("CERTIFICATE") PEM("PUBLIC KEY"));
	fx_write("tree/notes", "-----BEGIN NOTES-----\na PRIVATE KEY is named, none begins\n");
	fx_mkdir("secrets");
	fx_mkdir("secrets/sub");
	fx_write("secrets/sub/id", "Host key\n" PEM("OPENSSH PRIVATE KEY"));
	fx_mkdir("keys/berth");
	fx_write("keys/berth/release.key",
		 "00000000000000000000000000000000000000000000000000000000000000003b6a27bcceb6a42"
		 "d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29\n");
	fx_write("bundle.pem", PEM("CERTIFICATE") PEM("EC PRIVATE KEY"));
	fx_write("ring.asc", PEM("PGP PRIVATE KEY BLOCK"));
	fx_mkdir("withfifo");
	fx_mkfifo("withfifo/p");
}

/* A manifest whose rootfs.files[0] is SRC, on line 7 from column 12. */
static const char *file_of(const char *src)
{
	static char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "name: berth\nversion: 0.1.0\n" KERNEL
		 "rootfs:\n  files:\n    - src: %s\n      dst: /x\n" DISK,
		 src);
	return yaml;
}

static bool resolved_to(const char *name)
{
	char want[160];

	fx_at(want, sizeof(want), name);
	return !strcmp(m.rootfs.files[0].path, want);
}

/* What a source makes the build copy from the build host. */
static void test_sources(void)
{
	CHECK(fx_load(file_of("files/motd-link")) == 0 && resolved_to("files/motd"),
	      "source: a symlink to a file in the folder is that file");
	CHECK(fx_load(file_of("files/conf-link")) == 0 && resolved_to("files/conf.d"),
	      "source: a symlink to a folder in the folder is that folder");
	CHECK(fx_load(file_of("./files//motd")) == 0 && resolved_to("files/motd"),
	      "source: resolved to one absolute path");
	CHECK(fx_load(file_of("tree")) == 0 && resolved_to("tree"),
	      "source: a folder's symlinks, in or out, are copied as symlinks; certificates and "
	      "public keys are no secret");
	/* Each refused at line 7, column 12: name, src, what the message says. */
	static const char *const refused[][3] = {
	    {"source a symlink out of the folder", "files/shadow",
	     "rootfs.files[0].src: 'files/shadow' leads to '/etc/passwd', outside the manifest's "
	     "folder"},
	    {"source a folder that is a symlink out", "files/etc",
	     "'files/etc' leads to '/etc', outside the manifest's folder"},
	    {"source through a symlinked folder", "files/etc/passwd",
	     "'files/etc/passwd' leads to '/etc/passwd', outside"},
	    {"source a relative symlink out", "files/up", "'files/up' leads to '/tmp', outside"},
	    {"source holds a PEM private key", "secrets",
	     "rootfs.files[0].src: 'secrets/sub/id' holds a PEM private key; secret keys never go "
	     "into an image"},
	    {"source is a PEM private key", "secrets/sub/id",
	     "'secrets/sub/id' holds a PEM private key"},
	    {"source holds a berth secret key", "keys",
	     "'keys/berth/release.key' holds a berth secret key"},
	    {"source a PEM file with a key after a certificate", "bundle.pem",
	     "'bundle.pem' holds a PEM private key"},
	    {"source a PGP secret key", "ring.asc", "'ring.asc' holds a PEM private key"},
	    {"source folder holds a FIFO", "withfifo",
	     "'withfifo/p' is neither a regular file, a folder nor a symlink"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT_ERR(refused[i][0], file_of(refused[i][1]), "7:12", refused[i][2]);
}

static void test_full_new(void)
{
	const struct manifest_file *f = m.rootfs.files;

	CHECK(fx_load(FULL_NEW) == 0, "manifest with every new field loads");
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
	CHECK(fx_load(MINIMAL) == 0, "minimal manifest loads (new fields)");
	CHECK(!strcmp(m.channel, "stable"), "default: channel stable");
	CHECK(m.rootfs.n_packages == 0 && m.rootfs.n_files == 0 && m.rootfs.n_remove == 0,
	      "default: no packages, files or removals");
	CHECK(!strcmp(m.signing.gpg_key, "") && !strcmp(m.signing.gpg_homedir, ""),
	      "default: unsigned");
	CHECK(fx_load("name: berth\nversion: 0.1.0\n" KERNEL
		      "rootfs:\n  packages:\n  files: ~\n  remove: []\n" DISK
		      "channel: ~\nsigning: {}\n") == 0 &&
		  m.rootfs.n_packages == 0 && m.rootfs.n_files == 0 && !strcmp(m.channel, "stable"),
	      "null and empty lists mean none");
	CHECK(fx_load("name: berth\nversion: 0.1.0\n" KERNEL
		      "rootfs: {files: [{src: files/motd, dst: /m, mode: 7, owner: '0:0'}]}\n" DISK
		      "signing: {gpg_key: ABCDEF01}\n") == 0 &&
		  m.rootfs.files[0].mode == 07 && !strcmp(m.signing.gpg_key, "ABCDEF01"),
	      "one-digit mode, 8-digit key id");
	CHECK(fx_load("name: berth\nversion: 0.1.0\n" KERNEL "channel: a-\nrootfs: {}\n" DISK) ==
		      0 &&
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
	EXPECT_ERR("bad channel", "name: berth\nchannel: Beta\n", "2:10",
		   "channel: bad channel 'Beta'");
	EXPECT_ERR("channel starts with '-'", "channel: -x\n", "1:10", "must start with");
	EXPECT_ERR("channel too long", "channel: abcdefghijklmnopqrstuvwxyz0123456\n", "1:10",
		   "channel is too long (33 bytes, at most 32)");
	EXPECT_ERR("channel as list", "channel: [a]\n", "1:10", "channel must be a scalar");

	/* rootfs.packages */
	EXPECT_ERR("packages not a list", "rootfs:\n  packages: containerd\n", "2:13",
		   "rootfs.packages must be a list");
	EXPECT_ERR("packages as mapping", "rootfs:\n  packages: {a: b}\n", "2:13",
		   "rootfs.packages must be a list");
	EXPECT_ERR("package item is a mapping", "rootfs:\n  packages:\n    - runc\n    - {x: y}\n",
		   "4:7", "rootfs.packages[1] must be a scalar");
	EXPECT_ERR("bad package item", "rootfs: {packages: [runc, Bad_One]}\n", "1:27",
		   "rootfs.packages[1]: bad package name 'Bad_One'");
	EXPECT_ERR("empty package item", "rootfs:\n  packages:\n    -\n", "3:6",
		   "rootfs.packages[0]: bad package name '': must not be empty");
	EXPECT_ERR("duplicate package", "rootfs:\n  packages:\n    - runc\n    - jq\n    - runc\n",
		   "5:7", "rootfs.packages[2]: duplicate package 'runc' (first on line 3)");
	many(yaml, sizeof(yaml), "packages", 257, "p", "");
	EXPECT_ERR("257 packages", yaml, "259:7", "rootfs.packages has more than 256 items");
	many(yaml, sizeof(yaml), "packages", 256, "p", "");
	EXPECT_ERR("256 packages fit", yaml, "1:1", "missing required field 'name'");

	/* rootfs.files */
	EXPECT_ERR("files not a list", "rootfs:\n  files: files/motd\n", "2:10",
		   "rootfs.files must be a list");
	EXPECT_ERR("file item is a scalar", "rootfs:\n  files:\n    - files/motd\n", "3:7",
		   "rootfs.files[0] must be a mapping");
	EXPECT_ERR("unknown key in a file",
		   "rootfs:\n  files:\n    - src: files/motd\n      dst: /m\n      user: root\n",
		   "5:7", "unknown key 'user' in rootfs.files[0]");
	EXPECT_ERR("duplicate key in a file", "rootfs: {files: [{src: files/motd, src: x}]}\n",
		   "1:36", "duplicate key 'src' in rootfs.files[0] (first on line 1)");
	EXPECT_ERR("file without src", "rootfs:\n  files:\n    - dst: /etc/motd\n", "3:7",
		   "missing required field 'rootfs.files[0].src'");
	EXPECT_ERR("file without dst",
		   "rootfs:\n  files:\n    - {src: files/motd, dst: /a}\n    - src: files/motd\n",
		   "4:7", "missing required field 'rootfs.files[1].dst'");
	many(yaml, sizeof(yaml), "files", 65, "{src: files/motd, dst: /f", "}");
	EXPECT_ERR("65 files", yaml, "67:7", "rootfs.files has more than 64 items");
	many(yaml, sizeof(yaml), "files", 64, "{src: files/motd, dst: /f", "}");
	EXPECT_ERR("64 files fit", yaml, "1:1", "missing required field 'name'");

	/* rootfs.files[].src */
	EXPECT_ERR("src missing", "rootfs:\n  files:\n    - src: files/nope\n      dst: /m\n",
		   "3:12",
		   "rootfs.files[0].src: 'files/nope' (relative to the manifest's folder): No such "
		   "file or directory");
	EXPECT_ERR("src absolute", "rootfs:\n  files:\n    - src: /etc/passwd\n", "3:12",
		   "bad source path '/etc/passwd': must be relative to the manifest's folder");
	EXPECT_ERR("src with ..", "rootfs:\n  files:\n    - src: files/../../etc/passwd\n", "3:12",
		   "must not contain '..'");
	EXPECT_ERR("src just ..", "rootfs: {files: [{src: ..}]}\n", "1:24",
		   "must not contain '..'");
	EXPECT_ERR("src empty", "rootfs:\n  files:\n    - src:\n", "3:7",
		   "rootfs.files[0].src: bad source path '': must not be empty");
	EXPECT_ERR("src a fifo", "rootfs: {files: [{src: fifo}]}\n", "1:24",
		   "'fifo' is neither a regular file nor a directory");
	EXPECT_ERR("src with a newline", "rootfs: {files: [{src: \"a\\nb\"}]}\n", "1:24",
		   "control characters");

	/* rootfs.files[].dst */
	EXPECT_ERR(
	    "dst relative", "rootfs:\n  files:\n    - src: files/motd\n      dst: etc/motd\n",
	    "4:12",
	    "rootfs.files[0].dst: bad destination path 'etc/motd': must be an absolute path");
	EXPECT_ERR("dst is /", "rootfs: {files: [{src: files/motd, dst: /}]}\n", "1:41",
		   "must not be '/' itself");
	EXPECT_ERR("dst with //", "rootfs: {files: [{src: files/motd, dst: /etc//motd}]}\n", "1:41",
		   "must not contain '//'");
	EXPECT_ERR("dst with ..", "rootfs: {files: [{src: files/motd, dst: /etc/../motd}]}\n",
		   "1:41", "must not contain '..'");
	EXPECT_ERR("dst ends with /", "rootfs: {files: [{src: files/motd, dst: /etc/}]}\n", "1:41",
		   "must not end with '/'");

	/* rootfs.files[].mode */
	EXPECT_ERR("mode not octal", "rootfs: {files: [{src: files/motd, dst: /m, mode: 0999}]}\n",
		   "1:51", "rootfs.files[0].mode: bad mode '0999': expected an octal mode");
	EXPECT_ERR("mode in hex", "rootfs: {files: [{src: files/motd, dst: /m, mode: 0x1a4}]}\n",
		   "1:51", "bad mode '0x1a4'");
	EXPECT_ERR("mode too big", "rootfs: {files: [{src: files/motd, dst: /m, mode: '17777'}]}\n",
		   "1:51", "more than 07777");
	EXPECT_ERR("mode symbolic", "rootfs: {files: [{src: files/motd, dst: /m, mode: u+rw}]}\n",
		   "1:51", "bad mode 'u+rw'");
	EXPECT_ERR("mode empty", "rootfs: {files: [{src: files/motd, dst: /m, mode: ''}]}\n",
		   "1:51", "bad mode ''");
	EXPECT_ERR("mode as list", "rootfs: {files: [{src: files/motd, dst: /m, mode: [1]}]}\n",
		   "1:51", "rootfs.files[0].mode must be a scalar");

	/* rootfs.files[].owner */
	EXPECT_ERR("owner by name",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: root:root}]}\n", "1:52",
		   "rootfs.files[0].owner: bad owner 'root:root': expected UID:GID");
	EXPECT_ERR("owner without gid",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '0'}]}\n", "1:52",
		   "expected UID:GID");
	EXPECT_ERR("owner with three parts",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '0:0:0'}]}\n", "1:52",
		   "expected UID:GID");
	EXPECT_ERR("owner -1",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '4294967295:0'}]}\n", "1:52",
		   "less than 4294967295");
	EXPECT_ERR("owner negative",
		   "rootfs: {files: [{src: files/motd, dst: /m, owner: '-1:0'}]}\n", "1:52",
		   "expected UID:GID");

	/* rootfs.remove */
	EXPECT_ERR("remove not a list", "rootfs:\n  remove: /usr/share/doc\n", "2:11",
		   "rootfs.remove must be a list");
	EXPECT_ERR("remove relative",
		   "rootfs:\n  remove:\n    - /usr/share/doc\n    - usr/share/man\n", "4:7",
		   "rootfs.remove[1]: bad glob 'usr/share/man': must be an absolute path");
	EXPECT_ERR("remove with ..", "rootfs: {remove: ['/usr/../../*']}\n", "1:19",
		   "must not contain '..'");
	memset(longglob, 'a', sizeof(longglob));
	longglob[0] = '/';
	snprintf(yaml, sizeof(yaml), "rootfs: {remove: [%.*s]}\n", 256, longglob);
	EXPECT_ERR("remove glob of 256", yaml, "1:19",
		   "rootfs.remove[0] is too long (256 bytes, at most 255)");
	snprintf(yaml, sizeof(yaml), "rootfs: {remove: [%.*s]}\n", 255, longglob);
	EXPECT_ERR("remove glob of 255 fits", yaml, "1:1", "missing required field 'name'");
	many(yaml, sizeof(yaml), "remove", 65, "/r", "");
	EXPECT_ERR("65 removals", yaml, "67:7", "rootfs.remove has more than 64 items");

	/* signing */
	EXPECT_ERR("signing not a mapping", "signing: ABCDEF01\n", "1:10",
		   "signing must be a mapping");
	EXPECT_ERR("unknown key in signing", "signing:\n  gpg_key: ABCDEF01\n  key_file: x\n",
		   "3:3", "unknown key 'key_file' in signing");
	EXPECT_ERR(
	    "gpg_key too short", "signing: {gpg_key: ABCDEF0}\n", "1:20",
	    "signing.gpg_key: bad key id 'ABCDEF0': expected a key id or fingerprint of 8 to 40 "
	    "hex digits");
	EXPECT_ERR("gpg_key not hex", "signing: {gpg_key: 0xABCDEF01}\n", "1:20", "bad key id");
	EXPECT_ERR("gpg_key of 41 digits",
		   "signing: {gpg_key: 0123456789abcdef0123456789abcdef012345678}\n", "1:20",
		   "bad key id");
	EXPECT_ERR(
	    "gpg_homedir missing", "signing:\n  gpg_homedir: keys/nope\n", "2:16",
	    "signing.gpg_homedir: 'keys/nope' (relative to the manifest's folder): No such file");
	EXPECT_ERR("gpg_homedir a file", "signing:\n  gpg_homedir: not-a-dir\n", "2:16",
		   "signing.gpg_homedir: 'not-a-dir' is not a directory");
	EXPECT_ERR("gpg_homedir absolute", "signing:\n  gpg_homedir: /root/.gnupg\n", "2:16",
		   "must be relative to the manifest's folder");
}

int main(void)
{
	fx_setup("test_manifest_rootfs", "");
	make_files();
	test_full_new();
	test_new_defaults();
	test_new_errors();
	make_host_files();
	test_sources();
	fx_cleanup();
	return CHECK_DONE();
}
