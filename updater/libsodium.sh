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

. "${BERTH_SRC:?BERTH_SRC must name the berth source tree}/image/lib/musl-source.sh"
script=$BERTH_SRC/updater/libsodium.sh
need_tools "musl-tools gcc make dpkg-dev autoconf automake libtool util-linux binutils" \
	musl-gcc gcc make dpkg-source autoreconf libtoolize flock sha256sum nm
musl_cache libsodium-musl

lib=lib/libsodium.a
musl_autotools libsodium "$lib" --disable-shared --enable-static --enable-minimal --disable-pie
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
