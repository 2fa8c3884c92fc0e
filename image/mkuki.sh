#!/bin/bash
# Stage "UKI": systemd's EFI stub with .osrel, .cmdline, .initrd and .linux
# sections (UAPI Unified Kernel Image). The command line pins the root
# hash and names slot A's partitions. Out: $BERTH_WORK/uki.efi.
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"

w=$BERTH_WORK
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
. "$w/verity.env"

cmdline="$BERTH_CMDLINE roothash=$ROOTHASH"
cmdline+=" systemd.verity_root_data=PARTUUID=$(derive_uuid root-a)"
cmdline+=" systemd.verity_root_hash=PARTUUID=$(derive_uuid root-a-verity)"
cmdline+=" systemd.verity_root_options=salt=$SALT,data-blocks=$DATA_BLOCKS,hash-offset=4096,restart-on-corruption"
cmdline+=" berth.slot=a berth.data=PARTUUID=$(derive_uuid data)"
printf '%s' "${cmdline# }" >"$w/cmdline"

# Sections go after the stub's own, each on a fresh page.
end=0
while read -r idx _ size vma _; do
	[[ $idx =~ ^[0-9]+$ ]] || continue
	((0x$vma + 0x$size > end)) && end=$((0x$vma + 0x$size))
done < <(objdump -h "$stub")
args=()
for s in osrel:"$w/root-tree/etc/os-release" cmdline:"$w/cmdline" initrd:"$w/initrd.img" linux:"$w/kernel/vmlinuz"; do
	name=${s%%:*} file=${s#*:}
	vma=$(((end + 4095) / 4096 * 4096))
	args+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf 0x%x "$vma")")
	end=$((vma + $(stat -L -c %s "$file")))
done
rm -f "$w/uki.efi"
objcopy "${args[@]}" "$stub" "$w/uki.efi.tmp"

# objcopy stamps the PE header with the current time (and a checksum over
# it): stamp SOURCE_DATE_EPOCH instead, and leave the checksum 0 ("none"),
# which UEFI does not check.
le32() { printf "\\x%02x\\x%02x\\x%02x\\x%02x" $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
pe=$(od -An -tu4 -j60 -N4 "$w/uki.efi.tmp" | tr -d ' ')
# shellcheck disable=SC2059 # le32 prints escapes for printf
printf "$(le32 "$SOURCE_DATE_EPOCH")" | dd of="$w/uki.efi.tmp" bs=1 seek=$((pe + 8)) conv=notrunc status=none
printf '\0\0\0\0' | dd of="$w/uki.efi.tmp" bs=1 seek=$((pe + 24 + 64)) conv=notrunc status=none
mv "$w/uki.efi.tmp" "$w/uki.efi"
echo "uki $(stat -c %s "$w/uki.efi") bytes"
