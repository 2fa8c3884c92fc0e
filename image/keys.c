/*
 * `berth keygen`: the key pair a release engineer signs bundles with. The
 * secret key never overwrites anything: a lost key means devices that
 * trust only it accept no more updates, so an existing file is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "keys.h"
#include "run.h"
#include "util.h"

/* HEX (its NUL not included) and a newline, whole, then to disk. */
static int write_line(int fd, const char *hex)
{
	int r = write_all(fd, hex, strlen(hex));

	if (r == 0)
		r = write_all(fd, "\n", 1);
	return r == 0 && fsync(fd) < 0 ? -errno : r;
}

int keys_create(const char *path, mode_t mode)
{
	/* O_EXCL also refuses a symlink in the way, dangling or not. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode), e;

	if (fd < 0) {
		e = errno;
		if (e == EEXIST)
			say("%s exists; not overwriting it", path);
		else
			say("cannot create %s: %s", path, strerror(e));
		return -e;
	}
	/* The umask may only take bits away; make the mode exact anyway. */
	if (fchmod(fd, mode) < 0) {
		e = errno;
		say("chmod %s: %s", path, strerror(e));
		close(fd);
		unlink(path);
		return -e;
	}
	return fd;
}

int keys_run(const char *const argv[])
{
	char buf[16384];
	struct capture out = {.buf = buf, .size = sizeof(buf)};
	int st;

	fflush(stdout);
	fflush(stderr);
	st = run_capture(argv[0], (char *const *)argv, NULL, -1, &out);
	if (st < 0) {
		say("cannot run %s: %s", argv[0], strerror(-st));
		return -1;
	}
	if (st == 0)
		return 0;
	say("%s failed (%s %d):", argv[0], WIFSIGNALED(st) ? "signal" : "exit status",
	    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	fwrite(out.buf, 1, out.len, stderr);
	return -1;
}

int cmd_keygen(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char sk_hex[2 * sizeof(sk) + 1], pk_hex[2 * sizeof(pk) + 1];
	char key_path[4096], pub_path[4096];
	int key_fd = -1, pub_fd = -1, r, status = 1;

	if (argc == 2 && !strcmp(argv[0], "--secure-boot") && argv[1][0] && argv[1][0] != '-')
		return sbkeys_keygen(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "--verity") && argv[1][0] && argv[1][0] != '-')
		return keygen_verity(argv[1]);
	if (argc != 1 || argv[0][0] == '-' || !argv[0][0]) {
		fprintf(stderr,
			"usage: berth keygen PREFIX  (writes PREFIX.key and PREFIX.pub)\n"
			"       berth keygen --secure-boot PREFIX  (writes "
			"PREFIX-{PK,KEK,db}.{key,crt,auth})\n"
			"       berth keygen --verity PREFIX  (PREFIX.key and PREFIX.crt)\n");
		return 2;
	}
	if (snprintf(key_path, sizeof(key_path), "%s.key", argv[0]) >= (int)sizeof(key_path) ||
	    snprintf(pub_path, sizeof(pub_path), "%s.pub", argv[0]) >= (int)sizeof(pub_path)) {
		say("%s: %s", argv[0], strerror(ENAMETOOLONG));
		return 2;
	}
	if (sodium_init() < 0) {
		say("libsodium failed to initialise");
		return 1;
	}
	/* Both names are taken before anything is written: all or nothing. */
	key_fd = keys_create(key_path, 0600);
	if (key_fd < 0)
		return 1;
	pub_fd = keys_create(pub_path, 0644);
	if (pub_fd < 0)
		goto out;
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(sk_hex, sizeof(sk_hex), sk, sizeof(sk));
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	r = write_line(key_fd, sk_hex);
	if (r < 0) {
		say("cannot write %s: %s", key_path, strerror(-r));
		goto out;
	}
	r = write_line(pub_fd, pk_hex);
	if (r < 0) {
		say("cannot write %s: %s", pub_path, strerror(-r));
		goto out;
	}
	printf("berth: wrote %s (secret: keep it out of the image and out of version control) and "
	       "%s\n",
	       key_path, pub_path);
	status = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk_hex, sizeof(sk_hex));
	if (pub_fd >= 0 && close(pub_fd) < 0 && status == 0) {
		say("cannot write %s: %s", pub_path, strerror(errno));
		status = 1;
	}
	if (close(key_fd) < 0 && status == 0) {
		say("cannot write %s: %s", key_path, strerror(errno));
		status = 1;
	}
	if (status) {
		unlink(key_path);
		if (pub_fd >= 0)
			unlink(pub_path);
	}
	return status;
}
