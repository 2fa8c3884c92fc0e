/*
 * make bench's fleet figures (docs/fleet.md, docs/bench.md), from the code
 * machines run, not QEMU:
 *
 *   bench-fleet simulate   1,000 machines follow one channel whose release
 *                          has the default schedule; each checks after a
 *                          random delay in [interval/2, interval], as
 *                          berth-init schedules it, and takes the release
 *                          when lib/rollout.c says so. Prints JSON: the
 *                          share updated against the schedule, hour by
 *                          hour, and the index requests per machine per
 *                          day (a machine goes on checking once updated).
 *   bench-fleet unchanged URL
 *                          fetches URL's index as berth-update check does
 *                          (updater/fetch.c), then once more with its
 *                          validators; prints the second exchange's bytes.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "channel.h"
#include "rollout.h"
#include "update.h"

#define MACHINES 1000
#define INTERVAL 3600 /* update.check_interval's default */
#define HOURS 96
#define STEP 60 /* seconds */

static const struct channel_wave schedule[] = {
    {0, 100}, {4 * 3600, 1000}, {24 * 3600, 5000}, {72 * 3600, 10000}};

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* xorshift64*: the same run every time. */
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1du;
}

static unsigned delay(void)
{
	return INTERVAL / 2 + (unsigned)(next() % (INTERVAL / 2 + 1));
}

static bool never(const char *version, void *ctx)
{
	(void)version;
	(void)ctx;
	return false;
}

static int simulate(void)
{
	static struct channel_index x = {.nreleases = 1};
	struct channel_release *r = &x.release[0];
	struct machine {
		uint64_t place;
		int64_t due, updated; /* seconds; updated -1 until then */
	} m[MACHINES];
	const char *url = "http://updates.example.com/berth/stable/";
	unsigned long checks = 0;

	snprintf(r->version, sizeof(r->version), "0.2.0");
	memcpy(r->wave, schedule, sizeof(schedule));
	r->nwaves = sizeof(schedule) / sizeof(schedule[0]);
	for (int i = 0; i < MACHINES; i++) {
		char id[33];
		uint8_t sum[32];
		crypto_hash_sha256_state st;
		snprintf(id, sizeof(id), "%016llx%016llx", (unsigned long long)next(),
			 (unsigned long long)next());
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, (const uint8_t *)"berth-channel",
					  sizeof("berth-channel"));
		crypto_hash_sha256_update(&st, (const uint8_t *)id, sizeof(id));
		crypto_hash_sha256_update(&st, (const uint8_t *)url, strlen(url));
		crypto_hash_sha256_final(&st, sum);
		m[i] = (struct machine){.place = channel_place(sum),
					.due = (int64_t)(next() % INTERVAL),
					.updated = -1};
	}
	printf("{\"machines\": %d, \"check_interval\": %d, \"points\": [", MACHINES, INTERVAL);
	for (int64_t t = 0; t <= HOURS * 3600; t += STEP) {
		for (int i = 0; i < MACHINES; i++) {
			struct rollout_machine rm = {
			    .booted = "0.1.0", .place = m[i].place, .failed = never};
			struct rollout_skip skips[CHANNEL_RELEASES_MAX];
			size_t n;
			if (m[i].due > t)
				continue;
			/* An updated machine goes on checking: it counts in the requests. */
			checks++;
			m[i].due = t + delay();
			if (m[i].updated < 0 && rollout_choose(&x, &rm, t, skips, &n))
				m[i].updated = t;
		}
		if (t % 3600)
			continue;
		int done = 0;
		for (int i = 0; i < MACHINES; i++)
			done += m[i].updated >= 0;
		printf("%s[%lld, %.2f, %.1f]", t ? ", " : "", (long long)(t / 3600),
		       channel_share(r, t) / 100.0, done * 100.0 / MACHINES);
	}
	printf("], \"checks_per_machine_per_day\": %.1f}\n", checks * 24.0 / HOURS / MACHINES);
	return 0;
}

static int unchanged(const char *url)
{
	struct fetched f;
	char validators[sizeof(f.validators)];

	if (fetch_index(url, "", &f) < 0)
		return 1;
	snprintf(validators, sizeof(validators), "%s", f.validators);
	if (!*validators) {
		fprintf(stderr, "bench-fleet: %sindex came without ETag or Last-Modified\n", url);
		return 1;
	}
	if (fetch_index(url, validators, &f) < 0 || !f.unchanged) {
		fprintf(stderr, "bench-fleet: the second GET of %sindex was not 304\n", url);
		return 1;
	}
	printf("{\"unchanged_index_bytes\": %zu}\n", f.bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 2 && !strcmp(argv[1], "simulate"))
		return simulate();
	if (argc == 3 && !strcmp(argv[1], "unchanged"))
		return unchanged(argv[2]);
	fputs("usage: bench-fleet simulate | unchanged URL\n", stderr);
	return 2;
}
