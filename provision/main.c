/*
 * berth-provision: one machine's own settings (docs/provision.md).
 * berth-init starts it in stage 2, once /var is mounted and before it names
 * the machine, sets up the network and starts the services, when the image
 * has PROVISION_CONF; it waits at most PROVISION_TIMEOUT_MS. That run reads
 * the config drives listed before the first metadata service; when none
 * answers and metadata services are listed, it exits PROVISION_EXIT_NETWORK
 * and berth-init runs it again (PROVISION_AFTER_NETWORK) once the network is
 * started, for the rest of the list. The sources
 * are tried in that file's order; the first that answers gives the user
 * data and meta-data of this boot, and each document that checks good is
 * kept in PROVISION_STATE_DIR for a boot where none answers. What they set
 * goes to RUN_DIR in the formats berth-init reads from /etc/berth, which
 * it then prefers. A document that does not check is said on the console,
 * with its line and column, and sets nothing: the image's settings stay.
 * A separate program so that a bad document cannot crash PID 1, and
 * libyaml stays out of it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "conffiles.h"
#include "fileio.h"
#include "label.h"
#include "metadata.h"
#include "say.h"
#include "sources.h"

/* The config drives, by provision_source: their label, their documents' files on them. */
static const struct drive {
	const char *label, *user, *meta;
} drives[] = {
    [SOURCE_NOCLOUD] = {"cidata", "user-data", "meta-data"},
    [SOURCE_CONFIG_2] = {"config-2", "openstack/latest/user_data",
			 "openstack/latest/meta_data.json"},
};

/* Named in main(): an initialized struct would put its buffer in the file. */
static struct doc user, meta;
static struct manifest image; /* its containers, as CONTAINERS_CONF has them */
static struct userdata ud;
static struct metadata md;
static struct provconf conf;

/*
 * D's file of folder DIR into D (a missing one is empty); why not is said
 * on the console, SOURCE naming the folder.
 */
static void doc_read(const char *dir, const char *source, struct doc *d)
{
	char path[PATH_MAX];
	int r = pathf(path, sizeof(path), "%s/%s", dir, d->file);
	ssize_t n = r < 0 ? r : read_text(path, d->text, sizeof(d->text));

	if (n == -ENOENT)
		n = 0;
	if (n > DOC_MAX)
		n = -EFBIG;
	d->read = n >= 0;
	if (!d->read) {
		say("provision: %s/%s: %s; nothing of it is used", source, d->file,
		    n == -EFBIG ? "larger than 256 KiB" : strerror((int)-n));
		return;
	}
	d->text[n] = '\0';
	d->len = (size_t)n;
}

/*
 * The first block device, in name order, with a file system labelled LABEL
 * (without regard to case, as cloud-init: FAT's labels are upper case):
 * into NODE. An empty CD-ROM drive fails to open (ENOMEDIUM): no label.
 */
static bool drive_find(const char *label, char node[64], enum fs_type *type)
{
	static unsigned char buf[LABEL_BYTES];
	struct dirent **names;
	char found[LABEL_MAX + 1];
	bool ok = false;
	int n = scandir("/sys/class/block", &names, NULL, alphasort);

	if (n < 0) {
		say("provision: /sys/class/block: %s", strerror(errno));
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (!ok && names[i]->d_name[0] != '.' &&
		    pathf(node, 64, "/dev/%s", names[i]->d_name) == 0) {
			int fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			ssize_t got = fd < 0 ? -errno : pread_full(fd, buf, sizeof(buf), 0);
			if (fd >= 0)
				close(fd);
			*type = got > 0 ? label_read(buf, (size_t)got, found) : FS_NONE;
			ok = *type != FS_NONE && !strcasecmp(found, label);
		}
		free(names[i]);
	}
	free(names);
	return ok;
}

/*
 * The documents of drive DV: true when one answered (though its documents
 * may yet be bad). Mounted read-only in this process's own mount
 * namespace, so nothing else sees it and it goes when we do.
 */
