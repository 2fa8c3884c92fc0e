/* unit: image/[cdgmuv]*.c image/manifest/m*rules.c init/[a-z]*conf.c lib/[a-z]*.c -lsodium */
/*
 * The contract, both sides at once: what `berth build` writes for a
 * manifest (the generated files at their paths in the image, the UKIs'
 * command lines, the boot entry's name, the disk's partition UUIDs) is fed
 * to the readers on the device (berth-init's containers.conf and
 * network.conf parsers, update.conf's, channel.conf's, the kernel command
 * line's, the key files', the boot entry names'), which must read back
 * what the manifest said. The manifest uses every keyword and word of the
 * conf files and fills every limit the contract sets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channelconf.h"
#include "check.h"
#include "cmdline.h"
#include "ctrconf.h"
#include "entry.h"
#include "fileio.h"
#include "gentree.h"
#include "keyfile.h"
#include "netconf.h"
#include "oci.h"
#include "updateconf.h"
#include "values.h"
#include "veritysetup_report.h"

static struct manifest m;
static struct build_ctx b = {.m = &m};
static char text[1 << 16];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The file at PATH in the image as the rootfs stage gets it from berth, into text. */
static const char *generated(const char *path)
{
	char file[8192];

	snprintf(file, sizeof(file), "%s/generated%s", b.work, path);
	if (read_text(file, text, sizeof(text)) < 0)
		die(file);
	return text;
}

/* The value V berth gives a stage, into OUT. */
static void value(enum value_id v, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");

	if (!f || values[v].get(&b, &values[v], f) != 0 || fclose(f) != 0)
		die(values[v].name);
}

static void fill_network(void)
{
	for (size_t i = 0; i < IFACES_MAX; i++) {
		struct manifest_interface *ifc = &m.network.interfaces[m.network.n_interfaces++];
		snprintf(ifc->name, sizeof(ifc->name), "%.8s%07zu", "enp0s31f", i);
		ifc->dhcp = i % 2;
		for (size_t j = 0; j < ADDRS_MAX; j++)
			snprintf(ifc->addresses[ifc->n_addresses++], sizeof(ifc->addresses[0]),
				 j % 2 ? "fd%02zx::%zx/64" : "10.%zu.%zu.1/24", i, j);
		for (size_t j = 0; j < ROUTES_MAX; j++) {
			struct manifest_route *rt = &ifc->routes[ifc->n_routes++];
			snprintf(rt->to, sizeof(rt->to), "192.168.%zu.0/24", j);
			if (j % 2)
				snprintf(rt->via, sizeof(rt->via), "10.%zu.0.254", i);
		}
	}
	for (size_t i = 0; i < DNS_MAX; i++)
		snprintf(m.network.dns[m.network.n_dns++], sizeof(m.network.dns[0]),
			 i ? "2001:db8::%zx" : "10.0.2.3", i);
}

/* Unpacking images is test_oci.c's concern: here each archive stands for one. */
int oci_unpack(const char *archive, const char *digest, const char *dir, const char *const *mounts,
	       const char *no_command)
{
	(void)archive, (void)digest, (void)dir, (void)mounts, (void)no_command;
	return 0;
}

static void fill_container(struct manifest_container *c, size_t i)
{
	c->service = i > 0;
	snprintf(c->name, sizeof(c->name), "%s-%zu", c->service ? "svc" : "job", i);
	snprintf(c->image, sizeof(c->image), "images/%zu.tar", i);
	snprintf(c->digest, sizeof(c->digest), "%064zx", i % 3); /* images shared */
	c->network = i % 2 ? NET_NONE : NET_HOST;
	c->restart = (enum restart)(i % 3);
	c->critical = i % 2;
	c->health.probe = (enum probe)(i % 4);
	c->health.port = 1 + 4099 * (unsigned)i;
	snprintf(c->health.path, sizeof(c->health.path), "/health/%zu?x=y", i);
	for (size_t j = 0; j < ARGS_MAX; j++) {
		snprintf(c->command[c->n_command++], sizeof(c->command[0]), "arg %zu with spaces",
			 j);
		snprintf(c->health.exec[c->health.n_exec++], sizeof(c->health.exec[0]), "p%zu", j);
	}
	for (size_t j = 0; j < ENV_MAX; j++)
		snprintf(c->env[c->n_env++], sizeof(c->env[0]), "K%zu=v = %zu", j, j);
	for (size_t j = 0; j < BINDS_MAX; j++) {
		struct manifest_bind *bd = &c->binds[c->n_binds++];
		snprintf(bd->src, sizeof(bd->src), "/var/lib/c%zu/%zu", i, j);
		snprintf(bd->dst, sizeof(bd->dst), "/data/%zu", j);
		bd->ro = j % 2;
	}
}

