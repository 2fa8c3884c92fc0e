/* unit: updater/remote.c updater/vtree.c updater/[dfl]*.c lib/[a-z]*.c -lsodium */
/*
 * A bundle read over Range requests (updater/remote.h) from a server in a
 * child process: byte for byte the bundle, the root's unchanged blocks read
 * from a "booted slot" (files), only the changed ones fetched; the whole
 * root fetched when the booted tree has another salt; the blocks an
 * interrupted install left in the target slot not fetched again; a server
 * that ignores Range or answers another range refused. Trees by veritysetup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "remote.h"
#include "vtree.h"

#define SALT "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define OTHER_SALT "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define UKI 5000

enum mode { HONOUR, IGNORE, LIE_LATER };

static char dir[] = "/tmp/berth-remote-XXXXXX";
static uint8_t *bundle;
static size_t bundle_len, payloads_at, root_at; /* where the tree and the root start */
static struct bundle_manifest man;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void write_file(const char *name, const void *p, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		die(path);
}

static uint8_t *read_file(const char *name, size_t *n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	long len;
	uint8_t *p;
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) ||
	    !(p = malloc((size_t)len)) || fread(p, 1, (size_t)len, f) != (size_t)len)
		die(path);
	fclose(f);
	*n = (size_t)len;
	return p;
}

/* veritysetup's tree of the file DATA with SALT into the file HASH; the root hash into ROOT. */
static void tree(const char *data, const char *hash, const char *salt, char root[65])
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "veritysetup format %s/%s %s/%s --hash=sha256 --data-block-size=4096 "
		 "--hash-block-size=4096 --salt=%s | sed -n 's/^Root hash:[[:space:]]*//p'",
		 dir, data, dir, hash, salt);
	FILE *f = popen(cmd, "r");
	if (!f || !fgets(root, 65, f) || strlen(root) != 64)
		die("veritysetup");
	pclose(f);
}

/* Block N of a root whose contents are ID: unique to ID, a zero block for 0. */
static void fill(uint8_t *block, uint32_t id)
{
	memset(block, 0, 4096);
	for (int i = 0; id && i < 4096; i += 4)
		memcpy(block + i, &id, 4);
}

static void hex_sha(char out[65], const uint8_t *p, size_t n)
{
	uint8_t sum[32];
	crypto_hash_sha256(sum, p, n);
	sodium_bin2hex(out, 65, sum, 32);
}

/*
 * The booted root (300 blocks) and its tree with SALT in dir; the new
 * root, 3 blocks changed and 4 added, in a format 3 bundle.
 */
static void make(const char *booted_salt, char booted_root[65])
{
	enum { OLD = 300, NEW = 304 };
	static uint8_t old[OLD * 4096], new[NEW * 4096], uki[2 * UKI];
	char root[65], text[BUNDLE_MANIFEST_MAX], s[4][65];
	size_t tree_len;

	for (uint32_t b = 0; b < OLD; b++)
		fill(old + b * 4096, b % 10 == 9 ? 0 : b + 1);
	memcpy(new, old, sizeof(old));
	fill(new + 50 * 4096, 5050), fill(new + 51 * 4096, 5051), fill(new + 200 * 4096, 5200);
	for (uint32_t b = OLD; b < NEW; b++)
		fill(new + b * 4096, 7000 + b);
	memset(uki, 'u', sizeof(uki));
	write_file("booted-root", old, sizeof(old));
	write_file("new-root", new, sizeof(new));
	tree("booted-root", "booted-verity", booted_salt, booted_root);
	tree("new-root", "new-verity", SALT, root);
	uint8_t *t = read_file("new-verity", &tree_len);
	hex_sha(s[0], new, sizeof(new));
	hex_sha(s[1], t, tree_len);
	hex_sha(s[2], uki, UKI);
	hex_sha(s[3], uki + UKI, UKI);
	int n = snprintf(text, sizeof(text),
			 "format 3\nname berth\nversion 0.2.0\ncompatible test\nepoch 0\n"
			 "roothash %s\nsalt " SALT "\npayload verity %zu %s\n"
			 "payload root %d %s\npayload uki-a %d %s\npayload uki-b %d %s\n",
			 root, tree_len, s[1], NEW * 4096, s[0], UKI, s[2], UKI, s[3]);
	char err[160];
	if (bundle_manifest_parse(text, (size_t)n, &man, err, sizeof(err)) < 0)
		die(err);
	struct bundle_header h = {.format = 3, .manifest_len = (uint32_t)n};
	free(bundle);
	bundle_len = BUNDLE_HEADER_SIZE + (size_t)n + tree_len + sizeof(new) + sizeof(uki);
	payloads_at = BUNDLE_HEADER_SIZE + (size_t)n;
	root_at = payloads_at + tree_len;
	bundle = malloc(bundle_len);
	bundle_header_write(bundle, &h);
	uint8_t *p = bundle + BUNDLE_HEADER_SIZE;
	memcpy(p, text, (size_t)n), p += n;
	memcpy(p, t, tree_len), p += tree_len;
	memcpy(p, new, sizeof(new)), p += sizeof(new);
	memcpy(p, uki, sizeof(uki));
	free(t);
}

