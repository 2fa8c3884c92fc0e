/* `berth flash IMAGE TARGET [--yes]` (flash.c). */
#ifndef BERTH_FLASH_H
#define BERTH_FLASH_H

/* ARGC/ARGV: the words after "flash". The exit status: 0, 1 failed, 2 refused. */
int cmd_flash(int argc, char **argv);

#endif
