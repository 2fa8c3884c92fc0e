/*
 * Building without root: berth's user namespace (docs/build.md, "Without
 * root").
 */
#ifndef BERTH_USERNS_H
#define BERTH_USERNS_H

/* A range of subordinate ids: START and the COUNT - 1 ids after it. */
struct subid {
	unsigned long start, count;
};

/*
 * The first range that TEXT (an /etc/subuid or /etc/subgid, subuid(5):
 * "OWNER:START:COUNT" lines) gives the user named USER or numbered ID into
 * *R. Returns 0, -ENOENT when no line is theirs, or -EINVAL when the first
 * of theirs is not three fields of decimal numbers, COUNT at least 1 and
 * the range within 32-bit ids. Other users' lines are not read.
 */
int subid_find(const char *text, const char *user, unsigned long id, struct subid *r);

/*
 * As root: nothing. Otherwise berth moves into a user namespace of its own
 * in which it is root: its uid and gid are 0 there, and ids 1 to N are the
 * user's first ranges of subordinate uids and gids (newuidmap(1),
 * newgidmap(1)), N the smaller range's length. Everything it runs from
 * then on sets owners as a root build does. *MAX_ID is the highest uid and
 * gid the build can give a file: N, or 4294967294 as root. Returns 0, or -1
 * after saying why berth cannot build (no subordinate ids, no newuidmap,
 * user namespaces not allowed).
 */
int userns_enter(unsigned long *max_id);

#endif
