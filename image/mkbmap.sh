#!/bin/bash
# The block map of a GPT disk image for `bmaptool copy`: bmap format 2.0,
# 4 KiB blocks, a SHA-256 per range. bmaptool writes the blocks a map lists
# and leaves every other block of the target as it was, so the map lists
# every block whose content matters, zeros included, not merely the blocks
# that hold data (docs/bare-metal.md):
#
#   mkbmap.sh DISK NAME=HOW... >BMAP
#
# The protective MBR and the primary GPT (up to the first usable sector)
# and the backup GPT (after the last one) are mapped; the space between
# partitions is not, and is nobody's. Each partition named NAME in the GPT
# is mapped as HOW says, and a partition not named is left out:
#   all   the whole partition
#   N     its first N bytes (an image of N bytes written at its start)
#   fat   a FAT32 file system: boot sector to the end of the FATs, then the
#         clusters its first FAT marks as in use
#   ext4  the blocks its block bitmaps mark as in use (dumpe2fs), metadata,
#         journal and inode tables included
# Two runs over the same DISK give the same bytes.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

[ $# -ge 1 ] || { echo "usage: mkbmap.sh DISK NAME=HOW... >BMAP" >&2; exit 2; }
disk=$1
shift
bs=4096

die() { echo "mkbmap: $*" >&2; exit 1; }

# Little-endian unsigned integer of LEN bytes at OFFSET of DISK.
le() { # OFFSET LEN
	od -An -v --endian=little -t "u$2" -j "$1" -N "$2" "$disk" | tr -d ' '
}

# The byte ranges "START END" (END excluded) of the FAT32 file system at OFF
# that matter: everything up to its first cluster, and the clusters in use.
fat_ranges() { # OFF SIZE
	local off=$1 size=$2 bps spc res nfats fat16 fat32 total data clusters
	bps=$(le $((off + 11)) 2) spc=$(le $((off + 13)) 1) res=$(le $((off + 14)) 2)
	nfats=$(le $((off + 16)) 1) fat16=$(le $((off + 22)) 2) fat32=$(le $((off + 36)) 4)
	total=$(le $((off + 32)) 4)
	[ "$(le $((off + 510)) 2)" = $((0xaa55)) ] || die "no FAT boot sector at byte $off"
	if [ "$fat16" != 0 ] || [ "$fat32" = 0 ] || [ "$bps" -lt 512 ] || [ "$spc" = 0 ] ||
		[ "$total" = 0 ] || [ $((total * bps)) -gt "$size" ]; then
		die "no FAT32 file system at byte $off"
	fi
	data=$(((res + nfats * fat32) * bps))
	clusters=$(((total - res - nfats * fat32) / spc))
	echo "$off $((off + data))"
	# FAT entry N (28 bits) is cluster N's: 0 when free. Clusters start at 2.
	dd if="$disk" iflag=skip_bytes,count_bytes skip=$((off + res * bps)) \
		count=$(((clusters + 2) * 4)) bs=1M status=none |
		od -An -v --endian=little -t u4 -w4 |
		awk -v base=$((off + data)) -v csize=$((spc * bps)) '
			NR > 2 && $1 % 268435456 != 0 {
				c = NR - 3
				if (run && c == last + 1) { last = c; next }
				if (run) printf "%.0f %.0f\n", base + first * csize, base + (last + 1) * csize
				run = 1; first = last = c
			}
			END { if (run) printf "%.0f %.0f\n", base + first * csize, base + (last + 1) * csize }'
}

# The byte ranges of the ext4 file system at OFF whose blocks are in use:
# the complement of the "Free blocks:" dumpe2fs reads from the bitmaps.
ext4_ranges() { # OFF
	dumpe2fs "$disk?offset=$1" 2>/dev/null | awk -v off="$1" '
		/^Block count:/ { count = $3 }
		/^Block size:/ { size = $3 }
		/^  Free blocks: / {
			sub(/^  Free blocks: */, "")
			n = split($0, r, /, */)
			for (i = 1; i <= n; i++) {
				if (r[i] == "") continue
				split(r[i], ab, "-")
				a = ab[1] + 0; b = (2 in ab ? ab[2] : ab[1]) + 0
				if (a > at) printf "%.0f %.0f\n", off + at * size, off + a * size
				at = b + 1
				delete ab
			}
		}
		END {
			if (!count || !size) exit 1
			if (at < count) printf "%.0f %.0f\n", off + at * size, off + count * size
		}' || die "dumpe2fs cannot read the ext4 file system at byte $off"
}

size=$(stat -c %s "$disk")
[ $((size % bs)) -eq 0 ] || die "$disk: $size bytes, not whole $bs-byte blocks"
# "START SIZE NAME" of each partition, in sectors, in disk order.
table=$(sfdisk -d "$disk") || die "$disk: no partition table"
sector=$(sed -n 's/^sector-size: *//p' <<<"$table")
parts=$(sed -n 's/^[^:]*: start= *\([0-9]*\), size= *\([0-9]*\),.* name="\([^"]*\)".*/\1 \2 \3/p' \
	<<<"$table" | sort -n)
[ -n "$parts" ] || die "$disk: no named partitions"

declare -A how=()
for a in "$@"; do
	how[${a%%=*}]=${a#*=}
done

first_lba=$(sed -n 's/^first-lba: *//p' <<<"$table")
last_lba=$(sed -n 's/^last-lba: *//p' <<<"$table")
if [ -z "$first_lba" ] || [ -z "$last_lba" ]; then
	die "$disk: no GPT"
fi

ranges=$(
	echo "0 $((first_lba * sector))"
	echo "$(((last_lba + 1) * sector)) $size"
	while read -r start len name; do
		off=$((start * sector)) psize=$((len * sector))
		end=$((off + psize))
		h=${how[$name]-}
		unset "how[$name]"
		case $h in
		'') ;;
		all) echo "$off $end" ;;
		fat) fat_ranges "$off" "$psize" ;;
		ext4) ext4_ranges "$off" ;;
		*[!0-9]*) die "$name=$h: not all, fat, ext4 or a size" ;;
		*)
			[ "$h" -le "$psize" ] || die "$name=$h: more than the partition's $psize bytes"
			[ "$h" = 0 ] || echo "$off $((off + h))"
			;;
		esac
	done <<<"$parts"
	[ "${#how[@]}" -eq 0 ] || die "no partition named ${!how[*]} in $disk"
)

