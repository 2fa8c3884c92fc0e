#!/bin/bash
# Stage "rootfs": the tree of the read-only root. The manifest's Debian
# packages (rootfs/packages.sh: closure, lockfile, pruning), BusyBox built
# with musl (rootfs/busybox.sh) with its applet links, berth-init as
# /sbin/init, a generated /etc, then what BERTH_INSTALL_LIST names (the
# files berth generates from the manifest, the containers' images,
# rootfs.files) and rootfs.remove (BERTH_REMOVE_LIST).
# Out: $BERTH_WORK/rootfs and $BERTH_WORK/packages.lock.
set -euo pipefail

root=$BERTH_WORK/rootfs
rm -rf "$root"
mkdir -p "$root"/{dev,proc,sys,run,tmp,var,root,etc,usr/bin,usr/sbin,usr/lib,usr/lib64}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 0700 "$root/root"
chmod 1777 "$root/tmp"

bash "$BERTH_SRC/rootfs/packages.sh" "$root" "$BERTH_WORK/packages.lock" ${BERTH_LOCK_IN:+"$BERTH_LOCK_IN"}

busybox=$(bash "$BERTH_SRC/rootfs/busybox.sh" | tail -n 1)
install -m 0755 "$busybox" "$root/usr/bin/busybox"
# One link per applet, where BusyBox says it belongs (merged /usr); a
# program from a Debian package wins over an applet of the same name.
"$root/usr/bin/busybox" --list-full | while read -r path; do
	name=${path##*/}
	dir=$(dirname "$path")
	[ "$dir" = . ] && continue
	dir=${dir#usr}
	dir=usr/${dir#/}
	[ -e "$root/$dir/$name" ] || [ -L "$root/$dir/$name" ] || ln -s /usr/bin/busybox "$root/$dir/$name"
done
install -m 0755 "$BERTH_INIT" "$root/usr/sbin/init"
# The A/B updater (updater/); berth-init runs its mark-good after a healthy boot.
install -m 0755 "$BERTH_UPDATE" "$root/usr/sbin/berth-update"
# Per-machine settings (provision/); berth-init starts it when the image has
# /etc/berth/provision.conf.
install -D -m 0755 "$BERTH_PROVISION" "$root/usr/lib/berth/berth-provision"
# What berth-init's children run: the containers, their probes, logs.
install -D -m 0755 "$BERTH_CONTAINER" "$root/usr/lib/berth/berth-container"
# fsck.fat, which berth-update runs on the ESP before writing to it.
fsck_fat=$(bash "$BERTH_SRC/rootfs/dosfstools.sh" | tail -n 1)
install -m 0755 "$fsck_fat" "$root/usr/sbin/fsck.fat"
# The script of the udhcpc berth-init runs on each ethernet interface.
install -D -m 0755 "$BERTH_SRC/rootfs/udhcpc.script" "$root/usr/share/udhcpc/default.script"

# /etc: everything a machine changes at run time lives in /run or /var.
cat >"$root/etc/os-release" <<OSR
NAME=berth
ID=berth
IMAGE_ID=$BERTH_NAME
IMAGE_VERSION=$BERTH_VERSION
VERSION_ID=$BERTH_VERSION
PRETTY_NAME="berth $BERTH_VERSION"
OSR
rm -f "$root/usr/lib/os-release"
ln -s ../../etc/os-release "$root/usr/lib/os-release"
# Without a hostname in the manifest berth-init derives one from the machine
# id, which it writes to /run/machine-id at boot.
if [ -n "$BERTH_HOSTNAME" ]; then
	echo "$BERTH_HOSTNAME" >"$root/etc/hostname"
fi
ln -sfn ../run/machine-id "$root/etc/machine-id"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' \
	>"$root/etc/nsswitch.conf"
ln -sfn ../proc/self/mounts "$root/etc/mtab"
ln -sfn ../run/resolv.conf "$root/etc/resolv.conf"
# Containers on the host network get the host's /etc/hosts (ctr --net-host).
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

# containerd, when the manifest's packages brought it: berth-init starts it
# with this file (replacing the Debian package's). No Kubernetes, so no CRI.
# cgroup v2 is detected from /sys/fs/cgroup. Clients such as ctr run
# containers with io.containerd.runc.v2, whose default is cgroupfs
# (SystemdCgroup=false); the CRI runtime entry only says so should CRI be
# enabled. Snapshotters that cannot work here (no aufs, btrfs, zfs, or
# devmapper pool) are disabled rather than probed. rootfs.files below may
# replace the file.
if [ -x "$root/usr/bin/containerd" ]; then
	mkdir -p "$root/etc/containerd"
	cat >"$root/etc/containerd/config.toml" <<'TOML'
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
TOML
	chmod 0644 "$root/etc/containerd/config.toml"
fi

# What berth generates from the manifest (its network:, onboot:, services:
# and update: sections as berth-init and berth-update read them, the public
# keys bundles must be signed with, debug.shell's tty), the containers'
# images as berth unpacked them, then rootfs.files, which may replace any of them:
# "src dst mode uid gid" (a folder's files all get MODE). A symlink in the
# root, from a package or an earlier entry, must never take a copy out of
# it: DST's folder is resolved inside the root (rootfs/in_root.sh) as the
# booted system would resolve it, and the copy goes there. A folder's own
# symlinks are copied as symlinks (cp -R, chown -h), never followed.
# shellcheck disable=SC1091 # sourced from the source tree at run time
. "$BERTH_SRC/rootfs/in_root.sh"
while IFS=$'\t' read -r src dst mode uid gid; do
	links=()
	in_root 0 "$(dirname "$dst")" || {
		echo "berth: $dst: a symlink loop in the image" >&2
		exit 1
	}
	mkdir -p "$root$R"
	to=$root${R%/}/${dst##*/}
	if [ "$mode" = - ]; then
		# A container image berth unpacked: as it is, its owners and modes too.
		rm -rf "$to"
		cp -a "$src" "$to"
	elif [ -d "$src" ]; then
		rm -rf "$to"
		cp -R --no-preserve=all "$src" "$to"
		find "$to" -type d -exec chmod 0755 {} +
		find "$to" -type f -exec chmod "$mode" {} +
		chown -hR "$uid:$gid" "$to"
	else
		# -T: onto a symlink or folder at DST, never into what it leads to.
		install -T -m "$mode" -o "$uid" -g "$gid" "$src" "$to"
	fi
done <"$BERTH_INSTALL_LIST"

# rootfs.remove: absolute globs, matched inside the image. bash follows
# symlinks as it matches: a match whose folder leads out of the root that
# way (an absolute symlink, or ".." above it) is the build host's, and the
# build stops before it deletes anything of the glob. The match itself is
# removed, not what a symlink there leads to.
shopt -s nullglob dotglob globstar
while read -r glob; do
	cd "$root"
	IFS=
	# shellcheck disable=SC2206 # pathname expansion is the point
	matches=(${glob#/})
	IFS=$' \t\n'
	cd - >/dev/null
	links=()
	gone=()
	for p in ${matches[@]+"${matches[@]}"}; do
		while [[ $p == */ ]]; do p=${p%/}; done
		parent=.
		[[ $p != */* ]] || parent=${p%/*}
		st=0
		in_root 1 "$parent" || st=$?
		if [ "$st" -ne 0 ]; then
			echo "berth: rootfs.remove: '$glob' matches /$p through a symlink that leads out of the image; name the path without it" >&2
			exit 1
		fi
		gone+=("$root${R%/}/${p##*/}")
	done
	[ "${#gone[@]}" -eq 0 ] || printf '%s\0' "${gone[@]}" | xargs -0 rm -rf --
done <"$BERTH_REMOVE_LIST"

# glibc's iconv modules (8 MiB) stay only when a program or library in the
# root converts character sets with iconv(3); UTF-8, ASCII and Latin-1 are
# built into glibc. Checked last, so rootfs.files count too.
gconv=$root/usr/lib/x86_64-linux-gnu/gconv
iconv_user() {
	local f
	while IFS= read -r -d '' f; do
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		readelf --dyn-syms -W "$f" 2>/dev/null | awk '$7 == "UND" && $8 ~ /^iconv_open(@|$)/ { found = 1 } END { exit !found }' &&
			return 0
	done < <(find "$root" -path "$gconv" -prune -o -type f -size +1k -print0)
	return 1
}
if [ -d "$gconv" ] && ! iconv_user; then
	rm -rf "$gconv"
	echo "glibc's gconv modules removed: no program in the root calls iconv_open"
fi

echo "rootfs $(du -sk "$root" | cut -f1) KiB"
