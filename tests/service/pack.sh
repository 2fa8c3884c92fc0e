#!/bin/bash
# Packs the hello service as an OCI image archive (an OCI image layout in a
# tar: oci-layout, index.json, blobs/sha256/...):
#
#   tests/service/pack.sh OUT.tar [BINARY]
#
# BINARY defaults to hello.c (next to this script) built with musl-gcc into a
# scratch folder. One layer: /hello and an empty /data. Config: Entrypoint
# ["/hello"], ExposedPorts 8080/tcp, Env DATA_DIR=/data. Tag "latest".
#
# Reproducible: every time is SOURCE_DATE_EPOCH (default 0), the layer tar
# is made here by GNU tar (sorted, fixed owner, mode and mtime) and handed
# to umoci verbatim (umoci raw add-layer), so the same binary gives the same
# manifest digest and a bit-identical archive. The last line printed is the
# manifest digest (sha256:...).
set -euo pipefail
export LC_ALL=C TZ=UTC

die() {
	echo "pack.sh: $*" >&2
	exit 1
}

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: pack.sh OUT.tar [BINARY]"
out=$1
bin=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
for t in umoci tar python3; do
	command -v "$t" >/dev/null || die "'$t' not found (Debian package: $t)"
done
epoch=${SOURCE_DATE_EPOCH:-0}
[[ $epoch =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH '$epoch' is not a number of seconds"
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
outdir=$(dirname -- "$out")
[ -d "$outdir" ] || die "folder '$outdir' of '$out' does not exist"

scratch=$(mktemp -d)
partial=$out.partial.$$
trap 'rm -rf "$scratch" "$partial"' EXIT

if [ -z "$bin" ]; then
	command -v musl-gcc >/dev/null || die "musl-gcc not found (Debian package: musl-tools)"
	bin=$scratch/hello
	musl-gcc -std=gnu11 -Wall -Wextra -Werror -Os -static \
		-ffunction-sections -fdata-sections -Wl,--gc-sections -s \
		-o "$bin" "$here/hello.c" || die "cannot build $here/hello.c"
fi
[ -f "$bin" ] && [ -x "$bin" ] || die "'$bin' is not an executable file"

# The layer, uncompressed: hello and data/, root-owned, fixed mtime.
mkdir -p "$scratch/root"
install -m 0755 "$bin" "$scratch/root/hello"
mkdir -m 0755 "$scratch/root/data"
tar --format=ustar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
	-C "$scratch/root" -cf "$scratch/layer.tar" data hello

lay=$scratch/layout
umo() {
	umoci --log=error "$@" || die "umoci $1 failed"
}
umo init --layout "$lay"
umo new --image "$lay:latest"
umo raw add-layer --image "$lay:latest" \
	--history.created "$created" --history.created_by "berth tests/service/pack.sh" \
	"$scratch/layer.tar"
umo config --image "$lay:latest" --no-history \
	--created "$created" --architecture amd64 --os linux \
	--config.entrypoint /hello --config.exposedports 8080/tcp --config.env DATA_DIR=/data
umo gc --layout "$lay"

# The archive: oci-layout first, then index.json, then the blobs, sorted.
find "$lay" -type d -exec chmod 0755 {} +
find "$lay" -type f -exec chmod 0644 {} +
tar --format=ustar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
	-C "$lay" -cf "$partial" oci-layout index.json blobs
mv -f "$partial" "$out"

python3 -c '
import json, sys
ms = json.load(open(sys.argv[1]))["manifests"]
if len(ms) != 1:
    sys.exit("pack.sh: index.json has %d manifests, expected 1" % len(ms))
print(ms[0]["digest"])' "$lay/index.json"
