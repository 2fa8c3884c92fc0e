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
# signing.secure_boot both are signed with the db key (after the PE fixups
# below: the signature covers them). Out:
# $BERTH_WORK/uki-a.efi, uki-b.efi (and their cmdline-a, cmdline-b).
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"
. "$BERTH_SRC/image/lib/secureboot.sh"

w=$BERTH_WORK
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
. "$w/verity.env"
rm -f "$w"/uki-[ab].efi "$w"/uki-[ab].efi.tmp "$w"/uki-[ab].efi.signed "$w"/cmdline-[ab]

# objcopy stamps the PE header with the current time (and a checksum over
# it): stamp SOURCE_DATE_EPOCH instead, and leave the checksum 0 ("none"),
# which UEFI does not check.
le32() { printf "\\x%02x\\x%02x\\x%02x\\x%02x" $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
reproducible_pe() {
	local pe
	pe=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # le32 prints escapes for printf
	printf "$(le32 "$SOURCE_DATE_EPOCH")" | dd of="$1" bs=1 seek=$((pe + 8)) conv=notrunc status=none
	printf '\0\0\0\0' | dd of="$1" bs=1 seek=$((pe + 24 + 64)) conv=notrunc status=none
}

# dm-verity verifies the signature over the root hash as the table gives
# it: 64 hex digits, no newline. -noattr: no signing time, so the same
# image gets the same bytes (RSA PKCS#1 v1.5 signatures are deterministic).
sig=
if [ -n "$BERTH_VERITY_KEY" ]; then
	sig=$(printf '%s' "$ROOTHASH" | openssl smime -sign -binary -noattr -nocerts -md sha256 \
		-outform DER -inkey "$BERTH_VERITY_KEY" -signer "$BERTH_VERITY_CERT" | base64 -w0)
fi

# Sections go after the stub's own, each on a fresh page.
stub_end=0
while read -r idx _ size vma _; do
	[[ $idx =~ ^[0-9]+$ ]] || continue
	((0x$vma + 0x$size > stub_end)) && stub_end=$((0x$vma + 0x$size))
done < <(objdump -h "$stub")

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

	end=$stub_end
	args=()
	for s in osrel:"$w/root-tree/etc/os-release" cmdline:"$w/cmdline-$slot" initrd:"$w/initrd.img" linux:"$w/kernel/vmlinuz"; do
		name=${s%%:*} file=${s#*:}
		vma=$(((end + 4095) / 4096 * 4096))
		args+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf 0x%x "$vma")")
		end=$((vma + $(stat -L -c %s "$file")))
	done
	objcopy "${args[@]}" "$stub" "$w/uki-$slot.efi.tmp"
	reproducible_pe "$w/uki-$slot.efi.tmp"
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
