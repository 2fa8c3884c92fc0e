#!/bin/bash
# The Debian container host berth is measured against: mmdebstrap's minbase
# with systemd, udev, netbase, systemd-networkd (DHCP), containerd and runc, running
# the test service through ctr (bench/baseline/ holds its units and files),
# packed as a GPT disk that boots like berth's: systemd-boot on an ESP made
# by image/mkesp.sh, a UKI made by image/lib/uki.sh from berth's own kernel
# and a dracut initramfs with that kernel's modules, and the root as a
# writable ext4 file system (as a Debian host has it).
#
#   bench/baseline.sh KERNEL OUT
#
# KERNEL: a berth build's kernel stage output (out/bench/work/kernel).
# OUT: gets disk.raw, and work/ with root.ext4, initrd.img, uki-a.efi, esp.img.
# The .debs are cached in $BERTH_CACHE/baseline-debs.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/baseline.sh KERNEL OUT" >&2; exit 2; }
export BERTH_SRC
BERTH_SRC=$(cd "$(dirname "$0")/.." && pwd)
kernel=$(realpath "$1")
out=$2
w=$out/work
: "${BERTH_CACHE:=/var/cache/berth}"
debs=$BERTH_CACHE/baseline-debs
release=$(cat "$kernel/release")
# What image/mkesp.sh is given.
export SOURCE_DATE_EPOCH=0 BERTH_ENTRY=debian-baseline_12.efi
export BERTH_DB_KEY=                # no Secure Boot, as out/bench
export BERTH_ESP_SIZE=$((64 << 20)) # as berth's manifests
data_size=$((256 << 20))            # free room for /var, as berth's data partition
# Fixed identifiers: the same disk every time.
uuid_disk=f397827f-34e8-4087-a9b5-670858d0c1dd
uuid_esp=5beab5a8-8d1d-461b-bf8d-cb1dc06fba5d
uuid_root=3093dbef-ffe2-429c-8e89-e05dc8a1e01e
uuid_root_fs=0cd3ae25-7b04-45a7-8888-e697d503d3ae
. "$BERTH_SRC/image/lib/clock.sh"
. "$BERTH_SRC/image/lib/uki.sh"

rm -rf "$w"
mkdir -p "$w" "$debs"

# Builds sharing the cache take turns with its .debs.
exec 9>"$debs.lock"
flock 9
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && sources+=("$f")
done
mmdebstrap --quiet --variant=minbase --include=systemd-sysv,udev,netbase,containerd,runc \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
	--setup-hook="sync-in $debs /var/cache/apt/archives" \
	--customize-hook="sync-out /var/cache/apt/archives $debs" \
	--customize-hook="cp -a \"$BERTH_SRC/bench/baseline/.\" \"\$1\"/" \
	--customize-hook="install -D -m 0644 \"$BERTH_SRC/tests/manifests/images/hello.tar\" \"\$1\"/usr/share/bench/hello.tar" \
	--customize-hook="install -m 0644 \"$BERTH_SRC/tests/manifests/files/motd\" \"\$1\"/etc/motd" \
	--customize-hook='chroot "$1" systemctl --quiet enable systemd-networkd hello hello-health bench-shell' \
	--customize-hook='chroot "$1" systemctl --quiet mask serial-getty@ttyS0' \
	"$(. /etc/os-release && echo "$VERSION_CODENAME")" "$w/root" "${sources[@]}"
flock -u 9

# The initramfs: dracut's systemd initrd made from the build host's files
# (Debian 12, the root's systemd) with the kernel's modules; those the root
# needs later (it holds none) are loaded here, as berth's stage 1 does.
mkdir -p "$w/dracut.conf.d"
drivers="virtio_pci virtio_blk virtio_net ext4 crc32c_generic overlay vfat nls_cp437 nls_ascii i6300esb"
dracut --quiet --force --no-hostonly --no-hostonly-cmdline --no-early-microcode \
	--conf /dev/null --confdir "$w/dracut.conf.d" --kmoddir "$kernel/root/lib/modules/$release" \
	--modules "base systemd systemd-initrd dracut-systemd kernel-modules rootfs-block udev-rules" \
	--drivers "$drivers" --force-drivers "$drivers" \
	--compress zstd --kver "$release" "$w/initrd.img"

# root: the tree with room for /var as berth's data partition has.
tree=$(du -s --block-size=1M "$w/root" | cut -f1)
root_size=$(((tree + tree / 5) * (1 << 20) + data_size))
at_epoch mkfs.ext4 -q -F -L root -U "$uuid_root_fs" -d "$w/root" \
	"$w/root.ext4" $((root_size / 1024))k

printf '%s' "console=ttyS0,115200 quiet panic=10 root=PARTUUID=$uuid_root rw" >"$w/cmdline"
uki "$w/uki-a.efi" "$w/root/etc/os-release" "$w/cmdline" "$w/initrd.img" "$kernel/vmlinuz"
# mkesp.sh also lays out berth's installer entry; the baseline has no
# installer, so it gets an empty one, deleted again.
: >"$w/uki-install.efi"
BERTH_WORK=$w "$BERTH_SRC/image/mkesp.sh"
MTOOLS_SKIP_CHECK=1 mdel -i "$w/esp.img" ::/EFI/berth/install.efi ::/loader/entries/install.conf

mib=$((1 << 20))
disk=$out/disk.raw
rm -f "$disk"
truncate -s $((BERTH_ESP_SIZE + root_size + 2 * mib)) "$disk"
sfdisk --quiet --no-reread --no-tell-kernel "$disk" <<EOF
label: gpt
label-id: $uuid_disk
first-lba: 2048
start=2048, size=$((BERTH_ESP_SIZE / 512)), type=c12a7328-f81f-11d2-ba4b-00a0c93ec93b, uuid=$uuid_esp, name=esp
size=$((root_size / 512)), type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, uuid=$uuid_root, name=root
EOF
dd if="$w/esp.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$w/root.ext4" of="$disk" bs=1M seek=$((1 + BERTH_ESP_SIZE / mib)) conv=notrunc,sparse status=none
echo "baseline disk $(stat -c %s "$disk") bytes"
