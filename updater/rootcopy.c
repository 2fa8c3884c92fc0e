/*
 * Format 3's root onto the slot (update.h's root_copy). Two workers take
 * the bundle's chunks in turn: each reads the next chunk, checks its blocks
 * against the verity tree, then, in the chunks' order, writes it and reads
 * it back. While one writes, the other reads and checks the next chunk, so
 * hashing (the install's one CPU-bound step) runs on two CPUs and beside
 * the disk's work.
 *
 * The slot is written and read back with O_DIRECT: the read-back comes
 * from the disk, not the page cache, without flushing the cache, and is
 * compared with the checked chunk still in memory instead of hashed again.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "update.h"
#include "vtree.h"

#define WORKERS 2

struct rootcopy {
	const struct root_job *job;
	int fd; /* the slot's root, O_DIRECT */
	/* The source, read in the chunks' order, and complain()'s one buffer. */
	pthread_mutex_t src_lock;
	pthread_mutex_t lock; /* what follows */
	pthread_cond_t turned;
	uint64_t next; /* the chunk the next read takes */
	uint64_t turn; /* the chunk written next */
	int err;       /* the first failure; the workers stop at it */
};

struct worker {
	_Alignas(VTREE_BLOCK) uint8_t buf[INSTALL_CHUNK];
	_Alignas(VTREE_BLOCK) uint8_t back[INSTALL_CHUNK];
	struct rootcopy *rc;
};

static struct worker workers[WORKERS];

/* The first failure stops both workers; only it is said (by its finder, under src_lock). */
static void fail(struct rootcopy *rc, int err)
{
	pthread_mutex_lock(&rc->lock);
	if (!rc->err)
		rc->err = err;
	pthread_cond_broadcast(&rc->turned);
	pthread_mutex_unlock(&rc->lock);
}

static int failed(struct rootcopy *rc)
{
	pthread_mutex_lock(&rc->lock);
	int err = rc->err;
	pthread_mutex_unlock(&rc->lock);
	return err;
}

/* The next chunk into W's buffer: its number into K and its length into N; 1 at the end. */
static int take(struct worker *w, uint64_t *k, size_t *n)
{
	struct rootcopy *rc = w->rc;
	uint64_t size = rc->job->size;
	int r = 0;

	pthread_mutex_lock(&rc->src_lock);
	*k = rc->next;
	if (failed(rc) || *k >= (size + INSTALL_CHUNK - 1) / INSTALL_CHUNK) {
		r = 1;
		goto out;
	}
	rc->next++;
	uint64_t done = *k * INSTALL_CHUNK;
	*n = size - done < INSTALL_CHUNK ? (size_t)(size - done) : INSTALL_CHUNK;
	if ((r = source_read(rc->job->src, w->buf, *n, "root")) < 0)
		fail(rc, r);
out:
	pthread_mutex_unlock(&rc->src_lock);
	return r;
}

/* Every block of W's chunk K (N bytes) against its leaf in the tree; logs the first bad one. */
static int check_chunk(struct worker *w, uint64_t k, size_t n)
{
	struct rootcopy *rc = w->rc;
	uint64_t done = k * INSTALL_CHUNK;

	for (size_t off = 0; off < n; off += VTREE_BLOCK) {
		uint64_t block = (done + off) / VTREE_BLOCK;
		if (vtree_check(rc->job->tree, block, w->buf + off))
			continue;
		pthread_mutex_lock(&rc->src_lock);
		if (!failed(rc))
			complain("refused: root block %llu (byte %llu) does not match its hash in "
				 "the verity tree; nothing from byte %llu on was written",
				 (unsigned long long)block, (unsigned long long)(done + off),
				 (unsigned long long)done);
		fail(rc, -EBADMSG);
		pthread_mutex_unlock(&rc->src_lock);
		return -EBADMSG;
	}
	return 0;
}

/* Waits for chunk K's turn: 0, or the failure that came first. */
static int wait_turn(struct rootcopy *rc, uint64_t k)
{
	pthread_mutex_lock(&rc->lock);
	while (rc->turn != k && !rc->err)
		pthread_cond_wait(&rc->turned, &rc->lock);
	int err = rc->err;
	pthread_mutex_unlock(&rc->lock);
	return err;
}

/*
 * Whether N bytes (a multiple of 8) at A and B are equal, a word at a time:
 * musl's memcmp goes a byte at a time, which cost more than the disk's work.
 */
static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
	const uint64_t *x = (const void *)a, *y = (const void *)b;
	uint64_t d = 0;

	for (size_t i = 0; i < n / 8; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* W's checked chunk K (N bytes) onto the slot and back; logs. */
static int write_back(struct worker *w, uint64_t k, size_t n)
{
	struct rootcopy *rc = w->rc;
	off_t at = (off_t)(k * INSTALL_CHUNK);
	int r = pwrite_all(rc->fd, w->buf, n, at);
	ssize_t got = r < 0 ? r : pread_full(rc->fd, w->back, n, at);

	if (got == (ssize_t)n && same(w->back, w->buf, n))
		return 0;
	const char *why = "reads back different from what was written";
	if (r < 0 || got < 0)
		why = strerror(r < 0 ? -r : (int)-got);
	else if (got < (ssize_t)n)
		why = "short read back";
	pthread_mutex_lock(&rc->src_lock);
	if (!failed(rc))
		complain("%s at byte %llu: %s", rc->job->node, (unsigned long long)at, why);
	fail(rc, -EIO);
	pthread_mutex_unlock(&rc->src_lock);
	return -EIO;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct rootcopy *rc = w->rc;
	uint64_t k, size = rc->job->size;
	size_t n;

	while (take(w, &k, &n) == 0 && check_chunk(w, k, n) == 0 && wait_turn(rc, k) == 0 &&
	       write_back(w, k, n) == 0) {
		pthread_mutex_lock(&rc->lock);
		rc->turn++;
		pthread_cond_broadcast(&rc->turned);
		pthread_mutex_unlock(&rc->lock);
		uint64_t done = k * INSTALL_CHUNK + n;
		if (done % (16 * INSTALL_CHUNK) == 0 || done == size)
			progress(rc->job->tty, "root", done, size);
	}
	return NULL;
}

int root_copy(const struct root_job *job)
{
	static struct rootcopy rc;
	pthread_t t[WORKERS];
	int started = 0, r;

	rc = (struct rootcopy){.job = job,
			       .src_lock = PTHREAD_MUTEX_INITIALIZER,
			       .lock = PTHREAD_MUTEX_INITIALIZER,
			       .turned = PTHREAD_COND_INITIALIZER};
	/* Not O_EXCL: the install holds the slot exclusively through its other descriptor. */
	rc.fd = open(job->node, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (rc.fd < 0) {
		complain("cannot open %s: %s", job->node, strerror(errno));
		return -errno;
	}
	for (; started < WORKERS; started++) {
		workers[started].rc = &rc;
		if ((r = pthread_create(&t[started], NULL, work, &workers[started])) != 0) {
			complain("cannot start a thread: %s", strerror(r));
			fail(&rc, -r);
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	r = rc.err;
	/* The disk's own cache too: the entry that boots this slot comes after. */
	if (r == 0 && fsync(rc.fd) < 0) {
		complain("cannot flush %s: %s", job->node, strerror(errno));
		r = -errno;
	}
	close(rc.fd);
	return r;
}
