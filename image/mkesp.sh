#!/bin/bash
# Stage "ESP": a FAT file system made with mkfs.vfat and filled with mtools
# (no mounts, no loop devices): systemd-boot as the removable-media boot
# path, loader.conf, and the UKI as a Boot Loader Specification type #2
# entry (slot A's UKI: the factory release is in slot A). Out:
# $BERTH_WORK/esp.img.
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"

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
export MTOOLS_SKIP_CHECK=1
# mcopy -m keeps each file's mtime: make them all SOURCE_DATE_EPOCH.
cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi "$w/esp/BOOTX64.EFI"
cp "$w/uki-a.efi" "$w/esp/uki.efi"
touch -h -d "@$SOURCE_DATE_EPOCH" "$w/esp"/*
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/loader
mcopy -m -i "$esp" "$w/esp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$esp" "$w/esp/loader.conf" ::/loader/loader.conf
mcopy -m -i "$esp" "$w/esp/uki.efi" "::/EFI/Linux/${BERTH_NAME}_${BERTH_VERSION}.efi"
mv "$esp" "$w/esp.img"
