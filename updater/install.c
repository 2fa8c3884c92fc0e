/*
 * berth-update install: a signed bundle into the slot not booted, in the
 * order updater/README.md gives: verify, remove the slot's boot entries,
 * stream the payloads while hashing them, read the slot back, then add
 * the new entry with a temporary file and a rename. The bundle is read
 * once, front to back, so what was verified is what gets written. Every
 * size in the signed manifest is bounded by its parser (lib/bundle.h), and
 * the arithmetic here is done so that no size can wrap it.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bundle.h"
#include "pe.h"
#include "uki.h"
#include "update.h"
#include "version.h"
#include "vtree.h"

#define TMP_NAME ".berth-update.tmp"
#define TMP_PATH ENTRY_DIR "/" TMP_NAME
_Static_assert(INSTALL_CHUNK % VTREE_BLOCK == 0, "a chunk is whole blocks");

_Static_assert(BUNDLE_UKI_MAX <= SIZE_MAX, "a UKI fits memory's sizes");
_Static_assert(BUNDLE_IMAGE_MAX <= UINT64_MAX / 100, "progress() computes percentages");

struct install {
	unsigned flags;
	const struct expect *want; /* what the channel's index says, or NULL */
	bool tty;		   /* progress on one rewritten line */
	struct boot boot;
	struct disk disk;
	struct update_conf conf;
	struct trusted_key keys[TRUSTED_KEYS_MAX];
	size_t nkeys;
	struct source src;
	struct bundle_manifest m;
	uint64_t size; /* the bundle's, as its header and manifest add up */
	uint8_t manifest[BUNDLE_MANIFEST_MAX];
	uint8_t sigs[BUNDLE_SIGS_MAX * BUNDLE_SIG_SIZE];
	int part_fd[2]; /* root, verity */
	uint64_t part_size[2];
	unsigned floor;		    /* the security floor: no bundle of a lower epoch */
	struct entry_name release;  /* the bundle's name and version, without a counter */
	char entry[ENTRY_FILE_MAX]; /* <name>_<version>+3.efi */
	struct esp_entries esp;
	bool esp_mounted;
	uint8_t *old_uki; /* over Range requests: the booted slot's UKI, or NULL */
	size_t old_uki_len;
	int uki_fd;	    /* the target slot's UKI, in memory until everything checked out */
	const uint8_t *uki; /* uki_fd mapped, once streamed */
	int tree_fd;	    /* format 3: the verity tree, in memory, then on the slot */
	const uint8_t *tree_map;
	struct vtree tree; /* checked against the signed root hash: each root block's leaf */
	int tmp_fd;	   /* TMP_PATH on the ESP */
	bool tmp_exists;   /* TMP_PATH is ours to remove */
};

static uint8_t chunk[INSTALL_CHUNK];

/*
 * The slot's partitions, held exclusively: nothing mounts or maps them while
 * we write. A dry run only reads them.
 */
