/*
 * An update channel's signed index (docs/fleet.md): what `berth publish`
 * writes and `berth-update check` reads. ASCII text, "KEY VALUE..." lines
 * ending in "\n", at most CHANNEL_INDEX_MAX bytes, in this order:
 *
 *   berth-channel 1                    the format
 *   compatible COMPATIBLE              the images whose machines follow it
 *   serial N                           1..2^63-1; each publication's is higher
 *   expires TIME                       machines refuse the index after TIME
 *   then per release, oldest version first (0 to CHANNEL_RELEASES_MAX):
 *   release VERSION                    newer than the one before
 *   bundle PATH SIZE SHA256HEX         PATH relative to the index's folder;
 *                                      SHA256HEX: of the bundle's manifest,
 *                                      which names each payload's SHA-256
 *   wave TIME PERCENT                  1 to CHANNEL_WAVES_MAX, times rising,
 *                                      percents not falling
 *   halted                             optional: no machine takes it now
 *   then 1 to CHANNEL_SIGS_MAX lines:
 *   signature PUBKEYHEX SIGHEX         Ed25519 over every byte before the
 *                                      first signature line
 *
 * TIME is UTC, "YYYY-MM-DDTHH:MM:SSZ". PERCENT is 0 to 100 with at most two
 * decimals ("1", "12.5", "0.25"). PATH is 1 to 128 of [A-Za-z0-9._-/], no
 * leading '/', no empty or "."/".." component. Nothing else, no blank
 * lines. Pure C (no crypto): trust_verify (updater/) checks the signatures,
 * and the caller hashes what channel_place() takes.
 */
#ifndef BERTH_CHANNEL_H
#define BERTH_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "contract.h"

#define CHANNEL_FORMAT 2
#define CHANNEL_INDEX_MAX 65536
#define CHANNEL_RELEASES_MAX 32
#define CHANNEL_WAVES_MAX 16
#define CHANNEL_SIGS_MAX 8
#define CHANNEL_SIG_SIZE 96 /* public key 32 + signature 64, as in a bundle */
#define CHANNEL_PATH_MAX 128
#define CHANNEL_TIME_LEN 20	  /* "2026-12-07T04:00:00Z" */
#define CHANNEL_PERCENT_MAX 10000 /* basis points: percents are kept x100 */

struct channel_wave {
	int64_t start;	  /* Unix seconds */
	unsigned percent; /* basis points, 0..CHANNEL_PERCENT_MAX */
};

struct channel_release {
	char version[65];
	char path[CHANNEL_PATH_MAX + 1];
	uint64_t size;
	uint8_t manifest_sha256[32];
	struct channel_wave wave[CHANNEL_WAVES_MAX];
	size_t nwaves;
	bool halted;
};

struct channel_index {
	char compatible[COMPATIBLE_MAX_LEN + 1];
	uint64_t serial;
	int64_t expires;
	struct channel_release release[CHANNEL_RELEASES_MAX];
	size_t nreleases;
	size_t signed_len; /* the bytes the signatures cover */
	uint8_t sigs[CHANNEL_SIGS_MAX * CHANNEL_SIG_SIZE];
	size_t nsigs;
};

/* The LEN bytes of TEXT as an index into X. 0, or -EINVAL with ERR ("line N: ..."). */
int channel_parse(const char *text, size_t len, struct channel_index *x, char *err, size_t errlen);

/*
 * X without its signatures, as text into OUT (SIZE bytes): its length, or
 * -ENOSPC. channel_parse() of it plus signature lines gives X back.
 */
int channel_format(const struct channel_index *x, char *out, size_t size);
/* "signature PUBKEYHEX SIGHEX\n" for one 96-byte record into OUT (SIZE bytes): its length or
 * -ENOSPC. */
int channel_signature_line(const uint8_t rec[CHANNEL_SIG_SIZE], char *out, size_t size);

/* TIME as channel indexes write it: 0, or -EINVAL. */
int channel_time_parse(const char *s, size_t n, int64_t *t);
/* T as "YYYY-MM-DDTHH:MM:SSZ" into OUT. */
void channel_time_format(int64_t t, char out[CHANNEL_TIME_LEN + 1]);
/* PERCENT (basis points) as the index writes it ("12.5") into OUT. */
void channel_percent_format(unsigned percent, char out[8]);

/* The share of the fleet R's waves let take it at time NOW, in basis points. */
unsigned channel_share(const struct channel_release *r, int64_t now);
/*
 * A machine's place in its fleet, in [0, 2^64): the first 8 bytes
 * (big-endian) of sha256("berth-channel\0" MACHINE_ID "\0" CHANNEL_URL),
 * which the caller computes. The same machine keeps its place on a channel.
 */
uint64_t channel_place(const uint8_t sha256[32]);
/* Whether a machine at PLACE is in a share of SHARE basis points: PLACE < SHARE/10000 of 2^64. */
bool channel_eligible(uint64_t place, unsigned share);

#endif
