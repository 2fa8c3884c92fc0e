#!/bin/bash
# Stage "rootfs": the tree of the read-only root. BusyBox (Debian's
# busybox-static for now) with its applet links, berth-init as /sbin/init,
# and a generated /etc. Out: $BERTH_WORK/rootfs.
set -euo pipefail
. "$BERTH_SRC/image/lib/debs.sh"

root=$BERTH_WORK/rootfs
rm -rf "$root" "$BERTH_WORK/busybox"
mkdir -p "$root"/{dev,proc,sys,run,tmp,var,root,etc/berth,usr/bin,usr/sbin,usr/lib}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
chmod 0700 "$root/root"
chmod 1777 "$root/tmp"

deb=$(deb_fetch busybox-static)
dpkg-deb -x "$deb" "$BERTH_WORK/busybox"
install -m 0755 "$BERTH_WORK/busybox/bin/busybox" "$root/usr/bin/busybox"
# One link per applet, where BusyBox says it belongs (merged /usr).
"$root/usr/bin/busybox" --list-full | while read -r path; do
	name=${path##*/}
	case $name in init | linuxrc) continue ;; esac
	dir=usr/${path%/*}
	[ "$dir" = usr/usr/bin ] && dir=usr/bin
	[ "$dir" = usr/usr/sbin ] && dir=usr/sbin
	[ -e "$root/$dir/$name" ] || ln -s /usr/bin/busybox "$root/$dir/$name"
done
install -m 0755 "$BERTH_INIT" "$root/usr/sbin/init"

# /etc: everything a machine changes at run time lives in /run or /var.
cat >"$root/etc/os-release" <<OSR
NAME=berth
ID=berth
IMAGE_ID=$BERTH_NAME
IMAGE_VERSION=$BERTH_VERSION
VERSION_ID=$BERTH_VERSION
PRETTY_NAME="berth $BERTH_VERSION"
OSR
ln -s ../etc/os-release "$root/usr/lib/os-release"
echo "$BERTH_HOSTNAME" >"$root/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
ln -s ../proc/self/mounts "$root/etc/mtab"
ln -s ../run/resolv.conf "$root/etc/resolv.conf"
if [ -n "$BERTH_DEBUG_SHELL" ]; then
	echo "$BERTH_DEBUG_SHELL" >"$root/etc/berth/console-shell"
fi
echo "rootfs $(du -sk "$root" | cut -f1) KiB"
