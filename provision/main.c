/*
 * berth-provision: one machine's own settings (docs/provision.md).
 * berth-init starts it in stage 2, once /var is mounted and before it names
 * the machine, sets up the network and starts the services, when the image
 * has PROVISION_CONF; it waits at most PROVISION_TIMEOUT_MS. The sources
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
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conffiles.h"
#include "fileio.h"
#include "label.h"
#include "metadata.h"
#include "say.h"

/* A document larger than this is refused: clouds cap user data at 16 to 256 KiB. */
#define DOC_MAX (256 * 1024)

/* The config drives, by provision_source: their label, their documents' files on them. */
static const struct drive {
	const char *label, *user, *meta;
} drives[] = {
    [SOURCE_NOCLOUD] = {"cidata", "user-data", "meta-data"},
    [SOURCE_CONFIG_2] = {"config-2", "openstack/latest/user_data",
			 "openstack/latest/meta_data.json"},
};

/* A user-data or meta-data document. */
struct doc {
	const char *name; /* in PROVISION_STATE_DIR */
	const char *file; /* where it was read, relative to its source */
	char text[DOC_MAX + 2];
	size_t len;
	bool read; /* read whole: a larger or unreadable one counts as bad */
	bool good; /* checked, its settings taken */
};

/* Named in main(): an initialized struct would put its buffer in the file. */
static struct doc user, meta;
static struct manifest image; /* its containers, as CONTAINERS_CONF has them */
static struct userdata ud;
static struct metadata md;

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

/* The last good documents, for a boot where no source answers: false when none was kept. */
static bool kept_read(void)
{
	if (access(PROVISION_STATE_DIR, F_OK) < 0)
		return false;
	say("provision: no source answered; the last good user data and meta-data, "
	    "in " PROVISION_STATE_DIR);
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
}

/* The sources the image names; 0 when none or the file cannot be read. */
static int sources_read(enum provision_source sources[PROVISION_SOURCES_MAX])
{
	static char text[4096];
	char err[160];
	ssize_t n = read_text(PROVISION_CONF, text, sizeof(text));
	int r = n < 0 ? (int)n : provconf_parse(text, sources, err, sizeof(err));

	if (n < 0)
		say("provision: " PROVISION_CONF ": %s", strerror((int)-n));
	else if (r < 0)
		say("provision: " PROVISION_CONF ": %s", err);
	return r < 0 ? 0 : r;
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

int main(void)
{
	enum provision_source sources[PROVISION_SOURCES_MAX];
	int n = sources_read(sources);
	const char *from = NULL;

	user.name = "user-data";
	meta.name = "meta-data";
	if (n == 0 || image_read() < 0)
		return 1;
	/* Our mounts our own, and gone when we are. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		say("provision: a mount namespace of its own: %s", strerror(errno));
		return 1;
	}
	for (int i = 0; i < n && !from; i++)
		if (drive_read(&drives[sources[i]]))
			from = drives[sources[i]].label;
	if (from) {
		docs_check(from);
		if (meta.good)
			keep(&meta);
		if (user.good)
			keep(&user);
	} else if (kept_read()) {
		docs_check(PROVISION_STATE_DIR);
	} else {
		say("provision: no source answered and none did before; the image's settings");
		return 0;
	}
	hostname_write();
	keys_write();
	userdata_write();
	return 0;
}
