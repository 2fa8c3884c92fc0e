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
#include "pe.h"
#include "update.h"
#include "vtree.h"

#define WINDOW (4u << 20)	/* the most one request asks for */
#define HEADERS_MAX (16u << 10) /* an answer's status line and headers */
#define REQUEST_MS 60000	/* one request, connection to last byte */
#define GAP_BLOCKS 16		/* fetching 64 KiB again costs less than another request */

_Static_assert(WINDOW % VTREE_BLOCK == 0, "windows are whole blocks");

/*
 * Bytes FIRST to FIRST + LEN - 1 into BUF (CAP bytes, the answer's headers
 * too), checked to be those, *BODY pointing at them. 0; -EOPNOTSUPP when
 * the answer is not that one range; -errno; logs.
 */
static int fetch_to(struct remote *rm, uint64_t first, uint64_t len, char *buf, size_t cap,
		    const uint8_t **body)
{
	char range[64];
	struct http_resp r;
	uint64_t f, l, total;

	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu\r\n", (unsigned long long)first,
		 (unsigned long long)(first + len - 1));
	int e = http_request(&rm->to, rm->host, "GET", rm->path, range, "",
			     boottime_ms() + REQUEST_MS, buf, cap, &r);
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
	*body = (const uint8_t *)r.body;
	rm->fetched += len;
	return 0;
}

/*
 * Bytes FIRST to FIRST + LEN - 1 into the window, as fetch_to. No more than
 * the range and its headers is read: a server that ignores Range and sends
 * the whole file is left after that much.
 */
static int fetch(struct remote *rm, uint64_t first, uint64_t len)
{
	int r = fetch_to(rm, first, len, rm->buf, len + HEADERS_MAX, &rm->win);

	if (r == 0) {
		rm->win_at = first;
		rm->win_len = len;
	}
	return r;
}

