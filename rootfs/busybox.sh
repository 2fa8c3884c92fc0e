#!/bin/bash
# BusyBox for the root file system: Debian's "busybox" source package (Debian
# patches applied), built with musl-gcc as one static binary from
# rootfs/busybox.config. Cached in $BERTH_CACHE/busybox/<key>/busybox, where
# <key> covers the source version, the .dsc, the config, this script and the
# toolchain. Prints the binary's path as the last line of stdout; progress and
# errors go to stderr. See docs/busybox.md.
set -euo pipefail
set -o errtrace

. "${BERTH_SRC:?BERTH_SRC must name the berth source tree}/image/lib/musl-source.sh"
config=$BERTH_SRC/rootfs/busybox.config
script=$BERTH_SRC/rootfs/busybox.sh
[ -f "$config" ] || die "no config at $config"
[ -f "$script" ] || die "no script at $script"
need_tools "musl-tools gcc make dpkg-dev util-linux" \
	musl-gcc gcc make readelf dpkg-source dpkg-parsechangelog flock sha256sum
musl_cache busybox
srcroot=$BERTH_CACHE/src
out=$OUT

debian_source busybox "$srcroot"
dsc=$DSC dsc_sha=$DSC_SHA version=$SRC_VERSION

# Unpacked once per version (dpkg-source applies Debian's patches), then only
# read: builds are out of tree.
src=$srcroot/$(basename "${dsc%.dsc}")
if [ ! -f "$src/Makefile" ]; then
	say "unpacking busybox $version"
	rm -rf "$src" "$src.tmp"
	dpkg-source -x "$dsc" "$src.tmp" >&2 || die "dpkg-source -x $dsc failed"
	mv "$src.tmp" "$src"
fi

musl_version=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo unknown)
uapi_version=$(dpkg-query -W -f='${Version}' linux-libc-dev 2>/dev/null || echo unknown)
key=$({
	printf 'version=%s\ndsc-sha256=%s\nmusl-dev=%s\nlinux-libc-dev=%s\n' \
		"$version" "$dsc_sha" "$musl_version" "$uapi_version"
	musl-gcc --version
	echo "--- busybox.config"
	cat "$config"
	echo "--- busybox.sh"
	cat "$script"
	echo "--- musl-source.sh"
	cat "$BERTH_SRC/image/lib/musl-source.sh"
} | sha256sum | cut -d' ' -f1)
bin=$out/$key/busybox
if [ -x "$bin" ]; then
	say "cached: busybox $version ($key)"
	echo "$bin"
	exit 0
fi

# Kernel UAPI headers for musl.
uapi=$(musl_uapi "$out")

# The date kconfig writes into its generated files: the caller's, or the
# Debian changelog's. The binary itself carries no date (BB_EXTRA_VERSION
# replaces the build time in the banner).
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$src/debian/changelog" -STimestamp)
fi
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C

# A fixed build directory (per key), so no random path can reach the binary.
# Left behind only by a failed build (for its log): cleared by the next one.
build=$out/$key.build
rm -rf "$out"/*.build "$out"/*.new
mkdir -p "$build"
log=$build/build.log
fail() {
	echo "$me: error: $1 (full log: $log)" >&2
	grep -E 'error:|Error [0-9]|undefined reference|[Nn]o such file' "$log" | head -n 40 >&2 ||
		tail -n 40 "$log" >&2
	exit 1
}
mk() {
	make -C "$src" O="$build" CC=musl-gcc HOSTCC=gcc \
		BB_EXTRA_VERSION="berth, Debian $version" "$@"
}

# The committed config must be complete: oldconfig (answering every new
# question with its default) may not change it.
cp "$config" "$build/.config"
mk oldconfig >"$build/oldconfig.log" 2>&1 < <(yes '' || :) ||
	log=$build/oldconfig.log fail "make oldconfig failed"
norm() { grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$1" | sort; }
if ! diff -u <(norm "$config") <(norm "$build/.config") >"$build/config.diff"; then
	cat "$build/config.diff" >&2
	die "rootfs/busybox.config is not complete for busybox $version: oldconfig changed it (above); see docs/busybox.md"
fi
for must in 'CONFIG_STATIC=y' '# CONFIG_INIT is not set' '# CONFIG_FEATURE_CALL_TELINIT is not set'; do
	grep -qxF "$must" "$build/.config" || die "rootfs/busybox.config must have '$must' (berth-init is PID 1; one static binary)"
done

say "building busybox $version with musl-gcc (log: $log)"
start=$SECONDS
CFLAGS="-isystem $uapi -ffile-prefix-map=$src=busybox -ffile-prefix-map=$build=." \
	mk -j2 busybox >>"$log" 2>&1 </dev/null || fail "make busybox failed"
[ -x "$build/busybox" ] || fail "make did not produce $build/busybox"
if readelf -lW "$build/busybox" | grep -q INTERP; then
	die "$build/busybox is not statically linked (it asks for a program interpreter)"
fi
"$build/busybox" true || die "$build/busybox does not run"

mkdir -p "$out/$key.new"
install -m 0755 "$build/busybox" "$out/$key.new/busybox"
install -m 0644 "$build/.config" "$out/$key.new/busybox.config"
rm -rf "${out:?}/$key"
mv "$out/$key.new" "$out/$key"
rm -rf "$build"
say "built busybox $version in $((SECONDS - start))s: $(stat -c %s "$bin") bytes, $("$bin" --list | wc -l) applets"
echo "$bin"
