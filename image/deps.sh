#!/bin/bash
# Installs the Debian packages that building and testing berth need.
# As root it installs what is missing; otherwise it prints the exact
# apt-get line and fails.
set -euo pipefail

packages=(
	# build tools and libraries
	gcc make libc6-dev linux-libc-dev pkg-config libyaml-dev libsodium-dev libarchive-dev
	# the OCI image configs berth build reads (image/oci.c)
	libjansson-dev
	# zlib: CRC-32 for the GPT fuzz target (tests/fuzz/fuzz_gpt.c)
	zlib1g-dev
	musl-tools binutils
	# BusyBox and libsodium from Debian's source packages, built with musl
	dpkg-dev autoconf automake libtool
	# the kernel built from kernel-config/ (build-kernel.sh); openssl also signs
	# its root hash and, in the tests, checks bundles' Ed25519 signatures
	bc bison flex libssl-dev libelf-dev openssl
	# image stages
	apt dpkg kmod dracut-core cpio erofs-utils cryptsetup-bin mtools dosfstools
	fdisk e2fsprogs systemd-boot-efi zstd ostree gnupg umoci
	# disk.formats: qemu-img (qcow2, VHD, VMDK); tar, gzip and zstd as well
	qemu-utils tar gzip
	# Secure Boot: keys and certificates, EFI signature lists, signed PE files
	# (faketime: sbsign and mkfs.ext4 stamp the current time; the build fixes it)
	openssl efitools sbsigntool faketime
	# building without root: newuidmap and newgidmap map berth's user namespace
	uidmap
	# tests (clang: the libFuzzer targets; openssl also checks bundles' Ed25519 independently;
	# bmap-tools: bmaptool copies disk.raw with its disk.raw.bmap)
	qemu-system-x86 ovmf python3 clang bmap-tools
	# the config drives (ISO 9660) tests/e2e/test_provision.py attaches
	xorriso
	# make bench: the Debian baseline it measures berth against
	mmdebstrap
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "berth: missing build dependencies; as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
echo "berth: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
