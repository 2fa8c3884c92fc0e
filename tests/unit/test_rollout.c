/* unit: lib/rollout.c lib/channel.c lib/words.c lib/version.c lib/errf.c lib/contract.c */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rollout.h"

#define HOUR 3600

static const char *failed_version;

static bool failed(const char *version, void *ctx)
{
	(void)ctx;
	return failed_version && !strcmp(version, failed_version);
}

/* Releases VERSIONS (oldest first), each for the whole fleet from time 0. */
static void index_of(struct channel_index *x, const char *const *versions, size_t n)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		struct channel_release *r = &x->release[i];
		snprintf(r->version, sizeof(r->version), "%s", versions[i]);
		r->wave[0] = (struct channel_wave){.start = 0, .percent = CHANNEL_PERCENT_MAX};
		r->nwaves = 1;
	}
	x->nreleases = n;
}

static const char *chosen(const struct channel_index *x, const char *booted, uint64_t place,
			  int64_t now, struct rollout_skip *skips, size_t *n)
{
	struct rollout_machine m = {.booted = booted, .place = place, .failed = failed};
	const struct channel_release *r = rollout_choose(x, &m, now, skips, n);

	return r ? r->version : NULL;
}

static void test_choose(void)
{
	static const char *const versions[] = {"0.2.0", "0.3.0", "1.0.0-rc.1", "1.0.0"};
	struct rollout_skip skips[CHANNEL_RELEASES_MAX];
	struct channel_index x;
	size_t n;
	const char *v;

	index_of(&x, versions, 4);
	v = chosen(&x, "0.1.0", 0, HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0") && n == 0, "the newest release, over every older one");
	v = chosen(&x, "1.0.0", 0, HOUR, skips, &n);
	CHECK(!v && n == 0, "nothing newer than the booted release: nothing, nothing skipped");
	v = chosen(&x, "2.0.0", 0, HOUR, skips, &n);
	CHECK(!v && n == 0, "a booted release newer than the channel's: no downgrade");

	x.release[3].halted = true;
	v = chosen(&x, "0.1.0", 0, HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0-rc.1") && n == 1 && skips[0].why == WAIT_HALTED &&
		  skips[0].release == &x.release[3],
	      "the newest halted: the one before it, the halted one said");
	x.release[3].halted = false;

	failed_version = "1.0.0";
	v = chosen(&x, "0.3.0", 0, HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0-rc.1") && n == 1 && skips[0].why == WAIT_FAILED,
	      "the newest failed here: never again; the one before it");
	v = chosen(&x, "1.0.0-rc.1", 0, HOUR, skips, &n);
	CHECK(!v && n == 1 && skips[0].why == WAIT_FAILED,
	      "only a failed release newer than the booted: nothing");
	failed_version = NULL;

	/* 1.0.0 for 10% from hour 4, everyone from hour 72; the machine at 50%. */
	x.release[3].wave[0] = (struct channel_wave){.start = 4 * HOUR, .percent = 1000};
	x.release[3].wave[1] = (struct channel_wave){.start = 72 * HOUR, .percent = 10000};
	x.release[3].nwaves = 2;
	uint64_t half = 1ull << 63;
	v = chosen(&x, "1.0.0-rc.1", half, HOUR, skips, &n);
	CHECK(!v && n == 1 && skips[0].why == WAIT_WAVE && skips[0].share == 0,
	      "before the first wave: not taken, share 0");
	v = chosen(&x, "1.0.0-rc.1", half, 5 * HOUR, skips, &n);
	CHECK(!v && n == 1 && skips[0].why == WAIT_WAVE && skips[0].share == 1000,
	      "a wave of 10%: not the machine at 50%");
	v = chosen(&x, "1.0.0-rc.1", 1, 5 * HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0"), "a wave of 10%: the machine at the fleet's start");
	v = chosen(&x, "1.0.0-rc.1", half, 72 * HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0"), "the last wave (100%): every machine");
	v = chosen(&x, "0.1.0", half, 5 * HOUR, skips, &n);
	CHECK(v && !strcmp(v, "1.0.0-rc.1") && n == 1 && skips[0].why == WAIT_WAVE,
	      "the newest not yet its wave: an older release that is");
}

int main(void)
{
	test_choose();
	return CHECK_DONE();
}
