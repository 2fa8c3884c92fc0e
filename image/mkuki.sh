#!/bin/bash
# Stage "UKI": systemd's EFI stub with .osrel, .cmdline, .initrd and .linux
# sections (UAPI Unified Kernel Image), one per root slot. The command line
# pins the root hash and names the slot's partitions; the two UKIs differ
# only there (berth.slot and the root and verity PARTUUIDs, of equal
# length, so the sections sit at the same addresses in both). The disk's
# ESP gets slot A's; an update bundle carries both, as an update may land
# in either slot. With a verity key (BERTH_VERITY_KEY) the line also
# carries berth.roothash_sig, a PKCS#7 signature of the root hash that the
# kernel built from kernel-config/ checks (docs/kernel.md). With
# signing.secure_boot both are signed with the db key (after uki's PE fixups:
# the signature covers them). Out:
# $BERTH_WORK/uki-a.efi, uki-b.efi (and their cmdline-a, cmdline-b).
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"
. "$BERTH_SRC/image/lib/uki.sh"
. "$BERTH_SRC/image/lib/secureboot.sh"

w=$BERTH_WORK
. "$w/verity.env"
rm -f "$w"/uki-[ab].efi "$w"/uki-[ab].efi.tmp "$w"/uki-[ab].efi.signed "$w"/cmdline-[ab]

# dm-verity verifies the signature over the root hash as the table gives
# it: 64 hex digits, no newline. -noattr: no signing time, so the same
# image gets the same bytes (RSA PKCS#1 v1.5 signatures are deterministic).
sig=
if [ -n "$BERTH_VERITY_KEY" ]; then
	sig=$(printf '%s' "$ROOTHASH" | openssl smime -sign -binary -noattr -nocerts -md sha256 \
		-outform DER -inkey "$BERTH_VERITY_KEY" -signer "$BERTH_VERITY_CERT" | base64 -w0)
fi

for slot in a b; do
	cmdline="$BERTH_CMDLINE roothash=$ROOTHASH"
	cmdline+=" systemd.verity_root_data=PARTUUID=$(derive_uuid "root-$slot")"
	cmdline+=" systemd.verity_root_hash=PARTUUID=$(derive_uuid "root-$slot-verity")"
	cmdline+=" systemd.verity_root_options=salt=$SALT,data-blocks=$DATA_BLOCKS,hash-offset=4096,restart-on-corruption"
	cmdline+=" berth.slot=$slot berth.data=PARTUUID=$(derive_uuid data)"
	[ -z "$sig" ] || cmdline+=" berth.roothash_sig=$sig"
	# The kernel keeps COMMAND_LINE_SIZE (2048) bytes with its NUL, and the
	# small kernel puts its built-in line (kernel-config/verity.config, 30
	# bytes) first: 64 bytes are left for it.
	if [ $((${#cmdline} + 64)) -gt 2047 ]; then
		echo "berth: the kernel command line is ${#cmdline} bytes; with the kernel's own it would not fit in 2048: shorten kernel.cmdline" >&2
		exit 1
	fi
	printf '%s' "${cmdline# }" >"$w/cmdline-$slot"

	uki "$w/uki-$slot.efi.tmp" "$w/root-tree/etc/os-release" "$w/cmdline-$slot" "$w/initrd.img" \
		"$w/kernel/vmlinuz"
	if [ -n "$BERTH_SECURE_BOOT" ]; then
		sb_sign "$w/uki-$slot.efi.tmp" "$w/uki-$slot.efi.signed"
		mv "$w/uki-$slot.efi.signed" "$w/uki-$slot.efi.tmp"
	fi
done
# uki-b.efi last: its existence marks the stage's output complete.
for slot in a b; do
	mv "$w/uki-$slot.efi.tmp" "$w/uki-$slot.efi"
	echo "uki-$slot $(stat -c %s "$w/uki-$slot.efi") bytes"
done
