#!/bin/bash
# Stage "ESP": a FAT file system made with mkfs.vfat and filled with mtools
# (no mounts, no loop devices): systemd-boot as the removable-media boot
# path, loader.conf, and the UKI as a Boot Loader Specification type #2
# entry (slot A's UKI: the factory release is in slot A) named BERTH_ENTRY;
# and the installer, a type #1 entry (loader/entries/install.conf) starting
# uki-install.efi from /EFI/berth: it has no sort-key, so systemd-boot lists
# it after every UKI in /EFI/Linux and never takes it as the default, and
# berth-update and boot counting, which look only in /EFI/Linux, never see
# it. berth-install removes both files from a disk it installs onto.
# With signing.secure_boot, systemd-boot is signed with the db key (the UKI
# stage signed the UKI) and the keys' .auth files go to /loader/keys/auto,
# which systemd-boot enrols when it finds the firmware in setup mode. Out:
# $BERTH_WORK/esp.img.
set -euo pipefail
. "$BERTH_SRC/image/lib/secureboot.sh"

w=$BERTH_WORK
esp=$w/esp.img.tmp
rm -rf "$esp" "$w/esp.img" "$w/esp"

mkfs.vfat -F 32 -n ESP --invariant -C "$esp" $((BERTH_ESP_SIZE / 1024)) >/dev/null

mkdir -p "$w/esp"
# The factory entry carries no boot counter: it is the known-good release.
cat >"$w/esp/loader.conf" <<CONF
timeout 0
editor no
auto-entries no
auto-firmware no
CONF
boot=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
if [ -n "$BERTH_DB_KEY" ]; then
	# Only in setup mode, and without asking: in a VM at once, on real
	# hardware after a countdown that a key press cancels.
	echo "secure-boot-enroll force" >>"$w/esp/loader.conf"
	sb_sign "$boot" "$w/esp/BOOTX64.EFI"
	cp "$BERTH_PK_AUTH" "$w/esp/PK.auth"
	cp "$BERTH_KEK_AUTH" "$w/esp/KEK.auth"
	cp "$BERTH_DB_AUTH" "$w/esp/db.auth"
else
	cp "$boot" "$w/esp/BOOTX64.EFI"
fi
export MTOOLS_SKIP_CHECK=1
# mcopy -m keeps each file's mtime: make them all SOURCE_DATE_EPOCH.
cp "$w/uki-a.efi" "$w/esp/uki.efi"
cp "$w/uki-install.efi" "$w/esp/install.efi"
cat >"$w/esp/install.conf" <<CONF
title Install to disk
efi /EFI/berth/install.efi
CONF
touch -h -d "@$SOURCE_DATE_EPOCH" "$w/esp"/*
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/EFI/berth ::/loader ::/loader/entries
if [ -n "$BERTH_DB_KEY" ]; then
	mmd -i "$esp" ::/loader/keys ::/loader/keys/auto
	for var in PK KEK db; do
		mcopy -m -i "$esp" "$w/esp/$var.auth" "::/loader/keys/auto/$var.auth"
	done
fi
mcopy -m -i "$esp" "$w/esp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$esp" "$w/esp/loader.conf" ::/loader/loader.conf
mcopy -m -i "$esp" "$w/esp/uki.efi" "::/EFI/Linux/$BERTH_ENTRY"
mcopy -m -i "$esp" "$w/esp/install.efi" ::/EFI/berth/install.efi
mcopy -m -i "$esp" "$w/esp/install.conf" ::/loader/entries/install.conf
mv "$esp" "$w/esp.img"
