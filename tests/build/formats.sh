#!/bin/bash
# The formats the build writes beside disk.raw (image/mkformats.sh), in
# OUT, a build of a manifest with every one in disk.formats:
#   formats.sh [OUT]    (default out/containerd)
# Each must check clean with its own tool and hold disk.raw's bytes, and
# SHA256SUMS must hold each file's SHA-256.
set -u
cd "$(dirname "$0")/../.."
out=${1:-out/containerd}
raw=$out/disk.raw
tmp=$(mktemp -d /tmp/berth-formats.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check() { # NAME COMMAND...: ok when COMMAND succeeds, else FAIL with its output
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - formats: $name"
	else
		echo "FAIL - formats: $name: $(tail -n 5 "$tmp/out")"
	fi
}

# info FORMAT FILE KEY: KEY of `qemu-img info --output=json` for FILE read as FORMAT;
# nothing when qemu-img cannot read it (the compare below says why).
info() {
	qemu-img info -f "$1" --output=json "$2" 2>/dev/null |
		python3 -c "import json, sys; print(json.load(sys.stdin)['$3'])" 2>/dev/null
}

if [ ! -e "$out/SHA256SUMS" ]; then
	echo "FAIL - formats: no $out/SHA256SUMS"
	exit 0
fi
size=$(stat -c %s "$raw")

names=$(cut -d' ' -f3 "$out/SHA256SUMS" | tr '\n' ' ')
check "SHA256SUMS names disk.raw and the five formats ($names)" \
	test "$names" = "disk.raw disk.qcow2 disk.vhd disk.vmdk disk.tar.gz disk.raw.zst "
check "sha256sum -c SHA256SUMS" bash -c "cd '$out' && sha256sum --strict -c SHA256SUMS"

check "qemu-img check disk.qcow2" qemu-img check -f qcow2 "$out/disk.qcow2"
check "disk.qcow2 is compressed" bash -c \
	"qemu-img check -f qcow2 '$out/disk.qcow2' | grep -E '[1-9][0-9.]*% compressed clusters'"
check "disk.qcow2 is qcow2 of disk.raw's size" \
	test "$(info qcow2 "$out/disk.qcow2" format) $(info qcow2 "$out/disk.qcow2" virtual-size)" = "qcow2 $size"
check "disk.qcow2 holds disk.raw" qemu-img compare -q -f raw -F qcow2 "$raw" "$out/disk.qcow2"

# qemu-img has no check for VHD; its info refuses a footer whose checksum is wrong.
vsize=$(info vpc "$out/disk.vhd" virtual-size)
check "disk.vhd is a VHD of a whole MiB, at least disk.raw's size ($vsize bytes)" \
	test "$(info vpc "$out/disk.vhd" format)" = vpc -a $((vsize % (1 << 20))) -eq 0 -a "$vsize" -ge "$size"
# A fixed VHD: the disk's bytes, then the 512-byte footer, disk type 2.
footer=$(($(stat -c %s "$out/disk.vhd") - 512))
check "disk.vhd is fixed: its size plus the footer, disk type 2" \
	test "$footer" = "$vsize" -a "$(od -An -tu1 -j $((footer + 60)) -N4 "$out/disk.vhd" | tr -s ' ')" = " 0 0 0 2"
check "disk.vhd holds disk.raw" qemu-img compare -q -f raw -F vpc "$raw" "$out/disk.vhd"

check "qemu-img check disk.vmdk" qemu-img check -f vmdk "$out/disk.vmdk"
check "disk.vmdk is streamOptimized" bash -c \
	"qemu-img info -f vmdk '$out/disk.vmdk' | grep -x '    create type: streamOptimized'"
check "disk.vmdk's CID is disk.raw's SHA-256's first 8 hex digits" bash -c \
	"head -c 4096 '$out/disk.vmdk' | grep -ax 'CID=$(sha256sum <"$raw" | cut -c1-8)'"
check "disk.vmdk holds disk.raw" qemu-img compare -q -f raw -F vmdk "$raw" "$out/disk.vmdk"

# Google's layout: one member, disk.raw, of a whole GiB, in an oldgnu tar
# (magic "ustar  ") as a sparse file (type S).
check "disk.tar.gz lists one member, disk.raw" bash -c \
	"tar -tvzf '$out/disk.tar.gz' | awk 'END { exit !(NR == 1 && \$NF == \"disk.raw\") }'"
check "disk.tar.gz is an oldgnu tar of a sparse file" bash -c \
	"test \"\$(gzip -dc '$out/disk.tar.gz' | head -c 512 | od -An -c -j 156 -N 1 | tr -d ' ')\" = S &&
	test \"\$(gzip -dc '$out/disk.tar.gz' | head -c 512 | od -An -tx1 -j 257 -N 8 | tr -d ' ')\" = 7573746172202000"
tar -xzf "$out/disk.tar.gz" -C "$tmp" disk.raw
gsize=$(stat -c %s "$tmp/disk.raw")
check "disk.tar.gz's disk.raw is a whole GiB ($gsize bytes)" \
	test $((gsize % (1 << 30))) -eq 0 -a "$gsize" -ge "$size"
check "disk.tar.gz's disk.raw is disk.raw, then zeros" \
	cmp "$tmp/disk.raw" <(cat "$raw" && head -c $((gsize - size)) /dev/zero)
rm -f "$tmp/disk.raw"

check "zstd -t disk.raw.zst" zstd -q -t "$out/disk.raw.zst"
check "disk.raw.zst holds disk.raw" cmp "$raw" <(zstd -q -d -c "$out/disk.raw.zst")
exit 0
