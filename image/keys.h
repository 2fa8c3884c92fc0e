/* Signing keys: for update bundles (lib/keyfile.h has their file format), and Secure Boot's. */
#ifndef BERTH_KEYS_H
#define BERTH_KEYS_H

#include <sys/types.h>

/*
 * `berth keygen PREFIX`: a new Ed25519 key pair in PREFIX.key (secret, mode
 * 0600) and PREFIX.pub. Neither file may exist. ARGC/ARGV are the arguments
 * after "keygen". Returns the exit status: 0, 1 (a file exists or cannot be
 * written) or 2 (usage).
 */
int cmd_keygen(int argc, char **argv);

/*
 * `berth keygen --secure-boot PREFIX` (image/sbkeys.c): UEFI Secure Boot's
 * PK, KEK and db as PREFIX-{PK,KEK,db}.key (RSA, PEM, mode 0600), .crt
 * (self-signed X.509, PEM) and .auth (the signed EFI signature list
 * systemd-boot enrols). No file may exist. Returns the exit status, as
 * cmd_keygen.
 */
int sbkeys_keygen(const char *prefix);

/*
 * `berth keygen --verity PREFIX`: an RSA key in PREFIX.key (mode 0600) and
 * its self-signed X.509 certificate in PREFIX.crt, made with openssl, for
 * signing.verity_key. Neither file may exist. Returns the exit status.
 */
int keygen_verity(const char *prefix);

/*
 * Creates PATH with exactly MODE, for a key generator to write: never over
 * anything that exists, a symlink (dangling or not) included. Returns the
 * open descriptor, or -errno after saying why.
 */
int keys_create(const char *path, mode_t mode);

/*
 * Runs ARGV (ARGV[0] looked up in PATH); what it prints is shown only when
 * it fails. Returns 0, or -1 after saying what failed.
 */
int keys_run(const char *const argv[]);

#endif