static bool drive_read(const struct drive *dv)
{
	char node[64], dir[] = "/tmp/berth-provision.XXXXXX";
	enum fs_type type;
	int r;

	if (!drive_find(dv->label, node, &type))
		return false;
	if (!mkdtemp(dir)) {
		say("provision: %s: mkdtemp: %s", node, strerror(errno));
		return false;
	}
	if (mount(node, dir, fs_type_name(type), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		r = errno;
		say("provision: mount %s (%s, labelled %s): %s%s", node, fs_type_name(type),
		    dv->label, strerror(r),
		    r == ENODEV ? " (not in this kernel or its module set)" : "");
		rmdir(dir);
		return false;
	}
	say("provision: config drive %s on %s (%s)", dv->label, node, fs_type_name(type));
	user.file = dv->user;
	meta.file = dv->meta;
	doc_read(dir, dv->label, &user);
	doc_read(dir, dv->label, &meta);
	umount(dir);
	rmdir(dir);
	return true;
}

/*
 * The last good documents, for a boot where no source answers (WHO says
 * which did not, UNTIL how long they count): false when none was kept.
 */
static bool kept_read(const char *who, const char *until)
{
	if (access(PROVISION_STATE_DIR, F_OK) < 0)
		return false;
	say("provision: no %s answered; the last good user data and meta-data, "
	    "in " PROVISION_STATE_DIR "%s",
	    who, until);
	user.file = user.name;
	meta.file = meta.name;
	doc_read(PROVISION_STATE_DIR, PROVISION_STATE_DIR, &user);
	doc_read(PROVISION_STATE_DIR, PROVISION_STATE_DIR, &meta);
	return true;
}

/* D, checked good, kept for the boots where no source answers. */
static void keep(const struct doc *d)
{
	char path[PATH_MAX];
	int r = mkdir("/var/lib", 0755) < 0 && errno != EEXIST ? -errno : 0;

	if (r == 0 && mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0 && mkdir(PROVISION_STATE_DIR, 0755) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0)
		r = pathf(path, sizeof(path), PROVISION_STATE_DIR "/%s", d->name);
	if (r == 0)
		r = write_file_atomic(path, d->text, d->len, 0600, true);
	if (r < 0)
		say("provision: keeping %s in " PROVISION_STATE_DIR ": %s%s", d->name, strerror(-r),
		    r == -EROFS ? " (/var is not mounted)" : "");
}

/* WRITE's text of M into PATH, replaced whole. 0 or -errno, said on the console. */
static int conf_write(const char *path, int (*write)(FILE *, const struct manifest *),
		      const struct manifest *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f) {
		r = -errno;
		goto out;
	}
	r = write(f, m);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = write_file_atomic(path, buf, len, 0644, false);
out:
	if (r < 0)
		say("provision: %s: %s", path, strerror(-r));
	free(buf);
	return r;
}

static void text_write(const char *path, const char *text, size_t len)
{
	int r = write_file_atomic(path, text, len, 0644, false);

	if (r < 0)
		say("provision: %s: %s", path, strerror(-r));
}

static void hostname_write(void)
{
	const char *name = user.good ? ud.m.rootfs.hostname : "";
	const char *from = "user data";
	char line[sizeof(ud.m.rootfs.hostname) + 1];

	if (!name[0] && meta.good) {
		name = md.hostname;
		from = "meta-data";
	}
	if (!name[0])
		return;
	int len = snprintf(line, sizeof(line), "%s\n", name);
	text_write(RUN_HOSTNAME, line, (size_t)len);
	say("provision: hostname %s (from %s)", name, from);
}

