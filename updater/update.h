/* berth-update: declarations shared by its source files. */
#ifndef BERTH_UPDATE_H
#define BERTH_UPDATE_H

#include <netinet/in.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"
#include "channelconf.h"
#include "contract.h"
#include "entry.h"
#include "epoch.h"
#include "fileio.h"
#include "remote.h"
#include "trust.h"
#include "updateconf.h"

#define ENTRY_DIR ESP_MOUNT "/EFI/Linux"
#define ENTRIES_MAX 64
#define PATH_MAX_ENTRY (sizeof(ENTRY_DIR "/") + ENTRY_FILE_MAX)

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

/* log.c */
/* One "berth-update: ..." line on stderr: the reason a command failed. Keeps errno. */
__attribute__((format(printf, 1, 2))) void complain(const char *fmt, ...);
/* The last reason complain() gave, for berth-update check's record of its outcome. */
extern char complaint[512];
/* On one rewritten line of a terminal (TTY), how far WHAT has come; nothing otherwise. */
void progress(bool tty, const char *what, uint64_t done, uint64_t total);

/* config.c */
/* UPDATE_CONF into CONF; logs. */
int load_conf(struct update_conf *conf);
/* Every KEYS_DIR/NAME.pub that parses into KEYS[0..*N); a malformed one is reported and skipped. */
int load_keys(struct trusted_key keys[TRUSTED_KEYS_MAX], size_t *n);

/* boot.c: what this boot runs, from the kernel, os-release and the EFI variables. */
struct boot {
	char slot; /* 'a' or 'b' */
	char version[65];
	char roothash[65]; /* the booted root's, lower-case hex */
};
/* The booted slot and root hash (/proc/cmdline) and version (/etc/os-release); logs. */
int boot_probe(struct boot *b);
/* Asks PID 1 to reboot, our output and the file systems synced first: 0 or -errno; logs. */
int reboot_system(void);
/* Whether firmware enforces Secure Boot (EFI variable SecureBoot): 1, 0, or -errno; logs. */
int secure_boot_on(void);
/*
 * The booted entry's file name from LoaderBootCountPath: 0, -ENOENT when
 * the variable is absent (the booted entry has no counter); logs others.
 */
int booted_counted_entry(char *file, size_t len);
/* The security floor (EFIVAR_EPOCH_FLOOR): 0 when unset; logs. */
int floor_read(unsigned *floor);
/* Records P as the release installed last (EFIVAR_EPOCH_PENDING), before its entry appears; logs.
 */
int floor_pending_write(const struct epoch_pending *p);
/*
 * Raises the floor to the pending epoch when B is the release installed
 * last and its epoch is above the floor: the booted entry is being marked
 * good; logs.
 */
int floor_raise(const struct boot *b);

/* disk.c: /dev nodes of the partitions an update touches, on the disk holding the booted root. */
struct disk {
	char esp[80];
	char root[80];	 /* the target slot's */
	char verity[80]; /* the target slot's */
	char booted_root[80], booted_verity[80];
};
/* Finds them for the slot not booted, and checks the booted one backs the root; logs. */
int disk_probe(const struct boot *b, struct disk *d);

/* namespace.c */
/* A mount namespace of our own: our mounts vanish with us, even when we crash. */
int private_mounts(void);
/* At most one berth-update changing things at a time; logs. */
int take_lock(void);

/* esp.c: the ESP and its boot entries. */
/* Mounts the ESP on ESP_MOUNT, read-write after fsck.fat repaired it, or read-only; logs. */
int esp_mount(const char *node, bool writable);
int esp_umount(void);

struct esp_entry {
	char file[ENTRY_FILE_MAX];
	struct entry_name n;
	bool named; /* the file name parsed */
	char slot;  /* from the UKI's .cmdline: 'a', 'b', or 0 when unknown */
	uint64_t bytes;
};
struct esp_entries {
	struct esp_entry e[ENTRIES_MAX];
	size_t n;
};
/* Every *.efi in ENTRY_DIR, in systemd-boot's order; logs. */
int esp_scan(struct esp_entries *l);
/*
 * Index in L of the entry that was booted: COUNTED (LoaderBootCountPath's
 * file, or "") when L has it, else the booted slot's only counter-less
 * entry (of the booted version, when it has several); -ENOENT.
 */
int esp_booted(const struct esp_entries *l, const struct boot *b, const char *counted);
/*
 * Renames FROM to TO in ENTRY_DIR and syncs the folder, never onto an
 * existing file: -EEXIST when TO (in any letter case: FAT ignores it)
 * exists; logs.
 */
