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

#endif
