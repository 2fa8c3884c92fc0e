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

# Downloads into the cache take turns: apt's own locks there fail at once
# rather than wait, and `apt-get download` writes its file in place. So a
# download holds $BERTH_CACHE/debs/.lock (a flock) and goes to a scratch
# folder first, its .deb renamed in whole: a reader finds a whole file or none.
_debs_fd=
# debs_lock, debs_unlock: the download lock, taken (waiting for it) and let go.
debs_lock() {
	mkdir -p "$BERTH_CACHE/debs"
	exec {_debs_fd}>>"$BERTH_CACHE/debs/.lock"
	flock -x "$_debs_fd"
}
debs_unlock() {
	exec {_debs_fd}>&-
}

# _deb_download NAME VERSION PATTERN [SHA256] -> the path of the .deb of
# NAME=VERSION (the file of the download that PATTERN matches), fetched
# from the mirrors into the cache; with SHA256, refused (left out of the
# cache) when its SHA-256 is another.
_deb_download() {
	local name=$1 ver=$2 pattern=$3 sha=${4:-} debs=$BERTH_CACHE/debs dl file got st=1
	debs_lock
	dl=$(mktemp -d "$debs/.berth-download.XXXXXX")
	if ! (cd "$dl" && apt-get download -q "$name=$ver" >&2); then
		echo "berth: download of $name=$ver failed" >&2
	elif ! file=$(cd "$dl" && find . -maxdepth 1 -name "$pattern" -printf '%f\n' -quit) || [ -z "$file" ]; then
		ls "$dl" >&2
		echo "berth: download of $name=$ver did not give $pattern" >&2
	elif [ -n "$sha" ] && got=$(sha256sum <"$dl/$file" | cut -c1-64) && [ "$got" != "$sha" ]; then
		echo "berth: $file from the Debian mirrors has SHA-256 $got, but the lockfile pins $sha: the archive changed under a locked version; refusing it" >&2
	else
		mv -f "$dl/$file" "$debs/$file"
		echo "$debs/$file"
		st=0
	fi
	rm -rf "$dl"
	debs_unlock
	return "$st"
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
	_deb_download "$pkg" "$ver" "${pkg}_${ver//:/%3a}_*.deb"
}

# deb_fetch_locked NAME VERSION SHA256 FILE -> the path of the cached FILE,
# fetched as exactly NAME=VERSION when it is missing or its hash differs;
# refuses a version the mirrors no longer have or a .deb whose SHA-256 is
# not the locked one (nothing enters the cache then).
deb_fetch_locked() {
	local name=$1 ver=$2 sha=$3 file=$4 debs=$BERTH_CACHE/debs
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
	_deb_download "$name" "$ver" "$file" "$sha"
}
