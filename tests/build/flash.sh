#!/bin/bash
# `berth flash IMAGE TARGET`: out/test's image into files and onto a loop
# device over old bytes (0xff), which then read as the image does, zeros
# and all; holes stay holes in a new file. Every refusal (a partition
# table without --yes, a target smaller than the image, a mounted drive, a
# drive's name mistyped) exits 2, says why and leaves the target as it
# was. That a flashed disk boots is tests/e2e/test_grow.py's. A drive one
# of whose partitions is mounted is refused the same way; the build
# machines' kernels read no partition tables, so no test makes one.
# About 20 s.
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
