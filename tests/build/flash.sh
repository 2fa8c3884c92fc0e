#!/bin/bash
# `berth flash IMAGE TARGET`: out/test's image into files and onto a loop
# device over old bytes (0xff), which then read as the image does, zeros
# and all; holes stay holes in a new file. Every refusal (a partition
# table without --yes, a target smaller than the image, a mounted drive, a
# drive's name mistyped) exits 2, says why and leaves the target as it
# was. That a flashed disk boots is tests/e2e/test_grow.py's. A drive one
# of whose partitions is mounted is refused the same way; the build
# machines' kernels read no partition tables, so no test makes one.
# bmaptool copy with the build's disk.raw.bmap onto a drive of old bytes
# gives a disk whose GPT, ESP, verified root and /var check out as the
# image's, with slot B left as it was. About 35 s.
set -u
cd "$(dirname "$0")/../.."
berth=$PWD/build/berth
image=$PWD/out/test/disk.raw
size=$(stat -c %s "$image")
tmp=$(mktemp -d /tmp/berth-flash-test.XXXXXX)
loops=()
cleanup() {
	umount "$tmp/mnt" 2>/dev/null
	for l in "${loops[@]}"; do losetup -d "$l"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - flash: $name"
	else
		echo "FAIL - flash: $name"
		sed 's/^/    /' "$tmp/out"
	fi
}
# NAME WHY TARGET ARGS...: berth flash exits 2, says WHY, and TARGET's bytes do not change.
refused() {
	local name=$1 why=$2 target=$3 before st
	shift 3
	before=$(sha256sum <"$target")
	"$berth" flash "$image" "$target" "$@" </dev/null >"$tmp/flash.log" 2>&1
	st=$?
	check "$name: exit 2" test "$st" = 2
	check "$name: says why" grep -q "$why: refused" "$tmp/flash.log"
	check "$name: the target is unchanged" test "$(sha256sum <"$target")" = "$before"
}
# A loop device over FILE, in $loop.
loop() {
	loop=$(losetup --find --show "$1") && loops+=("$loop")
}

check "into a new file" "$berth" flash "$image" "$tmp/new.raw"
check "the new file is the image, byte for byte" cmp "$image" "$tmp/new.raw"
# Holes are not written: the file holds no more blocks than the image's data.
check "the image's holes are holes in the file" \
	test "$(du -B1 "$tmp/new.raw" | cut -f1)" -le "$(du -B1 "$image" | cut -f1)"

# SIZE bytes of 0xff into FILE, as a used drive holds old bytes.
old_bytes() {
	tr '\0' '\377' </dev/zero | head -c "$1" | dd of="$2" conv=notrunc status=none
}

truncate -s 1G "$tmp/disk.raw"
old_bytes "$size" "$tmp/disk.raw"
check "an output folder stands for its disk.raw" "$berth" flash out/test "$tmp/disk.raw"
check "a larger disk image over old bytes: the image at its start" \
	cmp -n "$size" "$image" "$tmp/disk.raw"
check "a larger disk image keeps its size" test "$(stat -c %s "$tmp/disk.raw")" = $((1 << 30))
refused "onto a GPT without --yes, no terminal" "holds a GPT" "$tmp/disk.raw"
check "onto a GPT with --yes" "$berth" flash "$image" "$tmp/disk.raw" --yes
head -c 1M /dev/urandom >"$tmp/small.raw"
refused "onto a file smaller than the image" "the image [0-9]* MiB" "$tmp/small.raw"
"$berth" flash "$image" /dev/berth-no-such-drive >"$tmp/flash.log" 2>&1
check "a drive's name mistyped: exit 2" test $? = 2
check "a drive's name mistyped: no file made in /dev" test ! -e /dev/berth-no-such-drive

