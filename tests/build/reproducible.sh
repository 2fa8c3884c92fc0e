#!/bin/bash
# Two builds of one manifest in two different folders, the second from the
# first one's lockfile, with the same SOURCE_DATE_EPOCH, must give
# bit-identical artifacts.
set -u
cd "$(dirname "$0")/../.."
manifest=${1:-tests/manifests/containerd.yaml}
tmp=$(mktemp -d /tmp/berth-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=1700000000

for d in one two; do
	mkdir -p "$tmp/$d"
	lock=()
	[ "$d" = two ] && lock=(--locked="$tmp/one/out/manifest.lock")
	if ! build/berth build "$manifest" --out "$tmp/$d/out" "${lock[@]}" >"$tmp/$d.log" 2>&1; then
		echo "FAIL - reproducible: build in $d failed:"
		tail -n 20 "$tmp/$d.log"
		exit 0
	fi
done
# A manifest with update.signing_key also gives a bundle (Ed25519 signatures are deterministic).
bundles=()
for b in "$tmp/one/out"/*.berth; do [ -e "$b" ] && bundles+=("${b##*/}"); done
for f in work/root.erofs work/verity.img work/verity.env work/initrd.img work/uki-a.efi \
	work/uki-b.efi work/esp.img disk.raw manifest.lock "${bundles[@]}"; do
	a=$(sha256sum <"$tmp/one/out/$f" | cut -d' ' -f1)
	b=$(sha256sum <"$tmp/two/out/$f" | cut -d' ' -f1)
	if [ "$a" = "$b" ]; then
		echo "ok - reproducible: $f is bit-identical (${a:0:16})"
	else
		echo "FAIL - reproducible: $f differs ($a vs $b)"
	fi
done
