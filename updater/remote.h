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
#include "vtree.h"

/*
 * LEN bytes of the bundle at AT read from SRC, the booted slot's tree or
 * UKI in memory, instead of fetched.
 */
struct remote_copy {
	uint64_t at, len;
	const uint8_t *src;
	bool fetched; /* SRC holds bytes fetched for the plan (a UKI's headers), not the booted
			 slot's */
};
#define REMOTE_UKI_COPIES 2 /* the UKI's .linux and .initrd */

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
	uint64_t local;		    /* bytes read from the booted slot (its root, its UKI) */
	uint64_t resumed;	    /* bytes the target slot held already */
	/* From remote_layout: */
	const struct bundle_manifest *m;
	uint64_t payloads_at, root_at, root_blocks;
	uint8_t *old_image; /* format 3: the booted slot's tree, checked, with the new salt */
	struct vtree old;
	/* From remote_plan: the root's blocks by where they come from. */
	uint64_t *from;
	struct delta_range *ranges;
	int nranges, next;
	struct remote_slots slots;
	/* The new tree's leaf blocks the booted tree has (remote_layout), the UKI's sections
	 * (remote_uki). */
	struct remote_copy *copies; /* in bundle order, apart */
	size_t ncopies, copy_next;  /* copy_next: the first not behind pos */
	char *head;		    /* remote_uki's answer with the UKI's headers */
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
 * fetch ends where its payload does. M must outlive RM. For format 3, the
 * booted slot's tree is read (and checked against its root hash), and the
 * new tree's leaf hash blocks it holds, found by the digests of the level
 * above (fetched first), are read from it; install checks the new tree
 * whole. 0, or -errno said.
 */
int remote_layout(struct remote *rm, const struct bundle_manifest *m, uint64_t payloads_at);
/*
 * Format 3, before the root is read: its tree T, checked against the
 * signed root hash, tells which of its blocks the slots hold. Without a
 * plan the whole root is fetched.
 */
void remote_plan(struct remote *rm, const struct vtree *t);
/*
 * Before the target slot's UKI (LEN bytes at AT) is read: its sections
 * that OLD (the booted slot's UKI, OLD_LEN bytes, or NULL) has under the
 * same name with the same size, the kernel and the initramfs, which most
 * releases share, are read from OLD instead of fetched. A guess: install
 * checks the UKI whole and, when that fails, reads it again after
 * remote_refetch. How many sections are taken from OLD, or -errno (the
 * UKI's headers could not be fetched; said).
 */
int remote_uki(struct remote *rm, uint64_t at, uint64_t len, const uint8_t *old, size_t old_len);
/* The UKI at AT is read again, all of it fetched. */
void remote_refetch(struct remote *rm, uint64_t at);
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
