#!/bin/bash
# What the default image is made of: the GPT (Discoverable Partitions
# Specification types, both slots, the data partition), the ESP's files, an
# initramfs that holds berth-stage1, berth-install and the kernel modules stage 1 needs only,
# and the kernel modules of the default set in the root; berth-provision and
# its sources.
# Another build of a manifest named berth, version 0.1.0, may be given.
set -u
cd "$(dirname "$0")/../.."
out=${1:-out/default}
check() { # CONDITION-STATUS NAME
	if [ "$1" -eq 0 ]; then echo "ok - layout: $2"; else echo "FAIL - layout: $2"; fi
}

table=$(sfdisk -d "$out/disk.raw")
for p in "esp C12A7328-F81F-11D2-BA4B-00A0C93EC93B" \
	"root-a 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" "root-a-verity 2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5" \
	"root-b 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" "root-b-verity 2C7357ED-EBD2-46D9-AEC1-23D437EC2BF5" \
	"data 4D21B016-B534-45C2-A9FB-5C16E091FD2D"; do
	read -r name type <<<"$p"
	grep -q "type=$type,.*name=\"$name\"" <<<"$table"
	check $? "partition $name has type $type"
done
grep -q 'name="root-a", attrs="GUID:60"' <<<"$table"
check $? "root-a is marked read-only (GPT attribute 60)"

start=$(sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\),.*name="root-b".*/\1 \2/p' <<<"$table")
read -r s n <<<"$start"
[ -z "$(dd if="$out/disk.raw" bs=512 skip="$s" count="$n" status=none | tr -d '\0' | head -c 1)" ]
check $? "slot B is empty until the first update"

esp=$(MTOOLS_SKIP_CHECK=1 mdir -i "$out/work/esp.img" -/ -b ::)
for f in ::/EFI/BOOT/BOOTX64.EFI ::/loader/loader.conf ::/EFI/Linux/berth_0.1.0.efi; do
	grep -qix "$f" <<<"$esp"
	check $? "the ESP holds ${f#::}"
done
roothash=$(sed -n 's/^Root hash:[[:space:]]*//p' "$out/work/veritysetup.txt")
for slot in a b; do
	objdump -h "$out/work/uki-$slot.efi" | grep -q ' \.cmdline ' &&
		objcopy -O binary --only-section=.cmdline "$out/work/uki-$slot.efi" /dev/stdout |
		grep -q "roothash=$roothash .* berth.slot=$slot "
	check $? "slot $slot's UKI pins the root hash and names slot $slot"
done
# The same command line but for the slot's partitions.
a=$(tr ' ' '\n' <"$out/work/cmdline-a") b=$(tr ' ' '\n' <"$out/work/cmdline-b")
part_uuid() { sfdisk --part-uuid "$out/disk.raw" "$1" | tr A-Z a-z; }
[ "$(diff <(echo "$a") <(echo "$b") | grep -c '^[<>]')" -eq 6 ] &&
	grep -qx "systemd.verity_root_data=PARTUUID=$(part_uuid 4)" <<<"$b" &&
	grep -qx "systemd.verity_root_hash=PARTUUID=$(part_uuid 5)" <<<"$b" &&
	grep -qx "berth.slot=b" <<<"$b"
check $? "slot B's UKI differs only in berth.slot and slot B's root and verity partitions"
cmp -s <(MTOOLS_SKIP_CHECK=1 mtype -i "$out/work/esp.img" ::/EFI/Linux/berth_0.1.0.efi) "$out/work/uki-a.efi"
check $? "the ESP's entry is slot A's UKI"
# The installer: slot A's line and berth.install=auto, started by a type #1 entry
# without a sort-key (listed after every UKI, never the default).
[ "$(cat "$out/work/cmdline-install")" = "$(cat "$out/work/cmdline-a") berth.install=auto" ] &&
	objcopy -O binary --only-section=.cmdline "$out/work/uki-install.efi" /dev/stdout |
	cmp -s - "$out/work/cmdline-install"
