/* Signing keys for update bundles (lib/keyfile.h has their file format). */
#ifndef BERTH_KEYS_H
#define BERTH_KEYS_H

/*
 * `berth keygen PREFIX`: a new Ed25519 key pair in PREFIX.key (secret, mode
 * 0600) and PREFIX.pub. Neither file may exist. ARGC/ARGV are the arguments
 * after "keygen". Returns the exit status: 0, 1 (a file exists or cannot be
 * written) or 2 (usage).
 */
int cmd_keygen(int argc, char **argv);

/*
 * `berth keygen --verity PREFIX`: an RSA key in PREFIX.key (mode 0600) and
 * its self-signed X.509 certificate in PREFIX.crt, made with openssl, for
 * signing.verity_key. Neither file may exist. Returns the exit status.
 */
int keygen_verity(const char *prefix);

#endif