static void fill(void)
{
	snprintf(m.name, sizeof(m.name), "%s", "roundtrip-0123456789-abcdefghijk");
	snprintf(m.version, sizeof(m.version), "%s", "12.0.3-rc.1");
	snprintf(m.kernel.cmdline, sizeof(m.kernel.cmdline), "%s", "console=ttyS0,115200 quiet");
	snprintf(m.debug.shell, sizeof(m.debug.shell), "%s", "ttyS0");
	snprintf(m.update.compatible, sizeof(m.update.compatible), "%s", "roundtrip.x86_64_v2");
	m.update.health_deadline = HEALTH_DEADLINE_MAX;
	for (size_t i = 0; i < UPDATE_KEYS_MAX; i++) {
		struct manifest_key *k = &m.update.keys[m.update.n_keys++];
		snprintf(k->path, sizeof(k->path), "keys/k%zu.pub", i);
		memset(k->key, (int)(0x10 + i), sizeof(k->key));
	}
	/* The longest URL, the longest interval, a window through midnight. */
	struct channel_conf *ch = &m.update.channel;
	memset(ch->url, 'a', CHANNEL_URL_MAX);
	memcpy(ch->url, "http://updates.example.com:65535/", 33);
	ch->url[CHANNEL_URL_MAX - 1] = '/';
	ch->interval = CHECK_INTERVAL_MAX;
	ch->reboot = REBOOT_WINDOW;
	ch->window_start = 23 * 60 + 59;
	ch->window_end = 1;
	fill_network();
	for (size_t i = 0; i < CONTAINERS_MAX; i++)
		fill_container(&m.containers[m.n_containers++], i);
}

static bool same_list(const char *const *got, size_t n, const char (*want)[256], size_t wn)
{
	if (n != wn)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(got[i], want[i]))
			return false;
	return true;
}

static bool same_container(const struct ctr *c, const struct manifest_container *w)
{
	char image[128];
	bool ok = c->kind == (w->service ? CTR_SERVICE : CTR_ONBOOT) && !strcmp(c->name, w->name) &&
		  c->net == w->network && !strcmp(c->digest + strlen("sha256:"), w->digest) &&
		  same_list(c->args, c->nargs, w->command, w->n_command) &&
		  same_list(c->env, c->nenv, w->env, w->n_env) && c->nbinds == w->n_binds;

	snprintf(image, sizeof(image), IMAGES_DIR "/%s", w->digest);
	ok = ok && !strcmp(c->image, image);
	for (size_t j = 0; ok && j < c->nbinds; j++)
		ok = !strcmp(c->binds[j].src, w->binds[j].src) &&
		     !strcmp(c->binds[j].dst, w->binds[j].dst) && c->binds[j].ro == w->binds[j].ro;
	if (!ok || !w->service)
		return ok;
	ok = c->restart == w->restart && c->critical == w->critical && c->probe == w->health.probe;
	if (w->health.probe == PROBE_HTTP || w->health.probe == PROBE_TCP)
		ok = ok && c->port == w->health.port;
	if (w->health.probe == PROBE_HTTP)
		ok = ok && !strcmp(c->path, w->health.path);
	if (w->health.probe == PROBE_EXEC)
		ok = ok && same_list(c->probe_argv, c->nprobe, w->health.exec, w->health.n_exec);
	return ok;
}

static void test_containers(void)
{
	static struct ctr ctrs[CONTAINERS_MAX];
	char err[256] = "";
	size_t n = 0, matching = 0;
	int r = ctrconf_parse((char *)generated(CONTAINERS_CONF), ctrs, &n, err, sizeof(err));

	CHECK(r == 0, CONTAINERS_CONF " parses");
	if (r)
		printf("# %s\n", err);
	/* The writer puts onboot containers first: match each by name. */
	for (size_t i = 0; r == 0 && i < n; i++)
		for (size_t j = 0; j < m.n_containers; j++)
			if (!strcmp(ctrs[i].name, m.containers[j].name))
				matching += same_container(&ctrs[i], &m.containers[j]);
	CHECK(n == CONTAINERS_MAX && matching == CONTAINERS_MAX,
	      "every container reads back as the manifest has it, at every limit");
}

static bool same_ip(const struct netconf_ip *ip, const char *want, bool prefix)
{
	char got[64];

	return netconf_format(ip, prefix, got, sizeof(got)) > 0 && !strcmp(got, want);
}

static void test_network(void)
{
	static struct netconf nc;
	char err[256] = "";
	bool ok = netconf_parse(generated(NETWORK_CONF), &nc, err, sizeof(err)) == 0;

	CHECK(ok, NETWORK_CONF " parses");
	ok = ok && nc.n_ifaces == IFACES_MAX && nc.n_dns == DNS_MAX;
	for (size_t i = 0; ok && i < nc.n_ifaces; i++) {
		const struct netconf_iface *g = &nc.ifaces[i];
		const struct manifest_interface *w = &m.network.interfaces[i];
		ok = !strcmp(g->name, w->name) && g->dhcp == w->dhcp &&
		     g->n_addrs == w->n_addresses && g->n_routes == w->n_routes;
		for (size_t j = 0; ok && j < g->n_addrs; j++)
			ok = same_ip(&g->addrs[j], w->addresses[j], true);
		for (size_t j = 0; ok && j < g->n_routes; j++)
			ok = same_ip(&g->routes[j].dest, w->routes[j].to, true) &&
			     (w->routes[j].via[0]
				  ? same_ip(&g->routes[j].gw, w->routes[j].via, false)
				  : g->routes[j].gw.family == 0);
	}
	for (size_t i = 0; ok && i < nc.n_dns; i++)
		ok = same_ip(&nc.dns[i], m.network.dns[i], false);
	CHECK(ok, "every interface, address, route and name server reads back, at every limit");
}

