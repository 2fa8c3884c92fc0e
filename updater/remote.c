/* A bundle over HTTP Range requests, its root's unchanged blocks from the booted slot (remote.h).
 */
#include "remote.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"
#include "http.h"
#include "update.h"
#include "vtree.h"

#define WINDOW (4u << 20)	/* the most one request asks for */
#define HEADERS_MAX (16u << 10) /* an answer's status line and headers */
#define REQUEST_MS 60000	/* one request, connection to last byte */
#define GAP_BLOCKS 16		/* fetching 64 KiB again costs less than another request */

_Static_assert(WINDOW % VTREE_BLOCK == 0, "windows are whole blocks");

/*
 * Bytes FIRST to FIRST + LEN - 1 into the window, checked to be those. 0;
 * -EOPNOTSUPP when the answer is not that one range; -errno; logs.
 */
static int fetch(struct remote *rm, uint64_t first, uint64_t len)
{
	char range[64];
	struct http_resp r;
	uint64_t f, l, total;

	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n", (unsigned long long)first,
		 (unsigned long long)(first + len - 1));
	int e = http_request(&rm->to, rm->host, "GET", rm->path, range, "",
			     boottime_ms() + REQUEST_MS, rm->buf, WINDOW + HEADERS_MAX, &r);
	rm->requests++;
	if (e == -EFBIG || (e == 0 && r.status == 200))
		return -EOPNOTSUPP; /* more than the range: the whole file, Range ignored */
	if (e < 0) {
		complain("cannot fetch bytes %llu-%llu of %s: %s", (unsigned long long)first,
			 (unsigned long long)(first + len - 1), rm->path, strerror(-e));
		return e;
	}
	if (r.status != 206 || http_content_range(&r, &f, &l, &total) < 0 || f != first ||
	    l != first + len - 1 || r.body_len != len || (rm->size && total != rm->size)) {
		complain("cannot fetch bytes %llu-%llu of %s: the answer (HTTP %d) is not that "
			 "range",
			 (unsigned long long)first, (unsigned long long)(first + len - 1), rm->path,
			 r.status);
		return -EPROTO;
	}
	rm->size = total;
	rm->win = (const uint8_t *)r.body;
	rm->win_at = first;
	rm->win_len = len;
	rm->fetched += len;
	return 0;
}

static void release(struct remote *rm)
{
	free(rm->buf);
	free(rm->from);
	free(rm->ranges);
	rm->buf = NULL;
	rm->from = NULL;
	rm->ranges = NULL;
}

