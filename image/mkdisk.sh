#!/bin/bash
# Stage "disk": a GPT disk in a plain file (no loop devices, no mounts)
# with Discoverable Partitions Specification type GUIDs:
#   esp, root-a, root-a-verity, root-b, root-b-verity (empty), data.
# Every UUID is berth's, derived from the manifest (BERTH_UUID_*).
# Out: $BERTH_OUT/disk.raw, and disk.raw.bmap, its block map for bmaptool
# (image/mkbmap.sh): the GPT, the ESP's used clusters, root-a's erofs image
# and hash tree, /var's blocks in use; not slot B, which nothing reads
# before an update writes it whole (docs/bare-metal.md).
set -euo pipefail
. "$BERTH_SRC/image/lib/clock.sh"

w=$BERTH_WORK
mib=$((1 << 20))
esp_type=c12a7328-f81f-11d2-ba4b-00a0c93ec93b
root_type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709   # root, x86-64
verity_type=2c7357ed-ebd2-46d9-aec1-23d437ec2bf5 # root verity, x86-64
var_type=4d21b016-b534-45c2-a9fb-5c16e091fd2d

# /var: ext4 made on a file, shared by both slots.
rm -f "$w/data.img"
at_epoch mkfs.ext4 -q -F -L data -U "$BERTH_UUID_DATA_FS" -E "hash_seed=$BERTH_UUID_DATA_HASH" \
	"$w/data.img" $((BERTH_DATA_SIZE / 1024))k

# name size type uuid attributes image bmap (mkbmap.sh's HOW; "-": not mapped)
parts=(
	"esp $BERTH_ESP_SIZE $esp_type $BERTH_UUID_ESP - $w/esp.img fat"
	"root-a $BERTH_ROOT_SIZE $root_type $BERTH_UUID_ROOT_A 60 $w/root.erofs size"
	"root-a-verity $BERTH_VERITY_SIZE $verity_type $BERTH_UUID_ROOT_A_VERITY 60 $w/verity.img size"
	"root-b $BERTH_ROOT_SIZE $root_type $BERTH_UUID_ROOT_B 60 - -"
	"root-b-verity $BERTH_VERITY_SIZE $verity_type $BERTH_UUID_ROOT_B_VERITY 60 - -"
	"data $BERTH_DATA_SIZE $var_type $BERTH_UUID_DATA 59 $w/data.img ext4"
)
total=$mib
script="label: gpt
label-id: $BERTH_UUID_DISK
first-lba: 2048
"
for p in "${parts[@]}"; do
	read -r name size type uuid attr _ <<<"$p"
	script+="start=$((total / 512)), size=$((size / 512)), type=$type, uuid=$uuid, name=$name"
	[ "$attr" = - ] || script+=", attrs=\"GUID:$attr\""
	script+=$'\n'
	total=$((total + size))
done
total=$((total + mib)) # room for the backup GPT

disk=$BERTH_OUT/disk.raw
rm -f "$disk.tmp" "$disk.bmap.tmp"
truncate -s "$total" "$disk.tmp"
sfdisk --quiet --no-reread --no-tell-kernel "$disk.tmp" <<<"$script"
offset=$mib
for p in "${parts[@]}"; do
	read -r name size _ _ _ img _ <<<"$p"
	[ "$img" = - ] || dd if="$img" of="$disk.tmp" bs=1M seek=$((offset / mib)) conv=notrunc,sparse status=none
	offset=$((offset + size))
done
sync "$disk.tmp"

# The erofs image and the hash tree are read up to their ends, which
# dm-verity's data blocks and tree give; nothing reads the partitions' tails.
how=()
for p in "${parts[@]}"; do
	read -r name _ _ _ _ img bmap <<<"$p"
	[ "$bmap" != size ] || bmap=$(stat -c %s "$img")
	[ "$bmap" = - ] || how+=("$name=$bmap")
done
"$BERTH_SRC/image/mkbmap.sh" "$disk.tmp" "${how[@]}" >"$disk.bmap.tmp"
sync "$disk.bmap.tmp"
# Never a disk.raw beside another disk's map: the old map goes first.
rm -f "$disk.bmap"
mv "$disk.tmp" "$disk"
mv "$disk.bmap.tmp" "$disk.bmap"
echo "disk $total bytes"
