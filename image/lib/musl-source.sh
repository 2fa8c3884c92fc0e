# Shared by the scripts that build Debian source packages with musl
# (rootfs/busybox.sh, rootfs/dosfstools.sh, updater/libsodium.sh), which
# source it first, after `set -euo pipefail` and `set -o errtrace`. It gives
# them `die`, `say` and an ERR trap naming the failed line, checks
# BERTH_SRC and BERTH_CACHE, and loads berth's apt (image/lib/apt.sh).

me=${0##*/}
die() {
	echo "$me: error: $*" >&2
	exit 1
}
trap 'echo "$me: error: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
say() { echo "$me: $*" >&2; }

: "${BERTH_SRC:?BERTH_SRC must name the berth source tree}"
: "${BERTH_CACHE:?BERTH_CACHE must name the cache directory}"
. "$BERTH_SRC/image/lib/apt.sh"

# need_tools PACKAGES TOOL...: dies, naming the Debian PACKAGES to install,
# unless every TOOL is on the PATH.
need_tools() {
	local packages=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool not found (apt-get install $packages)"
	done
}

# musl_cache NAME: OUT=$BERTH_CACHE/NAME, made and locked for the rest of the
# script (one build of NAME per cache at a time: downloads, unpacking and
# builds share it), with berth's apt set up.
musl_cache() {
	OUT=$BERTH_CACHE/$1
	mkdir -p "$OUT" "$BERTH_CACHE/src"
	exec 9>"$OUT/.lock"
	flock 9
	apt_setup
}

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

# musl_autotools PACKAGE PRODUCT [CONFIGURE_ARG...]: Debian's source
# package PACKAGE (Debian's patches applied, configure remade with autoreconf
# as Debian's build does) built with musl-gcc and installed under
# $OUT/<key>/ (musl_cache), where <key> covers the source version, the .dsc, the calling
# script ($script), this file, the toolchain and the autotools. Nothing is
# built when $OUT/<key>/PRODUCT exists. Sets PREFIX to $OUT/<key>. The
# build's output is shown only when it fails.
musl_autotools() {
	local pkg=$1 product=$2 out=$OUT key uapi build src dest log start
	shift 2
	debian_source "$pkg" "$BERTH_CACHE/src"
	key=$({
		printf 'version=%s\ndsc-sha256=%s\n' "$SRC_VERSION" "$DSC_SHA"
		dpkg-query -W -f='${Package}=${Version}\n' musl-dev linux-libc-dev autoconf automake libtool 2>&1
		musl-gcc --version
		echo "--- ${script#"$BERTH_SRC"/}"
		cat "$script"
		echo "--- musl-source.sh"
		cat "$BERTH_SRC/image/lib/musl-source.sh"
	} | sha256sum | cut -d' ' -f1)
	PREFIX=$out/$key
	[ -e "$PREFIX/$product" ] && return 0

	# Kernel UAPI headers for musl, so that configure finds what glibc has.
	uapi=$(musl_uapi "$out")
	export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} TZ=UTC LC_ALL=C
	# A fixed build directory (per key), so no random path reaches the
	# output. Left behind only by a failed build (for its log): cleared by
	# the next one. The source is unpacked in it, as autoreconf writes there.
	build=$out/$key.build
	src=$build/src
	dest=$out/$key.dest
	rm -rf "$out"/*.build "$out"/*.dest
	mkdir -p "$build/obj"
	log=$build/build.log
	start=$SECONDS
	say "building $pkg $SRC_VERSION with musl-gcc (log: $log)"
	dpkg-source -x "$DSC" "$src" >"$log" 2>&1 </dev/null &&
		(cd "$src" && autoreconf -fi) >>"$log" 2>&1 </dev/null &&
		(cd "$build/obj" && CC=musl-gcc \
			CFLAGS="-Os -isystem $uapi -ffunction-sections -fdata-sections -ffile-prefix-map=$src=$pkg -ffile-prefix-map=$build=." \
			"$src/configure" --prefix="$PREFIX" --disable-dependency-tracking "$@") >>"$log" 2>&1 </dev/null &&
		make -C "$build/obj" -j2 >>"$log" 2>&1 </dev/null &&
		make -C "$build/obj" install DESTDIR="$dest" >>"$log" 2>&1 </dev/null || {
		grep -E 'error:|Error [0-9]|undefined reference|[Nn]o such file' "$log" | head -n 40 >&2 ||
			tail -n 40 "$log" >&2
		die "building $pkg with musl failed (full log: $log)"
	}
	[ -e "$dest$PREFIX/$product" ] || die "make install of $pkg gave no $product (log: $log)"
	rm -rf "$PREFIX"
	mv "$dest$PREFIX" "$PREFIX"
	rm -rf "$dest" "$build"
	say "built $pkg $SRC_VERSION with musl-gcc in $((SECONDS - start))s"
}
