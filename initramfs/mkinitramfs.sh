#!/bin/bash
# Stage "initramfs": dracut with only the berth module (initramfs/90berth),
# run against a private sysroot so that nothing of the build host (its
# dracut.conf, ld.so.conf, modules) ends up in the image.
# Its kernel modules: those of initramfs/drivers, which stage 1 loads
# whatever the hardware, listed in load order at BERTH_MODULE_LIST in the
# image; and the disk controllers' and watchdogs' of the modules stage's
# set (initramfs/storage), which berth-stage1 loads by modalias. dracut's
# depmod writes modules.dep, modules.alias (text and .bin) for exactly
# those in lib/modules/RELEASE/.
# In: $BERTH_WORK/kernel, $BERTH_WORK/modules.list, $BERTH_STAGE1, $BERTH_INSTALLER.
# Out: $BERTH_WORK/initrd.img.
set -euo pipefail
. "$BERTH_SRC/image/lib/modules.sh"

kroot=$(realpath "$BERTH_WORK/kernel/root")
release=$(cat "$BERTH_WORK/kernel/release")
work=$BERTH_WORK/initramfs
rm -rf "$work"
mkdir -p "$work/sysroot$(dirname "$BERTH_MODULE_LIST")" "$work/sysroot/usr/lib/berth" "$work/sysroot/usr/bin" \
	"$work/sysroot/usr/sbin" "$work/sysroot/lib/modules" "$work/base/modules.d" "$work/conf.d" \
	"$work/tmp"
ln -s usr/bin "$work/sysroot/bin"
ln -s usr/sbin "$work/sysroot/sbin"
cp -al "$kroot/lib/modules/$release" "$work/sysroot/lib/modules/"
# dracut records its command-line arguments in the image, which must not
# depend on where it was built: the paths go in its configuration instead.
# systemdutildir: where systemd would be; it is not in this initramfs, so
# dracut writes no systemd.conf for it.
cat >"$work/conf.d/berth.conf" <<CONF
dracutsysrootdir="$work/sysroot"
tmpdir="$work/tmp"
systemdutildir=/usr/lib/systemd
CONF

lines() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"; }
drivers=$(lines "$BERTH_SRC/initramfs/drivers")

# The load order berth-stage1 follows: each module after its dependencies.
# shellcheck disable=SC2086
modules_closure "$kroot" "$release" $drivers | sed "s|^|/lib/modules/$release/|" \
	>"$work/sysroot$BERTH_MODULE_LIST"
# The storage and watchdog drivers of the set, and what they depend on.
mapfile -t globs < <(lines "$BERTH_SRC/initramfs/storage")
mapfile -t hardware < <(modules_match "${globs[@]}" <"$BERTH_WORK/modules.list" | cut -f2)
modules_closure "$kroot" "$release" ${hardware[@]+"${hardware[@]}"} >"$work/hardware.list"
install -m 0755 "$BERTH_STAGE1" "$work/sysroot/usr/lib/berth/berth-stage1"
install -m 0755 "$BERTH_INSTALLER" "$work/sysroot/usr/lib/berth/berth-install"

# dracut's own files, but a modules.d that holds only berth's module.
for f in /usr/lib/dracut/*; do
	[ "${f##*/}" = modules.d ] || ln -s "$f" "$work/base/"
done
ln -s "$BERTH_SRC/initramfs/90berth" "$work/base/modules.d/90berth"
# dracut --reproducible gives every file the mtime of its dracut-functions.sh
# (a link's own time when it is a link): a copy dated SOURCE_DATE_EPOCH.
rm "$work/base/dracut-functions.sh"
cp /usr/lib/dracut/dracut-functions.sh "$work/base/"
touch -d "@$SOURCE_DATE_EPOCH" "$work/base/dracut-functions.sh"

cd "$work"
# berth-stage1 is static: no loader cache, and no /bin/sh to probe libraries with.
BERTH_INITRD_DRIVERS="$drivers $(sed -e 's|.*/||' -e 's/\.ko.*$//' "$work/hardware.list")" dracutbasedir=$work/base DRACUT_LDCONFIG=true \
	DRACUT_TESTBIN=/usr/lib/berth/berth-stage1 dracut \
	--quiet --force --reproducible --no-hostonly --no-hostonly-cmdline \
	--conf /dev/null --confdir conf.d --kver "$release" \
	--modules berth --no-early-microcode --compress zstd \
	"$BERTH_WORK/initrd.img.tmp"
# dracut carries on when a module's install fails; berth does not.
listing=$(lsinitrd "$BERTH_WORK/initrd.img.tmp")
for f in init usr/lib/berth/berth-install "${BERTH_MODULE_LIST#/}" $(sed 's|^/||' "$work/sysroot$BERTH_MODULE_LIST") \
	$(sed "s|^|lib/modules/$release/|" "$work/hardware.list") \
	"lib/modules/$release/modules.dep" "lib/modules/$release/modules.alias"; do
	grep -q " $f\$" <<<"$listing" || { echo "berth: initramfs lacks /$f" >&2; exit 1; }
done
echo "initramfs: $(grep -c '\.ko' <<<"$listing") modules, $(wc -l <"$work/hardware.list") of them for disks and watchdogs"
mv "$BERTH_WORK/initrd.img.tmp" "$BERTH_WORK/initrd.img"
