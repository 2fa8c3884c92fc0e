/*
 * A bundle over HTTP Range requests, handed out front to back as install
 * reads any source, with the blocks of a format 3 root that the booted slot
 * already holds read from there instead of the network (docs/update.md,
 * "Delta installs"). install hands over the manifest and the tree once it
 * has checked them; the blocks it reads from the slots it checks against
 * the tree's leaves as every block, and the payloads' and whole bundle's
 * SHA-256 as for a download.
 */
#ifndef BERTH_REMOTE_H
#define BERTH_REMOTE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "delta.h"

struct vtree;

/* Where a root's blocks may already be, each fd read-only or -1. */
struct remote_slots {
	int booted_root, booted_verity; /* the booted slot's partitions */
	const char *booted_roothash;	/* hex */
	int target_root; /* the slot being written: blocks an interrupted install left */
};

struct remote {
	struct sockaddr_in to;
	char host[256];
	const char *path;
	uint64_t size; /* the bundle's, from the first answer's Content-Range */
	uint64_t pos;  /* the next byte handed out */
	char *buf;     /* the last answer; its body is the window */
	const uint8_t *win;
	uint64_t win_at, win_len;
	uint64_t fetched, requests; /* body bytes fetched, requests made */
	uint64_t local;		    /* bytes read from the booted slot */
	uint64_t resumed;	    /* bytes the target slot held already */
	/* From remote_layout: */
	const struct bundle_manifest *m;
	uint64_t payloads_at, root_at, root_blocks;
	/* From remote_plan: the root's blocks by where they come from. */
	uint64_t *from;
	struct delta_range *ranges;
	int nranges, next;
	struct remote_slots slots;
};

/*
 * Opens URL (http://HOST[:PORT]/PATH) with one request for its first bytes;
 * the root's blocks SLOTS hold are read from there (the structure is
 * copied). 0; -EOPNOTSUPP when the server does not answer with one range
 * (it ignores Range: the caller downloads the whole bundle); -errno with
 * the reason said.
 */
int remote_open(struct remote *rm, const char *url, const struct remote_slots *slots);
/*
 * The signed manifest M, checked, whose payloads start at PAYLOADS_AT: a
 * fetch ends where its payload does. M must outlive RM.
 */
void remote_layout(struct remote *rm, const struct bundle_manifest *m, uint64_t payloads_at);
/*
 * Format 3, before the root is read: its tree T, checked against the
 * signed root hash, tells which of its blocks the slots hold. Without a
 * plan the whole root is fetched.
 */
void remote_plan(struct remote *rm, const struct vtree *t);
/* The next LEN bytes: 0; -EPIPE past the end; -errno with the reason said. */
int remote_read(struct remote *rm, void *buf, size_t len);
/* Passes over the next LEN bytes without fetching them: 0, or -EPIPE past the end. */
int remote_skip(struct remote *rm, uint64_t len);
/*
 * The bytes reading on to the end would fetch, the LEN bytes at SKIP
 * (after the root, or 0) passed over: once planned (a format 3 bundle read
 * up to its root), what a delta install costs.
 */
uint64_t remote_pending(struct remote *rm, uint64_t skip, uint64_t len);
/* Whether everything was read: 0, or -EINVAL. */
int remote_end(const struct remote *rm);
/* Says what was fetched and from where, and frees RM (not needed after a failed remote_open). */
void remote_close(struct remote *rm);

#endif
