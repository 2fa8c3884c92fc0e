/*
 * Key files as `berth keygen` writes them: the key's bytes in lower-case
 * hex and a newline. PREFIX.pub holds an Ed25519 public key, PREFIX.key
 * libsodium's secret key (the 32-byte seed, then the public key). Pure C:
 * berth-update reads /etc/berth/keys/ with it too.
 */
#ifndef BERTH_KEYFILE_H
#define BERTH_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define KEYFILE_PUBLIC 32 /* bytes */
#define KEYFILE_SECRET 64

/*
 * PATH, relative to DIRFD (or AT_FDCWD), as a key of LEN bytes into KEY.
 * 0; -EINVAL when it is not such a key file (WHY says how); or the -errno
 * of opening or reading it.
 */
int keyfile_read(int dirfd, const char *path, uint8_t *key, size_t len, const char **why);

#endif
