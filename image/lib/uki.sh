# Sourced by the UKI stage (and the bench's Debian baseline): a Unified
# Kernel Image made from systemd's EFI stub with objcopy.

# objcopy stamps the PE header with the current time (and a checksum over
# it): stamp SOURCE_DATE_EPOCH instead, and leave the checksum 0 ("none"),
# which UEFI does not check.
_le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
_reproducible_pe() {
	local pe
	pe=$(od -An -tu4 -j60 -N4 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # _le32 prints escapes for printf
	printf "$(_le32 "${SOURCE_DATE_EPOCH:-0}")" | dd of="$1" bs=1 seek=$((pe + 8)) conv=notrunc status=none
	printf '\0\0\0\0' | dd of="$1" bs=1 seek=$((pe + 24 + 64)) conv=notrunc status=none
}

# uki OUT OSREL CMDLINE INITRD LINUX: the stub with .osrel, .cmdline,
# .initrd and .linux sections from those files, written to OUT.
uki() {
	local out=$1 stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
	local end=0 idx size vma name file args=() s
	# Sections go after the stub's own, each on a fresh page.
	while read -r idx _ size vma _; do
		[[ $idx =~ ^[0-9]+$ ]] || continue
		((0x$vma + 0x$size > end)) && end=$((0x$vma + 0x$size))
	done < <(objdump -h "$stub")
	for s in osrel:"$2" cmdline:"$3" initrd:"$4" linux:"$5"; do
		name=${s%%:*} file=${s#*:}
		vma=$(((end + 4095) / 4096 * 4096))
		args+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf 0x%x "$vma")")
		end=$((vma + $(stat -L -c %s "$file")))
	done
	objcopy "${args[@]}" "$stub" "$out"
	_reproducible_pe "$out"
}
