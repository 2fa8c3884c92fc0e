#!/bin/bash
# Stage "kernel": Debian's kernel image package, downloaded into the cache
# and extracted into $BERTH_WORK/kernel (never the build host's /boot or
# /lib/modules). Writes kernel/vmlinuz and kernel/release.
set -euo pipefail
. "$BERTH_SRC/image/lib/debs.sh"

pkg=$BERTH_KERNEL_PACKAGE
# A meta package (linux-image-amd64) names the real one in its Depends.
real=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n1)
[ -n "$real" ] || real=$pkg

deb=$(deb_fetch "$real")
out=$BERTH_WORK/kernel
rm -rf "$out"
mkdir -p "$out/root"
dpkg-deb -x "$deb" "$out/root"

release=$(ls "$out/root/lib/modules")
[ "$(echo "$release" | wc -l)" -eq 1 ] || { echo "berth: expected one kernel in $deb" >&2; exit 1; }
# The package ships no modules.dep; its postinst would make it.
depmod -b "$out/root" "$release"
cp "$out/root/boot/vmlinuz-$release" "$out/vmlinuz"
echo "$release" >"$out/release"
echo "kernel $real $release"
