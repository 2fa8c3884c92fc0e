/* The build manifest (a YAML file under manifests/), parsed with libyaml. */
#ifndef BERTH_MANIFEST_H
#define BERTH_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_ERR_MAX 512
#define MANIFEST_MAX_PACKAGES 256
#define MANIFEST_MAX_FILES 64
#define MANIFEST_MAX_REMOVE 64

/* rootfs.files: copy SRC (relative to the manifest's folder) to DST in the image. */
struct manifest_file {
	char src[1024]; /* as written in the manifest: relative, no "..", exists */
	char dst[1024]; /* absolute path in the image */
	unsigned mode;	/* permission bits, e.g. 0644; for a directory, of the files in it */
	unsigned uid, gid;
};

struct manifest {
	char name[33];	  /* [a-z0-9][a-z0-9-]*, used in file names */
	char version[65]; /* MAJOR.MINOR.PATCH[-PRERELEASE], see manifest.c */
	struct {
		char package[129]; /* Debian package, e.g. linux-image-amd64 */
		char cmdline[1025];
	} kernel;
	char channel[33]; /* OSTree ref berth/<name>/<arch>/<channel>; default "stable" */
	struct {
		char hostname[65];
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
	} signing;
	struct {
		/* bytes, each a whole number of MiB */
		uint64_t esp, root, verity, data;
	} disk;
	struct {
		char shell[33]; /* tty for a root shell (test images only), "" = none */
	} debug;
};

/*
 * Parse and validate PATH into *M. Returns 0, -EINVAL when the manifest is
 * bad (ERR then holds "path:line:col: message"), or another -errno when it
 * cannot be read (ERR says why).
 */
int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen);

/* "64M", "1G", "4096K", "1048576" -> bytes. Returns 0 or -EINVAL. */
int manifest_parse_size(const char *s, uint64_t *bytes);

/* 0 when S is a valid image name (the manifest's `name`), -EINVAL otherwise. */
int manifest_check_name(const char *s);

/* 0 when S is a valid version string, -EINVAL otherwise. */
int manifest_check_version(const char *s);

#endif