# bmaptool copy with the disk.raw.bmap the build wrote (image/mkbmap.sh)
# onto a drive of old bytes: it writes what the map lists and nothing else,
# so what is not the image's there must be what nothing reads. (Not into a
# file: bmaptool truncates a file first, and then reads zeros under holes.)
work=$PWD/out/test/work
erofs=$(stat -c %s "$work/root.erofs")
roothash=$(sed -n 's/^Root hash:[[:space:]]*//p' "$work/veritysetup.txt")
# PART: "OFFSET SIZE" in bytes, from the image's GPT.
part() {
	sfdisk -d "$image" | sed -n "s/.* start= *\([0-9]*\), size= *\([0-9]*\),.* name=\"$1\".*/\1 \2/p" |
		{ read -r s n && echo $((s * 512)) $((n * 512)); }
}
# DISK's GPT, its partitions numbered without the device's name.
gpt() {
	sfdisk -d "$1" | sed '/^device:/d; s/^[^ ]*[^0-9]\([0-9][0-9]*\) :/\1 :/'
}
# Each range the map lists reads on DISK as in the image.
mapped_ranges_equal() { # DISK
	local first last
	sed -n 's|.*<Range chksum="[0-9a-f]*"> *\([0-9]*\)-*\([0-9]*\) *</Range>.*|\1 \2|p' \
		"$image.bmap" >"$tmp/ranges"
	[ -s "$tmp/ranges" ] || return 1
	while read -r first last; do
		cmp -i $((first * 4096)) -n $((((${last:-$first}) - first + 1) * 4096)) "$image" "$1" ||
			return 1
	done <"$tmp/ranges"
}
# A file of the partition PART of DISK.
extract() { # DISK PART FILE
	local off len
	read -r off len < <(part "$2")
	dd if="$1" of="$3" bs=1M skip=$((off >> 20)) count=$((len >> 20)) status=none
}
old_bytes "$size" "$tmp/bmap.img"
loop "$tmp/bmap.img"
bdrive=$loop
check "bmaptool copy takes disk.raw.bmap and its checksums hold" \
	bmaptool copy "$image" "$bdrive"
cp "$tmp/out" "$tmp/bmaptool.log"
check "bmaptool found the map next to disk.raw" grep -q "using bmap file 'disk.raw.bmap'" \
	"$tmp/bmaptool.log"
check "bmaptool's copy: every range the map lists reads as the image's" \
	mapped_ranges_equal "$bdrive"
check "bmaptool's copy: its GPT is the image's" test "$(gpt "$bdrive")" = "$(gpt "$image")"
extract "$bdrive" esp "$tmp/esp"
check "bmaptool's copy: fsck.fat -n of the ESP is clean" fsck.fat -n "$tmp/esp"
mkdir "$tmp/esp-image" "$tmp/esp-copy"
MTOOLS_SKIP_CHECK=1 mcopy -s -n -m -i "$work/esp.img" '::*' "$tmp/esp-image/"
MTOOLS_SKIP_CHECK=1 mcopy -s -n -m -i "$tmp/esp" '::*' "$tmp/esp-copy/"
check "bmaptool's copy: the ESP's files are the image's" diff -r "$tmp/esp-image" "$tmp/esp-copy"
rm -rf "$tmp/esp" "$tmp/esp-image" "$tmp/esp-copy"
extract "$bdrive" root-a "$tmp/root-a"
extract "$bdrive" root-a-verity "$tmp/verity"
check "bmaptool's copy: root-a holds the erofs image, byte for byte" \
	cmp -n "$erofs" "$work/root.erofs" "$tmp/root-a"
check "bmaptool's copy: veritysetup verify of root-a with the image's root hash" \
	veritysetup verify "$tmp/root-a" "$tmp/verity" "$roothash"
rm -f "$tmp/root-a" "$tmp/verity"
read -r off _ < <(part data)
check "bmaptool's copy: fsck.ext4 -n -f of the data partition is clean" \
	fsck.ext4 -n -f "$bdrive?offset=$off"
read -r off _ < <(part root-b)
check "bmaptool's copy: slot B holds the old bytes (not in the map)" \
	cmp -n 4096 <(tail -c +$((off + 1)) "$bdrive") <(tr '\0' '\377' </dev/zero)
check "the map computed again is disk.raw.bmap, byte for byte" \
	cmp "$image.bmap" <(image/mkbmap.sh "$image" esp=fat root-a="$erofs" \
		root-a-verity="$(stat -c %s "$work/verity.img")" data=ext4 2>/dev/null)

old_bytes "$size" "$tmp/drive.img"
loop "$tmp/drive.img"
check "onto a drive" "$berth" flash "$image" "$loop"
cp "$tmp/out" "$tmp/drive.log"
check "it says its blocks without data were zeroed" grep -q "MiB zeroed" "$tmp/drive.log"
check "the drive over old bytes holds the image, byte for byte" cmp "$image" "$loop"

truncate -s 16M "$tmp/usb.img"
mkfs.ext4 -q "$tmp/usb.img"
loop "$tmp/usb.img"
mkdir "$tmp/mnt" && mount "$loop" "$tmp/mnt"
refused "onto a mounted drive" "is mounted" "$loop" --yes
umount "$tmp/mnt"
refused "onto a drive smaller than the image" "the image [0-9]* MiB" "$loop" --yes
