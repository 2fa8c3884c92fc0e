#!/bin/bash
# Builds must be bit-identical wherever they are made:
#   reproducible.sh [MANIFEST]
# two builds of MANIFEST in two different folders, the second from the
# first one's lockfile, with the same SOURCE_DATE_EPOCH;
#   reproducible.sh --plain MANIFEST OUT
# a plain build, as a user runs it (no SOURCE_DATE_EPOCH), from the
# lockfile of OUT, an earlier plain build of MANIFEST (make test's), and OUT.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/berth-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# build NAME [ARG...]: MANIFEST into $tmp/NAME/out.
build() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	if ! build/berth build "$manifest" --out "$tmp/$name/out" "$@" >"$tmp/$name.log" 2>&1; then
		echo "FAIL - reproducible: build in $name failed:"
		tail -n 20 "$tmp/$name.log"
		exit 0
	fi
}

# same WHAT OUT1 OUT2: every artifact of OUT1 is OUT2's, bit for bit.
same() {
	local what=$1 one=$2 two=$3 more=() b f x y
	# A manifest with update.signing_key also gives a bundle (Ed25519 signatures are
	# deterministic); with disk.formats, the formats, each in SHA256SUMS.
	for b in "$one"/*.berth; do [ -e "$b" ] && more+=("${b##*/}"); done
	for f in $(cut -d' ' -f3 "$one/SHA256SUMS"); do [ "$f" = disk.raw ] || more+=("$f"); done
	for f in work/root.erofs work/verity.img work/veritysetup.txt work/initrd.img work/uki-a.efi \
		work/uki-b.efi work/esp.img disk.raw disk.raw.bmap SHA256SUMS manifest.lock "${more[@]}"; do
		x=$(sha256sum <"$one/$f" | cut -d' ' -f1)
		y=$(sha256sum <"$two/$f" | cut -d' ' -f1)
		if [ "$x" = "$y" ]; then
			echo "ok - reproducible: $what$f is bit-identical (${x:0:16})"
		else
			echo "FAIL - reproducible: $what$f differs ($x vs $y)"
		fi
	done
}

if [ "${1:-}" = --plain ]; then
	manifest=$2
	unset SOURCE_DATE_EPOCH
	build plain --locked="$3/manifest.lock"
	same "plain build: " "$3" "$tmp/plain/out"
	exit 0
fi
manifest=${1:-tests/manifests/containerd.yaml}
export SOURCE_DATE_EPOCH=1700000000
build one
build two --locked="$tmp/one/out/manifest.lock"
same "" "$tmp/one/out" "$tmp/two/out"
