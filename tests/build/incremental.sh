#!/bin/bash
# A rebuild with nothing changed runs no stage; changing one file of
# rootfs.files, or a container's image, runs only the stages
# downstream of the rootfs; another signing key only the bundle; a removed
# disk.raw.bmap only the disk stage; another disk.formats only the formats stage.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/berth-incr.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r tests/manifests/test.yaml tests/manifests/files tests/manifests/keys "$tmp/"
# The image trusts both test keys, so that it may be signed with either.
sed -i 's|^  keys: \[keys/test.pub\]$|  keys: [keys/test.pub, keys/other.pub]|' "$tmp/test.yaml"
out=$tmp/out

build() {
	if ! build/berth build "$tmp/test.yaml" --out "$out" >"$tmp/log" 2>&1; then
		echo "FAIL - incremental: build failed:"
		tail -n 20 "$tmp/log"
		exit 0
	fi
	# "berth: [3/8] ostree     cached" -> "ostree cached"; "... 1.2 s" -> "ostree ran"
	sed -nE 's/^berth: \[[0-9]+\/[0-9]+\] ([a-z-]+) +cached$/\1 cached/p
		s/^berth: \[[0-9]+\/[0-9]+\] ([a-z-]+) +[0-9.]+ s$/\1 ran/p' "$tmp/log" >"$tmp/stages"
}

expect() { # STAGE cached|ran
	if grep -qx "$1 $2" "$tmp/stages"; then
		echo "ok - incremental: $3: $1 $2"
	else
		echo "FAIL - incremental: $3: $1 not $2 ($(tr '\n' ',' <"$tmp/stages"))"
	fi
}

build
build
n=$(wc -l <"$tmp/stages")
[ "$n" -ge 9 ] && echo "ok - incremental: $n stages reported" || echo "FAIL - incremental: only $n stages reported"
while read -r stage _; do
	expect "$stage" cached "no change"
done <"$tmp/stages"

echo "Welcome to berth, changed." >"$tmp/files/motd"
build
for s in kernel initramfs; do expect "$s" cached "one rootfs file changed"; done
for s in rootfs ostree root-image uki esp disk formats bundle; do expect "$s" ran "one rootfs file changed"; done

# Another signing key changes only the bundle.
cp "$tmp/keys/other.key" "$tmp/keys/test.key"
build
for s in kernel rootfs ostree initramfs root-image uki esp disk; do expect "$s" cached "signing key changed"; done
expect bundle ran "signing key changed"

# A disk whose block map is gone is built again, with it.
rm "$out/disk.raw.bmap"
build
for s in kernel rootfs ostree initramfs root-image uki esp bundle; do
	expect "$s" cached "disk.raw.bmap removed"
done
expect disk ran "disk.raw.bmap removed"
[ -s "$out/disk.raw.bmap" ] && echo "ok - incremental: disk.raw.bmap written again" ||
	echo "FAIL - incremental: no disk.raw.bmap after the disk stage ran"

# Another disk.formats runs only the formats stage, which removes what it no longer names.
sed -i 's/^  data: 256M$/&\n  formats: [qcow2]/' "$tmp/test.yaml"
build
for s in kernel rootfs ostree initramfs root-image uki esp disk bundle; do
	expect "$s" cached "disk.formats changed"
done
expect formats ran "disk.formats changed"
grep -q '  disk.qcow2$' "$out/SHA256SUMS" && [ -s "$out/disk.qcow2" ] &&
	echo "ok - incremental: disk.qcow2 written, in SHA256SUMS" ||
	echo "FAIL - incremental: no disk.qcow2 or not in SHA256SUMS"
sed -i '/^  formats: \[qcow2\]$/d' "$tmp/test.yaml"
build
expect formats ran "disk.formats removed"
[ ! -e "$out/disk.qcow2" ] && ! grep -q disk.qcow2 "$out/SHA256SUMS" &&
	echo "ok - incremental: disk.qcow2 removed, and from SHA256SUMS" ||
	echo "FAIL - incremental: disk.qcow2 left behind"

# An onboot container's image, then another (one byte more in its program):
# berth unpacks the image into the root, so the rootfs stage and all after it run.
cp tests/manifests/images/hello.tar "$tmp/image.tar"
sed -i 's/^rootfs:$/rootfs:\n  packages: [crun]/' "$tmp/test.yaml"
printf 'onboot:\n  - name: seed\n    image: image.tar\n' >>"$tmp/test.yaml"
build
musl-gcc -static -Os -o "$tmp/hello" tests/service/hello.c && printf '\n' >>"$tmp/hello" &&
	tests/service/pack.sh "$tmp/image.tar" "$tmp/hello" >/dev/null ||
	echo "FAIL - incremental: cannot pack another image"
build
for s in kernel initramfs; do expect "$s" cached "image changed"; done
for s in rootfs ostree root-image uki esp disk formats bundle; do expect "$s" ran "image changed"; done
