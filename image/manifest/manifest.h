/* The build manifest (a YAML file under manifests/), parsed with libyaml. */
#ifndef BERTH_MANIFEST_H
#define BERTH_MANIFEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channelconf.h"
#include "contract.h"

#define MANIFEST_ERR_MAX 512
#define MANIFEST_MAX_PACKAGES 256
#define MANIFEST_MAX_FILES 64
#define MANIFEST_MAX_REMOVE 64
#define MANIFEST_MAX_MODULES 128
#define MODULE_GLOB_MAX 128    /* a kernel.modules glob's bytes */
#define MANIFEST_MAX_FORMATS 6 /* disk.formats: each known one once */

/* rootfs.files: copy SRC (relative to the manifest's folder) to DST in the image. */
struct manifest_file {
	char src[1024]; /* as written in the manifest: relative, no "..", exists */
	/* SRC with every symlink resolved: absolute, under the manifest's folder */
	char path[PATH_MAX];
	char dst[1024]; /* absolute path in the image */
	unsigned mode;	/* permission bits, e.g. 0644; for a directory, of the files in it */
	unsigned uid, gid;
};

/* network.interfaces[].routes[] */
struct manifest_route {
	char to[50];  /* CIDR; "default" is stored as 0.0.0.0/0 or ::/0 (the family of via) */
	char via[46]; /* gateway address; "" for an on-link route */
};

/* network.interfaces[]: interfaces not listed use DHCP. */
struct manifest_interface {
	char name[IFNAME_MAX_LEN + 1]; /* kernel interface name */
	bool dhcp;		       /* default: true when no addresses are given */
	size_t n_addresses;
	char addresses[ADDRS_MAX][50]; /* CIDR, IPv4 or IPv6, as written */
	size_t n_routes;
	struct manifest_route routes[ROUTES_MAX];
};

/* binds[]: "SRC:DST[:ro|:rw]" */
struct manifest_bind {
	char src[256]; /* absolute, under /var/ */
	char dst[256]; /* absolute, in the container */
	bool ro;
};

/* An onboot: or services: entry. */
struct manifest_container {
	bool service;		     /* false: onboot (run once, in order) */
	char name[NAME_MAX_LEN + 1]; /* id_valid, unique among all containers */
	char image[1024];	     /* OCI image archive, relative to the manifest's folder */
	char digest[65];	     /* hex SHA-256 of the archive's index.json */
	enum net network;
	enum runtime runtime; /* default crun */
	size_t n_command;     /* 0: the image's ENTRYPOINT and CMD */
	char command[ARGS_MAX][256];
	size_t n_env;
	char env[ENV_MAX][256]; /* KEY=VALUE */
	size_t n_binds;
	struct manifest_bind binds[BINDS_MAX];
	/* Services only. */
	enum restart restart;
	bool critical;
	struct {
		enum probe probe;
		unsigned port;	/* http, tcp */
		char path[256]; /* http; default "/" */
		size_t n_exec;
		char exec[ARGS_MAX][256]; /* exec: argv run in the container */
	} health;
};

/* update.keys[]: a public key the image trusts for update bundles. */
struct manifest_key {
	char path[1024]; /* as written: relative to the manifest's folder, no ".." */
	uint8_t key[32]; /* the Ed25519 public key the file holds */
};

