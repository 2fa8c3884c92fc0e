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
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"

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

/* Runs ARGV; its output is shown only when it fails. Returns 0 or -1. */
static int run(const char *const *argv)
{
	FILE *out = tmpfile();
	int status;
	pid_t pid;

	if (!out) {
		fprintf(stderr, "berth: cannot run %s: %s\n", argv[0], strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "berth: cannot run %s: %s\n", argv[0], strerror(errno));
		fclose(out);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fileno(out), STDOUT_FILENO) < 0 || dup2(fileno(out), STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s (are openssl and efitools installed?)\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (status != 0) {
		char buf[4096];
		size_t n;
		fprintf(stderr, "berth: %s failed (%s %d):\n", argv[0],
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		rewind(out);
		while ((n = fread(buf, 1, sizeof(buf), out)) > 0)
			fwrite(buf, 1, n, stderr);
	}
	fclose(out);
	return status == 0 ? 0 : -1;
}

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
				fprintf(stderr, "berth: %s: %s\n", prefix, strerror(ENAMETOOLONG));
				return 2;
			}
	/* Every name is taken before anything is written: all or nothing. */
	for (int r = 0; r < N_ROLES; r++) {
		for (int e = 0; e < N_EXTS; e++) {
			/* O_EXCL also refuses a symlink in the way, dangling or not. */
			int fd =
			    open(path[r][e], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				 e == KEY ? 0600 : 0644);
			if (fd < 0) {
				if (errno == EEXIST)
					fprintf(stderr, "berth: %s exists; not overwriting it\n",
						path[r][e]);
				else
					fprintf(stderr, "berth: cannot create %s: %s\n", path[r][e],
						strerror(errno));
				goto out;
			}
			made[r][e] = true;
			/* The umask may only take bits away; make the secret's mode exact anyway.
			 */
			if (e == KEY && fchmod(fd, 0600) < 0) {
				fprintf(stderr, "berth: %s: %s\n", path[r][e], strerror(errno));
				close(fd);
				goto out;
			}
			close(fd);
		}
	}
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "berth: cannot make a folder in /tmp: %s\n", strerror(errno));
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
		if (run(req) < 0 || run(list) < 0)
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
		if (run(sign) < 0)
			goto clean;
	}
	printf("berth: wrote %s-{PK,KEK,db}.{key,crt,auth}; the .key files are secret: the build "
	       "needs only %s, keep the PK and KEK keys offline\n",
	       prefix, path[DB][KEY]);
	status = 0;
clean:
	for (int r = 0; r < N_ROLES; r++)
		if (esl[r][0] && unlink(esl[r]) < 0 && errno != ENOENT)
			fprintf(stderr, "berth: %s: %s\n", esl[r], strerror(errno));
	if (rmdir(tmp) < 0)
		fprintf(stderr, "berth: %s: %s\n", tmp, strerror(errno));
out:
	if (status)
		for (int r = 0; r < N_ROLES; r++)
			for (int e = 0; e < N_EXTS; e++)
				if (made[r][e])
					unlink(path[r][e]);
	return status;
}
