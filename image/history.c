/*
 * `berth log` and `berth diff`: the release history kept in the OSTree
 * repository that image/ostree.sh commits every build to. Each image NAME
 * has one ref per channel, berth/NAME/x86_64/CHANNEL; each commit carries
 * its version in OSTree's "version" metadata key. Everything is read with
 * the ostree command, run without a shell: NAME and the versions are
 * checked with the manifest's rules first, commit checksums are checked
 * before they are passed back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "history.h"
#include "manifest.h"
#include "run.h"
#include "util.h"

#define ARCH "x86_64"
#define DEFAULT_REPO "out/repo"
/* More output than any ostree log or diff of a berth image prints. */
#define OUTPUT_LIMIT (64u << 20)

struct release {
	char version[65];
	char channel[33];
	char commit[65];
	char date[32];
	size_t depth; /* 0 for the head of its channel */
};

struct releases {
	struct release *v;
	size_t n, cap;
};

struct args {
	const char *repo;
	const char *pos[3];
	int n_pos;
};

/* ---- running ostree ---- */

/* Copies what ostree wrote to its stderr (the temporary file F) to ours. */
static void show_stderr(FILE *f)
{
	char buf[4096];
	size_t n;

	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
}

/* Why ostree's run (wait status ST, output OUT) is no good, or NULL. */
static const char *bad_run(int st, const struct capture *out, char *why, size_t len)
{
	if (WIFSIGNALED(st))
		snprintf(why, len, "was killed by signal %d:", WTERMSIG(st));
	else if (st != 0)
		snprintf(why, len, "failed (exit status %d):", WEXITSTATUS(st));
	else if (out->cut)
		snprintf(why, len, "printed more than %u MiB", OUTPUT_LIMIT >> 20);
	else if (strlen(out->buf) != out->len)
		snprintf(why, len, "printed a NUL byte");
	else
		return NULL;
	return why;
}

/*
 * Runs ostree with ARGV (argv[0] is "ostree") and returns what it printed
 * in *OUT (NUL-terminated, to be freed). On failure, reports it with
 * ostree's own stderr and returns -1.
 */
static int ostree(const char *const *argv, char **out)
{
	struct capture cap = {.size = OUTPUT_LIMIT};
	FILE *err = tmpfile();
	char why[64];
	int st;

	*out = NULL;
	cap.buf = malloc(cap.size);
	/* The output is parsed: no translated labels. */
	if (!err || !cap.buf || setenv("LC_ALL", "C", 1) < 0) {
		st = -errno;
	} else {
		fflush(stdout);
		fflush(stderr);
		st = run_capture("ostree", (char *const *)argv, NULL, fileno(err), &cap);
	}
	if (st < 0) {
		say("cannot run ostree: %s", strerror(-st));
	} else if (bad_run(st, &cap, why, sizeof(why))) {
		say("ostree %s %s", argv[1], why);
		show_stderr(err);
	} else {
		*out = cap.buf;
		cap.buf = NULL;
	}
	if (err)
		fclose(err);
	free(cap.buf);
	return *out ? 0 : -1;
}

/* ---- arguments ---- */

static bool good_checksum(const char *s, size_t n)
{
	return n == 64 && strspn(s, "0123456789abcdef") >= 64;
}

static void usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "log"))
		fprintf(f, "usage: berth log NAME [--repo DIR]\n");
	else
		fprintf(f, "usage: berth diff NAME VERSION1 VERSION2 [--repo DIR]\n");
}

/* NAME and WANT more words, then --repo DIR anywhere. Returns 0 or 2 after a message. */
static int parse_args(const char *cmd, int argc, char **argv, int want, struct args *a)
{
	a->repo = DEFAULT_REPO;
	a->n_pos = 0;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--repo") && i + 1 < argc && argv[i + 1][0]) {
			a->repo = argv[++i];
		} else if (!strncmp(s, "--repo=", 7) && s[7]) {
			a->repo = s + 7;
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			usage(stdout, cmd);
			return -1;
		} else if (s[0] != '-' && a->n_pos < want) {
			a->pos[a->n_pos++] = s;
		} else {
			usage(stderr, cmd);
			return 2;
		}
	}
	if (a->n_pos != want) {
		usage(stderr, cmd);
		return 2;
	}
	if (manifest_check_name(a->pos[0]) < 0) {
		say("bad image name '%s': lower-case letters, digits and '-', at most 32",
		    a->pos[0]);
		return 2;
	}
	for (int i = 1; i < want; i++) {
		if (manifest_check_version(a->pos[i]) < 0) {
			say("bad version '%s': expected MAJOR.MINOR.PATCH[-PRERELEASE]", a->pos[i]);
			return 2;
		}
	}
	return 0;
}

