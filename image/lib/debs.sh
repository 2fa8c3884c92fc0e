# Sourced by stage scripts: Debian packages in the download cache
# ($BERTH_CACHE/debs), fetched through berth's own apt state (apt.sh).
. "$BERTH_SRC/image/lib/apt.sh"

# apt_ready: apt_setup, once per script.
_apt_ready=
apt_ready() {
	if [ -z "$_apt_ready" ]; then
		apt_setup
		_apt_ready=1
	fi
}

# deb_fetch PACKAGE -> the path of the cached .deb of its candidate version.
deb_fetch() {
	local pkg=$1 ver file
	apt_ready
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "berth: Debian package '$pkg' not found" >&2
		return 1
	fi
	file=$(cd "$BERTH_CACHE/debs" 2>/dev/null && find . -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -printf '%f\n' -quit)
	if [ -n "$file" ]; then
		echo "$BERTH_CACHE/debs/$file"
		return 0
	fi
	mkdir -p "$BERTH_CACHE/debs"
	(cd "$BERTH_CACHE/debs" && apt-get download -q "$pkg=$ver" >&2) || {
		echo "berth: download of $pkg=$ver failed" >&2
		return 1
	}
	file=$(cd "$BERTH_CACHE/debs" && find . -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" -printf '%f\n' -quit)
	[ -n "$file" ] || { echo "berth: download of $pkg=$ver left no .deb" >&2; return 1; }
	echo "$BERTH_CACHE/debs/$file"
}

# deb_fetch_locked NAME VERSION SHA256 FILE -> the path of the cached FILE,
# fetched as exactly NAME=VERSION when it is missing or its hash differs;
# refuses a version the mirrors no longer have or a .deb whose SHA-256 is
# not the locked one (nothing enters the cache then).
deb_fetch_locked() {
	local name=$1 ver=$2 sha=$3 file=$4 debs=$BERTH_CACHE/debs dl got
	if [ -f "$debs/$file" ] && [ "$(sha256sum <"$debs/$file" | cut -c1-64)" = "$sha" ]; then
		echo "$debs/$file"
		return 0
	fi
	apt_ready
	if ! apt-cache madison "$name" 2>/dev/null | awk -F'|' -v v="$ver" '
		{ gsub(/^ +| +$/, "", $2) } $2 == v && $3 ~ /Packages *$/ { found = 1 }
		END { exit !found }'; then
		echo "berth: locked package $name=$ver is no longer available from the configured Debian mirrors" >&2
		return 1
	fi
	mkdir -p "$debs"
	dl=$(mktemp -d "$debs/.berth-download.XXXXXX")
	if ! (cd "$dl" && apt-get download -q "$name=$ver" >&2) || [ ! -f "$dl/$file" ]; then
		ls "$dl" >&2
		rm -rf "$dl"
		echo "berth: download of $name=$ver did not give $file" >&2
		return 1
	fi
	got=$(sha256sum <"$dl/$file" | cut -c1-64)
	if [ "$got" != "$sha" ]; then
		rm -rf "$dl"
		echo "berth: $file from the Debian mirrors has SHA-256 $got, but the lockfile pins $sha: the archive changed under a locked version; refusing it" >&2
		return 1
	fi
	mv -f "$dl/$file" "$debs/$file"
	rm -rf "$dl"
	echo "$debs/$file"
}
