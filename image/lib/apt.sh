# Sourced by stage scripts: an apt of berth's own under $BERTH_CACHE/apt.
# It uses the build host's Debian mirror configuration (so berth names no
# mirror of its own) but its own package lists and an empty dpkg status:
# what the host has installed never changes what an image gets.
#
# Builds sharing the cache take turns through $BERTH_CACHE/apt/.lock (a
# flock): writing the configuration and refreshing the lists hold it
# exclusively; a script that reads the lists holds it shared until it ends,
# and berth holds it shared for a whole build (image/stages.c), so that a
# build's stages and their keys all see one set of lists. Only
# apt_refresh, which berth runs before taking its lock (image/apt-lists.sh),
# refreshes lists a day old: apt_setup within a build never waits for it.

_apt_fd=
# _apt_lock -s|-x: berth's apt lock, shared or exclusive, on one descriptor
# per script (flock converts it in place).
_apt_lock() {
	if [ -z "$_apt_fd" ]; then
		mkdir -p "$BERTH_CACHE/apt"
		exec {_apt_fd}>>"$BERTH_CACHE/apt/.lock"
	fi
	flock "$1" "$_apt_fd"
}

# The configuration files, each printed by a function of its name. Both
# kinds of sources get Debian's non-free-firmware component (Debian 12 and
# later), where rootfs.packages finds the firmware packages
# (firmware-misc-nonfree, firmware-bnx2x...; docs/bare-metal.md).
_apt_sources() { # the host's deb822 sources, with source packages too
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -e 's/^Types:.*/Types: deb deb-src/' \
			-e '/^Components:/{/[[:space:]]non-free-firmware\([[:space:]]\|$\)/!s/[[:space:]]*$/ non-free-firmware/}' \
			/etc/apt/sources.list.d/debian.sources
	fi
}
_apt_list() { # the host's one-line sources, each also as deb-src
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" {
			firmware = 0
			for (i = 4; i <= NF; i++) if ($i == "non-free-firmware") firmware = 1
			if (!firmware) $0 = $0 " non-free-firmware"
			print; $1 = "deb-src"; print
		}' /etc/apt/sources.list
	fi
}
_apt_conf() {
	local a=$BERTH_CACHE/apt
	cat <<CONF
Dir::Etc "$a/etc";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
Dir::Etc::Trusted "/etc/apt/trusted.gpg";
Dir::State "$a/state";
Dir::State::status "$a/status";
Dir::Cache "$a/cache";
Dir::Cache::archives "$BERTH_CACHE/debs";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT::Sandbox::User "root";
CONF
}
_apt_files=(etc/sources.list.d/debian.sources:_apt_sources etc/sources.list:_apt_list apt.conf:_apt_conf)

# _apt_current: the configuration is what the host's sources give, and the
# lists were refreshed within a day.
_apt_current() {
	local a=$BERTH_CACHE/apt f
	for f in "${_apt_files[@]}"; do
		cmp -s "$a/${f%%:*}" <("${f#*:}") || return 1
	done
	[ -e "$a/status" ] && [ -n "$(find "$a/state/updated" -mmin -1440 2>/dev/null)" ]
}

# apt_refresh: the configuration written (each file replaced by rename, so
# a reader never sees half of one) and the lists refreshed, where either is
# out of date; then as apt_setup. Exclusive only while it writes.
apt_refresh() {
	local a=$BERTH_CACHE/apt f new changed
	_apt_lock -s
	if ! _apt_current; then
		_apt_lock -x
		mkdir -p "$a/etc/sources.list.d" "$a/etc/preferences.d" "$a/etc/apt.conf.d" \
			"$a/state/lists/partial" "$a/cache" "$BERTH_CACHE/debs/partial"
		[ -e "$a/status" ] || : >"$a/status"
		changed=
		for f in "${_apt_files[@]}"; do
			new=$a/${f%%:*}.new
			"${f#*:}" >"$new"
			if cmp -s "$new" "$a/${f%%:*}"; then
				rm -f "$new"
			else
				mv -f "$new" "$a/${f%%:*}"
				changed=1
			fi
		done
		export APT_CONFIG=$a/apt.conf
		# The lockfile pins versions between refreshes; other sources (or
		# components) need their lists now, whatever their age.
		if [ -n "$changed" ] || [ -z "$(find "$a/state/updated" -mmin -1440 2>/dev/null)" ]; then
			apt-get update -q >&2
			touch "$a/state/updated"
		fi
		_apt_lock -s
	fi
	export APT_CONFIG=$a/apt.conf
}

# apt_setup: plain apt-get/apt-cache calls use berth's apt from here on, its
# lists held (shared) until the script ends. Sets it up when it never was
# (updater/libsodium.sh, which make runs before any build), else leaves
# configuration and lists as apt_refresh last made them.
apt_setup() {
	_apt_lock -s
	if [ ! -e "$BERTH_CACHE/apt/state/updated" ]; then
		apt_refresh
	fi
	export APT_CONFIG=$BERTH_CACHE/apt/apt.conf
}
