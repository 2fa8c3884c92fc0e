/* The build manifest (a YAML file under manifests/), parsed with libyaml. */
#ifndef BERTH_MANIFEST_H
#define BERTH_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_ERR_MAX 512

struct manifest {
	char name[33];     /* [a-z0-9][a-z0-9-]*, used in file names */
	char version[65];  /* MAJOR.MINOR.PATCH[-PRERELEASE], see manifest.c */
	struct {
		char package[129]; /* Debian package, e.g. linux-image-amd64 */
		char cmdline[1025];
	} kernel;
	struct {
		char hostname[65];
	} rootfs;
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

/* 0 when S is a valid version string, -EINVAL otherwise. */
int manifest_check_version(const char *s);

#endif
