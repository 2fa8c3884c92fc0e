/* The manifest tests' shared fixture (manifest_fixture.h). */
#define _GNU_SOURCE
#include "manifest_fixture.h"
#include "fileio.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct manifest m;
char err[MANIFEST_ERR_MAX];
char path[128];

static char dir[64];
static const char *base_text = "";

void fx_die(const char *what)
{
	perror(what);
	exit(1);
}

void fx_setup(const char *name, const char *base)
{
	if ((size_t)snprintf(dir, sizeof(dir), "/tmp/%s.XXXXXX", name) >= sizeof(dir) ||
	    !mkdtemp(dir))
		fx_die("mkdtemp");
	base_text = base;
}

static int remove_one(const char *file, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(file) < 0)
		perror(file);
	return 0;
}

void fx_cleanup(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

void fx_write(const char *name, const char *text)
{
	char p[160];
	FILE *f;

	fx_at(p, sizeof(p), name);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fx_die(p);
}

void fx_mkdir(const char *name)
{
	char p[160];

	fx_at(p, sizeof(p), name);
	if (mkdir(p, 0755) < 0)
		fx_die(p);
}

void fx_mkfifo(const char *name)
{
	char p[160];

	fx_at(p, sizeof(p), name);
	if (mkfifo(p, 0644) < 0)
		fx_die(p);
}

void fx_symlink(const char *target, const char *name)
{
	char p[160];

	fx_at(p, sizeof(p), name);
	if (symlink(target, p) < 0)
		fx_die(p);
}

void fx_chmod(const char *name, unsigned mode)
{
	char p[160];

	fx_at(p, sizeof(p), name);
	if (chmod(p, mode) < 0)
		fx_die(p);
}

/* HEAD and YAML as a manifest in the folder, loaded into m. */
static int load(const char *head, const char *yaml)
{
	int r, fd;

	fx_at(path, sizeof(path), "m.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write_all(fd, head, strlen(head)) || write_all(fd, yaml, strlen(yaml)) ||
	    close(fd) < 0)
		fx_die(path);
	r = manifest_load(path, &m, err, sizeof(err));
	unlink(path);
	return r;
}

static int load_poisoned(const char *head, const char *yaml)
{
	memset(&m, 0x55, sizeof(m));
	int r = load(head, yaml);
	if (r)
		printf("# %s\n", err);
	return r;
}

int fx_load(const char *yaml)
{
	return load_poisoned(base_text, yaml);
}

int fx_load_raw(const char *text)
{
	return load_poisoned("", text);
}

bool fx_fails_at(const char *name, const char *yaml, const char *pos, const char *sub)
{
	char prefix[200];
	int r = load(base_text, yaml);

	snprintf(prefix, sizeof(prefix), "%s:%s: ", path, pos);
	bool ok = r == -EINVAL && !strncmp(err, prefix, strlen(prefix)) && strstr(err, sub);
	if (!ok)
		printf("# %s: r=%d err=\"%s\", want \"%s...%s\"\n", name, r, err, prefix, sub);
	return ok;
}
