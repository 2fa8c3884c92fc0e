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
#include <unistd.h>

#include "keys.h"

/* HEX (its NUL not included) and a newline, whole, then to disk. */
static int write_line(int fd, const char *hex)
{
	size_t len = strlen(hex), done = 0;

	while (done <= len) {
		const char *p = done < len ? hex + done : "\n";
		ssize_t n = write(fd, p, done < len ? len - done : 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

static int create(const char *path, mode_t mode)
{
	/* O_EXCL also refuses a symlink in the way, dangling or not. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0) {
		int e = errno;
		if (e == EEXIST)
			fprintf(stderr, "berth: %s exists; not overwriting it\n", path);
		else
			fprintf(stderr, "berth: cannot create %s: %s\n", path, strerror(e));
		return -e;
	}
	return fd;
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
		fprintf(stderr, "berth: %s: %s\n", argv[0], strerror(ENAMETOOLONG));
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "berth: libsodium failed to initialise\n");
		return 1;
	}
	/* Both names are taken before anything is written: all or nothing. */
	key_fd = create(key_path, 0600);
	if (key_fd < 0)
		return 1;
	pub_fd = create(pub_path, 0644);
	if (pub_fd < 0)
		goto out;
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(sk_hex, sizeof(sk_hex), sk, sizeof(sk));
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	/* The umask may only take bits away; make the secret's mode exact anyway. */
	r = fchmod(key_fd, 0600) < 0 ? -errno : write_line(key_fd, sk_hex);
	if (r < 0) {
		fprintf(stderr, "berth: cannot write %s: %s\n", key_path, strerror(-r));
		goto out;
	}
	r = write_line(pub_fd, pk_hex);
	if (r < 0) {
		fprintf(stderr, "berth: cannot write %s: %s\n", pub_path, strerror(-r));
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
		fprintf(stderr, "berth: cannot write %s: %s\n", pub_path, strerror(errno));
		status = 1;
	}
	if (close(key_fd) < 0 && status == 0) {
		fprintf(stderr, "berth: cannot write %s: %s\n", key_path, strerror(errno));
		status = 1;
	}
	if (status) {
		unlink(key_path);
		if (pub_fd >= 0)
			unlink(pub_path);
	}
	return status;
}
