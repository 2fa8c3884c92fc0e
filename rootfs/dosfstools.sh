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

. "${BERTH_SRC:?BERTH_SRC must name the berth source tree}/image/lib/musl-source.sh"
script=$BERTH_SRC/rootfs/dosfstools.sh
need_tools "musl-tools gcc make dpkg-dev autoconf automake util-linux binutils" \
	musl-gcc gcc make dpkg-source autoreconf flock sha256sum readelf
musl_cache dosfstools

# No iconv: file names are only checked, never converted.
musl_autotools dosfstools sbin/fsck.fat --without-iconv LDFLAGS="-static -Wl,--gc-sections -s"
bin=$PREFIX/sbin/fsck.fat
if readelf -lW "$bin" | grep -q INTERP; then
	rm -rf "$PREFIX"
	die "$bin is not statically linked (it asks for a program interpreter)"
fi
echo "$bin"
