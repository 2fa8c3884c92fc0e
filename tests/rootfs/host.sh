#!/bin/bash
# The rootfs stage (rootfs/mkrootfs.sh) against symlinks that lead out of
# the image: rootfs.files and rootfs.remove entries reach a throw-away
# "build host" folder through symlinks a copied folder put in the image (an
# absolute one, and a relative one with more ".." than the image is deep).
# The host folder must be the same afterwards, what the entries copy must
# land inside the image as the booted system resolves the symlinks, and the
# glob that matches through a symlink out must stop the stage.
#
#   tests/rootfs/host.sh
#
# Runs the stage as `berth build` does, with the lists berth would write
# (no Debian packages, BusyBox from the cache): a few seconds. Prints
# "ok - " and "FAIL - " lines and exits 0: tests/run.sh counts the lines.
set -u
cd "$(dirname "$0")/../.."
src=$PWD
tmp=$(mktemp -d /tmp/berth-host.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
check() { # CONDITION-STATUS NAME
	if [ "$1" -eq 0 ]; then
		echo "ok - host: $2"
	else
		echo "FAIL - host: $2"
		failed=1
	fi
}

# The build host's folder, and how it looks: every path, type, mode, size, link and content.
host=$tmp/host
mkdir -p "$host/sub" "$host/glob"
echo "host secret" >"$host/secret"
echo keep >"$host/sub/keep"
echo keep >"$host/glob/keep"
snapshot() {
	(cd "$host" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort)
}
before=$(snapshot)

# What the manifest's folder holds: a folder with symlinks out, files to copy through them.
m=$tmp/manifest
mkdir -p "$m/tree" "$m/sub"
ln -s "$host" "$m/tree/out"
up=../../../../../../../../../../..$host
ln -s "$up" "$m/tree/up"
ln -s glob-in "$m/tree/in"
echo planted >"$m/planted"
echo planted >"$m/sub/planted"

# install.list and remove.list as berth writes them (image/gentree.h).
work=$tmp/work
mkdir -p "$work"
printf '%s\t%s\t644\t0\t0\n' \
	"$m/tree" /opt/tree \
	"$m/planted" /opt/tree/out/planted \
	"$m/planted" /opt/tree/up/planted-rel \
	"$m/sub" /opt/tree/out/sub \
	"$m/sub" /opt/tree/up/glob \
	"$m/planted" /opt/tree/glob-in/x \
	"$m/planted" /opt/tree/out >"$work/install.list"
printf '%s\n' /opt/tree/in/x '/opt/tree/up/glob/*' >"$work/remove.list"

env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC \
	HOME="${HOME:-/root}" BERTH_SRC="$src" BERTH_OUT="$tmp" BERTH_WORK="$work" \
	BERTH_CACHE="${BERTH_CACHE:-/var/cache/berth}" SOURCE_DATE_EPOCH=1700000000 \
	BERTH_NAME=host BERTH_VERSION=0.1.0 BERTH_HOSTNAME= BERTH_PACKAGES= BERTH_LOCK_IN= \
	BERTH_INIT="$src/build/berth-init" BERTH_UPDATE="$src/build/berth-update" \
	BERTH_PROVISION="$src/build/berth-provision" BERTH_CONTAINER="$src/build/berth-container" \
	BERTH_INSTALL_LIST="$work/install.list" BERTH_REMOVE_LIST="$work/remove.list" \
	bash rootfs/mkrootfs.sh >"$tmp/log" 2>&1
status=$?
root=$work/rootfs

[ "$(snapshot)" = "$before" ]
check $? "the build host's folder is unchanged"
! grep -rq --no-messages 'host secret' "$root"
check $? "nothing of the build host's folder is in the image"
[ "$status" -ne 0 ] && grep -q "rootfs.remove: '/opt/tree/up/glob/\*' matches .* through a symlink that leads out of the image" "$tmp/log"
check $? "a remove glob that matches through a symlink out stops the stage"
[ "$(readlink "$root/opt/tree/up")" = "$up" ] && [ "$(readlink "$root/opt/tree/in")" = glob-in ]
check $? "a copied folder's symlinks are copied as symlinks"
[ -f "$root$host/planted" ] && [ -f "$root$host/planted-rel" ] && [ -f "$root$host/sub/planted" ] &&
	[ -f "$root$host/glob/planted" ]
check $? "files and folders copied through the symlinks land where the image resolves them"
[ -f "$root/opt/tree/out" ] && [ ! -L "$root/opt/tree/out" ]
check $? "a file copied onto a symlink replaces the symlink"
[ ! -e "$root/opt/tree/glob-in/x" ]
check $? "a remove through a symlink inside the image removes inside it"
[ "$failed" = 0 ] || tail -n 20 "$tmp/log" | sed 's/^/# /'
exit 0
