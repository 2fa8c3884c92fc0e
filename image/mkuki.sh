#!/bin/bash
# Stage "UKI": systemd's EFI stub with .osrel, .cmdline, .initrd and .linux
# sections (UAPI Unified Kernel Image), one per root slot. berth gives the
# two finished command lines (BERTH_CMDLINE_A, BERTH_CMDLINE_B): they pin
# the root hash and name the slot's partitions (with signing.verity_key,
# they also carry the root hash's signature; docs/kernel.md), and differ
# only there (berth.slot and the root and verity PARTUUIDs, of equal
# length, so the sections sit at the same addresses in both). The disk's
# ESP gets slot A's; an update bundle carries both, as an update may land
# in either slot. A third, uki-install.efi, is slot A's with berth.install=
# after its line (BERTH_CMDLINE_INSTALL): the ESP's "Install to disk"
# entry. With signing.secure_boot all are signed with the db key
# (after uki's PE fixups: the signature covers them). Out:
# $BERTH_WORK/uki-a.efi, uki-b.efi, uki-install.efi (and their cmdline-*).
set -euo pipefail
. "$BERTH_SRC/image/lib/uki.sh"
. "$BERTH_SRC/image/lib/secureboot.sh"

w=$BERTH_WORK
rm -f "$w"/uki-{a,b,install}.efi{,.tmp,.signed} "$w"/cmdline-{a,b,install}

printf '%s' "$BERTH_CMDLINE_A" >"$w/cmdline-a"
printf '%s' "$BERTH_CMDLINE_B" >"$w/cmdline-b"
printf '%s' "$BERTH_CMDLINE_INSTALL" >"$w/cmdline-install"
for slot in a b install; do
	uki "$w/uki-$slot.efi.tmp" "$w/root-tree/etc/os-release" "$w/cmdline-$slot" "$w/initrd.img" \
		"$w/kernel/vmlinuz"
	if [ -n "$BERTH_DB_KEY" ]; then
		sb_sign "$w/uki-$slot.efi.tmp" "$w/uki-$slot.efi.signed"
		mv "$w/uki-$slot.efi.signed" "$w/uki-$slot.efi.tmp"
	fi
done
# uki-b.efi last: its existence marks the stage's output complete.
for slot in install a b; do
	mv "$w/uki-$slot.efi.tmp" "$w/uki-$slot.efi"
	echo "uki-$slot $(stat -c %s "$w/uki-$slot.efi") bytes"
done
