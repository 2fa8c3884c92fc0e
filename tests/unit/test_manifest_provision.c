/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's provision: section (docs/provision.md). */
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

static void test_manifest(void)
{
	CHECK(fx_load("") == 0 && m.provision.n_sources == 2 &&
		  !strcmp(m.provision.sources[0], "nocloud") &&
		  !strcmp(m.provision.sources[1], "config-2"),
	      "provision: without the key, every config drive, NoCloud's first");
	CHECK(fx_load("provision: {}\n") == 0 && m.provision.n_sources == 2,
	      "provision: {} is the default");
	CHECK(fx_load("provision: {sources: }\n") == 0 && m.provision.n_sources == 2,
	      "provision.sources with nothing after it is the default");
	CHECK(fx_load("provision: {sources: [config-2, nocloud]}\n") == 0 &&
		  m.provision.n_sources == 2 && !strcmp(m.provision.sources[0], "config-2"),
	      "provision.sources: in the order given");
	EXPECT_ERR("provision.sources: a source twice",
		   "provision: {sources: [config-2, config-2]}\n", "6:33",
		   "provision.sources[1]: duplicate source 'config-2' (first on line 6)");
	CHECK(fx_load("provision: {sources: []}\n") == 0 && m.provision.n_sources == 0,
	      "provision.sources: [] reads nothing");
	CHECK(fx_load("provision:\n  sources: [nocloud]\n") == 0 && m.provision.n_sources == 1,
	      "provision.sources: [nocloud]");
	CHECK(fx_load("provision: {sources: [nocloud, config-2, ec2, gce, azure, openstack]}\n") ==
		      0 &&
		  m.provision.n_sources == 6 && !strcmp(m.provision.sources[5], "openstack") &&
		  !m.provision.address[0],
	      "provision.sources: the metadata services, the clouds' own addresses");
	CHECK(fx_load("provision: {sources: [ec2], address: 'http://10.0.2.2:18169'}\n") == 0 &&
		  !strcmp(m.provision.address, "http://10.0.2.2:18169"),
	      "provision.address: http://IPV4:PORT");
	CHECK(fx_load("provision: {address: 'http://192.0.2.1'}\n") == 0 &&
		  m.provision.n_sources == 2,
	      "provision.address: without a port, and the default sources");
	EXPECT_ERR("provision.sources: an unknown source", "provision:\n  sources: [aws]\n", "7:13",
		   "provision.sources[0]: bad source 'aws': expected nocloud, config-2, ec2, gce, "
		   "azure or openstack");
	EXPECT_ERR("provision.address: not http", "provision:\n  address: 10.0.2.2\n", "7:12",
		   "expected http://IPV4[:PORT]");
	EXPECT_ERR("provision.address: a name", "provision:\n  address: http://metadata\n", "7:12",
		   "expected an IPv4 address after http://");
	EXPECT_ERR("provision.address: IPv6", "provision:\n  address: 'http://[fd00:ec2::254]'\n",
		   "7:12", "expected an IPv4 address after http://");
	EXPECT_ERR("provision.address: a path", "provision:\n  address: http://10.0.2.2/x\n",
		   "7:12", "expected an IPv4 address after http://");
	EXPECT_ERR("provision.address: port 0", "provision:\n  address: http://10.0.2.2:0\n",
		   "7:12", "expected a port from 1 to 65535");
	EXPECT_ERR("provision.address: port 65536",
		   "provision:\n  address: http://10.0.2.2:65536\n", "7:12",
		   "expected a port from 1 to 65535");
	EXPECT_ERR("provision.address: a port with a leading zero",
		   "provision:\n  address: http://10.0.2.2:080\n", "7:12",
		   "expected a port from 1 to 65535");
	EXPECT_ERR("provision.address: longer than any http://IPV4:PORT",
		   "provision:\n  address: http://10.0.2.2:8080/latest/meta-data\n", "7:12",
		   "provision.address is too long (37 bytes, at most 31)");
}

int main(void)
{
	fx_setup("berth-test-manifest-provision", FX_BASE("rootfs: {}"));
	test_manifest();
	fx_cleanup();
	return CHECK_DONE();
}
