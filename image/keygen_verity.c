/*
 * `berth keygen --verity PREFIX`: the key pair an image's root hash is
 * signed with. The kernel built from kernel-config/ carries the
 * certificate and mounts only a root whose hash the key signed, so like
 * the update key it is never overwritten. openssl makes both: an RSA key,
 * as its PKCS#1 v1.5 signatures are deterministic (the same image gives the
 * same UKI) and the kernel verifies them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "util.h"

/* Takes the name PATH (mode MODE), so openssl writes into a file of ours. */
static int reserve(const char *path, mode_t mode)
{
	int fd = keys_create(path, mode);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int keygen_verity(const char *prefix)
{
	char key[4096], crt[4096], subj[4200];
	const char *base = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;

	if (snprintf(key, sizeof(key), "%s.key", prefix) >= (int)sizeof(key) ||
	    snprintf(crt, sizeof(crt), "%s.crt", prefix) >= (int)sizeof(crt)) {
		say("%s: %s", prefix, strerror(ENAMETOOLONG));
		return 2;
	}
	/* openssl takes '/' and '=' in a subject as syntax: keep the name plain. */
	if (!*base || strpbrk(base, "=\\+,")) {
		say("the key's name '%s' must not hold = \\ + ,", base);
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
	const char *const genkey[] = {
	    "openssl", "genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
	    "-out",    key,	  NULL};
	const char *const req[] = {"openssl", "req",
				   "-new",    "-x509",
				   "-key",    key,
				   "-out",    crt,
				   "-subj",   subj,
				   "-days",   "36500",
				   "-addext", "keyUsage=critical,digitalSignature",
				   NULL};
	if (keys_run(genkey) < 0 || keys_run(req) < 0) {
		unlink(key);
		unlink(crt);
		return 1;
	}
	printf("berth: wrote %s (secret: keep it out of the image and out of version control) and "
	       "%s\n",
	       key, crt);
	return 0;
}
