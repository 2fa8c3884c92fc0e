/*
 * Which release of a channel's index a machine takes now (docs/fleet.md):
 * the newest one newer than the booted release that is not halted, has not
 * failed on this machine, and whose waves include the machine's place by
 * now. Pure: berth-update check decides with it, the unit tests and the
 * fleet simulation of `make bench` (bench/fleet.c) run it on the host.
 */
#ifndef BERTH_ROLLOUT_H
#define BERTH_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"

enum rollout_wait { WAIT_WAVE, WAIT_HALTED, WAIT_FAILED };

/* A release newer than the booted one that the machine does not take now, and why. */
struct rollout_skip {
	const struct channel_release *release;
	enum rollout_wait why;
	unsigned share; /* WAIT_WAVE: the share of the fleet its waves allow now, basis points */
};

struct rollout_machine {
	const char *booted; /* the booted release's version */
	uint64_t place;	    /* channel_place() */
	/* Whether VERSION failed here (rolled back): never taken again. */
	bool (*failed)(const char *version, void *ctx);
	void *ctx;
};

/*
 * The release M takes from X at NOW, or NULL. SKIPS (room for
 * CHANNEL_RELEASES_MAX) gets the newer releases passed over, newest first,
 * and *NSKIPS their number.
 */
const struct channel_release *rollout_choose(const struct channel_index *x,
					     const struct rollout_machine *m, int64_t now,
					     struct rollout_skip *skips, size_t *nskips);

#endif