int remote_open(struct remote *rm, const char *url, const struct remote_slots *slots)
{
	int r;

	memset(rm, 0, sizeof(*rm));
	rm->slots = *slots;
	if ((r = url_locate(url, rm->host, sizeof(rm->host), &rm->to, &rm->path)) < 0)
		return r;
	if (!(rm->buf = malloc(WINDOW + HEADERS_MAX))) {
		complain("cannot hold a download window: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/* The front and, likely, the tree: one request where there were going to be two. */
	r = fetch(rm, 0, 64u << 10);
	if (r == -EPROTO) {
		/* A bundle shorter than 64 KiB is no bundle of berth's, but it says its size. */
		r = -EOPNOTSUPP;
	}
	if (r == -EOPNOTSUPP)
		printf("%s ignores Range requests: downloading the whole bundle\n", url);
	if (r < 0)
		release(rm);
	return r;
}

void remote_layout(struct remote *rm, const struct bundle_manifest *m, uint64_t payloads_at)
{
	rm->m = m;
	rm->payloads_at = payloads_at;
	rm->root_at = payloads_at;
	for (const enum bundle_payload *p = bundle_payload_order(m->format); *p != PAYLOAD_ROOT;
	     p++)
		rm->root_at += m->payload[*p].size;
	rm->root_blocks = m->payload[PAYLOAD_ROOT].size / VTREE_BLOCK;
}

/* The booted slot's tree, checked against the booted root hash with the new release's salt. */
static uint8_t *booted_tree(struct remote *rm, struct vtree *t)
{
	uint8_t sb[VTREE_BLOCK], roothash[VTREE_DIGEST];
	uint64_t blocks, size;
	uint8_t *image = NULL;

	if (rm->slots.booted_verity < 0 ||
	    pread_full(rm->slots.booted_verity, sb, sizeof(sb), 0) != sizeof(sb))
		return NULL;
	blocks = vtree_superblock_blocks(sb);
	size = blocks <= BUNDLE_IMAGE_MAX / VTREE_BLOCK ? vtree_size(blocks) : 0;
	if (!size || size > VTREE_TREE_MAX || !(image = malloc(size)) ||
	    pread_full(rm->slots.booted_verity, image, size, 0) != (ssize_t)size ||
	    sodium_hex2bin(roothash, sizeof(roothash), rm->slots.booted_roothash,
			   strlen(rm->slots.booted_roothash), NULL, NULL, NULL) < 0 ||
	    vtree_open(t, image, size, blocks, rm->m->salt, rm->m->saltlen, roothash, vtree_sha256,
		       NULL) < 0) {
		free(image);
		return NULL;
	}
	return image;
}

/*
 * Blocks the booted slot lacks that the target slot holds where they belong,
 * left by an install cut short, into FROM as DELTA_HERE: how many. The
 * install checks them against the tree again, as every block.
 */
static uint64_t resume(struct remote *rm, const struct vtree *t)
{
	uint8_t block[VTREE_BLOCK];
	uint64_t n = 0;

	for (uint64_t b = 0; rm->slots.target_root >= 0 && b < rm->root_blocks; b++)
		if (rm->from[b] == DELTA_NONE &&
		    pread_full(rm->slots.target_root, block, sizeof(block),
			       (off_t)(b * VTREE_BLOCK)) == sizeof(block) &&
		    vtree_check(t, b, block)) {
			rm->from[b] = DELTA_HERE;
			n++;
		}
	return n;
}

/* The booted root's blocks by where the new root has them, into FROM; logs when there are none. */
static void locate(struct remote *rm, const struct vtree *t)
{
	struct vtree old;
	struct delta_index ix;
	uint8_t *image = booted_tree(rm, &old);

	for (uint64_t b = 0; b < rm->root_blocks; b++)
		rm->from[b] = DELTA_NONE;
	if (!image) {
		printf("no delta: no booted root of this release's salt to take blocks from; "
		       "fetching the whole root\n");
		return;
	}
	if (delta_index_build(&ix, vtree_leaf(&old, 0), old.data_blocks) == 0)
		delta_locate(&ix, vtree_leaf(t, 0), rm->root_blocks, rm->from);
	delta_index_free(&ix);
	free(image);
}

void remote_plan(struct remote *rm, const struct vtree *t)
{
	size_t max = rm->root_blocks / 2 + 1;

	rm->from = malloc(rm->root_blocks * sizeof(*rm->from));
	rm->ranges = malloc(max * sizeof(*rm->ranges));
	if (rm->from && rm->ranges) {
		locate(rm, t);
		uint64_t here = resume(rm, t);
		if (here)
			printf("resuming: %llu blocks of the new root are in place already\n",
			       (unsigned long long)here);
		rm->nranges = delta_ranges(rm->from, rm->root_blocks, rm->ranges, max, GAP_BLOCKS);
	}
	if (rm->nranges < 0 || !rm->from || !rm->ranges) {
		free(rm->from);
		rm->from = NULL;
	}
}

/* Root block B comes from a slot (not from a fetched range). */
static bool local_block(struct remote *rm, uint64_t b)
{
	while (rm->next < rm->nranges &&
	       rm->ranges[rm->next].first + rm->ranges[rm->next].count <= b)
		rm->next++;
	bool fetched = rm->next < rm->nranges && rm->ranges[rm->next].first <= b;
	return rm->from && !fetched && rm->from[b] != DELTA_NONE;
}

/*
 * Where the payload holding byte POS ends, so that a fetch stops there: the
 * tree before the plan is made, a UKI before the other one that install
 * may pass over. The bundle's end while the manifest is unknown.
 */
static uint64_t payload_end(const struct remote *rm, uint64_t pos)
{
	uint64_t at = rm->payloads_at;

	for (int i = 0; rm->m && i < BUNDLE_PAYLOADS; i++)
		if (pos < (at += rm->m->payload[bundle_payload_order(rm->m->format)[i]].size))
			return at;
	return rm->size;
}

/* Bytes at rm->pos into BUF, at most LEN: how many, or -errno. */
static ssize_t next_bytes(struct remote *rm, uint8_t *buf, size_t len)
{
	uint64_t pos = rm->pos, end = payload_end(rm, pos);

	if (rm->from && pos >= rm->root_at && pos < rm->root_at + rm->root_blocks * VTREE_BLOCK) {
		uint64_t b = (pos - rm->root_at) / VTREE_BLOCK,
			 off = (pos - rm->root_at) % VTREE_BLOCK;
		if (local_block(rm, b)) {
			bool here = rm->from[b] == DELTA_HERE;
			uint64_t at = here ? b : rm->from[b];
			size_t n = len < VTREE_BLOCK - off ? len : (size_t)(VTREE_BLOCK - off);
			if (pread_full(here ? rm->slots.target_root : rm->slots.booted_root, buf, n,
				       (off_t)(at * VTREE_BLOCK + off)) != (ssize_t)n) {
				complain("cannot read block %llu of the %s root",
					 (unsigned long long)at, here ? "target slot's" : "booted");
				return -EIO;
			}
			*(here ? &rm->resumed : &rm->local) += n;
			return (ssize_t)n;
		}
		/* A fetch ends where the range does. */
		if (rm->next < rm->nranges) {
			const struct delta_range *d = &rm->ranges[rm->next];
			end = rm->root_at + (d->first + d->count) * VTREE_BLOCK;
		}
	}
	if (pos < rm->win_at || pos >= rm->win_at + rm->win_len) {
		uint64_t n = end - pos < WINDOW ? end - pos : WINDOW;
		int r = fetch(rm, pos, n);
		if (r < 0)
			return r == -EOPNOTSUPP ? -EPROTO : r;
	}
	uint64_t have = rm->win_at + rm->win_len - pos;
	size_t n = len < have ? len : (size_t)have;
	memcpy(buf, rm->win + (pos - rm->win_at), n);
	return (ssize_t)n;
}

int remote_read(struct remote *rm, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		if (rm->pos >= rm->size)
			return -EPIPE;
		ssize_t got = next_bytes(rm, p, len);
		if (got < 0)
			return (int)got;
		rm->pos += (uint64_t)got;
		p += got;
		len -= (size_t)got;
	}
	return 0;
}

/* Of the bytes [FIRST, FIRST + LEN), those the window does not hold. */
static uint64_t outside_window(const struct remote *rm, uint64_t first, uint64_t len)
{
	uint64_t a = first > rm->win_at ? first : rm->win_at,
		 z = first + len < rm->win_at + rm->win_len ? first + len
							    : rm->win_at + rm->win_len;

	return a < z ? len - (z - a) : len;
}

int remote_skip(struct remote *rm, uint64_t len)
{
	if (len > rm->size - rm->pos)
		return -EPIPE;
	rm->pos += len;
	return 0;
}

uint64_t remote_pending(struct remote *rm, uint64_t skip, uint64_t len)
{
	uint64_t root_end = rm->root_at + rm->root_blocks * VTREE_BLOCK, n = 0;

	if (!rm->from || rm->pos != rm->root_at) {
		n = outside_window(rm, rm->pos, rm->size - rm->pos);
	} else {
		for (int i = 0; i < rm->nranges; i++)
			n += outside_window(rm, rm->root_at + rm->ranges[i].first * VTREE_BLOCK,
					    rm->ranges[i].count * VTREE_BLOCK);
		n += outside_window(rm, root_end, rm->size - root_end);
	}
	return n - outside_window(rm, skip, len);
}

int remote_end(const struct remote *rm)
{
	return rm->pos == rm->size ? 0 : -EINVAL;
}

void remote_close(struct remote *rm)
{
	printf("fetched %llu bytes in %llu requests; %llu bytes from the booted slot, "
	       "%llu in place in the target slot\n",
	       (unsigned long long)rm->fetched, (unsigned long long)rm->requests,
	       (unsigned long long)rm->local, (unsigned long long)rm->resumed);
	release(rm);
}
