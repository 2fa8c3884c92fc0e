# Sourced by stage scripts: an apt of berth's own under $BERTH_CACHE/apt.
# It uses the build host's Debian mirror configuration (so berth names no
# mirror of its own) but its own package lists and an empty dpkg status:
# what the host has installed never changes what an image gets.
# After apt_setup, plain apt-get/apt-cache calls use this state.

apt_setup() {
	local a=$BERTH_CACHE/apt src
	mkdir -p "$a/etc/sources.list.d" "$a/etc/preferences.d" "$a/etc/apt.conf.d" \
		"$a/state/lists/partial" "$a/cache" "$BERTH_CACHE/debs/partial"
	[ -e "$a/status" ] || : >"$a/status"
	# The host's Debian sources (deb822 or one-line), with source packages too.
	src=$a/etc/sources.list.d/debian.sources.new
	: >"$src"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types:.*/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources >>"$src"
	fi
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" { print; $1 = "deb-src"; print }' /etc/apt/sources.list >"$a/etc/sources.list.new"
	else
		: >"$a/etc/sources.list.new"
	fi
	mv "$src" "$a/etc/sources.list.d/debian.sources"
	mv "$a/etc/sources.list.new" "$a/etc/sources.list"
	cat >"$a/apt.conf" <<CONF
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
	export APT_CONFIG=$a/apt.conf
	# Fresh lists once a day; the lockfile pins versions between updates.
	if [ -z "$(find "$a/state/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 -print -quit)" ]; then
		apt-get update -q >&2
	fi
}
