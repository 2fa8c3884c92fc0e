/* unit: tests/unit/manifest_fixture.c image/manifest/m*.c lib/[a-z]*.c -lyaml -larchive -lsodium */
/* The manifest's network: section. */
#include <string.h>

#include "check.h"
#include "manifest_fixture.h"

static void test_network(void)
{
	const struct manifest_interface *eth0 = &m.network.interfaces[0],
					*eth1 = &m.network.interfaces[1];

	CHECK(fx_load("network:\n"
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

	CHECK(fx_load("network:\n  interfaces:\n    - {name: eth0, addresses: [10.0.0.2/8]}\n"
		      "    - {name: eth1, addresses: [10.1.0.2/8], dhcp: true}\n"
		      "    - {name: eth2, dhcp: false}\n") == 0 &&
		  !m.network.interfaces[0].dhcp && m.network.interfaces[1].dhcp &&
		  !m.network.interfaces[2].dhcp && m.network.n_dns == 0,
	      "network: dhcp defaults to false with addresses; explicit values win");
	CHECK(fx_load("network:\n  interfaces: [{name: eth0, dhcp: ~}]\n") == 0 &&
		  m.network.interfaces[0].dhcp,
	      "network: null dhcp means the default");
	CHECK(fx_load("network: {}\n") == 0 && m.network.n_interfaces == 0 && m.network.n_dns == 0,
	      "network: empty section");
	CHECK(fx_load("network:\n  dns: [1.1.1.1, 8.8.8.8, \"::1\"]\n") == 0 &&
		  m.network.n_dns == 3,
	      "network: three name servers fit");
	CHECK(fx_load("network:\n  interfaces:\n    - name: abcdefghijklmno\n"
		      "      addresses: [\"0.0.0.0/0\", \"::ffff:1.2.3.4/128\"]\n") == 0,
	      "network: 15-character name, prefix 0 and 128");
}

static void test_network_errors(void)
{
	EXPECT_ERR("network not a mapping", "network: [eth0]\n", "6:10",
		   "network must be a mapping");
	EXPECT_ERR("unknown key in network", "network:\n  interface: []\n", "7:3",
		   "unknown key 'interface' in network");
	EXPECT_ERR("interface not a mapping", "network:\n  interfaces: [eth0]\n", "7:16",
		   "network.interfaces[0] must be a mapping");
	EXPECT_ERR("interface without name", "network:\n  interfaces:\n    - dhcp: true\n", "8:7",
		   "missing required field 'network.interfaces[0].name'");
	EXPECT_ERR("unknown key in interface",
		   "network:\n  interfaces:\n    - name: eth0\n      mtu: 1500\n", "9:7",
		   "unknown key 'mtu' in network.interfaces[0]");
	EXPECT_ERR("interface name with '/'", "network:\n  interfaces: [{name: a/b}]\n", "7:23",
		   "network.interfaces[0].name: bad interface name 'a/b': only letters");
	EXPECT_ERR("interface name with space", "network:\n  interfaces: [{name: 'a b'}]\n", "7:23",
		   "bad interface name 'a b'");
	EXPECT_ERR("interface name ..", "network:\n  interfaces: [{name: ..}]\n", "7:23",
		   "must not be '.' or '..'");
	EXPECT_ERR("interface lo", "network:\n  interfaces: [{name: lo}]\n", "7:23",
		   "the loopback interface");
	EXPECT_ERR("interface name too long",
		   "network:\n  interfaces: [{name: abcdefghijklmnop}]\n", "7:23",
		   "network.interfaces[0].name is too long (16 bytes, at most 15)");
	EXPECT_ERR("duplicate interface",
		   "network:\n  interfaces:\n    - name: eth0\n    - name: eth0\n", "9:13",
		   "network.interfaces[1].name: duplicate interface 'eth0' (first on line 8)");
	EXPECT_ERR("dhcp yes", "network:\n  interfaces: [{name: eth0, dhcp: yes}]\n", "7:35",
		   "network.interfaces[0].dhcp: bad boolean 'yes': expected true or false");
	EXPECT_ERR("9 interfaces",
		   "network:\n  interfaces: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e},"
		   " {name: f}, {name: g}, {name: h}, {name: i}]\n",
		   "7:104", "network.interfaces has more than 8 items");

	/* addresses */
	EXPECT_ERR("address without prefix",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15]}]\n", "7:41",
		   "network.interfaces[0].addresses[0]: bad address '10.0.2.15': expected "
		   "ADDRESS/PREFIX");
	EXPECT_ERR("bad CIDR", "network:\n  interfaces: [{name: eth0, addresses: [10.0.2/24]}]\n",
		   "7:41", "bad address '10.0.2/24'");
	EXPECT_ERR("IPv4 prefix 33",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/33]}]\n", "7:41",
		   "an IPv4 prefix is 0 to 32");
	EXPECT_ERR("IPv6 prefix 129",
		   "network:\n  interfaces: [{name: eth0, addresses: ['fec0::1/129']}]\n", "7:41",
		   "an IPv6 prefix is 0 to 128");
	EXPECT_ERR("prefix with leading zero",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/024]}]\n", "7:41",
		   "expected ADDRESS/PREFIX");
	EXPECT_ERR("prefix empty",
		   "network:\n  interfaces: [{name: eth0, addresses: [10.0.2.15/]}]\n", "7:41",
		   "expected ADDRESS/PREFIX");
	EXPECT_ERR("address a hostname",
		   "network:\n  interfaces: [{name: eth0, addresses: [host/24]}]\n", "7:41",
		   "bad address 'host/24'");
	EXPECT_ERR("9 addresses",
		   "network:\n  interfaces:\n    - name: eth0\n      addresses: [1.0.0.1/8, "
		   "1.0.0.2/8, 1.0.0.3/8, 1.0.0.4/8, 1.0.0.5/8, 1.0.0.6/8, 1.0.0.7/8, 1.0.0.8/8, "
		   "1.0.0.9/8]\n",
		   "9:107", "network.interfaces[0].addresses has more than 8 items");

	/* routes */
	EXPECT_ERR("route not a mapping",
		   "network:\n  interfaces: [{name: eth0, routes: [default]}]\n", "7:38",
		   "network.interfaces[0].routes[0] must be a mapping");
	EXPECT_ERR("route without to",
		   "network:\n  interfaces: [{name: eth0, routes: [{via: 10.0.0.1}]}]\n", "7:38",
		   "missing required field 'network.interfaces[0].routes[0].to'");
	EXPECT_ERR("default route without via",
		   "network:\n  interfaces:\n    - name: eth0\n      routes:\n"
		   "        - to: default\n",
		   "10:15", "network.interfaces[0].routes[0].to: a default route needs via");
	EXPECT_ERR("route family mismatch",
		   "network:\n  interfaces:\n    - name: eth0\n      routes:\n"
		   "        - to: 10.0.0.0/8\n          via: \"fec0::2\"\n",
		   "11:16",
		   "network.interfaces[0].routes[0].via: 'fec0::2' is IPv6 but to '10.0.0.0/8' is "
		   "IPv4");
	EXPECT_ERR("route with host bits",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: 10.0.0.1/8}]}]\n", "7:43",
		   "routes[0].to: bad destination '10.0.0.1/8': the address has bits set beyond "
		   "the prefix");
	EXPECT_ERR("route via a CIDR",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: default, via: "
		   "10.0.0.1/8}]}]\n",
		   "7:57", "routes[0].via: bad gateway '10.0.0.1/8': expected an IPv4 or IPv6");
	EXPECT_ERR("unknown key in route",
		   "network:\n  interfaces: [{name: eth0, routes: [{to: default, gw: x}]}]\n",
		   "7:52", "unknown key 'gw' in network.interfaces[0].routes[0]");

	/* dns */
	EXPECT_ERR("too many dns", "network:\n  dns: [1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1]\n",
		   "7:36", "network.dns has more than 3 items");
	EXPECT_ERR("dns a hostname", "network:\n  dns: [dns.example]\n", "7:9",
		   "network.dns[0]: bad address 'dns.example': expected an IPv4 or IPv6 address");
	EXPECT_ERR("dns with prefix", "network:\n  dns: [1.1.1.1/32]\n", "7:9", "bad address");
}

int main(void)
{
	fx_setup("test_manifest_network", FX_BASE("rootfs: {packages: [crun]}"));
	test_network();
	test_network_errors();
	fx_cleanup();
	return CHECK_DONE();
}