static void keys_write(void)
{
	static char text[METADATA_KEYS_MAX * (METADATA_KEY_MAX + 1)];
	size_t len = 0;

	if (!meta.good || !md.n_keys)
		return;
	for (size_t i = 0; i < md.n_keys; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", md.keys[i]);
	text_write(SSH_KEYS_FILE, text, len);
	say("provision: %zu SSH public key%s in " SSH_KEYS_FILE, md.n_keys,
	    md.n_keys == 1 ? "" : "s");
}

/* What the user data sets, written where berth-init prefers it to the image's. */
static void userdata_write(void)
{
	if (!user.good)
		return;
	if (ud.network && conf_write(RUN_NETWORK_CONF, conffiles_network, &ud.m) == 0)
		say("provision: network from user data in " RUN_NETWORK_CONF);
	if (memcmp(ud.m.containers, image.containers, sizeof(image.containers)) &&
	    conf_write(RUN_CONTAINERS_CONF, conffiles_containers, &ud.m) == 0)
		say("provision: services' environment from user data in " RUN_CONTAINERS_CONF);
	if (ud.channel && conf_write(RUN_CHANNEL_CONF, conffiles_channel, &ud.m) == 0)
		say("provision: update channel %s from user data in " RUN_CHANNEL_CONF,
		    ud.m.update.channel.url);
}

/* PROVISION_CONF into conf: false when it names no source or cannot be read. */
static bool conf_read(void)
{
	static char text[4096];
	char err[160];
	ssize_t n = read_text(PROVISION_CONF, text, sizeof(text));
	int r = n < 0 ? (int)n : provconf_parse(text, &conf, err, sizeof(err));

	if (n < 0)
		say("provision: " PROVISION_CONF ": %s", strerror((int)-n));
	else if (r < 0)
		say("provision: " PROVISION_CONF ": %s", err);
	return r == 0 && conf.n_sources > 0;
}

/* The image's channel settings, which user data may override: 0, or -EINVAL said. */
static int channel_read(void)
{
	static char text[1024];
	char err[160];
	ssize_t len = read_text(CHANNEL_CONF, text, sizeof(text));

	if (len == -ENOENT)
		return 0;
	if (len >= 0 && channel_conf_parse(text, &image.update.channel, err, sizeof(err)) == 0)
		return 0;
	say("provision: " CHANNEL_CONF ": %s; user data is not read",
	    len < 0 ? strerror((int)-len) : err);
	return -EINVAL;
}

/* The image's containers, which user data may give environment to. */
static int image_read(void)
{
	static char text[65536];
	static struct ctr ctrs[CONTAINERS_MAX];
	char err[160];
	size_t n = 0;
	ssize_t len = read_text(CONTAINERS_CONF, text, sizeof(text));

	if (len == -ENOENT)
		return 0;
	if (len < 0 || (size_t)len == sizeof(text) - 1 ||
	    ctrconf_parse(text, ctrs, &n, err, sizeof(err)) < 0) {
		say("provision: " CONTAINERS_CONF ": %s; user data is not read",
		    len < 0			      ? strerror((int)-len)
		    : (size_t)len == sizeof(text) - 1 ? "too long"
						      : err);
		return -EINVAL;
	}
	provconf_containers(ctrs, n, &image);
	return 0;
}

/* Checks both documents; SOURCE names where they came from in the messages. */
static void docs_check(const char *source)
{
	static char err[MANIFEST_ERR_MAX];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", source, meta.file);
	meta.good =
	    meta.read && metadata_parse(path, meta.text, meta.len, &md, err, sizeof(err)) == 0;
	if (meta.read && !meta.good)
		say("provision: %s; nothing of it is used", err);
	snprintf(path, sizeof(path), "%s/%s", source, user.file);
	user.good = user.read && userdata_load_text(path, user.text, user.len, &image, &ud, err,
						    sizeof(err)) == 0;
	if (user.read && !user.good)
		say("provision: %s; the image's own settings are kept", err);
}

/* The documents checked, the good ones kept, what they set written. */
static void docs_use(const char *source)
{
	bool fresh = strcmp(source, PROVISION_STATE_DIR) != 0;

	docs_check(source);
	if (fresh && meta.good)
		keep(&meta);
	if (fresh && user.good)
		keep(&user);
	hostname_write();
	keys_write();
	userdata_write();
}

/* A metadata service's or the WireServer's address: the cloud's own, or provision.address. */
static struct sockaddr_in address(const char *cloud)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(conf.port)};

	a.sin_addr.s_addr = conf.address;
	if (!conf.address) {
		a.sin_port = htons(80);
		inet_pton(AF_INET, cloud, &a.sin_addr);
	}
	return a;
}

