#!/bin/bash
# Stage "root image": the OSTree checkout packed as erofs and its dm-verity hash
# tree (veritysetup format, with its superblock, so standard tools can read
# it). The salt is the image's, the same in every release (BERTH_VERITY_SALT,
# image/derive.c), so unchanged blocks keep their leaf digests. Out: root.erofs, verity.img, and veritysetup.txt, what
# veritysetup reported (berth reads the root hash, salt and data blocks from
# it for the command line and the bundle).
set -euo pipefail

w=$BERTH_WORK
rm -f "$w/root.erofs" "$w/verity.img" "$w/veritysetup.txt"
mkfs.erofs --quiet -zlz4hc -T "$SOURCE_DATE_EPOCH" \
	-U "$BERTH_UUID_EROFS" "$w/root.erofs" "$w/root-tree"

size=$(stat -c %s "$w/root.erofs")
if [ "$size" -gt "$BERTH_ROOT_SIZE" ]; then
	echo "berth: root image is $size bytes, more than disk.root ($BERTH_ROOT_SIZE)" >&2
	exit 1
fi
[ $((size % 4096)) -eq 0 ] || { echo "berth: root image size $size is not 4 KiB aligned" >&2; exit 1; }
# In the work folder: the report names the files, and is the same wherever it is.
(cd "$w" && veritysetup format root.erofs verity.img --hash=sha256 \
	--data-block-size=4096 --hash-block-size=4096 --salt="$BERTH_VERITY_SALT" \
	--uuid="$BERTH_UUID_VERITY") >"$w/veritysetup.txt.tmp"
vsize=$(stat -c %s "$w/verity.img")
if [ "$vsize" -gt "$BERTH_VERITY_SIZE" ]; then
	echo "berth: verity tree is $vsize bytes, more than disk.verity ($BERTH_VERITY_SIZE)" >&2
	exit 1
fi
mv "$w/veritysetup.txt.tmp" "$w/veritysetup.txt"
cat "$w/veritysetup.txt"
echo "root image $size bytes, verity $vsize bytes"