static void release(struct remote *rm)
{
	free(rm->buf);
	free(rm->from);
	free(rm->ranges);
	free(rm->old_image);
	free(rm->copies);
	free(rm->head);
	rm->buf = NULL;
	rm->from = NULL;
	rm->ranges = NULL;
	rm->old_image = NULL;
	rm->copies = NULL;
	rm->head = NULL;
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

/* The bytes [AT, AT + LEN) in the window, fetched when they are not all there: 0 or -errno. */
static int in_window(struct remote *rm, uint64_t at, uint64_t len)
{
	return at >= rm->win_at && at + len <= rm->win_at + rm->win_len ? 0 : fetch(rm, at, len);
}

/*
 * LEN bytes at AT read from SRC (FETCHED: bytes fetched already), after the
 * copies so far: one run with the last when they join.
 */
static void add_copy(struct remote *rm, uint64_t at, uint64_t len, const uint8_t *src, bool fetched)
{
	struct remote_copy *last = rm->ncopies ? &rm->copies[rm->ncopies - 1] : NULL;

	if (last && last->at + last->len == at && last->src + last->len == src &&
	    last->fetched == fetched)
		last->len += len;
	else
		rm->copies[rm->ncopies++] = (struct remote_copy){at, len, src, fetched};
}

/*
 * Format 3: the new tree's (geometry G, its levels 0 when unknown) leaf hash
 * blocks whose digests, as the level above names them, are those of the
 * booted tree's, copied from there. 0 or -errno.
 */
static int tree_copies(struct remote *rm, const struct vtree *g)
{
	struct delta_index ix;
	uint64_t *from;

	if (!rm->old_image || rm->old.levels < 2 || g->levels < 2 ||
	    g->size != rm->m->payload[PAYLOAD_VERITY].size ||
	    g->level_blocks[1] * VTREE_BLOCK > WINDOW)
		return 0;
	/* The level above the leaves lies just before them, the levels above it before it. */
	uint64_t above = rm->payloads_at + g->level_start[1] * VTREE_BLOCK,
		 leaves = rm->payloads_at + g->level_start[0] * VTREE_BLOCK;
	int r = in_window(rm, above, g->level_blocks[1] * VTREE_BLOCK);
	if (r < 0)
		return r;
	if (!(from = malloc(g->level_blocks[0] * sizeof(*from))) ||
	    delta_index_build(&ix, rm->old_image + rm->old.level_start[1] * VTREE_BLOCK,
			      rm->old.level_blocks[0]) < 0) {
		free(from);
		return -ENOMEM;
	}
	delta_locate(&ix, rm->win + (above - rm->win_at), g->level_blocks[0], from);
	delta_index_free(&ix);
	for (uint64_t i = 0; i < g->level_blocks[0]; i++)
		if (from[i] != DELTA_NONE)
			add_copy(rm, leaves + i * VTREE_BLOCK, VTREE_BLOCK,
				 rm->old_image + (rm->old.level_start[0] + from[i]) * VTREE_BLOCK,
				 false);
	free(from);
	return 0;
}

int remote_layout(struct remote *rm, const struct bundle_manifest *m, uint64_t payloads_at)
{
	struct vtree g = {.levels = 0};
	size_t room = REMOTE_UKI_COPIES + 1; /* the UKI's headers too */

	rm->m = m;
	rm->payloads_at = payloads_at;
	rm->root_at = payloads_at;
	for (const enum bundle_payload *p = bundle_payload_order(m->format); *p != PAYLOAD_ROOT;
	     p++)
		rm->root_at += m->payload[*p].size;
	rm->root_blocks = m->payload[PAYLOAD_ROOT].size / VTREE_BLOCK;
	if (m->format >= 3) {
		rm->old_image = booted_tree(rm, &rm->old);
		if (!rm->old_image)
			printf("no delta: no booted root of this release's salt to take blocks "
			       "from; fetching the whole root\n");
		if (rm->old_image && vtree_geometry(&g, rm->root_blocks) == 0)
			room += g.level_blocks[0];
		else
			g.levels = 0;
	}
	if (!(rm->copies = malloc(room * sizeof(*rm->copies)))) {
		complain("cannot plan the download: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	int r = tree_copies(rm, &g);
	if (r < 0)
		complain("cannot plan the tree's download: %s", strerror(-r));
	return r;
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

/* The new root's blocks by where the booted root has them, into FROM. */
static void locate(struct remote *rm, const struct vtree *t)
{
	struct delta_index ix;

	for (uint64_t b = 0; b < rm->root_blocks; b++)
		rm->from[b] = DELTA_NONE;
	if (rm->old_image &&
	    delta_index_build(&ix, vtree_leaf(&rm->old, 0), rm->old.data_blocks) == 0) {
		delta_locate(&ix, vtree_leaf(t, 0), rm->root_blocks, rm->from);
		delta_index_free(&ix);
	}
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

/* The copies from AT on (a UKI's) dropped; the next copy looked for from the first again. */
static void uki_drop(struct remote *rm, uint64_t at)
{
	while (rm->ncopies && rm->copies[rm->ncopies - 1].at >= at)
		rm->ncopies--;
	rm->copy_next = 0;
}

/* Section NAME in both UKIs, the same size: copied from OLD. 1 when it is, else 0. */
static int uki_copy(struct remote *rm, const uint8_t *head, size_t head_len, uint64_t at,
		    uint64_t len, const uint8_t *old, size_t old_len, const char *name)
{
	struct pe_section n, o;
	size_t old_head = old_len < PE_HEAD_MAX ? old_len : PE_HEAD_MAX;
	struct remote_copy *prev = rm->ncopies ? &rm->copies[rm->ncopies - 1] : NULL;

	if (pe_find_section(head, head_len, len, name, &n) < 0 ||
	    pe_find_section(old, old_head, old_len, name, &o) < 0 || n.size != o.size || !n.size)
		return 0;
	/* In bundle order, apart: a PE file whose sections overlap is fetched as it is. */
	if (prev && prev->at + prev->len > at + n.offset)
		return 0;
	add_copy(rm, at + n.offset, n.size, old + o.offset, false);
	printf("UKI: taking %s (%u bytes) from the booted UKI, of the same size\n", name, n.size);
	return 1;
}

int remote_uki(struct remote *rm, uint64_t at, uint64_t len, const uint8_t *old, size_t old_len)
{
	struct pe_section s;
	/* A UKI's headers take a few hundred bytes; objcopy's stub, up to PE_HEAD_MAX. */
	uint64_t head = len < VTREE_BLOCK ? len : VTREE_BLOCK;
	const uint8_t *h;
	int r;

	uki_drop(rm, at);
	if (!old || !rm->copies)
		return 0;
	/* Not into the window, which a dry run's figure counts on (remote_pending). */
	if (!rm->head && !(rm->head = malloc(PE_HEAD_MAX + HEADERS_MAX))) {
		complain("cannot hold a UKI's headers: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if ((r = fetch_to(rm, at, head, rm->head, head + HEADERS_MAX, &h)) < 0)
		return r;
	if (pe_find_section(h, head, len, ".linux", &s) == -ENOSPC) {
		head = len < PE_HEAD_MAX ? len : PE_HEAD_MAX;
		if ((r = fetch_to(rm, at, head, rm->head, head + HEADERS_MAX, &h)) < 0)
			return r;
	}
	add_copy(rm, at, head, h, true);
	struct pe_section i;
	/* In the file's order: objcopy's UKIs have .initrd first, ukify's .linux last. */
	bool linux_first = pe_find_section(h, head, len, ".linux", &s) == 0 &&
			   pe_find_section(h, head, len, ".initrd", &i) == 0 && s.offset < i.offset;
	const char *first = linux_first ? ".linux" : ".initrd",
		   *second = linux_first ? ".initrd" : ".linux";
	return uki_copy(rm, h, head, at, len, old, old_len, first) +
	       uki_copy(rm, h, head, at, len, old, old_len, second);
}

void remote_refetch(struct remote *rm, uint64_t at)
{
	for (size_t i = 0; i < rm->ncopies; i++)
		if (rm->copies[i].at >= at && !rm->copies[i].fetched)
			rm->local -= rm->copies[i].len;
	uki_drop(rm, at);
	rm->pos = at;
}

/* The first copy that does not end before POS (which moves only forward), or NULL. */
static const struct remote_copy *copy_from(struct remote *rm, uint64_t pos)
{
	while (rm->copy_next < rm->ncopies &&
	       rm->copies[rm->copy_next].at + rm->copies[rm->copy_next].len <= pos)
		rm->copy_next++;
	return rm->copy_next < rm->ncopies ? &rm->copies[rm->copy_next] : NULL;
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
	const struct remote_copy *cp = copy_from(rm, pos);

	if (cp && pos >= cp->at) {
		size_t n = len < cp->at + cp->len - pos ? len : (size_t)(cp->at + cp->len - pos);
		memcpy(buf, cp->src + (pos - cp->at), n);
		if (!cp->fetched)
			rm->local += n;
		return (ssize_t)n;
	}
	if (cp && cp->at < end)
		end = cp->at;
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
	uint64_t stop = rm->win_at + rm->win_len;
	if (cp && cp->at < stop)
		stop = cp->at; /* the copy's bytes come from memory */
	size_t n = len < stop - pos ? len : (size_t)(stop - pos);
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
	for (size_t i = 0; i < rm->ncopies; i++)
		if (rm->copies[i].at >= rm->pos)
			n -= outside_window(rm, rm->copies[i].at, rm->copies[i].len);
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