check $? "the installer's UKI carries slot A's line and berth.install=auto"
cmp -s <(MTOOLS_SKIP_CHECK=1 mtype -i "$out/work/esp.img" ::/EFI/berth/install.efi) \
	"$out/work/uki-install.efi" &&
	[ "$(MTOOLS_SKIP_CHECK=1 mtype -i "$out/work/esp.img" ::/loader/entries/install.conf)" = \
		"$(printf 'title Install to disk\nefi /EFI/berth/install.efi')" ]
check $? "the ESP's installer entry starts it, titled \"Install to disk\", with no sort-key"

listing=$(lsinitrd "$out/work/initrd.img")
lsinitrd -f init "$out/work/initrd.img" | cmp -s - build/berth-stage1
check $? "the initramfs runs build/berth-stage1 as /init"
lsinitrd -f usr/lib/berth/berth-install "$out/work/initrd.img" | cmp -s - build/berth-install
check $? "the initramfs carries build/berth-install, which stage 1 starts for the installer entry"
! grep -Eq 'ld\.so|bin/sh$|busybox|systemd' <<<"$listing"
check $? "the initramfs holds nothing from the build host (no loader config, shell or systemd)"
kos=$(grep -o 'lib/modules/.*\.ko$' <<<"$listing" | sort)
release=$(cat "$out/work/kernel/release")
dir=lib/modules/$release
listed=$(lsinitrd -f etc/berth/modules "$out/work/initrd.img" | sed 's|^/||' | sort)
[ -n "$listed" ] && [ -z "$(comm -13 <(echo "$kos") <(echo "$listed"))" ]
check $? "the initramfs holds the kernel modules stage 1 loads whatever the hardware ($(wc -l <<<"$listed"))"
# Text files, as berth-init reads them.
dep=$(lsinitrd -f "$dir/modules.dep" "$out/work/initrd.img")
alias=$(lsinitrd -f "$dir/modules.alias" "$out/work/initrd.img")
[ "$kos" = "$(cut -d: -f1 <<<"$dep" | sed "s|^|$dir/|" | sort)" ]
check $? "the initramfs's modules.dep names exactly the modules it holds ($(wc -l <<<"$kos"))"
for m in nvme ahci virtio_blk virtio_pci sd_mod usb_storage i6300esb; do
	grep -q " $m\$" <<<"$alias"
	check $? "the initramfs's modules.alias knows $m"
done
! grep -q ' e1000e$' <<<"$alias"
check $? "the initramfs holds no NIC driver"

# The verified root: the modules of the set and depmod's files for them.
root=$out/work/root-tree/usr/lib/modules/$release
[ "$(readlink "$out/work/root-tree/lib")" = usr/lib ] && [ -f "$root/modules.dep" ] &&
	file -b "$root/modules.alias" | grep -q text
check $? "the root holds /lib/modules/$release/modules.dep and modules.alias (text)"
[ "$(cd "$root" && find kernel -name '*.ko*' | sort)" = "$(cut -d: -f1 "$root/modules.dep" | sort)" ]
check $? "the root's modules.dep names exactly the modules it holds ($(wc -l <"$root/modules.dep"))"
for m in e1000e igb ixgbe nvme ahci i6300esb usb_storage virtio_net overlay isofs; do
	grep -q " $m\$" "$root/modules.alias"
	check $? "the root's modules.alias knows $m"
done

# Per-machine settings (docs/provision.md): berth-provision, started when the
# image names sources, by default the NoCloud and OpenStack config drives.
tree=$out/work/root-tree
cmp -s "$tree/usr/lib/berth/berth-provision" build/berth-provision && [ -x "$tree/usr/lib/berth/berth-provision" ]
check $? "the root carries build/berth-provision, which stage 2 starts"
cmp -s "$tree/usr/lib/berth/berth-container" build/berth-container &&
	[ -x "$tree/usr/lib/berth/berth-container" ]
check $? "the root carries build/berth-container, which berth-init's children run"
[ "$(grep -v '^#' "$tree/etc/berth/provision.conf")" = "$(printf 'source nocloud\nsource config-2')" ]
check $? "/etc/berth/provision.conf names the default sources, nocloud then config-2"
