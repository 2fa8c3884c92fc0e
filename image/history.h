/*
 * The release history: every build commits its root tree to an OSTree
 * repository (image/ostree.sh); `berth log` and `berth diff` read it back.
 * See docs/history.md.
 */
#ifndef BERTH_HISTORY_H
#define BERTH_HISTORY_H

/*
 * `berth log NAME [--repo DIR]`: the versions of NAME on every channel,
 * newest first, one "VERSION\tCHANNEL\tCOMMIT\tDATE" line each.
 * ARGC/ARGV are the arguments after "log". Returns the exit status:
 * 0, 1 (no such image, ostree failed) or 2 (usage).
 */
int cmd_log(int argc, char **argv);

/*
 * `berth diff NAME V1 V2 [--repo DIR]`: the paths added, removed or changed
 * from V1 to V2, one "A /path", "D /path" or "M /path" line each, sorted by
 * path. ARGC/ARGV are the arguments after "diff". Returns the exit status:
 * 0, 1 (no such version, ostree failed) or 2 (usage).
 */
int cmd_diff(int argc, char **argv);

#endif