static void test_update(void)
{
	struct update_conf uc;
	char err[256] = "", path[8192];
	uint8_t key[KEYFILE_PUBLIC];
	const char *why;
	size_t keys = 0;

	CHECK(update_conf_parse(generated(UPDATE_CONF), &uc, err, sizeof(err)) == 0 &&
		  !strcmp(uc.compatible, m.update.compatible) &&
		  uc.health_deadline == m.update.health_deadline,
	      UPDATE_CONF ": compatible and health deadline read back");
	for (size_t i = 0; i < m.update.n_keys; i++) {
		snprintf(path, sizeof(path), "%s/generated" KEYS_DIR "/k%zu.pub", b.work, i);
		keys += keyfile_read(AT_FDCWD, path, key, sizeof(key), &why) == 0 &&
			!memcmp(key, m.update.keys[i].key, sizeof(key));
	}
	CHECK(keys == UPDATE_KEYS_MAX, KEYS_DIR ": every key reads back as berth-update reads it");
	CHECK(!strcmp(generated(CONSOLE_SHELL_CONF), "ttyS0\n"), CONSOLE_SHELL_CONF ": the tty");
}

static void test_channel(void)
{
	struct channel_conf cc;
	char err[256] = "";
	int r = channel_conf_parse(generated(CHANNEL_CONF), &cc, err, sizeof(err));

	if (r)
		printf("# %s\n", err);
	CHECK(r == 0 && !memcmp(&cc, &m.update.channel, sizeof(cc)),
	      CHANNEL_CONF ": channel, interval and window read back, at every limit");
}

/* The UKI of SLOT: its line names the root berth verified and the partitions the disk has. */
static void test_cmdline(enum value_id line, char slot, enum value_id root, enum value_id hash)
{
	char got[4096], err[256] = "", uuid[3][64], what[64];
	struct boot_params p;

	value(line, got, sizeof(got));
	value(root, uuid[0], sizeof(uuid[0]));
	value(hash, uuid[1], sizeof(uuid[1]));
	value(V_UUID_DATA, uuid[2], sizeof(uuid[2]));
	snprintf(what, sizeof(what), "slot %c's command line reads back", slot);
	CHECK(cmdline_parse(got, &p, err, sizeof(err)) == 0 && p.slot == slot &&
		  !strcmp(p.roothash, REPORT_ROOTHASH) && !strcmp(p.salt, REPORT_SALT) &&
		  p.data_blocks == REPORT_DATA_BLOCKS && p.hash_offset == 4096 &&
		  p.on_corruption == ON_CORRUPTION_RESTART && p.roothash_sig_len == 0,
	      what);
	snprintf(what, sizeof(what), "slot %c's line names the disk's partitions", slot);
	CHECK(!strcmp(p.root_uuid, uuid[0]) && !strcmp(p.verity_uuid, uuid[1]) &&
		  !strcmp(p.data_uuid, uuid[2]),
	      what);
	snprintf(what, sizeof(what), "slot %c's line starts with the manifest's", slot);
	CHECK(!strncmp(got, "console=ttyS0,115200 quiet ", 27), what);
}

static void test_entry(void)
{
	char file[ENTRY_FILE_MAX];
	struct entry_name e;

	value(V_ENTRY, file, sizeof(file));
	CHECK(entry_parse(file, &e) == 0 && !strcmp(e.name, m.name) &&
		  !strcmp(e.version, m.version) && entry_state(&e) == ENTRY_GOOD,
	      "the factory boot entry's name reads back: the manifest's name and version, good");
}

int main(void)
{
	char list[8192], report[8192];

	if (!mkdtemp(strcpy(b.work, "/tmp/berth-roundtrip.XXXXXX")))
		die("mkdtemp");
	strcpy(b.manifest_dir, b.work);
	fill();
	snprintf(report, sizeof(report), "%s/veritysetup.txt", b.work);
	int fd = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write_all(fd, REPORT, strlen(REPORT)) < 0 || close(fd) < 0)
		die(report);
	if (gentree_install_list(&b, list, sizeof(list)) < 0)
		die("gentree_install_list");
	test_containers();
	test_network();
	test_update();
	test_channel();
	test_cmdline(V_CMDLINE_A, 'a', V_UUID_ROOT_A, V_UUID_ROOT_A_VERITY);
	test_cmdline(V_CMDLINE_B, 'b', V_UUID_ROOT_B, V_UUID_ROOT_B_VERITY);
	test_entry();
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b.work);
	if (system(cmd) != 0)
		die(cmd);
	return CHECK_DONE();
}
