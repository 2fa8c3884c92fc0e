/* berth run: a built disk image booted in QEMU for a person at a terminal. */
#ifndef BERTH_QEMU_H
#define BERTH_QEMU_H

/*
 * Boots IMAGE (a disk image, or a build's output folder) through a
 * temporary overlay until QEMU exits. Returns 0 when QEMU exited with
 * status 0, 1 otherwise (said why on stderr).
 */
int qemu_run(const char *image);

#endif