/* The repository exists: a clear message rather than ostree's. Returns 0 or 1. */
static int check_repo(const char *repo)
{
	char config[4200];
	struct stat st;

	if (snprintf(config, sizeof(config), "%s/config", repo) >= (int)sizeof(config)) {
		say("%s: %s", repo, strerror(ENAMETOOLONG));
		return 1;
	}
	if (stat(config, &st) < 0) {
		say("no OSTree repository at %s (%s: %s); builds create it", repo, config,
		    strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- reading the history ---- */

static struct release *add_release(struct releases *rs)
{
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 32;
		struct release *p = realloc(rs->v, ncap * sizeof(*p));
		if (!p)
			return NULL;
		rs->v = p;
		rs->cap = ncap;
	}
	struct release *r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Copies the N bytes at S into DST (SIZE bytes), cut short if need be. */
static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* ostree log's "2024-01-02 03:04:05 +0000" (always UTC) as "2024-01-02T03:04:05Z". */
static void set_date(struct release *r, const char *s, size_t n)
{
	if (n == 25 && s[10] == ' ' && !strncmp(s + 19, " +0000", 6)) {
		copy_text(r->date, sizeof(r->date), s, 19);
		r->date[10] = 'T';
		strcat(r->date, "Z");
	} else {
		copy_text(r->date, sizeof(r->date), s, n);
	}
}

/*
 * Adds the commits of REF (channel CHANNEL) to RS, newest first, from
 * ostree log's blocks:
 *   commit <checksum>
 *   Parent:  <checksum>
 *   Date:  <date>
 *   Version: <version>
 *   (blank line, subject and body indented by four spaces)
 */
static int read_channel(const char *repo_arg, const char *ref, const char *channel,
			struct releases *rs)
{
	const char *argv[] = {"ostree", "log", repo_arg, ref, NULL};
	struct release *cur = NULL;
	size_t depth = 0;
	char *out;

	if (ostree(argv, &out) < 0)
		return -1;
	for (char *line = out, *next; *line; line = next) {
		size_t n = strcspn(line, "\n");
		next = line + n + (line[n] == '\n');
		if (n > 7 && !strncmp(line, "commit ", 7)) {
			if (!good_checksum(line + 7, n - 7)) {
				say("ostree log %s: unexpected line '%.*s'", ref, (int)n, line);
				free(out);
				return -1;
			}
			cur = add_release(rs);
			if (!cur) {
				say("%s", strerror(ENOMEM));
				free(out);
				return -1;
			}
			copy_text(cur->commit, sizeof(cur->commit), line + 7, 64);
			copy_text(cur->channel, sizeof(cur->channel), channel, strlen(channel));
			strcpy(cur->version, "-");
			strcpy(cur->date, "-");
			cur->depth = depth++;
		} else if (cur && n > 5 && !strncmp(line, "Date:", 5)) {
			size_t skip = 5 + strspn(line + 5, " ");
			set_date(cur, line + skip, n - skip);
		} else if (cur && n > 9 && !strncmp(line, "Version: ", 9)) {
			copy_text(cur->version, sizeof(cur->version), line + 9, n - 9);
		}
	}
	free(out);
	return 0;
}

/* Newest first; the same date (SOURCE_DATE_EPOCH unset): by place in the history. */
static int newest_first(const void *a, const void *b)
{
	const struct release *x = a, *y = b;
	int c = strcmp(y->date, x->date);

	if (c)
		return c;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(x->channel, y->channel);
}

/*
 * Every release of NAME on every channel into RS, newest first. Returns 0,
 * or the exit status after a message: 1 when NAME has no ref or ostree failed.
 */
static int read_history(const char *repo, const char *name, struct releases *rs)
{
	char repo_arg[4200], prefix[64], ref[128];
	size_t plen, n_refs = 0;
	char *out;

	if (check_repo(repo))
		return 1;
	snprintf(repo_arg, sizeof(repo_arg), "--repo=%s", repo);
	plen = (size_t)snprintf(prefix, sizeof(prefix), "berth/%s/" ARCH "/", name);
	/* Listed under the prefix without its last '/': refs berth/NAME/x86_64/... only. */
	prefix[plen - 1] = '\0';
	const char *argv[] = {"ostree", "refs", repo_arg, "--list", prefix, NULL};
	if (ostree(argv, &out) < 0)
		return 1;
	prefix[plen - 1] = '/';
	for (char *line = out, *next; *line; line = next) {
		size_t n = strcspn(line, "\n");
		next = line + n + (line[n] == '\n');
		if (n <= plen || strncmp(line, prefix, plen) || !id_valid(line + plen, n - plen))
			continue;
		copy_text(ref, sizeof(ref), line, n);
		if (read_channel(repo_arg, ref, ref + plen, rs) < 0) {
			free(out);
			return 1;
		}
		n_refs++;
	}
	free(out);
	if (n_refs == 0) {
		say("%s has no releases in %s (no ref %s*)", name, repo, prefix);
		return 1;
	}
	if (rs->n)
		qsort(rs->v, rs->n, sizeof(rs->v[0]), newest_first);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	struct releases rs = {0};
	struct args a;
	int r = parse_args("log", argc, argv, 1, &a);

	if (r)
		return r < 0 ? 0 : r;
	r = read_history(a.repo, a.pos[0], &rs);
	for (size_t i = 0; r == 0 && i < rs.n; i++) {
		const struct release *x = &rs.v[i];
		printf("%s\t%s\t%s\t%s\n", x->version, x->channel, x->commit, x->date);
	}
	free(rs.v);
	if (r == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		say("writing the log: %s", strerror(errno));
		return 1;
	}
	return r;
}

/* ---- diff ---- */

struct change {
	char what; /* 'A', 'D' or 'M' */
	const char *path;
};

static int by_path(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->what - y->what;
}

/* The newest release of VERSION, or NULL. */
static const struct release *find_version(const struct releases *rs, const char *version)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].version, version))
			return &rs->v[i];
	return NULL;
}

