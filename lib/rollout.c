/* Which release a machine takes now (rollout.h). */
#include "rollout.h"
#include "version.h"

const struct channel_release *rollout_choose(const struct channel_index *x,
					     const struct rollout_machine *m, int64_t now,
					     struct rollout_skip *skips, size_t *nskips)
{
	*nskips = 0;
	/* Oldest first in the index: the newest candidates come first here. */
	for (size_t i = x->nreleases; i-- > 0;) {
		const struct channel_release *r = &x->release[i];
		struct rollout_skip s = {.release = r, .share = channel_share(r, now)};
		int order;
		if (version_compare(r->version, m->booted, &order) < 0 || order <= 0)
			break; /* and none before it is newer either */
		if (r->halted)
			s.why = WAIT_HALTED;
		else if (m->failed(r->version, m->ctx))
			s.why = WAIT_FAILED;
		else if (!channel_eligible(m->place, s.share))
			s.why = WAIT_WAVE;
		else
			return r;
		skips[(*nskips)++] = s;
	}
	return NULL;
}
