/*
 * `berth keygen --secure-boot PREFIX`: an image owner's UEFI Secure Boot
 * keys. PK (platform key) signs KEK (key exchange key), KEK signs db, and
 * db signs what the firmware starts: systemd-boot and the UKIs. Each key
 * comes with its certificate and the authenticated variable update (.auth)
 * that systemd-boot enrols while the firmware is in setup mode. openssl
 * and efitools do the work; this only names the files, keeps existing
 * ones and says what failed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "util.h"

/*
 * The signature owner recorded with each certificate in the EFI signature
 * lists. Firmware does not check it; one fixed value marks berth's entries
 * (docs/secure-boot.md).
 */
#define OWNER_GUID "8207a45c-f29e-44a4-85ef-e6f1b4288bd8"
/* Firmware ignores certificate expiry; ten years keeps other tools quiet. */
#define CERT_DAYS "3650"

enum { PK, KEK, DB, N_ROLES };
enum { KEY, CRT, AUTH, N_EXTS };

static const struct {
	const char *var;  /* the EFI variable it is enrolled in */
	const char *what; /* in the certificate's CN */
	int signer;	  /* whose key signs its .auth */
} roles[N_ROLES] = {
    [PK] = {"PK", "Platform Key", PK},
    [KEK] = {"KEK", "Key Exchange Key", PK},
    [DB] = {"db", "Signature Database Key", KEK},
};
static const char *const exts[N_EXTS] = {"key", "crt", "auth"};

/* "/CN=OWNER WHAT", with the characters openssl's -subj gives a meaning escaped. */
static void subject(char *buf, size_t len, const char *owner, const char *what)
{
	size_t n = (size_t)snprintf(buf, len, "/CN=");

	for (; *owner && n + 2 < len; owner++) {
		if (strchr("/+=\\,", *owner))
			buf[n++] = '\\';
		buf[n++] = *owner;
	}
	snprintf(buf + n, len - n, " %s", what);
}

int sbkeys_keygen(const char *prefix)
{
	char path[N_ROLES][N_EXTS][4096], esl[N_ROLES][64] = {""}, subj[600], stamp[32];
	char tmp[] = "/tmp/berth-keygen.XXXXXX";
	const char *owner = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;
	bool made[N_ROLES][N_EXTS] = {{false}};
	time_t now = time(NULL);
	int status = 1;

	if (!*owner) {
		fprintf(stderr, "usage: berth keygen --secure-boot PREFIX  (PREFIX names no "
				"folder: it ends in a file name)\n");
		return 2;
	}
	for (int r = 0; r < N_ROLES; r++)
		for (int e = 0; e < N_EXTS; e++)
			if (snprintf(path[r][e], sizeof(path[r][e]), "%s-%s.%s", prefix,
				     roles[r].var, exts[e]) >= (int)sizeof(path[r][e])) {
				say("%s: %s", prefix, strerror(ENAMETOOLONG));
				return 2;
			}
	/* Every name is taken before anything is written: all or nothing. */
	for (int r = 0; r < N_ROLES; r++) {
		for (int e = 0; e < N_EXTS; e++) {
			int fd = keys_create(path[r][e], e == KEY ? 0600 : 0644);
			if (fd < 0)
				goto out;
			made[r][e] = true;
			close(fd);
		}
	}
	if (!mkdtemp(tmp)) {
		say("cannot make a folder in /tmp: %s", strerror(errno));
		goto out;
	}
	for (int r = 0; r < N_ROLES; r++) {
		snprintf(esl[r], sizeof(esl[r]), "%s/%s.esl", tmp, roles[r].var);
		subject(subj, sizeof(subj), owner, roles[r].what);
		const char *req[] = {"openssl",	   "req",    "-new",	"-x509",      "-newkey",
				     "rsa:2048",   "-nodes", "-sha256", "-days",      CERT_DAYS,
				     "-subj",	   subj,     "-keyout", path[r][KEY], "-out",
				     path[r][CRT], NULL};
		const char *list[] = {"cert-to-efi-sig-list", "-g",   OWNER_GUID,
				      path[r][CRT],	      esl[r], NULL};
		if (keys_run(req) < 0 || keys_run(list) < 0)
			goto clean;
	}
	/* One time stamp for the three updates; UEFI's EFI_TIME has no time zone: UTC. */
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", gmtime(&now));
	for (int r = 0; r < N_ROLES; r++) {
		int s = roles[r].signer;
		const char *sign[] = {"sign-efi-sig-list",
				      "-t",
				      stamp,
				      "-g",
				      OWNER_GUID,
				      "-c",
				      path[s][CRT],
				      "-k",
				      path[s][KEY],
				      roles[r].var,
				      esl[r],
				      path[r][AUTH],
				      NULL};
		if (keys_run(sign) < 0)
			goto clean;
	}
	printf("berth: wrote %s-{PK,KEK,db}.{key,crt,auth}; the .key files are secret: the build "
	       "needs only %s, keep the PK and KEK keys offline\n",
	       prefix, path[DB][KEY]);
	status = 0;
clean:
	for (int r = 0; r < N_ROLES; r++)
		if (esl[r][0] && unlink(esl[r]) < 0 && errno != ENOENT)
			say("%s: %s", esl[r], strerror(errno));
	if (rmdir(tmp) < 0)
		say("%s: %s", tmp, strerror(errno));
out:
	if (status)
		for (int r = 0; r < N_ROLES; r++)
			for (int e = 0; e < N_EXTS; e++)
				if (made[r][e])
					unlink(path[r][e]);
	return status;
}
