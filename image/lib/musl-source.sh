# Shared by the scripts that build Debian source packages with musl
# (rootfs/busybox.sh, updater/libsodium.sh). Needs apt_setup done and a
# `die` function in the caller.

# debian_source PACKAGE DIR: the candidate source version of PACKAGE, as
# apt's (signed) Sources index names it, downloaded into DIR (apt skips
# files already there and checks every hash). Sets DSC (the .dsc's path),
# DSC_SHA and SRC_VERSION.
debian_source() {
	local pkg=$1 dir=$2 uris dsc_name
	uris=$(apt-get source -q --print-uris "$pkg" 2>/dev/null) ||
		die "apt-get source --print-uris $pkg failed (no deb-src for $pkg?)"
	read -r dsc_name DSC_SHA < <(awk '$2 ~ /\.dsc$/ { sub(/^SHA256:/, "", $4); print $2, $4; exit }' <<<"$uris") ||
		die "no .dsc for $pkg in: $uris"
	[[ $DSC_SHA =~ ^[0-9a-f]{64}$ ]] || die "no SHA256 for $dsc_name from apt"
	DSC=$dir/$dsc_name
	(cd "$dir" && apt-get source -q --download-only "$pkg" >&2) ||
		die "apt-get source --download-only $pkg failed"
	[ "$(sha256sum <"$DSC" | cut -d' ' -f1)" = "$DSC_SHA" ] || die "$DSC: sha256 is not $DSC_SHA"
	SRC_VERSION=$(sed -n 's/^Version: //p' "$DSC" | head -n1)
	[ -n "$SRC_VERSION" ] || die "$DSC: no Version"
}

# musl_uapi CACHE: prints a folder of kernel UAPI headers for musl-gcc
# (which does not search /usr/include): the tree's build/kernel-headers if
# made, or the same symlinks under CACHE.
musl_uapi() {
	local uapi=$BERTH_SRC/build/kernel-headers
	if [ ! -e "$uapi/linux/version.h" ]; then
		[ -e /usr/include/linux/version.h ] ||
			die "no kernel headers in /usr/include/linux (apt-get install linux-libc-dev)"
		uapi=$1/kernel-headers
		mkdir -p "$uapi"
		ln -sfn /usr/include/linux "$uapi/linux"
		ln -sfn /usr/include/asm-generic "$uapi/asm-generic"
		ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$uapi/asm"
	fi
	echo "$uapi"
}
