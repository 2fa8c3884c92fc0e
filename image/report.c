/* A failed stage's log, out/manifest.lock and the bundle's line (see report.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkbundle.h"
#include "report.h"
#include "util.h"

void report_log(const char *log)
{
	char buf[16384];
	size_t n, start;
	int lines = 0;
	FILE *f = fopen(log, "r");

	if (!f) {
		say("cannot read %s: %s", log, strerror(errno));
		return;
	}
	if (fseek(f, -(long)sizeof(buf), SEEK_END) < 0)
		rewind(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (start = n; start > 0; start--)
		if (buf[start - 1] == '\n' && ++lines > 40)
			break;
	fwrite(buf + start, 1, n - start, stderr);
}

/* Append the file PATH to F. */
static int append_file(FILE *f, const char *path)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(path, "r");

	if (!in)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, f) != n)
			break;
	n = ferror(in) || ferror(f);
	fclose(in);
	return n ? -EIO : 0;
}

int report_lock(const struct build_ctx *b)
{
	char path[4200], tmp[4300], part[4200] = "";
	int r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.lock", b->out);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		r = -errno;
		goto fail;
	}
	snprintf(part, sizeof(part), "%s/packages.lock", b->work);
	r = append_file(f, part);
	if (r == 0) {
		snprintf(part, sizeof(part), "%s/kernel/lock", b->work);
		r = append_file(f, part);
	}
	if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r == 0)
		return 0;
fail:
	say("cannot write %s (from %s): %s", path, part, strerror(-r));
	unlink(tmp);
	return -1;
}

int report_bundle(const struct build_ctx *b)
{
	char path[4200];
	struct stat st;
	int r;

	if (!b->m->update.signing_key[0]) {
		printf("berth: no update.signing_key; no bundle\n");
		return 0;
	}
	r = mkbundle_path(b, path, sizeof(path));
	if (r == 0 && stat(path, &st) < 0)
		r = -errno;
	if (r) {
		say("bundle of %s: %s", b->out, strerror(-r));
		return -1;
	}
	printf("berth: bundle %s (%lld bytes)\n", path, (long long)st.st_size);
	return 0;
}
