/*
 * What the manifest's unit tests share (manifest_fixture.c): a folder of
 * their own under /tmp, where each manifest is written and its relative
 * file names are looked up, the files made in it, and loading a manifest.
 * A test links the file and includes check.h before this one.
 */
#ifndef BERTH_MANIFEST_FIXTURE_H
#define BERTH_MANIFEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

/* Lines 1-5 of a good manifest with ROOTFS as line 4; the part under test follows. */
#define FX_BASE(rootfs)                                      \
	"name: berth\n"                                      \
	"version: 0.1.0\n"                                   \
	"kernel: {package: linux-image-amd64}\n" rootfs "\n" \
	"disk: {esp: 64M, root: 256M, verity: 16M, data: 256M}\n"

/* A good manifest in block style: lines 1-2 name and version, 3-4 kernel, 5 rootfs, 6-10 disk. */
#define KERNEL "kernel:\n  package: linux-image-amd64\n"
#define DISK "disk:\n  esp: 64M\n  root: 256M\n  verity: 16M\n  data: 256M\n"
#define MINIMAL "name: berth\nversion: 0.1.0\n" KERNEL "rootfs: {}\n" DISK

/* What the last load left: the manifest, its error message, the file's path. */
extern struct manifest m;
extern char err[MANIFEST_ERR_MAX];
extern char path[128];

/* Makes the folder /tmp/NAME.XXXXXX; every manifest fx_load writes starts with BASE. */
void fx_setup(const char *name, const char *base);
/* Removes the folder and all that is in it. */
void fx_cleanup(void);
/* perror(WHAT), then exit(1): a test without its fixture tests nothing. */
void fx_die(const char *what);
/* The path of NAME, relative to the folder, into BUF. */
void fx_at(char *buf, size_t len, const char *name);
/* Make NAME in the folder, or die. */
void fx_write(const char *name, const char *text);
void fx_mkdir(const char *name);
void fx_mkfifo(const char *name);
void fx_symlink(const char *target, const char *name);
/* Give NAME in the folder MODE, or die: a secret key must be its owner's alone. */
void fx_chmod(const char *name, unsigned mode);

/*
 * Writes BASE and YAML into the folder and loads them into m, filled with
 * 0x55 first so that what a test reads was set by the load. Returns
 * manifest_load's result; a failure's message is printed as a comment.
 */
int fx_load(const char *yaml);
/* fx_load of TEXT alone, without BASE. */
int fx_load_raw(const char *text);
/* Whether BASE and YAML fail with -EINVAL and "<path>:POS: ...SUB..." (if not, says so). */
bool fx_fails_at(const char *name, const char *yaml, const char *pos, const char *sub);
#define EXPECT_ERR(name, yaml, pos, sub) CHECK(fx_fails_at(name, yaml, pos, sub), name)

#endif
