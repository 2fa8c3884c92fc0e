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
	EXPECT_ERR("provision.sources: an unknown source", "provision:\n  sources: [ec2]\n", "7:13",
		   "provision.sources[0]: bad source 'ec2': expected nocloud or config-2");
	EXPECT_ERR("provision: an unknown key", "provision:\n  address: 10.0.2.2\n", "7:3",
		   "unknown key 'address' in provision");
}

int main(void)
{
	fx_setup("berth-test-manifest-provision", FX_BASE("rootfs: {}"));
	test_manifest();
	fx_cleanup();
	return CHECK_DONE();
}
