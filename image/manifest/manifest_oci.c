/*
 * The OCI image archive of a container (onboot: and services: image): a
 * tar that must hold oci-layout and one index.json. Read at load time, so
 * that a missing or wrong archive is reported at its line.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "manifest_schema.h"

/* A member's name as tar tools write it, with or without a leading "./". */
static bool is_member(const char *name, const char *want)
{
	if (!strncmp(name, "./", 2))
		name += 2;
	return !strcmp(name, want);
}

/* Hashes the data of the archive's current member into ST. */
static int hash_member(struct archive *a, crypto_hash_sha256_state *st)
{
	unsigned char buf[16384];
	la_ssize_t n;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
		crypto_hash_sha256_update(st, buf, (unsigned long long)n);
	return n < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
}

/*
 * Reads the tar on FD: it must hold oci-layout and one index.json file.
 * The digest is that of index.json, which names each manifest of the image
 * by its own digest. Returns NULL with the hex digest in DIGEST, or why not
 * (in WHY).
 */
const char *mf_read_archive(int fd, char digest[65], char *why, size_t len)
{
	unsigned char out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	struct archive_entry *e;
	int layout = 0, index = 0, r;
	struct archive *a = archive_read_new();

	if (!a)
		return strerror(ENOMEM);
	archive_read_support_format_tar(a);
	r = archive_read_open_fd(a, fd, 65536);
	while (r == ARCHIVE_OK) {
		r = archive_read_next_header(a, &e);
		/* A header read with a warning (an unknown pax keyword) is still a member. */
		if (r == ARCHIVE_WARN)
			r = ARCHIVE_OK;
		if (r != ARCHIVE_OK || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (is_member(archive_entry_pathname(e), "oci-layout")) {
			layout++;
		} else if (is_member(archive_entry_pathname(e), "index.json") && index++ == 0) {
			crypto_hash_sha256_init(&st);
			r = hash_member(a, &st);
			crypto_hash_sha256_final(&st, out);
		}
	}
	if (r != ARCHIVE_EOF) {
		const char *lib = archive_error_string(a);
		snprintf(why, len, "is not an OCI image archive (%s)", lib ? lib : "read error");
	} else if (index == 0) {
		snprintf(why, len, "is not an OCI image archive (no index.json)");
	} else if (index > 1) {
		snprintf(why, len, "has %d index.json members", index);
	} else if (!layout) {
		snprintf(why, len, "is not an OCI image archive (no oci-layout)");
	} else {
		sodium_bin2hex(digest, 65, out, sizeof(out));
		why = NULL;
	}
	archive_read_free(a);
	return why;
}
