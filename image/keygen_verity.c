/*
 * `berth keygen --verity PREFIX`: the key pair an image's root hash is
 * signed with. The kernel built from kernel-config/ carries the
 * certificate and mounts only a root whose hash the key signed, so like
 * the update key it is never overwritten. openssl makes both: an RSA key,
 * as its PKCS#1 v1.5 signatures are deterministic (the same image gives the
 * same UKI) and the kernel verifies them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keys.h"

/* Runs ARGV; its messages are shown only when it fails. Returns 0 or -1. */
static int run(char *const argv[])
{
	char msg[4096];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0) {
		fprintf(stderr, "berth: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "berth: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* Keep the start of a long message; drain the rest. */
		len = len + (size_t)n < sizeof(msg) - 1 ? len + (size_t)n : sizeof(msg) - 1;
	}
	msg[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "berth: waitpid: %s\n", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "berth: %s %s failed:\n%s", argv[0], argv[1], msg);
	return -1;
}

/* Takes the name PATH (mode MODE), so openssl writes into a file of ours. */
static int reserve(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0) {
		if (errno == EEXIST)
			fprintf(stderr, "berth: %s exists; not overwriting it\n", path);
		else
			fprintf(stderr, "berth: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* The umask may only take bits away; make the secret's mode exact anyway. */
	if (fchmod(fd, mode) < 0) {
		fprintf(stderr, "berth: chmod %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int keygen_verity(const char *prefix)
{
	char key[4096], crt[4096], subj[4200];
	const char *base = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;

	if (snprintf(key, sizeof(key), "%s.key", prefix) >= (int)sizeof(key) ||
	    snprintf(crt, sizeof(crt), "%s.crt", prefix) >= (int)sizeof(crt)) {
		fprintf(stderr, "berth: %s: %s\n", prefix, strerror(ENAMETOOLONG));
		return 2;
	}
	/* openssl takes '/' and '=' in a subject as syntax: keep the name plain. */
	if (!*base || strpbrk(base, "=\\+,")) {
		fprintf(stderr, "berth: the key's name '%s' must not hold = \\ + ,\n", base);
		return 2;
	}
	snprintf(subj, sizeof(subj), "/CN=%s (berth verity)", base);
	if (reserve(key, 0600) < 0)
		return 1;
	if (reserve(crt, 0644) < 0) {
		unlink(key);
		return 1;
	}
	/* The kernel ignores the validity dates of its built-in certificates. */
	char *const genkey[] = {
	    "openssl", "genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
	    "-out",    key,	  NULL};
	char *const req[] = {"openssl", "req",
			     "-new",	"-x509",
			     "-key",	key,
			     "-out",	crt,
			     "-subj",	subj,
			     "-days",	"36500",
			     "-addext", "keyUsage=critical,digitalSignature",
			     NULL};
	if (run(genkey) < 0 || run(req) < 0) {
		unlink(key);
		unlink(crt);
		return 1;
	}
	printf("berth: wrote %s (secret: keep it out of the image and out of version control) and "
	       "%s\n",
	       key, crt);
	return 0;
}
