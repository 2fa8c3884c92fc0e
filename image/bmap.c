/*
 * Stage "bmap": disk.raw.bmap next to disk.raw, the block map bmaptool
 * (Debian's bmap-tools) reads to write only an image's data: format 2.0,
 * 4 KiB blocks, SHA-256 of every range and of the file itself (computed with
 * that checksum's 64 characters as zeros, as bmaptool checks it). The
 * ranges are extents.h's, which berth flash writes too.
 */
#define _GNU_SOURCE
#include "bmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extents.h"
#include "fileio.h"
#include "util.h"

#define CHUNK (1u << 20)
#define HEX_LEN (2 * crypto_hash_sha256_BYTES)

struct ranges {
	int fd;
	FILE *xml;	 /* the <Range> lines */
	uint64_t blocks; /* mapped */
};

static void hex(const unsigned char *d, char out[HEX_LEN + 1])
{
	sodium_bin2hex(out, HEX_LEN + 1, d, crypto_hash_sha256_BYTES);
}

static int add_range(void *ctx, uint64_t off, uint64_t len)
{
	static uint8_t buf[CHUNK];
	struct ranges *r = ctx;
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char text[HEX_LEN + 1];
	uint64_t first = off / EXTENT_BLOCK, last = (off + len - 1) / EXTENT_BLOCK;

	crypto_hash_sha256_init(&st);
	for (uint64_t at = off; at < off + len;) {
		size_t n = off + len - at < CHUNK ? (size_t)(off + len - at) : CHUNK;
		if (pread_full(r->fd, buf, n, (off_t)at) != (ssize_t)n)
			return -EIO;
		crypto_hash_sha256_update(&st, buf, n);
		at += n;
	}
	crypto_hash_sha256_final(&st, digest);
	hex(digest, text);
	if (first == last)
		fprintf(r->xml, "        <Range chksum=\"%s\"> %llu </Range>\n", text,
			(unsigned long long)first);
	else
		fprintf(r->xml, "        <Range chksum=\"%s\"> %llu-%llu </Range>\n", text,
			(unsigned long long)first, (unsigned long long)last);
	r->blocks += last - first + 1;
	return 0;
}

/* The whole file, for IMAGE of SIZE bytes with RANGES, into *DOC (malloc'ed). 0 or -errno. */
static int document(uint64_t size, const struct ranges *r, const char *lines, char **doc)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char zeros[HEX_LEN + 1], text[HEX_LEN + 1];

	memset(zeros, '0', HEX_LEN);
	zeros[HEX_LEN] = '\0';
	if (asprintf(doc,
		     "<?xml version=\"1.0\" ?>\n"
		     "<!-- The block map of a berth disk image, for bmaptool copy. -->\n"
		     "<bmap version=\"2.0\">\n"
		     "    <ImageSize> %llu </ImageSize>\n"
		     "    <BlockSize> %u </BlockSize>\n"
		     "    <BlocksCount> %llu </BlocksCount>\n"
		     "    <MappedBlocksCount> %llu </MappedBlocksCount>\n"
		     "    <ChecksumType> sha256 </ChecksumType>\n"
		     "    <BmapFileChecksum> %s </BmapFileChecksum>\n"
		     "    <BlockMap>\n%s    </BlockMap>\n"
		     "</bmap>\n",
		     (unsigned long long)size, EXTENT_BLOCK,
		     (unsigned long long)((size + EXTENT_BLOCK - 1) / EXTENT_BLOCK),
		     (unsigned long long)r->blocks, zeros, lines) < 0)
		return -ENOMEM;
	crypto_hash_sha256(digest, (const unsigned char *)*doc, strlen(*doc));
	hex(digest, text);
	memcpy(strstr(*doc, zeros), text, HEX_LEN);
	return 0;
}

int bmap_stage(const struct build_ctx *b, char *const env[], FILE *log)
{
	char image[4200], out[4200], *lines = NULL, *doc = NULL;
	size_t lines_len = 0;
	struct ranges r = {.fd = -1};
	struct stat st;
	int ret = -1, e;

	(void)env;
	snprintf(image, sizeof(image), "%s/disk.raw", b->out);
	snprintf(out, sizeof(out), "%s/disk.raw.bmap", b->out);
	r.fd = open(image, O_RDONLY | O_CLOEXEC);
	r.xml = open_memstream(&lines, &lines_len);
	if (r.fd < 0 || fstat(r.fd, &st) < 0 || !r.xml) {
		say_to(log, "%s: %s", image, strerror(errno));
		goto out;
	}
	e = extents_each(r.fd, (uint64_t)st.st_size, add_range, &r);
	if (fclose(r.xml) != 0 && e == 0)
		e = -ENOMEM;
	r.xml = NULL;
	if (e == 0)
		e = document((uint64_t)st.st_size, &r, lines, &doc);
	if (e == 0)
		e = write_file_atomic(out, doc, strlen(doc), 0644, true);
	if (e < 0) {
		say_to(log, "%s: %s", out, strerror(-e));
		goto out;
	}
	say_to(log, "%s: %llu of %llu blocks hold data", out, (unsigned long long)r.blocks,
	       (unsigned long long)((st.st_size + EXTENT_BLOCK - 1) / EXTENT_BLOCK));
	ret = 0;
out:
	if (r.xml)
		fclose(r.xml);
	if (r.fd >= 0)
		close(r.fd);
	free(lines);
	free(doc);
	return ret;
}
