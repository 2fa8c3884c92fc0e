#!/bin/bash
# libsodium for berth-update, which is static and musl like berth-init:
# Debian's "libsodium" source package (Debian patches applied, configure made
# with autoreconf as Debian's build does), built with musl-gcc as a static
# library. --enable-minimal leaves out what an updater
# has no use for but keeps Ed25519 (crypto_sign_*) and SHA-256
# (crypto_hash_sha256_*). Installed in $BERTH_CACHE/libsodium-musl/<key>/
# (include/, lib/libsodium.a), where <key> covers the source version, the
# .dsc, this script, the toolchain and the autotools. Prints that prefix as the last line of
# stdout; errors go to stderr, the build's output only when it fails.
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
[ -f "$script" ] || die "no script at $script"
for tool in musl-gcc gcc make dpkg-source autoreconf libtoolize flock sha256sum nm; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install musl-tools gcc make dpkg-dev autoconf automake libtool util-linux binutils)"
done

srcroot=$BERTH_CACHE/src
out=$BERTH_CACHE/libsodium-musl
mkdir -p "$srcroot" "$out"
# One libsodium.sh at a time per cache: downloads, unpacking and builds share it.
exec 9>"$out/.lock"
flock 9

. "$BERTH_SRC/image/lib/apt.sh"
. "$BERTH_SRC/image/lib/musl-source.sh"
apt_setup

debian_source libsodium "$srcroot"
dsc=$DSC dsc_sha=$DSC_SHA version=$SRC_VERSION

versions=$(dpkg-query -W -f='${Package}=${Version}\n' musl-dev linux-libc-dev autoconf automake libtool 2>&1)
key=$({
	printf 'version=%s\ndsc-sha256=%s\n%s\n' "$version" "$dsc_sha" "$versions"
	musl-gcc --version
	echo "--- libsodium.sh"
	cat "$script"
	echo "--- musl-source.sh"
	cat "$BERTH_SRC/image/lib/musl-source.sh"
} | sha256sum | cut -d' ' -f1)
prefix=$out/$key
if [ -f "$prefix/lib/libsodium.a" ]; then
	echo "$prefix"
	exit 0
fi

# Kernel UAPI headers for musl, so that libsodium finds getrandom(2) as on glibc.
uapi=$(musl_uapi "$out")

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} TZ=UTC LC_ALL=C
# A fixed build directory (per key), so no random path reaches the library.
# Left behind only by a failed build (for its log): cleared by the next one.
# The source is unpacked in it, as autoreconf writes into the source tree.
build=$out/$key.build
src=$build/src
rm -rf "$out"/*.build "$out"/*.dest
mkdir -p "$build/obj"
log=$build/build.log
fail() {
	echo "$me: error: $1 (full log: $log)" >&2
	grep -E 'error:|Error [0-9]|undefined reference|[Nn]o such file' "$log" | head -n 40 >&2 ||
		tail -n 40 "$log" >&2
	exit 1
}

start=$SECONDS
dpkg-source -x "$dsc" "$src" >"$log" 2>&1 </dev/null || fail "dpkg-source -x $dsc failed"
(cd "$src" && autoreconf -fi) >>"$log" 2>&1 </dev/null || fail "autoreconf failed"
(cd "$build/obj" && CC=musl-gcc \
	CFLAGS="-Os -isystem $uapi -ffunction-sections -fdata-sections -ffile-prefix-map=$src=libsodium -ffile-prefix-map=$build=." \
	"$src/configure" --prefix="$prefix" --disable-shared --enable-static --enable-minimal \
	--disable-pie --disable-dependency-tracking) >>"$log" 2>&1 </dev/null ||
	fail "configure failed"
make -C "$build/obj" -j2 >>"$log" 2>&1 </dev/null || fail "make failed"
# Installed under a staging root, then moved into place whole.
make -C "$build/obj" install DESTDIR="$out/$key.dest" >>"$log" 2>&1 </dev/null || fail "make install failed"
lib=$out/$key.dest$prefix/lib/libsodium.a
[ -f "$lib" ] || fail "make install gave no $lib"
# What berth-update calls: --enable-minimal must not have left it out.
symbols=$(nm -g --defined-only "$lib" 2>/dev/null)
for sym in sodium_init crypto_sign_verify_detached crypto_hash_sha256_init \
	crypto_hash_sha256_update crypto_hash_sha256_final; do
	grep -qw "$sym" <<<"$symbols" || fail "$lib does not define $sym"
done
rm -rf "$out/$key.dest$prefix/lib/pkgconfig" "$out/$key.dest$prefix/lib/libsodium.la" "$prefix"
mv "$out/$key.dest$prefix" "$prefix"
rm -rf "$out/$key.dest" "$build"
say "built libsodium $version with musl-gcc in $((SECONDS - start))s: $(stat -c %s "$prefix/lib/libsodium.a") bytes"
echo "$prefix"