/* ostree diff prints "M    /path": the letter, spaces, the path. Sorted by path. */
static int print_changes(char *out)
{
	struct change *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (char *line = out, *next; *line; line = next) {
		size_t len = strcspn(line, "\n");
		next = line + len + (line[len] == '\n');
		line[len] = '\0';
		if (len == 0)
			continue;
		size_t sp = strspn(line + 1, " ");
		if (!strchr("ADM", line[0]) || sp == 0 || line[1 + sp] != '/') {
			say("ostree diff: unexpected line '%s'", line);
			r = 1;
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct change *p = realloc(v, ncap * sizeof(*p));
			if (!p) {
				say("%s", strerror(ENOMEM));
				r = 1;
				break;
			}
			v = p;
			cap = ncap;
		}
		v[n].what = line[0];
		v[n++].path = line + 1 + sp;
	}
	if (r == 0) {
		if (n)
			qsort(v, n, sizeof(v[0]), by_path);
		for (size_t i = 0; i < n; i++)
			printf("%c %s\n", v[i].what, v[i].path);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			say("writing the diff: %s", strerror(errno));
			r = 1;
		}
	}
	free(v);
	return r;
}

int cmd_diff(int argc, char **argv)
{
	struct releases rs = {0};
	const struct release *from, *to;
	char repo_arg[4200], *out = NULL;
	const char *args[] = {"ostree", "diff", repo_arg, NULL, NULL, NULL};
	struct args a;
	int r = parse_args("diff", argc, argv, 3, &a);

	if (r)
		return r < 0 ? 0 : r;
	r = read_history(a.repo, a.pos[0], &rs);
	if (r)
		goto done;
	from = find_version(&rs, a.pos[1]);
	to = find_version(&rs, a.pos[2]);
	if (!from || !to) {
		say("%s has no version %s", a.pos[0], from ? a.pos[2] : a.pos[1]);
		r = 1;
		goto done;
	}
	snprintf(repo_arg, sizeof(repo_arg), "--repo=%s", a.repo);
	args[3] = from->commit;
	args[4] = to->commit;
	if (!good_checksum(from->commit, strlen(from->commit)) ||
	    !good_checksum(to->commit, strlen(to->commit)) || ostree(args, &out) < 0) {
		r = 1;
		goto done;
	}
	r = print_changes(out);
done:
	free(out);
	free(rs.v);
	return r;
}
