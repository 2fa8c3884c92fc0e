#!/bin/bash
# Stage "root image": the OSTree checkout packed as erofs and its dm-verity hash
# tree (veritysetup format, with its superblock, so standard tools can read
# it). The salt is the image's own SHA-256: fixed by the content, different
# for every release. Out: root.erofs, verity.img, verity.env.
set -euo pipefail
. "$BERTH_SRC/image/lib/uuid.sh"

w=$BERTH_WORK
rm -f "$w/root.erofs" "$w/verity.img" "$w/verity.env"
mkfs.erofs --quiet -zlz4hc -T "${SOURCE_DATE_EPOCH:-0}" \
	-U "$(derive_uuid erofs)" "$w/root.erofs" "$w/root-tree"

size=$(stat -c %s "$w/root.erofs")
if [ "$size" -gt "$BERTH_ROOT_SIZE" ]; then
	echo "berth: root image is $size bytes, more than disk.root ($BERTH_ROOT_SIZE)" >&2
	exit 1
fi
[ $((size % 4096)) -eq 0 ] || { echo "berth: root image size $size is not 4 KiB aligned" >&2; exit 1; }
salt=$(sha256sum "$w/root.erofs" | cut -c1-64)
out=$(veritysetup format "$w/root.erofs" "$w/verity.img" --hash=sha256 \
	--data-block-size=4096 --hash-block-size=4096 --salt="$salt" \
	--uuid="$(derive_uuid verity)")
roothash=$(awk '/^Root hash:/ {print $3}' <<<"$out")
[ ${#roothash} -eq 64 ] || { echo "berth: veritysetup printed no root hash:" >&2; echo "$out" >&2; exit 1; }
vsize=$(stat -c %s "$w/verity.img")
if [ "$vsize" -gt "$BERTH_VERITY_SIZE" ]; then
	echo "berth: verity tree is $vsize bytes, more than disk.verity ($BERTH_VERITY_SIZE)" >&2
	exit 1
fi
cat >"$w/verity.env" <<ENV
ROOTHASH=$roothash
SALT=$salt
DATA_BLOCKS=$((size / 4096))
ENV
echo "root image $size bytes, verity $vsize bytes, roothash $roothash"
