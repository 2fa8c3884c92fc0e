/*
 * A bundle over HTTP Range requests, handed out front to back as install
 * reads any source, with the blocks of a format 3 root that the booted slot
 * already holds read from there instead of the network (docs/update.md,
 * "Delta installs"). Nothing here is trusted: what it reads of the bundle
 * only decides where bytes come from, and install checks every byte as it
 * checks a download (the signature, the tree against the root hash, each
 * root block against its leaf, the payloads' and the whole bundle's
 * SHA-256).
 */
#ifndef BERTH_REMOTE_H
#define BERTH_REMOTE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "delta.h"

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
	/* What the bytes handed out say, unchecked: */
	uint8_t front[BUNDLE_HEADER_SIZE + BUNDLE_MANIFEST_MAX];
	size_t front_len; /* 0 until the header and manifest are in */
	struct bundle_manifest m;
	uint64_t tree_at, root_at, root_blocks;
	uint8_t *tree;
	/* The plan, once the tree is in: the root's blocks by where they come from. */
	bool planned;
	uint64_t *from;
	struct delta_range *ranges;
	int nranges, next;
	int booted_root, booted_verity; /* the booted slot's partitions, or -1 */
	const char *booted_roothash;	/* hex */
};

/* sha256(SALT || DATA): dm-verity's digest of a block (vtree_hash_fn). */
void verity_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *data, size_t len,
		   uint8_t out[32]);

/*
 * Opens URL (http://HOST[:PORT]/PATH) with one request for its first bytes.
 * BOOTED_ROOT and BOOTED_VERITY (read-only, or -1) are where found blocks
 * come from; BOOTED_ROOTHASH is their root hash. 0; -EOPNOTSUPP when the
 * server does not answer with one range (it ignores Range: the caller
 * downloads the whole bundle); -errno with the reason said.
 */
int remote_open(struct remote *rm, const char *url, int booted_root, int booted_verity,
		const char *booted_roothash);
/* The next LEN bytes: 0; -EPIPE past the end; -errno with the reason said. */
int remote_read(struct remote *rm, void *buf, size_t len);
/* Whether everything was read: 0, or -EINVAL. */
int remote_end(const struct remote *rm);
void remote_close(struct remote *rm);

#endif
