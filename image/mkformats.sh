#!/bin/bash
# Stage "formats": disk.raw in the formats disk.formats names ($BERTH_FORMATS,
# raw left out: disk.raw is there anyway), beside it, for the clouds that
# take them (docs/clouds.md), and SHA256SUMS, sha256sum's lines for
# disk.raw and each of them:
#   qcow2    disk.qcow2    qcow2, compressed (KVM, OpenStack, Proxmox)
#   vhd      disk.vhd      fixed VHD of disk.raw's size, a whole MiB (Azure)
#   vmdk     disk.vmdk     streamOptimized VMDK (VMware, AWS)
#   gce      disk.tar.gz   disk.raw grown to a whole GiB, alone in a gzip'ed
#                          sparse tar of the oldgnu format (Google Cloud)
#   raw.zst  disk.raw.zst  zstd
# Two builds give the same bytes: what a tool makes random or takes from
# the clock is replaced below, each where it is written.
set -euo pipefail

out=$BERTH_OUT
raw=$out/disk.raw
tmp=$BERTH_WORK/formats
mib=$((1 << 20))
gib=$((1 << 30))
size=$(stat -c %s "$raw")

die() {
	echo "mkformats: $*" >&2
	exit 1
}

# The SHA-256 of FILE in hex. openssl's uses the CPU's SHA instructions,
# Debian 12's sha256sum does not: 0.6 s against 3.7 s for a 594 MiB disk.
sha256() {
	openssl dgst -sha256 -r <"$1" | cut -d' ' -f1
}

# be32 FILE OFFSET VALUE: VALUE as 4 big-endian bytes at OFFSET of FILE.
be32() {
	# shellcheck disable=SC2059 # the format is the bytes' escapes
	printf "$(printf '\\x%02x' $(($3 >> 24 & 255)) $(($3 >> 16 & 255)) $(($3 >> 8 & 255)) $(($3 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

qcow2() {
	qemu-img convert -f raw -O qcow2 -c "$raw" "$tmp/disk.qcow2"
}

# Azure takes a fixed VHD whose size is a whole MiB: disk.raw's is (every
# partition is, and the GPTs' 1 MiB at each end). force_size keeps it so,
# rather than rounding it to a CHS geometry. qemu-img stamps the footer (the
# last 512 bytes) with the time and a random unique id: they become
# SOURCE_DATE_EPOCH (seconds since 2000-01-01, 0 for an earlier time) and
# BERTH_UUID_VHD, derived from the manifest like the disk's other ids, and
# the footer's checksum is made again: the one's complement of the sum of
# its other bytes.
vhd() {
	local f=$tmp/disk.vhd footer t sum
	[ $((size % mib)) -eq 0 ] || die "$raw: $size bytes, not a whole MiB"
	qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$raw" "$f"
	footer=$(($(stat -c %s "$f") - 512))
	t=$((SOURCE_DATE_EPOCH - 946684800))
	[ "$t" -ge 0 ] || t=0
	be32 "$f" $((footer + 24)) "$t"
	# shellcheck disable=SC2059 # the format is the bytes' escapes
	printf "$(sed 's/-//g; s/../\\x&/g' <<<"$BERTH_UUID_VHD")" |
		dd of="$f" bs=1 seek=$((footer + 68)) conv=notrunc status=none
	be32 "$f" $((footer + 64)) 0
	sum=$(od -An -v -tu1 -j "$footer" -N 512 "$f" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
	be32 "$f" $((footer + 64)) $((~sum & 0xffffffff))
}

# The descriptor names the extent by the file's name: it is written under
# its own. Its CID, a content id that qemu-img makes random and prints
# without leading zeros (so even its length varies), becomes the first 8
# hex digits of disk.raw's SHA-256: the descriptor (where the header's
# descriptorOffset and descriptorSize say, in sectors, little-endian at
# bytes 28 and 36) is written again, padded with NULs to its size.
vmdk() {
	local f=$tmp/disk.vmdk off len text
	qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$raw" "$f"
	read -r off len < <(od -An -tu8 -j 28 -N 16 "$f")
	text=$(dd if="$f" bs=512 skip="$off" count="$len" status=none | tr -d '\0')
	grep -qx 'CID=[0-9a-f]\{1,8\}' <<<"$text" || die "$f: no CID line in its descriptor"
	text=$(sed "s/^CID=[0-9a-f]*\$/CID=${raw_sum:0:8}/" <<<"$text")$'\n'
	[ "${#text}" -le $((len * 512)) ] || die "$f: the descriptor outgrows its $len sectors"
	{
		printf '%s' "$text"
		head -c $((len * 512 - ${#text})) /dev/zero
	} | dd of="$f" bs=512 seek="$off" conv=notrunc status=none
}

# Google's layout: one member, named disk.raw, of a whole number of GiB.
# The copy grown to that is sparse; tar finds its holes by reading it (the
# file system's extents could differ between two copies) and stores fixed
# owners, mode and time; gzip -n stores neither name nor time.
gce() {
	cp --sparse=always "$raw" "$tmp/disk.raw"
	truncate -s $(((size + gib - 1) / gib * gib)) "$tmp/disk.raw"
	tar --format=oldgnu --sparse --hole-detection=raw --mtime="@$SOURCE_DATE_EPOCH" \
		--owner=0 --group=0 --numeric-owner --mode=0644 -C "$tmp" -cf - disk.raw |
		gzip -n >"$tmp/disk.tar.gz"
	rm "$tmp/disk.raw"
}

# zstd writes no name or time; single-threaded (its default), its output
# is the same on every machine.
zst() {
	zstd -q "$raw" -o "$tmp/disk.raw.zst"
}

declare -A file=([qcow2]=disk.qcow2 [vhd]=disk.vhd [vmdk]=disk.vmdk [gce]=disk.tar.gz [raw.zst]=disk.raw.zst)
declare -A run=([qcow2]=qcow2 [vhd]=vhd [vmdk]=vmdk [gce]=gce [raw.zst]=zst)

# Never an older disk's files beside this disk.raw: they go first.
for f in SHA256SUMS "${file[@]}"; do
	rm -f "${out:?}/$f"
done
rm -rf "$tmp"
mkdir -p "$tmp"
raw_sum=$(sha256 "$raw")
written=()
for fmt in $BERTH_FORMATS; do
	start=${EPOCHREALTIME/./}
	"${run[$fmt]}"
	ms=$(((${EPOCHREALTIME/./} - start) / 1000))
	echo "$fmt: ${file[$fmt]}, $(stat -c %s "$tmp/${file[$fmt]}") bytes, $((ms / 1000)).$((ms % 1000 / 100)) s"
	written+=("${file[$fmt]}")
done
{
	echo "$raw_sum  disk.raw"
	for f in "${written[@]}"; do
		echo "$(sha256 "$tmp/$f")  $f"
	done
} >"$tmp/SHA256SUMS"
for f in "${written[@]}" SHA256SUMS; do
	mv "$tmp/$f" "$out/$f"
done
rm -rf "$tmp"
