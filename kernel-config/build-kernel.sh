#!/bin/bash
# Stage "kernel" for `kernel.source: config`: Debian's linux-source package
# (BERTH_KERNEL_PACKAGE, e.g. linux-source-6.1) built with the fragments
# in kernel-config/ merged onto `make allnoconfig`, everything built in, the
# image's verity certificate (BERTH_VERITY_CERT) in the trusted keyring.
# The bzImage is cached in $BERTH_CACHE/kernel/<key>/, <key> covering the
# source .deb, the fragments, the certificate, this script and the
# toolchain. Writes what debian-kernel.sh writes: kernel/vmlinuz,
# kernel/release, kernel/lock and kernel/root/lib/modules/<release>, which
# holds only modules.builtin (the initramfs then gets no modules).
# See docs/kernel.md.
set -euo pipefail
. "$BERTH_SRC/image/lib/debs.sh"

die() {
	echo "berth: $*" >&2
	exit 1
}

fragments=()
for f in base virt metal containers verity; do
	fragments+=("$BERTH_SRC/kernel-config/$f.config")
done
[ -f "$BERTH_VERITY_CERT" ] || die "no verity certificate at '$BERTH_VERITY_CERT'"

if [ -n "${BERTH_LOCK_IN:-}" ]; then
	read -r _ _ pkg ver sha file < <(grep '^# kernel: ' "$BERTH_LOCK_IN") ||
		die "$BERTH_LOCK_IN has no '# kernel:' line"
	[ "$pkg" = "$BERTH_KERNEL_PACKAGE" ] || die "$BERTH_LOCK_IN locks kernel $pkg, the manifest names $BERTH_KERNEL_PACKAGE"
	deb=$(deb_fetch_locked "$pkg" "$ver" "$sha" "$file")
else
	pkg=$BERTH_KERNEL_PACKAGE
	deb=$(deb_fetch "$pkg")
	sha=$(sha256sum <"$deb" | cut -d' ' -f1)
fi
ver=$(dpkg-deb -f "$deb" Version)

cache=$BERTH_CACHE/kernel
mkdir -p "$cache" "$BERTH_CACHE/src"
# One kernel build at a time per cache: the unpacked source is shared.
exec 9>"$cache/.lock"
flock 9

key=$({
	printf 'deb-sha256=%s\n' "$sha"
	for f in "${fragments[@]}"; do
		echo "--- ${f##*/}"
		cat "$f"
	done
	echo "--- certificate"
	cat "$BERTH_VERITY_CERT"
	echo "--- build-kernel.sh"
	cat "$0"
	gcc --version | head -n1
	ld --version | head -n1
	make --version | head -n1
	openssl version
} | sha256sum | cut -c1-64)
dir=$cache/$key

if [ ! -f "$dir/bzImage" ]; then
	# Unpacked once per source .deb, then only read: builds are out of tree.
	src=$BERTH_CACHE/src/$pkg-$ver
	if [ ! -f "$src/.berth-unpacked" ]; then
		echo "unpacking $pkg $ver"
		rm -rf "$src"
		mkdir -p "$src"
		tarball=$(dpkg-deb -c "$deb" | awk '$6 ~ /\/linux-source-[^\/]*\.tar\.xz$/ { print $6 }')
		[ -n "$tarball" ] || die "$deb holds no linux-source tarball"
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" | tar -xJ -C "$src" --strip-components=1
		touch "$src/.berth-unpacked"
	fi

	# What a failed build left (its make.log was shown then).
	rm -rf "$cache"/build-*
	build=$cache/build-$key
	mkdir -p "$build"
	cp "$BERTH_VERITY_CERT" "$build/verity-cert.pem"
	cat "${fragments[@]}" >"$build/berth.config"
	printf 'CONFIG_SYSTEM_TRUSTED_KEYS="%s"\n' "$build/verity-cert.pem" >>"$build/berth.config"

	export ARCH=x86_64 KBUILD_BUILD_TIMESTAMP="@${SOURCE_DATE_EPOCH:-0}" \
		KBUILD_BUILD_USER=berth KBUILD_BUILD_HOST=berth KBUILD_BUILD_VERSION=1
	(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$build" "$build/berth.config") >"$build/merge.log" ||
		{ cat "$build/merge.log" >&2; die "merge_config.sh failed"; }
	# merge_config.sh only warns about an option whose dependencies are
	# missing; a kernel without an option a fragment asks for is an error.
	missing=$(grep '^CONFIG_' "$build/berth.config" | sort -u | comm -23 - <(sort -u "$build/.config"))
	[ -z "$missing" ] || die "options the fragments set but the kernel configuration lacks (missing dependencies?):
$missing"
	echo "building $pkg $ver in $build"
	nice -n 10 make -C "$src" O="$build" -j"$(nproc)" -s bzImage >"$build/make.log" 2>&1 ||
		{ tail -n 40 "$build/make.log" >&2; die "kernel build failed; see $build/make.log"; }
	make -C "$src" O="$build" -s kernelrelease >"$build/release"
	mkdir -p "$dir.tmp"
	cp "$build/arch/x86/boot/bzImage" "$build/.config" "$build/release" \
		"$build/modules.builtin" "$build/modules.builtin.modinfo" "$dir.tmp/"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	rm -rf "$build"
else
	echo "cached: $dir"
fi

out=$BERTH_WORK/kernel
release=$(cat "$dir/release")
rm -rf "$out"
mkdir -p "$out/root/lib/modules/$release"
cp "$dir/bzImage" "$out/vmlinuz"
cp "$dir/modules.builtin" "$dir/modules.builtin.modinfo" "$out/root/lib/modules/$release/"
# modules.builtin.bin, which modprobe reads to tell a built-in driver.
depmod -b "$out/root" "$release"
echo "$release" >"$out/release"
echo "# kernel: $pkg $ver $sha ${deb##*/}" >"$out/lock"
echo "kernel $pkg $ver built as $release ($(stat -c %s "$out/vmlinuz") bytes)"
