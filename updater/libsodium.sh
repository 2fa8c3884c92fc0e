#!/bin/bash
# libsodium for berth-update, which is static and musl like berth-init:
# Debian's "libsodium" source package built with musl-gcc as a static library
# (image/lib/musl-source.sh's musl_autotools). --enable-minimal leaves out
# what an updater has no use for but keeps Ed25519 (crypto_sign_*) and
# SHA-256 (crypto_hash_sha256_*). Installed in $BERTH_CACHE/libsodium-musl/<key>/
# (include/, lib/libsodium.a). Prints that prefix as the last line of stdout;
# errors go to stderr, the build's output only when it fails.
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
script=$BERTH_SRC/updater/libsodium.sh
for tool in musl-gcc gcc make dpkg-source autoreconf libtoolize flock sha256sum nm; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install musl-tools gcc make dpkg-dev autoconf automake libtool util-linux binutils)"
done

out=$BERTH_CACHE/libsodium-musl
mkdir -p "$out"
# One libsodium.sh at a time per cache: downloads, unpacking and builds share it.
exec 9>"$out/.lock"
flock 9

. "$BERTH_SRC/image/lib/apt.sh"
. "$BERTH_SRC/image/lib/musl-source.sh"
apt_setup

lib=lib/libsodium.a
musl_autotools libsodium "$out" "$lib" --disable-shared --enable-static --enable-minimal --disable-pie
# What berth-update calls: --enable-minimal must not have left it out.
symbols=$(nm -g --defined-only "$PREFIX/$lib" 2>/dev/null)
for sym in sodium_init crypto_sign_verify_detached crypto_hash_sha256_init \
	crypto_hash_sha256_update crypto_hash_sha256_final; do
	grep -qw "$sym" <<<"$symbols" || {
		rm -rf "$PREFIX"
		die "$PREFIX/$lib does not define $sym"
	}
done
echo "$PREFIX"
