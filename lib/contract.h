/*
 * The contract between `berth build` and the programs on the device: the
 * paths of the files the build writes into the image and the run-time
 * places both device programs use, the keywords of the generated conf
 * files, the limits and the rules for names. The writer (image/) and every
 * reader (init/, updater/) include this file; nothing here is restated
 * anywhere else. The rest of the contract has a home of its own, shared
 * the same way: the kernel command line (lib/cmdline.h, its writer and its
 * parser), the boot entry's file name (lib/entry.h), the update bundle
 * (lib/bundle.h) and key files (lib/keyfile.h).
 * tests/unit/test_roundtrip.c feeds what the writers produce to the readers.
 */
#ifndef BERTH_CONTRACT_H
#define BERTH_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- files berth build writes into the root image ---- */
#define ETC_DIR "/etc/berth"
#define UPDATE_CONF ETC_DIR "/update.conf"
#define KEYS_DIR ETC_DIR "/keys" /* NAME.pub: the keys bundles must be signed with */
#define NETWORK_CONF ETC_DIR "/network.conf"
#define CONTAINERS_CONF ETC_DIR "/containers.conf"
#define CONSOLE_SHELL_CONF ETC_DIR "/console-shell" /* debug.shell's tty */
#define PROVISION_CONF ETC_DIR "/provision.conf"    /* provision.sources: where user data is read */
#define CHANNEL_CONF ETC_DIR "/channel.conf"	    /* update.channel: lib/channelconf.h */
#define MODULE_LIST ETC_DIR "/modules"		    /* in the initramfs: what stage 1 loads */
/* DIGEST/: a container image unpacked, its rootfs/ and IMAGE_CONF (DIGEST: CC_DIGEST's HEX) */
#define IMAGES_DIR "/usr/lib/berth/images"
#define IMAGE_CONF "image.conf"

/* ---- places the device programs share at run time ---- */
#define RUN_DIR "/run/berth"
#define ESP_MOUNT RUN_DIR "/esp"	    /* berth-update's, in its own mount namespace */
#define UPDATE_LOCK RUN_DIR "/update.lock"  /* one berth-update changing things at a time */
#define ESP_LOCK RUN_DIR "/esp.lock"	    /* the ESP mounted: shared to read, alone to write */
#define BOOT_JSON RUN_DIR "/boot.json"	    /* berth-init's boot timeline */
#define MILESTONE_DIR RUN_DIR "/milestones" /* NAME: a milestone reached by another process */
#define SECURE_BOOT_FILE RUN_DIR "/secure-boot"	 /* "SecureBoot=X SetupMode=Y" */
#define CONTAINERS_RUN_DIR RUN_DIR "/containers" /* NAME/: config.json; NAME.pid */
#define STATE_DIR "/var/lib/berth"
#define MACHINE_ID_FILE STATE_DIR "/machine-id"
#define CHANNEL_STATE_DIR STATE_DIR "/channel" /* berth-update check's: docs/fleet.md */
#define BERTH_UPDATE_BIN "/usr/sbin/berth-update"
/* berth-container (container/): berth-init runs the containers, their probes and logs with it */
#define BERTH_CONTAINER_BIN "/usr/lib/berth/berth-container"
/*
 * berth-provision (provision/): berth-init starts it when the image has
 * PROVISION_CONF. What it found for this boot, which berth-init prefers
 * over the image's own files: the hostname (one line), and network.conf
 * and containers.conf in their /etc/berth formats.
 */
#define BERTH_PROVISION_BIN "/usr/lib/berth/berth-provision"
#define RUN_HOSTNAME RUN_DIR "/hostname"
#define RUN_NETWORK_CONF RUN_DIR "/network.conf"
#define RUN_CONTAINERS_CONF RUN_DIR "/containers.conf"
#define SSH_KEYS_FILE RUN_DIR "/ssh-authorized-keys" /* meta-data's public keys, one a line */
#define RUN_CHANNEL_CONF RUN_DIR "/channel.conf"     /* user data's update channel settings */
#define PROVISION_STATE_DIR STATE_DIR "/provision"   /* user-data, meta-data: the last good */
/* How long berth-init waits for berth-provision before it kills it, ms (each of its two runs). */
#define PROVISION_TIMEOUT_MS 30000
/*
 * berth-provision's exit status when no config drive before the first
 * metadata service answered: berth-init runs it again with the argument
 * PROVISION_AFTER_NETWORK once the network is started.
 */
#define PROVISION_EXIT_NETWORK 3
#define PROVISION_AFTER_NETWORK "network"

/* ---- limits: the manifest allows no more, the device reads no more ---- */
#define NAME_MAX_LEN 32	      /* an image's name, a container's name, a channel */
#define COMPATIBLE_MAX_LEN 64 /* update.compatible */
#define CONTAINERS_MAX 16     /* onboot and services together */
#define ARGS_MAX 32	      /* a command, a health exec probe */
#define ENV_MAX 32
#define BINDS_MAX 8
#define IFACES_MAX 8
#define ADDRS_MAX 8	  /* per interface */
#define ROUTES_MAX 8	  /* per interface */
#define DNS_MAX 3	  /* resolv.conf reads no more */
#define IFNAME_MAX_LEN 15 /* IFNAMSIZ - 1 */
#define UPDATE_KEYS_MAX 8
/* update.health_deadline, seconds */
#define HEALTH_DEADLINE_MIN 10
#define HEALTH_DEADLINE_MAX 3600
#define HEALTH_DEADLINE_DEFAULT 300
/* update.security_epoch: bundles of a lower epoch than one marked good are refused */
#define SECURITY_EPOCH_MAX 65535

