/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's top level, kernel, disk and debug; the loader; the rules of names, versions and
 * sizes. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

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

static void test_full(void)
{
	CHECK(fx_load(FULL) == 0, "full manifest loads");
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

static void test_defaults(void)
{
	CHECK(fx_load(MINIMAL) == 0, "minimal manifest loads");
	CHECK(!strcmp(m.kernel.cmdline, ""), "default: cmdline empty");
	CHECK(!strcmp(m.rootfs.hostname, ""), "default: no hostname");
	CHECK(!strcmp(m.debug.shell, ""), "default: no debug shell");
	CHECK(fx_load("name: berth\nversion: 0.1.0\n" KERNEL "rootfs:\n  hostname: ~\n" DISK
		      "debug: {}\n") == 0 &&
		  !strcmp(m.rootfs.hostname, ""),
	      "null hostname means none");
	CHECK(fx_load(MINIMAL "debug: {shell: null}\n") == 0 && !strcmp(m.debug.shell, ""),
	      "null shell means none");
	CHECK(fx_load("{name: a1, version: 0.0.0, kernel: {package: l0, cmdline: ''}, rootfs: {},"
		      " disk: {esp: 32M, root: 16M, verity: 1M, data: 16M}}") == 0 &&
		  m.disk.esp == 32 * MIB && m.disk.verity == MIB,
	      "flow style with every minimum");
	CHECK(fx_load("---\n" MINIMAL "...\n# trailing comment\n") == 0,
	      "explicit document markers");
	CHECK(fx_load("name: &n berth\nversion: 0.1.0\n" KERNEL "rootfs: {hostname: *n}\n" DISK) ==
		      0 &&
		  !strcmp(m.rootfs.hostname, "berth"),
	      "aliases resolve");
}

static void test_failure_keeps_output(void)
{
	fx_load(FULL);
	EXPECT_ERR("failed load", "name: Bad\n", "1:7", "bad name");
	CHECK(!strcmp(m.name, "berth-test"), "failed load leaves *m untouched");
}

static void test_syntax(void)
{
	EXPECT_ERR("syntax: unclosed flow", "name: berth\nkernel: {package: x\n", "3:1",
		   "yaml syntax error");
	EXPECT_ERR("syntax: tab indent", "name: berth\ndisk:\n\tesp: 64M\n", "3:1",
		   "yaml syntax error");
	EXPECT_ERR("syntax: bad indentation", "kernel:\n  package: a\n cmdline: b\n", "3:2",
		   "yaml syntax error");
	EXPECT_ERR("syntax: invalid utf-8", "name: berth\nversion: \xff\n", "2:10",
		   "invalid leading UTF-8 octet");
	EXPECT_ERR("syntax: undefined alias", "name: *nope\n", "1:7", "undefined alias");
	EXPECT_ERR("syntax: error in a second document", MINIMAL "---\n[\n", "13:1",
		   "yaml syntax error");
}

static void test_structure(void)
{
	EXPECT_ERR("top level sequence", "# x\n- name: berth\n", "2:1",
		   "top level must be a mapping");
	EXPECT_ERR("top level scalar", "berth\n", "1:1", "top level must be a mapping");
	EXPECT_ERR("empty file", "", "1:1", "empty document");
	EXPECT_ERR("comments only", "# nothing\n# here\n", "1:1", "empty document");
	EXPECT_ERR("bare document marker", "\n---\n", "3:1", "empty document");
	EXPECT_ERR("two documents", MINIMAL "---\nname: x\n", "11:1", "only one document");
	EXPECT_ERR("non-scalar key", "? [a]\n: b\n", "1:3", "keys must be scalars");
}

static void test_unknown_key(void)
{
	EXPECT_ERR("unknown key at top", "name: berth\nnmae: x\n", "2:1",
		   "unknown key 'nmae' at top level");
	EXPECT_ERR("unknown key in disk",
		   "name: berth\nversion: 0.1.0\n" KERNEL "disk:\n  esp: 64M\n"
		   "  swap: 1G\n",
		   "7:3", "unknown key 'swap' in disk");
	EXPECT_ERR("unknown key in debug", MINIMAL "debug: {shell: ttyS0, ssh: yes}\n", "11:23",
		   "unknown key 'ssh' in debug");
	EXPECT_ERR("merge key is unknown", MINIMAL "debug:\n  <<: {shell: x}\n", "12:3",
		   "unknown key '<<' in debug");
}

static void test_duplicate_key(void)
{
	EXPECT_ERR("duplicate key at top", MINIMAL "name: again\n", "11:1",
		   "duplicate key 'name' at top level (first on line 1)");
	EXPECT_ERR("duplicate key in disk", "disk:\n  esp: 64M\n  root: 1G\n  esp: 32M\n", "4:3",
		   "duplicate key 'esp' in disk");
}

static void test_wrong_type(void)
{
	EXPECT_ERR("kernel as scalar", "name: berth\nkernel: linux\n", "2:9",
		   "kernel must be a mapping");
	EXPECT_ERR("kernel empty", "name: berth\nkernel:\nrootfs: {}\n", "2:1",
		   "kernel must be a mapping");
	EXPECT_ERR("disk.esp as sequence", "disk:\n  esp: [64M]\n", "2:8",
		   "disk.esp must be a scalar");
	EXPECT_ERR("name as mapping", "name:\n  first: berth\n", "2:3", "name must be a scalar");
	EXPECT_ERR("debug as sequence", MINIMAL "debug:\n  - ttyS0\n", "12:3",
		   "debug must be a mapping");
	EXPECT_ERR("NUL in a value", "name: \"ber\\0th\"\n", "1:7", "must not contain a NUL");
}

static void test_missing(void)
{
	EXPECT_ERR("missing version", "# top\nname: berth\n" KERNEL "rootfs: {}\n" DISK, "2:1",
		   "missing required field 'version'");
	EXPECT_ERR("missing disk.data",
		   "name: berth\nversion: 0.1.0\n" KERNEL "rootfs: {}\n"
		   "disk:\n  esp: 64M\n  root: 256M\n  verity: 16M\n",
		   "7:3", "missing required field 'disk.data'");
	EXPECT_ERR("missing kernel.package in flow", "name: berth\nversion: 0.1.0\nkernel: {}\n",
		   "3:9", "missing required field 'kernel.package'");
	EXPECT_ERR("missing rootfs", "name: berth\nversion: 0.1.0\n" KERNEL DISK, "1:1",
		   "missing required field 'rootfs'");
}

static void test_sizes_in_manifest(void)
{
	EXPECT_ERR("bad size suffix", "disk:\n  esp: 64M\n  root: 12X\n", "3:9",
		   "disk.root: bad size '12X': ");
	EXPECT_ERR("size not MiB", "disk:\n  esp: 1025K\n", "2:8",
		   "disk.esp: bad size '1025K': must be a whole number of MiB");
	EXPECT_ERR("size zero", "disk:\n  data: 0M\n", "2:9", "disk.data: bad size '0M'");
	EXPECT_ERR("size empty", "disk:\n  data:\n", "2:3", "disk.data: bad size ''");
	EXPECT_ERR("esp too small", "disk:\n  esp: 16M\n", "2:8",
		   "disk.esp: size '16M' is too small (minimum 32M)");
	EXPECT_ERR("root too small", "disk:\n  esp: 32M\n  root: 15M\n", "3:9",
		   "disk.root: size '15M' is too small (minimum 16M)");
	EXPECT_ERR("data too small", "disk:\n  data: 8M\n", "2:9", "too small (minimum 16M)");
	EXPECT_ERR("size too large", "disk:\n  data: 1048577G\n", "2:9", "too large");
	EXPECT_ERR("size overflows", "disk:\n  data: 99999999999999999999\n", "2:9",
		   "number too large");
}

/* disk.formats: what mkformats.sh writes; MINIMAL's disk mapping ends on line 10. */
static void test_formats(void)
{
	CHECK(fx_load(MINIMAL) == 0 && m.disk.n_formats == 0, "formats: none by default");
	CHECK(fx_load(MINIMAL "  formats: [vhd, raw, qcow2, vmdk, gce, raw.zst]\n") == 0 &&
		  m.disk.n_formats == 6 && !strcmp(m.disk.formats[0], "vhd") &&
		  !strcmp(m.disk.formats[1], "raw") && !strcmp(m.disk.formats[5], "raw.zst"),
	      "formats: every one, in the manifest's order");
	CHECK(fx_load(MINIMAL "  formats: []\n") == 0 && m.disk.n_formats == 0,
	      "formats: [] is raw alone");
	CHECK(fx_load(MINIMAL "  formats:\n") == 0 && m.disk.n_formats == 0,
	      "formats: null counts as absent");
	EXPECT_ERR("unknown format", MINIMAL "  formats: [qcow2, vhdx]\n", "11:20",
		   "disk.formats[1]: bad format 'vhdx': expected raw, qcow2, vhd, vmdk, gce or "
		   "raw.zst");
	EXPECT_ERR("format in upper case", MINIMAL "  formats: [QCOW2]\n", "11:13",
		   "bad format 'QCOW2'");
	EXPECT_ERR("duplicate format", MINIMAL "  formats: [qcow2, vhd, qcow2]\n", "11:25",
		   "disk.formats[2]: duplicate format 'qcow2' (first on line 11)");
	EXPECT_ERR("formats not a list", MINIMAL "  formats: qcow2\n", "11:12",
		   "disk.formats must be a list");
	EXPECT_ERR("format a mapping", MINIMAL "  formats: [{qcow2: 1}]\n", "11:13",
		   "disk.formats[0] must be a scalar");
	EXPECT_ERR("too many formats",
		   MINIMAL "  formats: [raw, qcow2, vhd, vmdk, gce, raw.zst, raw]\n", "11:50",
		   "disk.formats has more than 6 items");
}

static void test_values(void)
{
	EXPECT_ERR("bad version", "name: berth\nversion: 1.2\n", "2:10",
		   "version: bad version '1.2'");
	EXPECT_ERR("version leading zero", "name: berth\nversion: '01.2.3'\n", "2:10",
		   "bad version '01.2.3'");
	EXPECT_ERR("bad name", "name: Berth\n", "1:7", "name: bad name 'Berth'");
	EXPECT_ERR("name with underscore", "name: my_os\n", "1:7", "bad name");
	EXPECT_ERR("name ends with dash", "name: berth-\n", "1:7", "must not end with '-'");
	EXPECT_ERR("empty name", "name: ''\n", "1:7", "bad name '': must not be empty");
	EXPECT_ERR("null name", "name:\nversion: 0.1.0\n", "1:1", "bad name '': must not be empty");
	EXPECT_ERR("quoted empty hostname", "rootfs:\n  hostname: ''\n", "2:13",
		   "bad hostname '': must not be empty");
	EXPECT_ERR("bad package", "name: berth\nversion: 0.1.0\nkernel:\n  package: Linux_Image\n",
		   "4:12", "kernel.package: bad package name 'Linux_Image'");
	EXPECT_ERR("one-letter package", "kernel: {package: l}\n", "1:19", "at least 2");
	EXPECT_ERR("bad hostname", "rootfs:\n  hostname: -bad.example\n", "2:13",
		   "rootfs.hostname: bad hostname '-bad.example'");
	EXPECT_ERR("hostname empty label", "rootfs:\n  hostname: a..b\n", "2:13", "empty label");
	EXPECT_ERR("hostname upper case", "rootfs:\n  hostname: Node\n", "2:13", "bad hostname");
	EXPECT_ERR("bad tty", MINIMAL "debug:\n  shell: /dev/ttyS0\n", "12:10",
		   "debug.shell: bad tty '/dev/ttyS0'");
	EXPECT_ERR("cmdline with newline", "kernel:\n  cmdline: \"a\\nb\"\n", "2:12",
		   "control characters");
}

static void test_too_long(void)
{
	char yaml[2200], big[1100];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "kernel:\n  cmdline: %s\n", big);
	EXPECT_ERR("cmdline too long", yaml, "2:12",
		   "kernel.cmdline is too long (1099 bytes, at most 1024)");
	big[1024] = '\0';
	snprintf(yaml, sizeof(yaml), "kernel:\n  package: l0\n  cmdline: %s\n", big);
	EXPECT_ERR("cmdline of 1024 fits", yaml, "1:1", "missing required field 'name'");
	EXPECT_ERR("name too long", "name: abcdefghijklmnopqrstuvwxyz0123456\n", "1:7",
		   "name is too long (33 bytes, at most 32)");
	EXPECT_ERR("name of 32 fits", "name: abcdefghijklmnopqrstuvwxyz012345\n", "1:1",
		   "missing required field 'version'");
	EXPECT_ERR(
	    "version too long",
	    "version: 1.2.3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    "1:10", "version is too long");
	EXPECT_ERR("tty too long", "debug:\n  shell: ttyS0123456789012345678901234567890\n", "2:10",
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
	fx_setup("test_manifest", "");
	test_check_name();
	test_full();
	test_defaults();
	test_failure_keeps_output();
	test_syntax();
	test_structure();
	test_unknown_key();
	test_duplicate_key();
	test_wrong_type();
	test_missing();
	test_sizes_in_manifest();
	test_formats();
	test_values();
	test_too_long();
	test_file_errors();
	test_parse_size();
	test_check_version();
	fx_cleanup();
	return CHECK_DONE();
}
