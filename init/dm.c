/* The verity device, made with device-mapper ioctls (no libdevmapper, no dmsetup). */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"
#include "verity.h"

#define DM_CONTROL "/dev/mapper/control"
#define DM_NAME "root"
#define DM_UUID "BERTH-VERITY-root"
#define NODE_WAIT_MS 1000
/* The misc device (major 10) the kernel registers for device-mapper control. */
#define DM_CONTROL_MAJOR 10
#define DM_CONTROL_MINOR 236

/* Header, one target spec and its parameters; 8-byte aligned as the kernel expects. */
static union {
	struct dm_ioctl io;
	uint64_t align;
	char bytes[16384];
} req;

static void req_init(uint32_t flags)
{
	memset(&req, 0, sizeof(req));
	req.io.version[0] = DM_VERSION_MAJOR;
	req.io.version[1] = DM_VERSION_MINOR;
	req.io.version[2] = DM_VERSION_PATCHLEVEL;
	req.io.data_size = sizeof(struct dm_ioctl);
	req.io.data_start = sizeof(struct dm_ioctl);
	req.io.flags = flags;
	snprintf(req.io.name, sizeof(req.io.name), "%s", DM_NAME);
}

static int dm_call(int ctl, unsigned long cmd, const char *what)
{
	if (ioctl(ctl, cmd, &req) == 0)
		return 0;
	int e = errno;
	say("dm: %s: %s", what, strerror(e));
	return -e;
}

static int open_control(void)
{
	int fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	/* dm_mod is loaded but devtmpfs has not made the node (or is absent). */
	make_dir("/dev/mapper", 0755);
	if (mknod(DM_CONTROL, S_IFCHR | 0600, makedev(DM_CONTROL_MAJOR, DM_CONTROL_MINOR)) < 0 &&
	    errno != EEXIST)
		return -errno;
	fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int load_table(int ctl, const char *params, uint64_t sectors)
{
	size_t spec_off = sizeof(struct dm_ioctl);
	size_t params_off = spec_off + sizeof(struct dm_target_spec);
	size_t plen = strlen(params) + 1;
	size_t end = (params_off + plen + 7) & ~(size_t)7;

	if (end > sizeof(req))
		return -ENOSPC;
	req_init(DM_READONLY_FLAG);
	req.io.target_count = 1;
	req.io.data_size = (uint32_t)end;
	struct dm_target_spec *spec = (struct dm_target_spec *)(req.bytes + spec_off);
	spec->sector_start = 0;
	spec->length = sectors;
	spec->next = (uint32_t)(end - spec_off);
	snprintf(spec->target_type, sizeof(spec->target_type), "verity");
	memcpy(req.bytes + params_off, params, plen);
	return dm_call(ctl, DM_TABLE_LOAD, "loading the verity table (see the kernel log)");
}

/* devtmpfs normally makes /dev/dm-N; make it ourselves if it is slow or absent. */
static int wait_node(dev_t dev, char *node, size_t nodelen)
{
	struct stat st;

	snprintf(node, nodelen, "/dev/dm-%u", minor(dev));
	for (unsigned waited = 0; waited < NODE_WAIT_MS; waited += 50) {
		if (stat(node, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == dev)
			return 0;
		sleep_ms(50);
	}
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, dev) < 0) {
		int e = errno;
		say("dm: mknod %s: %s", node, strerror(e));
		return -e;
	}
	return 0;
}

/*
 * The root hash signature as the user key the table names. dm-verity looks
 * it up with request_key() in the context of the process loading the
 * table, this one: its session keyring (made on first use) is searched.
 */
static int add_sig_key(const struct boot_params *p)
{
	if (syscall(SYS_add_key, "user", VERITY_SIG_KEY_DESC, p->roothash_sig, p->roothash_sig_len,
		    KEY_SPEC_SESSION_KEYRING) >= 0)
		return 0;
	int e = errno;
	say("dm: adding the root hash signature as key " VERITY_SIG_KEY_DESC ": %s", strerror(e));
	return -e;
}

/*
 * Creates the read-only verity device "root" over DATA and HASH and writes
 * its node path into NODE. Returns 0 or -errno; the reason is logged.
 */
int dm_verity_create(const struct boot_params *p, const struct part *data, const struct part *hash,
		     char *node, size_t nodelen)
{
	char params[512];
	uint64_t sectors;
	int r = verity_table(p, data->devnum, hash->devnum, params, sizeof(params), &sectors);

	if (r < 0) {
		say("dm: cannot build the verity table: %s", strerror(-r));
		return r;
	}
	if (p->roothash_sig_len && (r = add_sig_key(p)) < 0)
		return r;
	int ctl = open_control();
	if (ctl < 0) {
		say("dm: %s: %s (is dm_mod loaded?)", DM_CONTROL, strerror(-ctl));
		return ctl;
	}
	req_init(0);
	snprintf(req.io.uuid, sizeof(req.io.uuid), "%s", DM_UUID);
	r = dm_call(ctl, DM_DEV_CREATE, "creating device " DM_NAME);
	if (r < 0)
		goto out;
	dev_t dev = (dev_t)req.io.dev;

	r = load_table(ctl, params, sectors);
	if (r < 0)
		goto remove;
	req_init(0); /* DM_DEV_SUSPEND without DM_SUSPEND_FLAG resumes: the table goes live */
	r = dm_call(ctl, DM_DEV_SUSPEND, "activating device " DM_NAME);
	if (r < 0)
		goto remove;
	dev = (dev_t)req.io.dev;
	say("dm: verity device %s is %u:%u, %llu sectors", DM_NAME, major(dev), minor(dev),
	    (unsigned long long)sectors);
	r = wait_node(dev, node, nodelen);
	goto out;
remove:
	req_init(0);
	dm_call(ctl, DM_DEV_REMOVE, "removing device " DM_NAME);
out:
	close(ctl);
	return r;
}
