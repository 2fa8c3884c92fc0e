/*
 * The kernel command line berth's UKIs carry: written by `berth build`
 * (cmdline_format) and read by berth-init and berth-update (cmdline_parse).
 */
#ifndef BERTH_CMDLINE_H
#define BERTH_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_UUID_LEN 36
/* A PKCS#7 signature of the root hash: an RSA-2048 one is about 400 bytes. */
#define CMDLINE_SIG_MAX 1024

/*
 * Parameters, following systemd's names where systemd has one:
 *   roothash=<hex>
 *   systemd.verity_root_data=PARTUUID=<uuid>
 *   systemd.verity_root_hash=PARTUUID=<uuid>
 *   systemd.verity_root_options=salt=<hex>,data-blocks=<n>,hash-offset=<bytes>[,restart-on-corruption|panic-on-corruption]
 *   berth.slot=a|b
 *   berth.data=PARTUUID=<uuid>
 * and, optional, berth.roothash_sig=<base64 of a DER PKCS#7 signature of
 * the roothash string> and berth.install=<anything> (the installer's entry,
 * below). Everything else on the line is ignored.
 */
struct boot_params {
	char roothash[129];
	char salt[129];
	uint64_t data_blocks;
	uint64_t hash_offset;		      /* bytes into the hash partition */
	char root_uuid[CMDLINE_UUID_LEN + 1]; /* lower case */
	char verity_uuid[CMDLINE_UUID_LEN + 1];
	char data_uuid[CMDLINE_UUID_LEN + 1];
	char slot; /* 'a' or 'b' */
	enum { ON_CORRUPTION_EIO, ON_CORRUPTION_RESTART, ON_CORRUPTION_PANIC } on_corruption;
	unsigned char roothash_sig[CMDLINE_SIG_MAX];
	size_t roothash_sig_len; /* 0: none given */
	bool install;		 /* berth.install= is on the line */
};

/*
 * The kernel keeps COMMAND_LINE_SIZE (2048) bytes with the NUL, and the
 * small kernel puts its built-in line (kernel-config/verity.config, 30
 * bytes) first: a UKI's line leaves 64 bytes for it.
 */
#define CMDLINE_UKI_MAX (2047 - 64)

/*
 * The ESP's "Install to disk" entry (docs/bare-metal.md): a UKI with slot
 * A's line and this parameter after it: stage 1 sees it (init/install.c)
 * and berth-install reads its value (installer/install.h). Every UKI's line leaves room for it.
 */
#define CMDLINE_INSTALL_KEY "berth.install"
#define CMDLINE_INSTALL_ENTRY " " CMDLINE_INSTALL_KEY "=auto"

/*
 * USER (the manifest's kernel.cmdline) followed by every parameter above
 * from P, roothash_sig only when P has one, into OUT. One space between
 * parameters; none in front when USER is empty. Returns the length, or
 * -ENOSPC when OUT (LEN bytes, with the NUL) is too small.
 */
int cmdline_format(const struct boot_params *p, const char *user, char *out, size_t len);

/*
 * Parse LINE (the contents of /proc/cmdline). Returns 0 when every
 * parameter above is present and well formed, else -EINVAL with a
 * one-line reason in ERR.
 */
int cmdline_parse(const char *line, struct boot_params *p, char *err, size_t errlen);

/*
 * The parameter at *POS as the kernel splits the line: white space ends it
 * except between double quotes, which are dropped, so `a="x y"` and
 * `"a=x y"` both give `a=x y`. Copies it into TOK (TOKLEN bytes with the
 * NUL) and moves *POS past it. Returns false at the end of the line; else
 * *CUT says whether it did not fit in TOK, *UNCLOSED whether a quote was left
 * open (then the parameter runs to the end of the line).
 */
bool cmdline_next(const char **pos, char *tok, size_t toklen, bool *cut, bool *unclosed);

/*
 * Decode IN, standard base64 with '=' padding and nothing else, into OUT
 * (LEN bytes). Returns the decoded length, -EINVAL for malformed input or
 * -ENOSPC when OUT is too small.
 */
int cmdline_base64_decode(const char *in, unsigned char *out, size_t len);

#endif