static int open_partitions(struct install *c)
{
	const char *nodes[2] = {c->disk.root, c->disk.verity};
	int mode = c->flags & INSTALL_DRY_RUN ? O_RDONLY : O_RDWR | O_EXCL;

	for (int i = 0; i < 2; i++) {
		c->part_fd[i] = open(nodes[i], mode | O_CLOEXEC);
		if (c->part_fd[i] < 0 || ioctl(c->part_fd[i], BLKGETSIZE64, &c->part_size[i]) < 0) {
			complain("cannot open %s: %s", nodes[i], strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The bundle is the release the channel's index lists: before anything is written. */
static int as_listed(const struct install *c)
{
	if (strcmp(c->m.version, c->want->version) != 0) {
		complain("refused: the channel lists %s, the bundle is %s", c->want->version,
			 c->m.version);
		return -EPERM;
	}
	if (c->size != c->want->size) {
		complain("refused: the bundle is %llu bytes, the channel's index says %llu",
			 (unsigned long long)c->size, (unsigned long long)c->want->size);
		return -EPERM;
	}
	return 0;
}

/*
 * The manifest (LEN bytes) is the one the channel's index lists: it names
 * each payload's SHA-256, so the bundle is the listed one byte for byte
 * but for its signatures.
 */
static int manifest_listed(const struct install *c, size_t len)
{
	uint8_t sum[32];

	crypto_hash_sha256(sum, c->manifest, len);
	if (sodium_memcmp(sum, c->want->manifest_sha256, sizeof(sum)) != 0) {
		complain("refused: the bundle's manifest is not the one the channel's index lists "
			 "(its SHA-256 differs)");
		return -EBADMSG;
	}
	return 0;
}

/* Format 3: the tree fits memory and the root is whole blocks, as the tree counts them. */
static int tree_fits(const struct install *c)
{
	if (c->m.payload[PAYLOAD_VERITY].size > VTREE_TREE_MAX) {
		complain(
		    "refused: the verity tree is %llu bytes, more than the %u MiB berth-update "
		    "holds in memory",
		    (unsigned long long)c->m.payload[PAYLOAD_VERITY].size, VTREE_TREE_MAX >> 20);
		return -EFBIG;
	}
	if (c->m.payload[PAYLOAD_ROOT].size % VTREE_BLOCK) {
		complain("refused: the root payload is not whole %d-byte blocks", VTREE_BLOCK);
		return -EINVAL;
	}
	return 0;
}

/* Step 1: nothing is changed before every check here has passed. */
static int verify(struct install *c)
{
	uint8_t head[BUNDLE_HEADER_SIZE];
	struct bundle_header h;
	char err[160];
	int r, order;

	if ((r = source_read(&c->src, head, sizeof(head), "header")) < 0)
		return r;
	if (bundle_header_parse(head, &h, err, sizeof(err)) < 0) {
		complain("refused: not a berth bundle: %s", err);
		return -EINVAL;
	}
	if (h.manifest_len > sizeof(c->manifest) || h.sig_count > BUNDLE_SIGS_MAX) {
		complain("refused: not a berth bundle: header out of bounds");
		return -EINVAL;
	}
	if ((r = source_read(&c->src, c->manifest, h.manifest_len, "manifest")) < 0 ||
	    (r = source_read(&c->src, c->sigs, (size_t)h.sig_count * BUNDLE_SIG_SIZE,
			     "signatures")) < 0 ||
	    (c->want && (r = manifest_listed(c, h.manifest_len)) < 0))
		return r;
	int k = trust_verify(c->manifest, h.manifest_len, c->sigs, h.sig_count, c->keys, c->nkeys);
	if (k < 0) {
		complain("refused: no valid signature by a trusted key (%u signature%s)",
			 h.sig_count, h.sig_count == 1 ? "" : "s");
		return k;
	}
	printf("verified signature by key %s\n", c->keys[k].name);

	if (bundle_manifest_parse((const char *)c->manifest, h.manifest_len, &c->m, err,
				  sizeof(err)) < 0) {
		complain("refused: bad manifest: %s", err);
		return -EINVAL;
	}
	if (c->m.format != h.format) {
		complain("refused: not a berth bundle: the header says format %u, the signed "
			 "manifest format %u",
			 h.format, c->m.format);
		return -EINVAL;
	}
	if (strcmp(c->m.compatible, c->conf.compatible) != 0) {
		complain("refused: the bundle is for \"%s\", this machine takes \"%s\"",
			 c->m.compatible, c->conf.compatible);
		return -EPERM;
	}
	c->size = BUNDLE_HEADER_SIZE + h.manifest_len + (uint64_t)h.sig_count * BUNDLE_SIG_SIZE;
	if (c->src.ranged && (r = remote_layout(&c->src.remote, &c->m, c->size)) < 0)
		return r;
	for (int p = 0; p < BUNDLE_PAYLOADS; p++)
		c->size += c->m.payload[p].size;
	if (c->want && (r = as_listed(c)) < 0)
		return r;
	if ((r = floor_read(&c->floor)) < 0)
		return r;
	if (c->m.epoch < c->floor) {
		complain("refused: %s is of security epoch %u, below this machine's floor %u (a "
			 "release of epoch %u was marked good here; --allow-downgrade does not "
			 "go below it)",
			 c->m.version, c->m.epoch, c->floor, c->floor);
		return -EPERM;
	}
	if (version_compare(c->m.version, c->boot.version, &order) < 0) {
		complain("refused: cannot compare version %s with the booted %s", c->m.version,
			 c->boot.version);
		return -EINVAL;
	}
	if (order <= 0 && !(c->flags & INSTALL_DOWNGRADE)) {
		complain("refused: %s is not newer than the booted %s (--allow-downgrade installs "
			 "it anyway)",
			 c->m.version, c->boot.version);
		return -EPERM;
	}
	for (int i = 0; i < 2; i++)
		if (c->m.payload[i].size > c->part_size[i]) {
			complain(
			    "refused: the %s payload (%llu bytes) does not fit %s (%llu bytes)",
			    bundle_payload_name((enum bundle_payload)i),
			    (unsigned long long)c->m.payload[i].size,
			    i ? c->disk.verity : c->disk.root, (unsigned long long)c->part_size[i]);
			return -EFBIG;
		}
	if (c->m.format >= 3 && (r = tree_fits(c)) < 0)
		return r;
	struct entry_name e = {.left = ENTRY_TRIES, .done = -1};
	snprintf(e.name, sizeof(e.name), "%s", c->m.name);
	snprintf(e.version, sizeof(e.version), "%s", c->m.version);
	c->release = e;
	c->release.left = -1;
	if (entry_format(&e, c->entry, sizeof(c->entry)) < 0) {
		complain("refused: \"%s_%s\" cannot name a boot entry", c->m.name, c->m.version);
		return -EINVAL;
	}
	return 0;
}

static char target_slot(const struct install *c)
{
	return c->boot.slot == 'a' ? 'b' : 'a';
}

static enum bundle_payload target_uki(const struct install *c)
{
	return target_slot(c) == 'a' ? PAYLOAD_UKI_A : PAYLOAD_UKI_B;
}

/* What SIZE bytes take in blocks of UNIT bytes, or UINT64_MAX when that does not fit. */
static uint64_t round_up(uint64_t size, uint64_t unit)
{
	uint64_t blocks = size / unit + (size % unit != 0);

	return blocks > UINT64_MAX / unit ? UINT64_MAX : blocks * unit;
}

/* Checks before the first change to the ESP: they can still refuse with nothing touched. */
static int esp_check(struct install *c)
{
	char counted[ENTRY_FILE_MAX];
	struct statvfs vfs;
	uint64_t freed = 0;
	int r = booted_counted_entry(counted, sizeof(counted));

	if (r < 0 && r != -ENOENT)
		return r;
	for (size_t i = 0; i < c->esp.n; i++) {
		const struct esp_entry *e = &c->esp.e[i];
		/* Replacing the other slot's only good entry while this boot is on trial. */
		if (r == 0 && strcasecmp(e->file, counted) == 0) {
			complain(
			    "refused: the booted entry %s is not marked good yet (berth-update "
			    "mark-good, or rollback)",
			    e->file);
			return -EPERM;
		}
		if (e->slot == target_slot(c))
			freed += e->bytes;
		else if (e->named && entry_same_release(&e->n, &c->release)) {
			/* Once marked good, the new entry would be renamed onto this file. */
			complain("refused: %s (slot %c) on the ESP is the same release as "
				 "%s_%s (FAT ignores letter case): marked good, the new entry "
				 "would take its name",
				 e->file, e->slot ? e->slot : '?', c->m.name, c->m.version);
			return -EEXIST;
		}
	}
	if (statvfs(ESP_MOUNT, &vfs) < 0) {
		complain("cannot stat the ESP: %s", strerror(errno));
		return -errno;
	}
	/* The file system's own numbers: no sum of them comes near 2^64. */
	uint64_t room = (uint64_t)vfs.f_bavail * vfs.f_frsize + freed;
	uint64_t need = round_up(c->m.payload[target_uki(c)].size, vfs.f_frsize);
	if (room < need) {
		complain("refused: the ESP has %llu bytes free, the UKI needs %llu",
			 (unsigned long long)room, (unsigned long long)need);
		return -ENOSPC;
	}
	return 0;
}

/* Step 2: no entry may point at the slot while it is half written. */
static int remove_entries(struct install *c)
{
	int r;

	if ((r = esp_mount(c->disk.esp, true)) < 0)
		return r;
	c->esp_mounted = true;
	/* A temporary file left by an interrupted install. */
	if (unlink(TMP_PATH) < 0 && errno != ENOENT) {
		complain("cannot remove " TMP_PATH ": %s", strerror(errno));
		return -errno;
	}
	if ((r = esp_scan(&c->esp)) < 0 || (r = esp_check(c)) < 0)
		return r;
	for (size_t i = 0; i < c->esp.n; i++) {
		char path[PATH_MAX_ENTRY];
		const struct esp_entry *e = &c->esp.e[i];
		if (e->slot != target_slot(c))
			continue;
		if ((r = pathf(path, sizeof(path), ENTRY_DIR "/%s", e->file)) < 0)
			return r;
		if (unlink(path) < 0) {
			complain("cannot remove %s: %s", path, strerror(errno));
			return -errno;
		}
		printf("removed entry %s\n", e->file);
	}
	if ((r = sync_dir(ENTRY_DIR)) < 0) {
		complain("cannot sync " ENTRY_DIR ": %s", strerror(-r));
		return r;
	}
	/* Not mounted while the slot is written, so status can read the ESP meanwhile. */
	c->esp_mounted = false;
	return esp_umount();
}

/* Step 3 for one payload: into OUT, its SHA-256 into SUM; logs. */
static int copy_payload(struct install *c, enum bundle_payload p, int out, uint8_t sum[32])
{
	const char *what = bundle_payload_name(p);
	uint64_t size = c->m.payload[p].size, done = 0;
	crypto_hash_sha256_state st;
	int r;

	crypto_hash_sha256_init(&st);
	while (done < size) {
		size_t n = size - done < INSTALL_CHUNK ? (size_t)(size - done) : INSTALL_CHUNK;
		if ((r = source_read(&c->src, chunk, n, what)) < 0)
			return r;
		crypto_hash_sha256_update(&st, chunk, n);
		if ((r = write_all(out, chunk, n)) < 0) {
			complain("cannot write the %s payload: %s", what, strerror(-r));
			return r;
		}
		done += n;
		if (done % (16 * INSTALL_CHUNK) == 0 || done == size)
			progress(c->tty, what, done, size);
	}
	crypto_hash_sha256_final(&st, sum);
	if (c->tty)
		printf("\r\033[K");
	return 0;
}

static bool sum_signed(const struct install *c, enum bundle_payload p, const uint8_t sum[32])
{
	return sodium_memcmp(sum, c->m.payload[p].sha256, 32) == 0;
}

static int signed_sum(const struct install *c, enum bundle_payload p, const uint8_t sum[32])
{
	if (!sum_signed(c, p, sum)) {
		complain("refused: the %s payload does not match its signed SHA-256",
			 bundle_payload_name(p));
		return -EBADMSG;
	}
	return 0;
}

static int stream_payload(struct install *c, enum bundle_payload p, int out)
{
	uint8_t sum[32];
	int r = copy_payload(c, p, out, sum);

	return r < 0 ? r : signed_sum(c, p, sum);
}

/*
 * Format 3's first payload: the verity tree into memory, checked against its
 * signed SHA-256 and, block by block, against the signed root hash. A ranged
 * download then plans where the root's blocks come from. Logs.
 */
static int take_tree(struct install *c)
{
	size_t size = (size_t)c->m.payload[PAYLOAD_VERITY].size;
	uint8_t roothash[VTREE_DIGEST];
	uint64_t bad = 0;
	int r;

	c->tree_fd = memfd_create("berth-update-tree", MFD_CLOEXEC);
	if (c->tree_fd < 0) {
		complain("cannot hold the verity tree in memory: %s", strerror(errno));
		return -errno;
	}
	if ((r = stream_payload(c, PAYLOAD_VERITY, c->tree_fd)) < 0)
		return r;
	void *map = size ? mmap(NULL, size, PROT_READ, MAP_SHARED, c->tree_fd, 0) : MAP_FAILED;
	if (map == MAP_FAILED) {
		complain("cannot read the verity tree back from memory: %s",
			 size ? strerror(errno) : "it is empty");
		return size ? -errno : -EINVAL;
	}
	c->tree_map = map;
	sodium_hex2bin(roothash, sizeof(roothash), c->m.roothash, 64, NULL, NULL, NULL);
	r = vtree_open(&c->tree, c->tree_map, size, c->m.payload[PAYLOAD_ROOT].size / VTREE_BLOCK,
		       c->m.salt, c->m.saltlen, roothash, vtree_sha256, &bad);
	if (r == -EBADMSG)
		complain("refused: the verity tree's hash block %llu does not lead to the signed "
			 "root hash",
			 (unsigned long long)bad);
	else if (r < 0)
		complain("refused: the verity tree does not describe the root payload with the "
			 "signed salt");
	if (r < 0)
		return r;
	if (c->src.ranged)
		remote_plan(&c->src.remote, &c->tree);
	return 0;
}

/* The tree, checked, to the slot: before the root, as the kernel's reads will need it. Logs. */
static int stream_tree(struct install *c)
{
	size_t size = (size_t)c->m.payload[PAYLOAD_VERITY].size;
	int r = take_tree(c);

	if (r < 0)
		return r;
	if ((r = write_all(c->part_fd[PAYLOAD_VERITY], c->tree_map, size)) < 0) {
		complain("cannot write the verity payload: %s", strerror(-r));
		return r;
	}
	printf("wrote verity %zu bytes (the tree leads to the signed root hash)\n", size);
	return 0;
}

/* Where payload P starts in the bundle. */
static uint64_t payload_at(const struct install *c, enum bundle_payload p)
{
	const enum bundle_payload *order = bundle_payload_order(c->m.format);
	uint64_t at = c->size;

	for (int i = 0; i < BUNDLE_PAYLOADS; i++)
		at -= c->m.payload[i].size;
	for (int i = 0; order[i] != p; i++)
		at += c->m.payload[order[i]].size;
	return at;
}

/*
 * Over Range requests: the booted slot's UKI, whose kernel and initramfs the
 * new UKI likely shares (remote_uki). Without it the UKI is fetched whole.
 */
static void old_uki_load(struct install *c)
{
	uint8_t *old;
	ssize_t n = booted_uki_read(&c->boot, c->disk.esp, &old);

	if (n < 0) {
		printf("no UKI delta: the booted UKI cannot be read (%s); fetching the UKI whole\n",
		       strerror((int)-n));
		return;
	}
	c->old_uki = old;
	c->old_uki_len = (size_t)n;
}

/*
 * The target slot's UKI P into memory. Over Range requests the sections the
 * booted UKI has alike come from there; when the UKI then does not match its
 * signed SHA-256 (a guess gone wrong), it is fetched again, whole. Logs.
 */
static int stream_uki(struct install *c, enum bundle_payload p)
{
	uint64_t at = payload_at(c, p);
	uint8_t sum[32];
	int r, guessed = c->src.ranged ? remote_uki(&c->src.remote, at, c->m.payload[p].size,
						    c->old_uki, c->old_uki_len)
				       : 0;

	if (guessed <= 0)
		return guessed < 0 ? guessed : stream_payload(c, p, c->uki_fd);
	if ((r = copy_payload(c, p, c->uki_fd, sum)) < 0)
		return r;
	if (sum_signed(c, p, sum))
		return 0;
	printf("UKI: the booted UKI's sections are not the new one's: fetching it whole\n");
	remote_refetch(&c->src.remote, at);
	if (ftruncate(c->uki_fd, 0) < 0 || lseek(c->uki_fd, 0, SEEK_SET) < 0) {
		complain("cannot hold the UKI in memory: %s", strerror(errno));
		return -errno;
	}
	return stream_payload(c, p, c->uki_fd);
}

/*
 * Format 3's root: its blocks are covered by the signed root hash through the
 * tree, which the payload's SHA-256 adds nothing to; root_copy reads it back.
 */
static int copy_root(struct install *c)
{
	struct root_job job = {&c->src, c->disk.root, &c->tree, c->m.payload[PAYLOAD_ROOT].size,
			       c->tty};
	int r = root_copy(&job);

	if (r == 0 && c->tty)
		printf("\r\033[K");
	return r;
}

static int stream_payloads(struct install *c)
{
	const enum bundle_payload *order = bundle_payload_order(c->m.format);
	int r;

	/*
	 * The UKI waits in memory (esp_check made sure the ESP has room for
	 * it): a bundle refused while streaming leaves the ESP as step 2 left it.
	 */
	c->uki_fd = memfd_create("berth-update-uki", MFD_CLOEXEC);
	if (c->uki_fd < 0) {
		complain("cannot hold the UKI in memory: %s", strerror(errno));
		return -errno;
	}
	for (int i = 0; i < BUNDLE_PAYLOADS; i++) {
		enum bundle_payload p = order[i];
		int out = p < 2 ? c->part_fd[p] : p == target_uki(c) ? c->uki_fd : -1;
		if (p == PAYLOAD_VERITY && c->m.format >= 3) {
			if ((r = stream_tree(c)) < 0)
				return r;
			continue;
		}
		/*
		 * The other slot's UKI: nothing keeps it, so nothing checks it. Over
		 * Range requests it stays on the server.
		 */
		if (out < 0) {
			if ((r = source_skip(&c->src, c->m.payload[p].size,
					     bundle_payload_name(p))) < 0)
				return r;
			printf("skipped %s %llu bytes (for the other slot: not %s)\n",
			       bundle_payload_name(p), (unsigned long long)c->m.payload[p].size,
			       c->src.ranged ? "fetched" : "kept");
			continue;
		}
		if (p == PAYLOAD_ROOT && c->tree_map)
			r = copy_root(c);
		else
			r = out == c->uki_fd ? stream_uki(c, p) : stream_payload(c, p, out);
		if (r < 0)
			return r;
		if (p == PAYLOAD_ROOT && c->tree_map)
			printf("wrote root %llu bytes (each block checked before it was written, "
			       "read back)\n",
			       (unsigned long long)c->m.payload[p].size);
		else
			printf("wrote %s %llu bytes\n", bundle_payload_name(p),
			       (unsigned long long)c->m.payload[p].size);
	}
	if ((r = source_end(&c->src)) < 0)
		return r;
	return source_close(&c->src, false);
}

/*
 * Step 3, last: the target slot's UKI must boot that slot over the root just
 * written, or the new entry would start another root, or none. Logs.
 */
static int check_uki(struct install *c)
{
	size_t size = (size_t)c->m.payload[target_uki(c)].size;
	char err[256];

	if (size) {
		void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, c->uki_fd, 0);
		if (map == MAP_FAILED) {
			complain("cannot read the UKI back from memory: %s", strerror(errno));
			return -errno;
		}
		c->uki = map;
	}
	if (uki_check(c->uki, size, target_slot(c), c->m.roothash, err, sizeof(err)) < 0) {
		complain("refused: the bundle's UKI for slot %c does not boot its root: %s",
			 target_slot(c), err);
		return -EINVAL;
	}
	return 0;
}

/* Step 4: the slot as the disk has it, not as the page cache remembers it; logs. */
static int read_back(struct install *c)
{
	const char *nodes[2] = {c->disk.root, c->disk.verity};

	/* Format 3's root was read back as it was written (root_copy). */
	for (int i = c->tree_map ? PAYLOAD_VERITY : PAYLOAD_ROOT; i < 2; i++) {
		int fd = c->part_fd[i];
		uint64_t size = c->m.payload[i].size;
		crypto_hash_sha256_state st;
		uint8_t sum[32];

		if (fsync(fd) < 0 || ioctl(fd, BLKFLSBUF, 0) < 0) {
			complain("cannot flush %s: %s", nodes[i], strerror(errno));
			return -errno;
		}
		crypto_hash_sha256_init(&st);
		for (uint64_t off = 0; off < size;) {
			size_t n =
			    size - off < INSTALL_CHUNK ? (size_t)(size - off) : INSTALL_CHUNK;
			ssize_t got = pread_full(fd, chunk, n, (off_t)off);
			if (got < (ssize_t)n) {
				complain("cannot read back %s: %s", nodes[i],
					 got < 0 ? strerror((int)-got) : "short read");
				return got < 0 ? (int)got : -EIO;
			}
			crypto_hash_sha256_update(&st, chunk, n);
			off += n;
		}
		crypto_hash_sha256_final(&st, sum);
		if (sodium_memcmp(sum, c->m.payload[i].sha256, sizeof(sum)) != 0) {
			complain("%s reads back different from what was written", nodes[i]);
			return -EIO;
		}
	}
	printf("read back ok\n");
	return 0;
}

/*
 * Under Secure Boot, firmware refuses an unsigned UKI, and nothing would then
 * run to count the failed try: an unsigned release would leave the machine
 * at the firmware's prompt. Who signed it only firmware can tell (db); that
 * it is signed at all is checked here, before the entry exists. Logs.
 */
static int check_signed(struct install *c)
{
	uint64_t size = c->m.payload[target_uki(c)].size;
	int r = secure_boot_on();

	if (r <= 0)
		return r;
	r = pe_signed(c->uki, (size_t)size, size);
	if (r == 0) {
		complain("refused: Secure Boot is on and the bundle's UKI is not signed; firmware "
			 "would not start it");
		return -EPERM;
	}
	if (r < 0)
		complain("refused: the bundle's UKI is not a PE file firmware could start");
	return r < 0 ? -EINVAL : 0;
}

/* Step 5, first half: the checked UKI from memory into TMP_PATH on the ESP, synced. */
static int write_uki(struct install *c)
{
	int r;

	c->tmp_fd = open(TMP_PATH, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (c->tmp_fd < 0) {
		complain("cannot create " TMP_PATH ": %s", strerror(errno));
		return -errno;
	}
	c->tmp_exists = true;
	r = write_all(c->tmp_fd, c->uki, (size_t)c->m.payload[target_uki(c)].size);
	if (r < 0) {
		complain("cannot write " TMP_PATH ": %s", strerror(-r));
		return r;
	}
	if (fsync(c->tmp_fd) < 0 || close(c->tmp_fd) < 0) {
		c->tmp_fd = -1;
		complain("cannot write " TMP_PATH ": %s", strerror(errno));
		return -errno;
	}
	c->tmp_fd = -1;
	return 0;
}

/*
 * Step 5, before the entry exists: a release above the security floor is
 * recorded, so that marking it good raises the floor (epoch.h).
 */
static int record_epoch(struct install *c)
{
	struct epoch_pending p = {.epoch = c->m.epoch};

	if (c->m.epoch <= c->floor)
		return 0;
	memcpy(p.roothash, c->m.roothash, sizeof(p.roothash));
	return floor_pending_write(&p);
}

/* Step 5: the entry appears whole, in one rename, or not at all. */
static int add_entry(struct install *c)
{
	int r;

	if ((r = esp_mount(c->disk.esp, true)) < 0)
		return r;
	c->esp_mounted = true;
	if ((r = write_uki(c)) < 0 || (r = esp_rename(TMP_NAME, c->entry)) < 0)
		return r;
	c->tmp_exists = false;
	c->esp_mounted = false;
	if ((r = esp_umount()) < 0)
		return r;
	printf("installed %s\n", c->entry);
	return 0;
}

/* --dry-run, after step 1: what the install would fetch, learnt from the tree; nothing written. */
static int dry_run(struct install *c)
{
	uint64_t would = c->size;
	int r;

	if (c->src.ranged) {
		/* Format 3's tree comes first: the plan needs it. */
		if (c->m.format >= 3 && (r = take_tree(c)) < 0)
			return r;
		enum bundle_payload uki = target_uki(c),
				    other = uki == PAYLOAD_UKI_A ? PAYLOAD_UKI_B : PAYLOAD_UKI_A;
		if ((r = remote_uki(&c->src.remote, payload_at(c, uki), c->m.payload[uki].size,
				    c->old_uki, c->old_uki_len)) < 0)
			return r;
		would = c->src.remote.fetched + remote_pending(&c->src.remote, payload_at(c, other),
							       c->m.payload[other].size);
	}
	printf("dry run: installing %s would fetch %llu of the bundle's %llu bytes (%.1f%%); "
	       "nothing was written\n",
	       c->m.version, (unsigned long long)would, (unsigned long long)c->size,
	       100.0 * (double)would / (double)c->size);
	return 0;
}

int install(const char *source, unsigned flags, const struct expect *want)
{
	static struct install c;
	bool dry = flags & INSTALL_DRY_RUN;
	int r;

	c.flags = flags;
	c.want = want;
	c.tty = isatty(STDOUT_FILENO);
	c.part_fd[0] = c.part_fd[1] = c.uki_fd = c.tree_fd = c.tmp_fd = c.src.fd = -1;
	/* Whoever reads our output going away must not kill us half way through a write. */
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		complain("libsodium failed to start");
		return -EIO;
	}
	if ((!dry && (r = take_lock()) < 0) || (r = load_conf(&c.conf)) < 0 ||
	    (r = load_keys(c.keys, &c.nkeys)) < 0 || (r = boot_probe(&c.boot)) < 0 ||
	    (r = disk_probe(&c.boot, &c.disk)) < 0 || (r = open_partitions(&c)) < 0 ||
	    (r = private_mounts()) < 0 ||
	    (r = source_open(&c.src, source, &c.disk, c.boot.roothash, c.part_fd[0])) < 0)
		goto out;
	if ((r = verify(&c)) < 0)
		goto out;
	if (c.src.ranged)
		old_uki_load(&c);
	if (dry) {
		r = dry_run(&c);
		goto out;
	}
	if ((r = remove_entries(&c)) < 0 || (r = stream_payloads(&c)) < 0 ||
	    (r = check_uki(&c)) < 0 || (r = read_back(&c)) < 0 || (r = check_signed(&c)) < 0 ||
	    (r = record_epoch(&c)) < 0)
		goto out;
	r = add_entry(&c);
out:
	if (c.uki)
		munmap((void *)c.uki, (size_t)c.m.payload[target_uki(&c)].size);
	if (c.uki_fd >= 0)
		close(c.uki_fd);
	free(c.old_uki);
	c.old_uki = NULL;
	if (c.tree_map)
		munmap((void *)c.tree_map, (size_t)c.m.payload[PAYLOAD_VERITY].size);
	if (c.tree_fd >= 0)
		close(c.tree_fd);
	if (c.tmp_fd >= 0)
		close(c.tmp_fd);
	if (c.tmp_exists && unlink(TMP_PATH) == 0)
		sync_dir(ENTRY_DIR);
	if (c.esp_mounted)
		esp_umount();
	source_close(&c.src, true);
	for (int i = 0; i < 2; i++)
		if (c.part_fd[i] >= 0)
			close(c.part_fd[i]);
	return r;
}
