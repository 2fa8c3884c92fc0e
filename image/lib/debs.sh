# Sourced by stage scripts: fetch Debian packages into the download cache,
# through berth's own apt state (apt.sh).
. "$BERTH_SRC/image/lib/apt.sh"

# deb_fetch PACKAGE [VERSION] -> prints the path of the cached .deb of
# VERSION, or of the candidate version when none is given.
deb_fetch() {
	local pkg=$1 ver=${2:-} file dir=$BERTH_CACHE/debs
	apt_setup
	if [ -z "$ver" ]; then
		ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
			echo "berth: Debian package '$pkg' not found" >&2
			return 1
		fi
	fi
	file=$(find "$dir" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -print -quit)
	if [ -z "$file" ]; then
		if ! (cd "$dir" && apt-get download -q "$pkg=$ver" >&2); then
			echo "berth: $pkg=$ver is not available from the configured Debian mirrors" >&2
			return 1
		fi
		file=$(find "$dir" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -print -quit)
	fi
	[ -n "$file" ] || { echo "berth: download of $pkg=$ver failed" >&2; return 1; }
	echo "$file"
}
