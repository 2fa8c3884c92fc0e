/* unit: updater/remote.c updater/vtree.c updater/[dflp]*.c lib/[a-z]*.c -lsodium */
/*
 * A bundle read over Range requests (updater/remote.h) from a server in a
 * child process: byte for byte the bundle, the root's unchanged blocks read
 * from a "booted slot" (files), only the changed ones fetched; the whole
 * root fetched when the booted tree has another salt; the blocks an
 * interrupted install left in the target slot not fetched again; the
 * target UKI's kernel and initramfs taken from the booted UKI, and fetched
 * after all when the guess was wrong; a server that ignores Range or
 * answers another range refused. Trees by veritysetup.
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
#include "le.h"
#include "remote.h"
#include "vtree.h"

#define SALT "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define OTHER_SALT "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
/* A UKI laid out as objcopy lays out berth's: .initrd, then .linux, which ends it. */
#define UKI 20480
#define INITRD_AT 0x1000
#define INITRD 8000
#define LINUX_AT 0x3000
#define LINUX 8192
#define UKI_FETCHED (4096 + LINUX_AT - INITRD_AT - INITRD) /* the headers' block, a gap */

enum mode { HONOUR, IGNORE, LIE_LATER };

static char dir[] = "/tmp/berth-remote-XXXXXX";
static uint8_t *bundle;
static size_t bundle_len, payloads_at, root_at; /* where the tree and the root start */
static size_t uki_at;				/* uki-a, the target; then uki-b */
static uint8_t old_uki[UKI];			/* the booted slot's */
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
 * A UKI as objcopy lays one out, small: the headers, .cmdline naming SLOT,
 * .linux and .initrd of contents KERNEL_ID and INITRD_ID (sizes fixed).
 */
static void make_uki(uint8_t *f, char slot, uint8_t kernel_id, uint8_t initrd_id)
{
	const struct {
		const char *name;
		uint32_t size, at;
		uint8_t fill;
	} sec[] = {{".cmdline", 16, 0x400, (uint8_t)slot},
		   {".initrd", INITRD, INITRD_AT, initrd_id},
		   {".linux", LINUX, LINUX_AT, kernel_id}};

	memset(f, 0, UKI);
	memcpy(f, "MZ", 2);
	le_put(f + 0x3c, 0x80, 4);
	memcpy(f + 0x80, "PE\0\0", 4);
	le_put(f + 0x84 + 2, 3, 2); /* sections; no optional header */
	for (int i = 0; i < 3; i++) {
		uint8_t *t = f + 0x84 + 20 + i * 40;
		memcpy(t, sec[i].name, strlen(sec[i].name));
		le_put(t + 8, sec[i].size, 4);
		le_put(t + 16, sec[i].size, 4);
		le_put(t + 20, sec[i].at, 4);
		for (uint32_t k = 0; k < sec[i].size; k++)
			f[sec[i].at + k] = (uint8_t)(sec[i].fill + k * 7);
	}
}

/*
 * The booted root (OLD blocks) and its tree with SALT in dir, and the booted
 * UKI; the new root, 3 blocks changed and 4 added, in a format 3 bundle
 * whose UKIs have the booted one's kernel and an initramfs of contents
 * INITRD_ID (the booted one's: 2). The trees' leaf hash blocks (128 leaves
 * each, 32 of them) differ in the first two and the last only.
 */
