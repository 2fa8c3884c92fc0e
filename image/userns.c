/*
 * Building without root (see userns.h). The image's owners must be its own,
 * never the builder's uid, and the stages set them as root does (tar, install
 * -o, ostree checkout, mkfs.erofs and mke2fs read them back): so the whole
 * build runs as root of a user namespace whose ids 1 and up are the user's
 * subordinate ids, as mmdebstrap's unshare mode does. Files of owner 0 in
 * the image belong to the user on the build host; files of another owner N
 * to the user's N-th subordinate id.
 */
#define _GNU_SOURCE /* unshare, setresuid */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "run.h"
#include "util.h"

#define ID_MAX 4294967294UL /* (uid_t)-1 means "unchanged" to chown(2) */

/* The decimal number of at most 10 digits from P to END: 0 or -EINVAL. */
static int number(const char *p, const char *end, unsigned long *v)
{
	size_t n = strspn(p, "0123456789");

	if (n == 0 || n > 10 || p + n != end)
		return -EINVAL;
	*v = strtoul(p, NULL, 10);
	return 0;
}

/* "START:COUNT" from S to END as a range: 0 or -EINVAL. */
static int parse_range(const char *s, const char *end, struct subid *r)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));

	if (!colon || number(s, colon, &r->start) < 0 || number(colon + 1, end, &r->count) < 0)
		return -EINVAL;
	if (r->count == 0 || r->start > ID_MAX || r->count > ID_MAX - r->start + 1)
		return -EINVAL;
	return 0;
}

int subid_find(const char *text, const char *user, unsigned long id, struct subid *r)
{
	char num[24];
	size_t ulen = strlen(user), nlen = (size_t)snprintf(num, sizeof(num), "%lu:", id);

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		if (len > ulen && !strncmp(p, user, ulen) && p[ulen] == ':')
			return parse_range(p + ulen + 1, p + len, r);
		if (len > nlen && !strncmp(p, num, nlen))
			return parse_range(p + nlen, p + len, r);
		p += len + (p[len] == '\n');
	}
	return -ENOENT;
}

/* The user's range in FILE (/etc/subuid or /etc/subgid): 0 or -1 after saying why. */
static int read_range(const char *file, const char *user, unsigned long id, struct subid *r)
{
	static char text[1 << 20];
	ssize_t n = read_text(file, text, sizeof(text));
	const char *why = "no line";
	int e;

	if (n < 0)
		why = strerror((int)-n);
	else if ((size_t)n == sizeof(text) - 1)
		why = "too long";
	else if ((e = subid_find(text, user, id, r)) == 0)
		return 0;
	else if (e == -EINVAL)
		why = "bad line (OWNER:START:COUNT, 32-bit ids)";
	say("%s has no subordinate ids for %s (%s): berth builds without root in a user namespace, "
	    "which needs them (as root: usermod --add-subuids FIRST-LAST --add-subgids FIRST-LAST "
	    "%s)",
	    file, user, why, user);
	return -1;
}

/* "PROG PID 0 OUTER 1 1 START COUNT": PROG's exit status, or 1 when it cannot run. */
static int map(const char *prog, pid_t pid, unsigned long outer, const struct subid *r)
{
	char a[4][24];
	char *argv[] = {(char *)prog, a[0], "0", a[1], "1", "1", a[2], a[3], NULL};
	int st;

	snprintf(a[0], sizeof(a[0]), "%ld", (long)pid);
	snprintf(a[1], sizeof(a[1]), "%lu", outer);
	snprintf(a[2], sizeof(a[2]), "%lu", r->start);
	snprintf(a[3], sizeof(a[3]), "%lu", r->count);
	st = run_capture(prog, argv, NULL, STDERR_FILENO, NULL);
	return st < 0 ? 1 : exit_code(st);
}

/*
 * Moves into a new user namespace and has a child map it: only a process
 * outside can run newuidmap and newgidmap on it. 0 or -1 after saying why.
 */
static int enter(uid_t uid, gid_t gid, const struct subid *su, const struct subid *sg)
{
	pid_t self = getpid(), pid;
	int p[2], st = 0, e = 0;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		say("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		/* Nothing to read: the namespace was not made. */
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		_exit(map("newuidmap", self, uid, su) || map("newgidmap", self, gid, sg));
	}
	close(p[0]);
	if (unshare(CLONE_NEWUSER) < 0 || write(p[1], "", 1) != 1)
		e = errno;
	close(p[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (e) {
		say("cannot make a user namespace to build without root in: %s", strerror(e));
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		say("cannot map ids into the user namespace (newuidmap, newgidmap: Debian's "
		    "uidmap)");
		return -1;
	}
	/* The host's supplementary groups are not mapped: nothing may be made with them. */
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		say("cannot become root of the user namespace: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int userns_enter(unsigned long *max_id)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct passwd *pw;
	struct subid su, sg;

	*max_id = ID_MAX;
	if (geteuid() == 0)
		return 0;
	pw = getpwuid(uid);
	if (!pw) {
		say("uid %u has no name: newuidmap, which maps its ids, needs one", (unsigned)uid);
		return -1;
	}
	if (read_range("/etc/subuid", pw->pw_name, uid, &su) < 0 ||
	    read_range("/etc/subgid", pw->pw_name, uid, &sg) < 0 || enter(uid, gid, &su, &sg) < 0)
		return -1;
	*max_id = su.count < sg.count ? su.count : sg.count;
	say("not root: building as root of a user namespace: uid %u and gid %u are 0 there, "
	    "uids 1-%lu are %lu-%lu, gids 1-%lu are %lu-%lu",
	    (unsigned)uid, (unsigned)gid, su.count, su.start, su.start + su.count - 1, sg.count,
	    sg.start, sg.start + sg.count - 1);
	return 0;
}
