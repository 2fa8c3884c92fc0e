#!/bin/bash
# fsck.fat for the root file system: Debian's "dosfstools" source package
# built with musl-gcc as a static program (image/lib/musl-source.sh's
# musl_autotools), cached in $BERTH_CACHE/dosfstools/<key>/. berth-update
# runs it on the ESP before mounting it writable: a power cut can leave FAT
# chains half-written (docs/update.md). Prints the program's path as the
# last line of stdout; errors go to stderr, the build's output only when it
# fails.
set -euo pipefail
set -o errtrace

me=${0##*/}
die() {
	echo "$me: error: $*" >&2
	exit 1
}
trap 'echo "$me: error: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
say() { echo "$me: $*" >&2; }

: "${BERTH_SRC:?BERTH_SRC must name the berth source tree}"
: "${BERTH_CACHE:?BERTH_CACHE must name the cache directory}"
script=$BERTH_SRC/rootfs/dosfstools.sh
for tool in musl-gcc gcc make dpkg-source autoreconf flock sha256sum readelf; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install musl-tools gcc make dpkg-dev autoconf automake util-linux binutils)"
done

out=$BERTH_CACHE/dosfstools
mkdir -p "$out"
# One dosfstools.sh at a time per cache: downloads, unpacking and builds share it.
exec 9>"$out/.lock"
flock 9

. "$BERTH_SRC/image/lib/apt.sh"
. "$BERTH_SRC/image/lib/musl-source.sh"
apt_setup

# No iconv: file names are only checked, never converted.
musl_autotools dosfstools "$out" sbin/fsck.fat --without-iconv LDFLAGS="-static -Wl,--gc-sections -s"
bin=$PREFIX/sbin/fsck.fat
if readelf -lW "$bin" | grep -q INTERP; then
	rm -rf "$PREFIX"
	die "$bin is not statically linked (it asks for a program interpreter)"
fi
echo "$bin"
