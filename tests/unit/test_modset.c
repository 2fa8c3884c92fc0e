/* unit: image/modset.c image/manifest/manifest_rules.c lib/[a-z]*.c -lsodium */
/* The default kernel.modules set: kernel-config/modules as the build reads it (image/modset.c). */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "manifest.h"
#include "modset.h"

static char dir[] = "/tmp/test_modset.XXXXXX";
static char file[64], err[512], *out;

/* modset_read of a file holding TEXT: its result, the globs in OUT, a failure's message in ERR. */
static int read_set(const char *text)
{
	size_t len;
	FILE *f = fopen(file, "w"), *mem;
	int n;

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(file);
		exit(1);
	}
	free(out);
	out = NULL;
	mem = open_memstream(&out, &len);
	if (!mem) {
		perror("open_memstream");
		exit(1);
	}
	err[0] = '\0';
	n = modset_read(file, mem, err, sizeof(err));
	fclose(mem);
	return n;
}

static void test_read(void)
{
	CHECK(read_set("# comment\n\ndrivers/nvme/*\n  fs/overlayfs/*  # "
		       "why\n\tdrivers/scsi/sd_mod\t\n") == 3 &&
		  !strcmp(out, "drivers/nvme/*\nfs/overlayfs/*\ndrivers/scsi/sd_mod\n"),
	      "globs, without comments, blank lines and blanks around them");
	CHECK(read_set("drivers/nvme/*") == 1 && !strcmp(out, "drivers/nvme/*\n"),
	      "the last line without a newline");
	CHECK(read_set("# nothing\n\n") == 0 && !strcmp(out, ""), "only comments: an empty set");
	CHECK(read_set("drivers/nvme/*\n\n/lib/modules/x\n") == -1 &&
		  strstr(err, ":3: '/lib/modules/x': must be relative") &&
		  !strncmp(err, file, strlen(file)),
	      "a glob the manifest would refuse, at its line");
	CHECK(read_set("drivers/../x\n") == -1 &&
		  strstr(err, ":1: 'drivers/../x': must not contain '..'"),
	      "a '..' component");
	CHECK(read_set("drivers/nvme/* fs/*\n") == -1 && strstr(err, ":1: ") &&
		  strstr(err, "only letters"),
	      "two globs on a line");

	char many[MANIFEST_MAX_MODULES * 8 + 16], *p = many;
	for (int i = 0; i <= MANIFEST_MAX_MODULES; i++)
		p += sprintf(p, "d/%d\n", i);
	CHECK(read_set(many) == -1 && strstr(err, ":129: ") && strstr(err, "more globs than"),
	      "no more globs than a manifest may list");
	char line[MODULE_GLOB_MAX + 3];
	memset(line, 'a', MODULE_GLOB_MAX + 1);
	strcpy(line + MODULE_GLOB_MAX + 1, "\n");
	CHECK(read_set(line) == -1 && strstr(err, ":1: ") && strstr(err, "too long"),
	      "a glob too long");
	unlink(file);
	CHECK(modset_read(file, stdout, err, sizeof(err)) == -1 && strstr(err, "No such file"),
	      "no file");
}

/* What berth ships: tests/run.sh runs the tests from the source tree. */
static void test_shipped(void)
{
	FILE *mem;
	size_t len;
	int n;

	free(out);
	out = NULL;
	mem = open_memstream(&out, &len);
	if (!mem)
		return;
	n = modset_read(MODSET_DEFAULT, mem, err, sizeof(err));
	fclose(mem);
	if (n < 0)
		printf("# %s\n", err);
	CHECK(n > 0 && strstr(out, "drivers/nvme/host/nvme\n") &&
		  strstr(out, "drivers/watchdog/*\n") && strstr(out, "fs/overlayfs/*\n"),
	      "kernel-config/modules is a good set, with NVMe, the watchdogs and overlayfs");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	snprintf(file, sizeof(file), "%s/modules", dir);
	test_read();
	test_shipped();
	free(out);
	unlink(file);
	rmdir(dir);
	return CHECK_DONE();
}