/*
 * Until the kernel has a route to TO, which DHCP or a static address gives:
 * false, said on the console, when DEADLINE comes first. A UDP connect only
 * looks the route up; it sends nothing.
 */
static bool route_wait(const struct sockaddr_in *to, uint64_t deadline)
{
	for (;;) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int r = fd < 0							    ? -errno
			: connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0 ? -errno
										    : 0;
		if (fd >= 0)
			close(fd);
		if (r == 0)
			return true;
		if ((r != -ENETUNREACH && r != -EHOSTUNREACH) || boottime_ms() + 100 > deadline) {
			say("provision: no route to %s: %s; no metadata service is read",
			    inet_ntoa(to->sin_addr), strerror(-r));
			return false;
		}
		sleep_ms(100);
	}
}

/*
 * The run once the network is started: the sources from the first
 * metadata service on, in order. One that answers replaces what the kept
 * documents set before the network, the network too: berth-init then sets
 * up again the interfaces whose settings changed (network_reload).
 */
static int after_network(int first)
{
	struct sockaddr_in to = address("169.254.169.254");
	uint64_t start = boottime_ms(), deadline = start + AFTER_NETWORK_MS;
	int from = -1;

	say("provision: the metadata services at %s:%u, at most %d s", inet_ntoa(to.sin_addr),
	    ntohs(to.sin_port), AFTER_NETWORK_MS / 1000);
	if (!route_wait(&to, deadline))
		return 0;
	for (int i = first; i < conf.n_sources && from < 0; i++) {
		enum provision_source s = conf.sources[i];
		if (SOURCE_IS_HTTP(s) ? service_read(s, &to, deadline, &user, &meta)
				      : drive_read(&drives[s]))
			from = s;
	}
	if (from < 0) {
		say("provision: no metadata service answered (%llu ms); the settings so far stay",
		    (unsigned long long)(boottime_ms() - start));
		return 0;
	}
	unlink(RUN_HOSTNAME);
	unlink(SSH_KEYS_FILE);
	unlink(RUN_NETWORK_CONF);
	unlink(RUN_CONTAINERS_CONF);
	unlink(RUN_CHANNEL_CONF);
	docs_use(SOURCE_IS_HTTP(from) ? provision_source_words[from] : drives[from].label);
	/* Ready whatever the documents were: the machine did boot (docs/clouds.md). */
	if (from == SOURCE_AZURE) {
		struct sockaddr_in wire = address("168.63.129.16");
		azure_ready(&wire, boottime_ms() + 4 * HTTP_REQUEST_MS);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *from = NULL;
	int first = 0;

	user.name = "user-data";
	meta.name = "meta-data";
	if (!conf_read() || image_read() < 0 || channel_read() < 0)
		return 1;
	/* Our mounts our own, and gone when we are. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		say("provision: a mount namespace of its own: %s", strerror(errno));
		return 1;
	}
	while (first < conf.n_sources && !SOURCE_IS_HTTP(conf.sources[first]))
		first++;
	if (argc == 2 && !strcmp(argv[1], PROVISION_AFTER_NETWORK))
		return after_network(first);
	for (int i = 0; i < first && !from; i++)
		if (drive_read(&drives[conf.sources[i]]))
			from = drives[conf.sources[i]].label;
	if (from) {
		docs_use(from);
		return 0;
	}
	/* The kept documents stand until a metadata service answers, network and all. */
	if (first < conf.n_sources) {
		if (kept_read("config drive", ", until a metadata service answers"))
			docs_use(PROVISION_STATE_DIR);
		return PROVISION_EXIT_NETWORK;
	}
	if (!kept_read("source", "")) {
		say("provision: no source answered and none did before; the image's settings");
		return 0;
	}
	docs_use(PROVISION_STATE_DIR);
	return 0;
}
