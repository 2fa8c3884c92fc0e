/* `berth publish`: an update channel's folder for any static web server (docs/fleet.md). */
#ifndef BERTH_PUBLISH_H
#define BERTH_PUBLISH_H

/*
 * ARGC/ARGV are the arguments after "publish": add, schedule, halt, resume,
 * renew or show and theirs. Returns the exit status: 0, 1 (refused: the
 * index is left as it was) or 2 (usage).
 */
int cmd_publish(int argc, char **argv);

#endif