enum { OLD = 4000, NEW = 4004, SAME = OLD - 3, TREE_SAME = 32 - 3 };
static void make(const char *booted_salt, char booted_root[65], uint8_t initrd_id)
{
	static uint8_t old[OLD * 4096], new[NEW * 4096], uki[2 * UKI];
	char root[65], text[BUNDLE_MANIFEST_MAX], s[4][65];
	size_t tree_len;

	for (uint32_t b = 0; b < OLD; b++)
		fill(old + b * 4096, b % 10 == 9 ? 0 : b + 1);
	memcpy(new, old, sizeof(old));
	fill(new + 50 * 4096, 5050), fill(new + 51 * 4096, 5051), fill(new + 200 * 4096, 5200);
	for (uint32_t b = OLD; b < NEW; b++)
		fill(new + b * 4096, 7000 + b);
	make_uki(old_uki, 'a', 1, 2);
	make_uki(uki, 'a', 1, initrd_id);
	make_uki(uki + UKI, 'b', 1, initrd_id);
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
	uki_at = root_at + sizeof(new);
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
	if ((r = remote_layout(rm, &man, payloads_at)) < 0 ||
	    (r = read_to(rm, payloads_at, root_at)) < 0)
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

/* As install over ranges: uki-a, the target, from the booted UKI where it can; uki-b passed over.
 */
static int read_ukis(struct remote *rm)
{
	int r = read_to(rm, uki_at, uki_at + UKI);

	r = r ? r : remote_skip(rm, UKI);
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

	make(SALT, booted_root, 2);
	pid_t pid = serve(HONOUR, url, sizeof(url));
	int root = open_file("booted-root"), verity = open_file("booted-verity");
	struct remote_slots sl = slots(root, verity, booted_root, -1),
			    none = slots(-1, -1, booted_root, -1);
	CHECK(remote_open(&rm, url, &sl) == 0, "delta: opened with ranges");
	CHECK(read_front(&rm) == 0 && rm.local == TREE_SAME * 4096,
	      "delta: the tree byte for byte, its unchanged leaf blocks from the booted tree");
	CHECK(rm.fetched == 65536 + 4096 && rm.requests == 2,
	      "delta: of the tree, past the first 64 KiB, only its changed last block fetched");
	CHECK(read_to(&rm, root_at, uki_at) == 0, "delta: the root byte for byte");
	CHECK(rm.local == (TREE_SAME + SAME) * 4096,
	      "delta: the new root's unchanged blocks from the booted slot");
	CHECK(rm.fetched == 65536 + 4096 + 7 * 4096 && rm.requests == 2 + 3,
	      "delta: of the root, the 3 changed and 4 new blocks fetched, in a request a range");
	CHECK(remote_uki(&rm, uki_at, UKI, old_uki, UKI) == 2 && read_ukis(&rm) == 0,
	      "delta: the target UKI byte for byte, its .linux and .initrd the booted UKI's");
	CHECK(rm.local == (TREE_SAME + SAME) * 4096 + LINUX + INITRD,
	      "delta: the kernel and initramfs from the booted UKI");
	CHECK(rm.fetched == 65536 + 4096 + 7 * 4096 + UKI_FETCHED && rm.requests == 2 + 3 + 2,
	      "delta: of the UKI, its headers' block and the gap between the two fetched");
	remote_close(&rm);
	close(root);
	close(verity);
	stop(pid);

	make(OTHER_SALT, booted_root, 2);
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
 * reading on would fetch is what an install fetches.
 */
static void test_resume(void)
{
	char booted_root[65], url[128];
	struct remote rm;
	size_t n;

	make(SALT, booted_root, 2);
	uint8_t *cut = read_file("new-root", &n);
	memset(cut + 201 * 4096, 0, n - 201 * 4096);
	write_file("target-root", cut, n);
	free(cut);
	pid_t pid = serve(HONOUR, url, sizeof(url));
	int root = open_file("booted-root"), verity = open_file("booted-verity"),
	    target = open_file("target-root");
	struct remote_slots sl = slots(root, verity, booted_root, target);
	/* The dry run: the plans made, nothing more read. */
	CHECK(remote_open(&rm, url, &sl) == 0 && read_front(&rm) == 0 &&
		  remote_uki(&rm, uki_at, UKI, old_uki, UKI) == 2,
	      "resume: the front, the tree and the UKI's headers read");
	uint64_t would = rm.fetched + remote_pending(&rm, uki_at + UKI, UKI);
	remote_close(&rm);
	CHECK(remote_open(&rm, url, &sl) == 0 && read_front(&rm) == 0 &&
		  read_to(&rm, root_at, uki_at) == 0 &&
		  remote_uki(&rm, uki_at, UKI, old_uki, UKI) == 2 && read_ukis(&rm) == 0,
	      "resume: the rest byte for byte, the last UKI passed over");
	CHECK(rm.resumed == 3 * 4096 && rm.local == (TREE_SAME + SAME) * 4096 + LINUX + INITRD,
	      "resume: the 3 changed blocks in place in the target slot, the rest from the booted");
	CHECK(rm.fetched == 65536 + 4096 + 4 * 4096 + UKI_FETCHED,
	      "resume: fetched only the 4 new blocks past the cut, and of one UKI what differs");
	CHECK(would == rm.fetched, "resume: the dry run's figure is what the install fetched");
	CHECK(remote_skip(&rm, 1) == -EPIPE, "resume: nothing to pass over past the end");
	remote_close(&rm);
	close(root);
	close(verity);
	close(target);
	stop(pid);
}

/*
 * The booted UKI's sections of the same names and sizes are a guess: a new
 * initramfs of the same size comes out wrong, and read again, fetched, is
 * right. Sections whose sizes differ are not taken at all.
 */
static void test_uki_guess(void)
{
	char booted_root[65], url[128];
	static uint8_t bigger[UKI];
	struct remote rm;

	make(SALT, booted_root, 3);
	pid_t pid = serve(HONOUR, url, sizeof(url));
	struct remote_slots none = slots(-1, -1, booted_root, -1);
	memcpy(bigger, old_uki, UKI);
	le_put(bigger + 0x84 + 20 + 1 * 40 + 8, INITRD + 1, 4); /* .initrd's sizes */
	le_put(bigger + 0x84 + 20 + 1 * 40 + 16, INITRD + 1, 4);
	CHECK(remote_open(&rm, url, &none) == 0 && read_front(&rm) == 0 &&
		  read_to(&rm, root_at, uki_at) == 0,
	      "guess: the root read");
	CHECK(remote_uki(&rm, uki_at, UKI, NULL, 0) == 0, "guess: no booted UKI, nothing taken");
	CHECK(remote_uki(&rm, uki_at, UKI, bigger, UKI) == 1,
	      "guess: an .initrd of another size is not taken, .linux is");
	CHECK(remote_uki(&rm, uki_at, UKI, old_uki, UKI) == 2 &&
		  read_to(&rm, uki_at, uki_at + UKI) == -EBADMSG,
	      "guess: an .initrd of the same size taken from the booted UKI: not the new one");
	remote_refetch(&rm, uki_at);
	CHECK(read_ukis(&rm) == 0 && rm.local == 0,
	      "guess: read again, fetched, the UKI byte for byte, nothing counted as local");
	remote_close(&rm);
	stop(pid);
}

static void test_refusals(void)
{
	char booted_root[65], url[128];
	struct remote rm;

	make(SALT, booted_root, 2);
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
	test_uki_guess();
	test_refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		die(cmd);
	free(bundle);
	return CHECK_DONE();
}