struct manifest {
	char name[NAME_MAX_LEN + 1]; /* name_valid: used in file names */
	char version[65];	     /* MAJOR.MINOR.PATCH[-PRERELEASE], see manifest_rules.c */
	struct {
		char package[129]; /* Debian package, e.g. linux-image-amd64 or linux-source-6.1 */
		char cmdline[1025];
		/* Debian's kernel package, or built from kernel-config/ (docs/kernel.md) */
		enum { KERNEL_SOURCE_DEBIAN, KERNEL_SOURCE_CONFIG } source;
		/*
		 * kernel.modules: globs over module paths relative to
		 * /lib/modules/<release>/kernel/ (mf_check_module_glob). Without
		 * the key, the default set kernel-config/modules (image/modset.c);
		 * an empty list: no module at all.
		 */
		bool modules_given;
		size_t n_modules;
		char modules[MANIFEST_MAX_MODULES][MODULE_GLOB_MAX + 1];
	} kernel;
	/* id_valid; OSTree ref berth/<name>/<arch>/<channel>; default "stable" */
	char channel[NAME_MAX_LEN + 1];
	struct {
		char hostname[65]; /* "" = none: berth-init derives one from the machine id */
		size_t n_packages;
		char packages[MANIFEST_MAX_PACKAGES][129]; /* Debian package names */
		size_t n_files;
		struct manifest_file files[MANIFEST_MAX_FILES];
		size_t n_remove;
		char remove[MANIFEST_MAX_REMOVE]
			   [256]; /* shell globs, absolute paths in the image */
	} rootfs;
	struct {
		char gpg_key[129]; /* OSTree commits are GPG-signed with this key id; "" = unsigned
				    */
		char gpg_homedir[1024]; /* optional, relative to the manifest's folder */
		/* `berth keygen --secure-boot`'s PREFIX, relative; "" = no Secure Boot signing */
		char secure_boot[1024];
		char verity_key[1024]; /* PREFIX of PREFIX.key, PREFIX.crt; relative; "" = none */
	} signing;
	struct {
		/* bytes, each a whole number of MiB */
		uint64_t esp, root, verity, data;
		/* disk.formats as written: raw, qcow2, vhd, vmdk, gce, raw.zst (disk.raw is
		 * written whatever it says) */
		size_t n_formats;
		char formats[MANIFEST_MAX_FORMATS][32];
	} disk;
	struct {
		char shell[33]; /* tty for a root shell (test images only), "" = none */
	} debug;
	struct {
		size_t n_interfaces;
		struct manifest_interface interfaces[IFACES_MAX];
		size_t n_dns;
		char dns[DNS_MAX][46]; /* IPv4 or IPv6 addresses */
	} network;
	/* onboot: and services: entries in the order the file has them. */
	size_t n_containers;
	struct manifest_container containers[CONTAINERS_MAX];
	struct {
		/*
		 * provision.sources: where berth-provision looks for user data,
		 * in this order; without the key every config drive (nocloud,
		 * config-2), the metadata services only when named.
		 */
		size_t n_sources;
		char sources[PROVISION_SOURCES_MAX][16]; /* provision_source_words */
		/* provision_address_parse; "" = the clouds' own addresses */
		char address[32];
	} provision;
	struct {
		/* compatible_valid; default "<name>-x86_64" */
		char compatible[COMPATIBLE_MAX_LEN + 1];
		size_t n_keys; /* 0 (no update: section): the image accepts no bundle */
		struct manifest_key keys[UPDATE_KEYS_MAX];
		char signing_key[1024];	  /* secret key file, relative; "" = write no bundle */
		unsigned health_deadline; /* seconds, health_deadline_parse: the boot health gate */
		unsigned security_epoch;  /* security_epoch_parse; in the bundle (lib/bundle.h) */
		/*
		 * update.channel, check_interval, reboot: what CHANNEL_CONF says
		 * (lib/channelconf.h); url "" = the image follows no channel.
		 */
		struct channel_conf channel;
	} update;
};

/*
 * Parse and validate PATH into *M. Returns 0, -EINVAL when the manifest is
 * bad (ERR then holds "path:line:col: message"), or another -errno when it
 * cannot be read (ERR says why). A bad manifest leaves *M as it was.
 */
int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen);

/*
 * manifest_load of the LEN bytes at TEXT as the manifest PATH: PATH names
 * it in messages, and its folder is where the manifest's relative file
 * names are looked up. Returns as manifest_load.
 */
int manifest_load_text(const char *path, const char *text, size_t len, struct manifest *m,
		       char *err, size_t errlen);

/*
 * User data (docs/provision.md): what one machine sets for itself, with
 * the manifest's field names. M holds what it sets: rootfs.hostname
 * ("" = none), network (when NETWORK), the services it gives
 * environment to (containers[]: name and env, the image's variables
 * included, the user data's replacing those of the same name), and the
 * update channel settings (update.channel, when CHANNEL).
 */
struct userdata {
	struct manifest m;
	bool network; /* it has a network: section, which replaces the image's */
	/* it sets update.channel, check_interval or reboot: m.update.channel, the image's for the
	 * rest */
	bool channel;
};

/*
 * Checks the LEN bytes at TEXT as user data for IMAGE (its containers:
 * name, service and env are read; and update.channel, which the user
 * data's keys override) into *UD, PATH naming it in messages.
 * Returns as manifest_load: -EINVAL with ERR "path:line:col: message".
 */
int userdata_load_text(const char *path, const char *text, size_t len, const struct manifest *image,
		       struct userdata *ud, char *err, size_t errlen);

/* "64M", "1G", "4096K", "1048576" -> bytes. Returns 0 or -EINVAL. */
int manifest_parse_size(const char *s, uint64_t *bytes);

/* 0 when S is a valid image name (the manifest's `name`), -EINVAL otherwise. */
int manifest_check_name(const char *s);

/* 0 when S is a valid version string, -EINVAL otherwise. */
int manifest_check_version(const char *s);

#endif