# Whole blocks, sorted, overlapping and adjacent ones merged: "FIRST LAST".
blocks=$(awk -v bs=$bs '{ printf "%.0f %.0f\n", int($1 / bs), int(($2 + bs - 1) / bs) - 1 }' \
	<<<"$ranges" | sort -n -k1,1 -k2,2 | awk '
		NR == 1 { a = $1; b = $2; next }
		$1 <= b + 1 { if ($2 > b) b = $2; next }
		{ printf "%.0f %.0f\n", a, b; a = $1; b = $2 }
		END { if (NR) printf "%.0f %.0f\n", a, b }')

mapped=0
body=
while read -r first last; do
	sum=$(dd if="$disk" iflag=skip_bytes,count_bytes skip=$((first * bs)) \
		count=$(((last - first + 1) * bs)) bs=1M status=none | sha256sum)
	r=$first
	[ "$last" = "$first" ] || r=$first-$last
	body+="    <Range chksum=\"${sum%% *}\"> $r </Range>"$'\n'
	mapped=$((mapped + last - first + 1))
done <<<"$blocks"

# The map with its own checksum as STDIN.
xml() {
	cat <<XML
<?xml version="1.0" ?>
<!-- For bmaptool copy: the blocks of the disk image whose content matters,
     zeros included. Those left out are read by nothing before something
     writes them (berth's image/mkbmap.sh, docs/bare-metal.md). -->
<bmap version="2.0">
  <ImageSize> $size </ImageSize>
  <BlockSize> $bs </BlockSize>
  <BlocksCount> $((size / bs)) </BlocksCount>
  <MappedBlocksCount> $mapped </MappedBlocksCount>
  <ChecksumType> sha256 </ChecksumType>
  <!-- The SHA-256 of this file with this value as 64 zeros. -->
  <BmapFileChecksum> $1 </BmapFileChecksum>
  <BlockMap>
$body  </BlockMap>
</bmap>
XML
}
sum=$(xml "$(printf '%064d' 0)" | sha256sum)
xml "${sum%% *}"
echo "bmap: $mapped of $((size / bs)) blocks mapped ($((mapped * bs >> 20)) of $((size >> 20)) MiB)" >&2