int esp_rename(const char *from, const char *to);
/* The slot that is not SLOT. */
char other_slot(char slot);
/* The entry systemd-boot would pick for SLOT in L, or NULL. */
const struct esp_entry *slot_entry(const struct esp_entries *l, char slot);
/*
 * The ESP's entries into L and the booted one's index into *BOOTED (or
 * -ENOENT); the ESP stays mounted (in our namespace) when WRITABLE; logs.
 */
int read_entries(const struct boot *b, bool writable, struct esp_entries *l, int *booted);
/*
 * The booted entry's UKI from the ESP (node ESP, mounted read-only while
 * read) into *OUT (malloc'ed): its length; -ENOENT when no entry is the
 * booted one, -EFBIG past BUNDLE_UKI_MAX; other errors said.
 */
ssize_t booted_uki_read(const struct boot *b, const char *esp, uint8_t **out);

/* source.c: where a bundle comes from: a file, stdin ("-") or http:// (BusyBox wget). */
struct source {
	int fd;
	pid_t wget; /* the download's process, or 0 */
	const char *name;
	bool ranged; /* read with Range requests: REMOTE */
	struct remote remote;
	int booted[2]; /* the booted slot's root and verity partitions, for REMOTE */
};
/*
 * Opens ARG as S: a file, "-" (stdin), or an http:// URL, read with Range
 * requests and the root's blocks that D's booted slot (of root hash
 * ROOTHASH) or the target slot's root TARGET_ROOT (readable, or -1) hold
 * taken from there, or downloaded whole when the server ignores Range; logs.
 */
int source_open(struct source *s, const char *arg, const struct disk *d, const char *roothash,
		int target_root);
/*
 * Closes S; with a download, waits for wget (stopping it first unless it
 * must finish) and returns -EIO when it failed; logs.
 */
int source_close(struct source *s, bool stop);
/* LEN bytes of S, WHAT naming them for the reason of a failure: 0 or -errno; logs. */
int source_read(struct source *s, void *buf, size_t len, const char *what);
/* Passes over LEN bytes of S, WHAT naming them: not fetched, or read and dropped; 0 or -errno;
 * logs. */
int source_skip(struct source *s, uint64_t len, const char *what);
/* Whether S has nothing after what was read: 0, or -EINVAL; logs. */
int source_end(struct source *s);

/* fetch.c */
/* URL (http://HOST[:PORT]/PATH) into HOST, its address and PATH; logs. */
int url_locate(const char *url, char *host, size_t hostlen, struct sockaddr_in *to,
	       const char **path);
struct fetched {
	bool unchanged;	  /* "304 Not Modified": the kept copy is still the index */
	const char *body; /* else the index, LEN bytes (valid until the next fetch) */
	size_t len;
	char validators[512]; /* the request header lines that ask whether it changed since */
	size_t bytes;	      /* of the exchange, both ways */
};
/*
 * URL's index (URL as channel_url_check() takes it), asked with the header
 * lines VALIDATORS ("" for none). 0, or -errno with the reason said.
 */
int fetch_index(const char *url, const char *validators, struct fetched *f);

/* check.c: one look at the update channel (docs/fleet.md). */
int check(void);
/* For status: the channel followed, this machine's place on it, the last check's outcome. */
struct follow {
	struct channel_conf conf;
	char place[8]; /* percent, or "" when unknown */
	char last[700];
	char next[CHANNEL_TIME_LEN + 1]; /* the next check comes by then; "" before the first */
	uint64_t serial;		 /* the kept index's, 0 for none */
};
/* -ENOENT when the machine follows no channel; other errors said. */
int follow_read(struct follow *f);

/* install.c */
/* What a channel's index says of a bundle (check.c): install() refuses one that differs. */
struct expect {
	const char *version;
	uint64_t size;
	uint8_t manifest_sha256[32];
};
enum {
	INSTALL_DOWNGRADE =
	    1,		     /* a release not newer than the booted one too (not below the floor) */
	INSTALL_DRY_RUN = 2, /* verify and say what would be fetched; change nothing */
};
/* The bundle at SOURCE into the slot not booted, as FLAGS say; WANT (may be NULL) as above. */
int install(const char *source, unsigned flags, const struct expect *want);
/* What the install reads, checks and writes at a time. */
#define INSTALL_CHUNK (1u << 20)

/* rootcopy.c */
struct vtree;
struct root_job {
	struct source *src;
	const char *node; /* the target slot's root partition */
	const struct vtree *tree;
	uint64_t size; /* the root payload's, whole blocks */
	bool tty;
};
/*
 * Format 3's root payload, JOB's SIZE bytes of SRC, onto NODE: each chunk's
 * blocks checked against TREE before it is written, chunks written in order
 * (nothing from a refused chunk on), each read back from the disk and
 * compared, then synced. 0 or -errno; logs.
 */
int root_copy(const struct root_job *job);

#endif