/* One answer on connection C: the range asked, the whole file, or (LIE) the range one byte on. */
static void answer(int c, enum mode mode, unsigned n)
{
	char req[2048], head[256];
	size_t got = 0;
	ssize_t k;
	unsigned long long first = 0, last = bundle_len - 1;

	while (got < sizeof(req) - 1 && (k = recv(c, req + got, sizeof(req) - 1 - got, 0)) > 0) {
		got += (size_t)k;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	const char *r = strstr(req, "Range: bytes=");
	bool ranged =
	    mode != IGNORE && r && sscanf(r, "Range: bytes=%llu-%llu", &first, &last) == 2;
	if (ranged && mode == LIE_LATER && n > 0)
		first++;
	if (last >= bundle_len)
		last = bundle_len - 1;
	int len =
	    ranged
		? snprintf(head, sizeof(head),
			   "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %llu-%llu/%zu\r\n"
			   "Content-Length: %llu\r\n\r\n",
			   first, last, bundle_len, last - first + 1)
		: snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
			   bundle_len);
	if (send(c, head, (size_t)len, MSG_NOSIGNAL) == len)
		send(c, bundle + first, (size_t)(last - first + 1), MSG_NOSIGNAL);
	close(c);
}

/* A server of the bundle in a child process; its URL into URL. */
static pid_t serve(enum mode mode, char *url, size_t urllen)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(to);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&to, sizeof(to)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&to, &len) < 0)
		die("listen");
	snprintf(url, urllen, "http://127.0.0.1:%u/b.berth", ntohs(to.sin_port));
	pid_t pid = fork();
	if (pid == 0) {
		for (unsigned n = 0;; n++) {
			int c = accept(fd, NULL, NULL);
			if (c >= 0)
				answer(c, mode, n);
		}
	}
	close(fd);
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int open_file(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Bytes AT to END of the bundle, 1 MiB at a time as install reads: 0 when byte for byte. */
static int read_to(struct remote *rm, size_t at, size_t end)
{
	static uint8_t buf[1 << 20];
	int r = 0;

	for (size_t n; at < end && r == 0; at += n) {
		n = end - at < sizeof(buf) ? end - at : sizeof(buf);
		r = remote_read(rm, buf, n);
		if (r == 0 && memcmp(buf, bundle + at, n))
			r = -EBADMSG;
	}
	return r;
}

/*
 * As install reads the front: the header, the manifest, then the tree, each
 * handed over once read (and, in install, checked). 0 when byte for byte.
 */
static int read_front(struct remote *rm)
{
	static struct vtree t;
	uint8_t roothash[VTREE_DIGEST];
	int r = read_to(rm, 0, BUNDLE_HEADER_SIZE);

	if ((r = r ? r : read_to(rm, BUNDLE_HEADER_SIZE, payloads_at)) < 0)
		return r;
	remote_layout(rm, &man, payloads_at);
	if ((r = read_to(rm, payloads_at, root_at)) < 0)
		return r;
	sodium_hex2bin(roothash, sizeof(roothash), man.roothash, 64, NULL, NULL, NULL);
	if (vtree_open(&t, bundle + payloads_at, root_at - payloads_at,
		       man.payload[PAYLOAD_ROOT].size / VTREE_BLOCK, man.salt, man.saltlen,
		       roothash, vtree_sha256, NULL) < 0)
		die("the new tree");
	remote_plan(rm, &t);
	return 0;
}

/* The bundle read as install reads it (the front, then 1 MiB at a time): 0 when byte for byte. */
static int read_all(struct remote *rm)
{
	int r = read_front(rm);

	r = r ? r : read_to(rm, root_at, bundle_len);
	return r ? r : remote_end(rm);
}

static struct remote_slots slots(int root, int verity, const char *roothash, int target)
{
	return (struct remote_slots){root, verity, roothash, target};
}

static void test_delta(void)
{
	char booted_root[65], url[128];
	struct remote rm;

	make(SALT, booted_root);
	pid_t pid = serve(HONOUR, url, sizeof(url));
	int root = open_file("booted-root"), verity = open_file("booted-verity");
	struct remote_slots sl = slots(root, verity, booted_root, -1),
			    none = slots(-1, -1, booted_root, -1);
	CHECK(remote_open(&rm, url, &sl) == 0, "delta: opened with ranges");
	CHECK(read_all(&rm) == 0, "delta: the bundle byte for byte");
	CHECK(rm.local == 297 * 4096,
	      "delta: 297 of the new root's 304 blocks from the booted slot");
	CHECK(rm.fetched == 65536 + 7 * 4096 + 2 * UKI,
	      "delta: fetched the first 64 KiB, the 3 changed and 4 new blocks, and the UKIs");
	CHECK(rm.requests == 1 + 3 + 2,
	      "delta: one request for the front, one a range, one each UKI (a fetch ends with its "
	      "payload)");
	remote_close(&rm);
	close(root);
	close(verity);
	stop(pid);

	make(OTHER_SALT, booted_root);
	pid = serve(HONOUR, url, sizeof(url));
	root = open_file("booted-root"), verity = open_file("booted-verity");
	sl = slots(root, verity, booted_root, -1);
	CHECK(remote_open(&rm, url, &sl) == 0 && read_all(&rm) == 0 && rm.local == 0 &&
		  rm.fetched == bundle_len,
	      "delta: the booted tree of another salt: the whole bundle fetched, byte for byte");
	remote_close(&rm);
	CHECK(remote_open(&rm, url, &none) == 0 && read_all(&rm) == 0 && rm.local == 0,
	      "delta: no booted slot to read: the whole bundle fetched, byte for byte");
	remote_close(&rm);
	close(root);
	close(verity);
	stop(pid);
}

/*
 * An install cut after block 200: the target slot holds the new root's first
 * 201 blocks. What is there is not fetched again, and what a dry run says
 * reading on would fetch is what reading on fetches.
 */
static void test_resume(void)
{
	char booted_root[65], url[128];
	struct remote rm;
	size_t n;

	make(SALT, booted_root);
	uint8_t *cut = read_file("new-root", &n);
	memset(cut + 201 * 4096, 0, n - 201 * 4096);
	write_file("target-root", cut, n);
	free(cut);
	pid_t pid = serve(HONOUR, url, sizeof(url));
	int root = open_file("booted-root"), verity = open_file("booted-verity"),
	    target = open_file("target-root");
	struct remote_slots sl = slots(root, verity, booted_root, target);
	CHECK(remote_open(&rm, url, &sl) == 0 && read_front(&rm) == 0,
	      "resume: the front and the tree read");
	/* As install over ranges: uki-b, the other slot's, passed over. */
	uint64_t before = rm.fetched, pending = remote_pending(&rm, bundle_len - UKI, UKI);
	CHECK(read_to(&rm, root_at, bundle_len - UKI) == 0 && remote_skip(&rm, UKI) == 0 &&
		  remote_end(&rm) == 0,
	      "resume: the rest byte for byte, the last UKI passed over");
	CHECK(rm.resumed == 3 * 4096 && rm.local == 297 * 4096,
	      "resume: the 3 changed blocks in place in the target slot, the rest from the booted");
	CHECK(rm.fetched == 65536 + 4 * 4096 + UKI,
	      "resume: fetched only the 4 new blocks past the cut, and one UKI");
	CHECK(before + pending == rm.fetched, "resume: the pending bytes are those then fetched");
	CHECK(remote_skip(&rm, 1) == -EPIPE, "resume: nothing to pass over past the end");
	remote_close(&rm);
	close(root);
	close(verity);
	close(target);
	stop(pid);
}

static void test_refusals(void)
{
	char booted_root[65], url[128];
	struct remote rm;

	make(SALT, booted_root);
	struct remote_slots none = slots(-1, -1, booted_root, -1);
	pid_t pid = serve(IGNORE, url, sizeof(url));
	CHECK(remote_open(&rm, url, &none) == -EOPNOTSUPP,
	      "a server that ignores Range: -EOPNOTSUPP (the caller downloads it whole)");
	stop(pid);
	pid = serve(LIE_LATER, url, sizeof(url));
	int r = remote_open(&rm, url, &none);
	CHECK(r == 0 && read_all(&rm) == -EPROTO,
	      "a server that answers another range than asked: refused");
	if (r == 0)
		remote_close(&rm);
	stop(pid);
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir) || sodium_init() < 0)
		die("set-up");
	signal(SIGPIPE, SIG_IGN);
	test_delta();
	test_resume();
	test_refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		die(cmd);
	free(bundle);
	return CHECK_DONE();
}
