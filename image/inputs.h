/* Hashing a stage's inputs (SHA-256, libsodium) to decide whether it must run again. */
#ifndef BERTH_INPUTS_H
#define BERTH_INPUTS_H

#include <sodium.h>

struct inputs {
	crypto_hash_sha256_state st;
};

void inputs_init(struct inputs *in, const char *stage);
/* A named value; NULL counts as unset, distinct from "". */
void inputs_add(struct inputs *in, const char *name, const char *value);
/*
 * The file or folder PATH names (through a symlink too), a folder
 * recursively, in sorted order: names, modes, symlink targets (inside a
 * folder) and contents; mtimes are not inputs. Returns 0 or -errno, logged.
 */
int inputs_add_path(struct inputs *in, const char *label, const char *path);
/* The contents of the file PATH, through symlinks (/proc/self/exe too). 0 or -errno, logged. */
int inputs_add_file(struct inputs *in, const char *label, const char *path);
void inputs_hex(struct inputs *in, char hex[65]);

#endif
