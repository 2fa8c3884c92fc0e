#!/bin/bash
# dracut module "berth": the initramfs holds berth-stage1 as /init,
# berth-install (stage 1 starts it for the "Install to disk" entry) and the
# kernel modules BERTH_INITRD_DRIVERS names (with those they depend on):
# initramfs/drivers' (in load order, in the file BERTH_MODULE_LIST) and the
# disks' and watchdogs' of the manifest's set; nothing else.
# mkinitramfs.sh lays out a sysroot with the files this module installs.

check() {
	# Only when asked for by name.
	return 255
}

depends() {
	return 0
}

installkernel() {
	# shellcheck disable=SC2086 # a list of names
	hostonly='' instmods $BERTH_INITRD_DRIVERS
}

install() {
	# inst_simple tests its source without the sysroot prefix.
	inst_simple "$dracutsysrootdir/usr/lib/berth/berth-stage1" /init &&
		inst_simple "$dracutsysrootdir/usr/lib/berth/berth-install" /usr/lib/berth/berth-install &&
		inst_simple "$dracutsysrootdir$BERTH_MODULE_LIST" "$BERTH_MODULE_LIST"
}
