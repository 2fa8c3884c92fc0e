#!/bin/bash
# Stage "ESP": a FAT file system made with mkfs.vfat and filled with mtools
# (no mounts, no loop devices): systemd-boot as the removable-media boot
# path, loader.conf, and the UKI as a Boot Loader Specification type #2
# entry. Out: $BERTH_WORK/esp.img.
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"

w=$BERTH_WORK
esp=$w/esp.img.tmp
rm -f "$esp" "$w/esp.img"

mkfs.vfat -F 32 -n ESP --invariant -C "$esp" $((BERTH_ESP_SIZE / 1024)) >/dev/null

# The factory entry carries no boot counter: it is the known-good release.
cat >"$w/loader.conf" <<CONF
timeout 0
editor no
auto-entries no
auto-firmware no
CONF
export MTOOLS_SKIP_CHECK=1
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/Linux ::/loader
mcopy -i "$esp" /usr/lib/systemd/boot/efi/systemd-bootx64.efi ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$w/loader.conf" ::/loader/loader.conf
mcopy -i "$esp" "$w/uki.efi" "::/EFI/Linux/${BERTH_NAME}_${BERTH_VERSION}.efi"
mv "$esp" "$w/esp.img"