/* ---- update.conf: exactly these lines, in this order ---- */
#define UC_COMPATIBLE "compatible"
#define UC_HEALTH_DEADLINE "health-deadline"

/* ---- network.conf: blocks of lines, each "KEY VALUE" ---- */
#define NC_INTERFACE "interface" /* starts a block */
#define NC_DHCP "dhcp"		 /* yes | no */
#define NC_ADDRESS "address"	 /* ADDR/PREFIX */
#define NC_ROUTE "route"	 /* DEST/PREFIX [GATEWAY] */
#define NC_DNS "dns"		 /* global, after every block */

/* ---- provision.conf: a "source WORD" line per source, in the order they are tried ---- */
#define PC_SOURCE "source"
#define PC_ADDRESS "address"	/* http://IPV4[:PORT]: the metadata services' and WireServer's */
#define PROVISION_SOURCES_MAX 6 /* as many as provision_source_words has */
/* The config drives come first: without provision.sources, the first two. */
#define PROVISION_SOURCES_DEFAULT 2
enum provision_source {
	SOURCE_NOCLOUD,
	SOURCE_CONFIG_2,
	SOURCE_EC2,
	SOURCE_GCE,
	SOURCE_AZURE,
	SOURCE_OPENSTACK,
};
/* The metadata services, read over HTTP once the network is up. */
#define SOURCE_IS_HTTP(s) ((s) >= SOURCE_EC2)

/* ---- containers.conf: blocks of lines, each "KEY VALUE" ---- */
#define CC_ONBOOT "onboot"     /* starts a block: an onboot container's name */
#define CC_SERVICE "service"   /* starts a block: a service's name */
#define CC_IMAGE "image"       /* IMAGES_DIR/HEX */
#define CC_DIGEST "digest"     /* sha256:HEX */
#define CC_NETWORK "network"   /* net_words */
#define CC_RUNTIME "runtime"   /* runtime_words: the OCI runtime, /usr/bin/WORD */
#define CC_RESTART "restart"   /* restart_words; services only */
#define CC_CRITICAL "critical" /* yes | no; services only */
#define CC_HEALTH "health"     /* "http PORT PATH", "tcp PORT" or "exec"; services only */
#define CC_PROBE "probe"       /* after "health exec": one argument of the probe */
#define CC_ARG "arg"	       /* one argument of the command */
#define CC_ENV "env"	       /* KEY=VALUE */
#define CC_BIND "bind"	       /* SRC DST ro|rw */

/*
 * ---- IMAGE_CONF: what the image's OCI config gives its containers, "KEY VALUE"
 * lines; containers.conf's arg and env lines go over them ----
 */
#define IC_ARG "arg"	 /* one argument of the entrypoint and command */
#define IC_ENV "env"	 /* KEY=VALUE */
#define IC_CWD "cwd"	 /* absolute */
#define IC_USER "user"	 /* UID GID */
#define IC_TMPFS "tmpfs" /* a volume of the image: a tmpfs unless a bind covers it */
#define VOLUMES_MAX 8

enum net { NET_HOST, NET_NONE };
enum runtime { RUNTIME_CRUN, RUNTIME_RUNC };
enum restart { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NO };
enum probe { PROBE_NONE, PROBE_HTTP, PROBE_TCP, PROBE_EXEC };

/* The words of the enums above, by value; NULL after the last. */
extern const char *const net_words[];
extern const char *const runtime_words[]; /* Debian's package of each has /usr/bin/WORD */
extern const char *const restart_words[];
extern const char *const probe_words[]; /* "" for PROBE_NONE */
extern const char *const provision_source_words[];
/* S's index in WORDS (one of the lists above), or -1 when it is none of them. */
int word_index(const char *const words[], const char *s);

/* ---- names ---- */
/* An image's name: [a-z0-9][a-z0-9-]*, not ending with '-', 1 to NAME_MAX_LEN. */
bool name_valid(const char *s, size_t n);
/* A container's name or a channel: [a-z0-9][a-z0-9-]*, 1 to NAME_MAX_LEN. */
bool id_valid(const char *s, size_t n);
/* update.compatible: [a-z0-9._-], 1 to COMPATIBLE_MAX_LEN. */
bool compatible_valid(const char *s, size_t n);
/* The N bytes at S as decimal, "0" or without a leading zero, at most MAX: 0 or -EINVAL. */
int decimal_parse(const char *s, size_t n, unsigned max, unsigned *out);
/*
 * The N bytes at S as update.health_deadline: decimal seconds without a
 * leading zero, HEALTH_DEADLINE_MIN to HEALTH_DEADLINE_MAX. 0 or -EINVAL.
 */
int health_deadline_parse(const char *s, size_t n, unsigned *seconds);
/*
 * provision.address, "http://IPV4[:PORT]" (inet_pton's dotted quad; PORT
 * 1 to 65535, 80 without): NULL with *ADDR (network order) and *PORT, or
 * why not.
 */
const char *provision_address_parse(const char *s, uint32_t *addr, uint16_t *port);
/*
 * The N bytes at S as update.security_epoch: decimal, "0" or without a
 * leading zero, at most SECURITY_EPOCH_MAX. 0 or -EINVAL.
 */
int security_epoch_parse(const char *s, size_t n, unsigned *epoch);

#endif
