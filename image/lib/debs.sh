# Sourced by stage scripts: fetch Debian packages into the download cache.
# (Issue 3 replaces this with an isolated apt state and a lockfile.)

# deb_fetch PACKAGE -> prints the path of the cached .deb of its candidate version.
deb_fetch() {
	local pkg=$1 ver file dir=$BERTH_CACHE/debs
	mkdir -p "$dir"
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "berth: Debian package '$pkg' not found (is 'apt-get update' done?)" >&2
		return 1
	fi
	file=$(find "$dir" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -print -quit)
	if [ -z "$file" ]; then
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2)
		file=$(find "$dir" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -print -quit)
	fi
	[ -n "$file" ] || { echo "berth: download of $pkg=$ver failed" >&2; return 1; }
	echo "$file"
}
