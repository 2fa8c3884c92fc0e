/*
 * Loading a manifest: reading the file, and the walk of the schema
 * (manifest_schema.c) over libyaml's document of it (mf_load_text).
 */
#include "errf.h"
#include "fileio.h"
#include "manifest.h"
#include "manifest_schema.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A manifest is a few hundred bytes: anything this big is not one. */
#define FILE_LIMIT (1 << 20)

int manifest_load_text(const char *path, const char *text, size_t len, struct manifest *m,
		       char *err, size_t errlen)
{
	/* Parsed aside, so a bad manifest leaves *M as it was; too big for the stack. */
	struct manifest *tmp = calloc(1, sizeof(*tmp));
	struct ctx c = {.m = tmp, .base = (char *)tmp, .path = path, .err = err, .errlen = errlen};

	errf(err, errlen, "%s", "");
	if (!tmp) {
		errf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	int r = mf_load_text(&c, text, len, mf_check_document);
	if (r == 0)
		*m = *tmp;
	free(tmp);
	return r;
}

int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen)
{
	/* One byte more than allowed tells a file at the limit from a larger one. */
	char *buf = malloc(FILE_LIMIT + 2);
	ssize_t len;
	int r;

	errf(err, errlen, "%s", "");
	if (!buf) {
		errf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	len = read_text(path, buf, FILE_LIMIT + 2);
	if (len < 0) {
		r = (int)len;
		errf(err, errlen, "%s: %s", path, strerror(-r));
	} else if (len > FILE_LIMIT) {
		r = -EFBIG;
		errf(err, errlen, "%s: larger than %d bytes, not a manifest", path, FILE_LIMIT);
	} else {
		r = manifest_load_text(path, buf, (size_t)len, m, err, errlen);
	}
	free(buf);
	return r;
}
