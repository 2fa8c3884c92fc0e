#!/bin/bash
# Stage "kernel": Debian's kernel image package, downloaded into the cache
# and extracted into $BERTH_WORK/kernel (never the build host's /boot or
# /lib/modules). Writes kernel/vmlinuz, kernel/release and kernel/lock (the
# lockfile's "# kernel:" line). With a lockfile, exactly the kernel it names.
set -euo pipefail
. "$BERTH_SRC/image/lib/debs.sh"

if [ -n "${BERTH_LOCK_IN:-}" ]; then
	read -r _ _ real ver sha file < <(grep '^# kernel: ' "$BERTH_LOCK_IN") || {
		echo "berth: $BERTH_LOCK_IN has no '# kernel:' line" >&2
		exit 1
	}
	deb=$(deb_fetch_locked "$real" "$ver" "$sha" "$file")
else
	apt_ready
	# A meta package (linux-image-amd64) names the real one in its Depends.
	real=$(apt-cache show --no-all-versions "$BERTH_KERNEL_PACKAGE" |
		sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*\).*/\1/p' | head -n1)
	[ -n "$real" ] || real=$BERTH_KERNEL_PACKAGE
	deb=$(deb_fetch "$real")
fi
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
echo "# kernel: $real $(dpkg-deb -f "$deb" Version) $(sha256sum <"$deb" | cut -d' ' -f1) ${deb##*/}" >"$out/lock"
echo "kernel $real $release"
