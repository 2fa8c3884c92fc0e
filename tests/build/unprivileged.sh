#!/bin/bash
# A build without root (image/userns.c): tests/manifests/owners.yaml, whose
# image has owners other than root, built as root and then as an
# unprivileged user (berth-build, made here when missing, with subordinate
# ids) from the root build's lockfile, with the same SOURCE_DATE_EPOCH. The
# two disks must be bit-identical, and the erofs root must hold the owners
# and modes the package and the manifest give. A manifest whose owner is
# beyond the user's subordinate ids is refused. The user's cache is its own
# (files root writes are not the user's to change), seeded from
# $BERTH_CACHE: the apt lists, the .debs of the lockfile, BusyBox and
# fsck.fat; nothing is downloaded or compiled.
set -u
cd "$(dirname "$0")/../.." || exit 1
user=berth-build
manifest=tests/manifests/owners.yaml
cache=${BERTH_CACHE:-/var/cache/berth}
export SOURCE_DATE_EPOCH=1700000000

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL - unprivileged: must run as root (it makes the user and builds as root too)"
	exit 0
fi
tmp=$(mktemp -d /tmp/berth-unpriv.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"

# The user, and a range of 65536 subordinate ids above every range given.
id "$user" >/dev/null 2>&1 ||
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$user"
first=$(cat /etc/subuid /etc/subgid 2>/dev/null |
	awk -F: 'BEGIN { m = 100000 } $2 + $3 > m { m = $2 + $3 } END { print m }')
grep -q "^$user:" /etc/subuid 2>/dev/null || usermod --add-subuids "$first-$((first + 65535))" "$user"
grep -q "^$user:" /etc/subgid 2>/dev/null || usermod --add-subgids "$first-$((first + 65535))" "$user"

if ! build/berth build "$manifest" --out "$tmp/root/owners" >"$tmp/root.log" 2>&1; then
	echo "FAIL - unprivileged: the root build failed:"
	tail -n 20 "$tmp/root.log"
	exit 0
fi
lock=$tmp/root/owners/manifest.lock

# What the user may read: the programs, the stage scripts, the manifests.
mkdir -p "$tmp/src/build" "$tmp/src/tests" "$tmp/home" "$tmp/user" "$tmp/cache/debs" "$tmp/cache/src"
cp -r image initramfs kernel-config rootfs "$tmp/src/"
cp build/berth build/berth-init build/berth-stage1 build/berth-update build/berth-install \
	build/berth-provision build/berth-container "$tmp/src/build/"
cp -r tests/manifests "$tmp/src/tests/"
sed 's/owner: "65536:65534"/owner: "65537:0"/' "$manifest" >"$tmp/src/$manifest.high"
cp -r "$cache/apt" "$cache/busybox" "$cache/dosfstools" "$tmp/cache/"
awk '/^[a-z0-9]/ { print $4 } /^# kernel: / { print $6 }' "$lock" |
	(cd "$cache/debs" && xargs cp -t "$tmp/cache/debs/")
find "$cache/src" -maxdepth 1 -type f -exec cp -t "$tmp/cache/src/" {} +
chown -R "$user:" "$tmp/src" "$tmp/home" "$tmp/user" "$tmp/cache"

# as_user MANIFEST NAME: the user's build of MANIFEST into $tmp/user/NAME.
as_user() {
	runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp/home" \
		BERTH_CACHE="$tmp/cache" SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
		"$tmp/src/build/berth" build "$tmp/src/$1" --out "$tmp/user/$2" --locked="$lock" \
		>"$tmp/$2.log" 2>&1
}

as_user "$manifest.high" high
st=$?
if [ "$st" -eq 1 ] && grep -q 'owner 65537:0: this build has ids up to 65536 only' "$tmp/high.log" &&
	[ ! -e "$tmp/user/high" ]; then
	echo "ok - unprivileged: an owner beyond the subordinate ids is refused before anything is written"
else
	echo "FAIL - unprivileged: an owner beyond the subordinate ids: exit $st, expected 1:"
	tail -n 5 "$tmp/high.log"
fi

if ! as_user "$manifest" owners; then
	echo "FAIL - unprivileged: the build as $user failed:"
	tail -n 20 "$tmp/owners.log"
	exit 0
fi
echo "ok - unprivileged: $user built the image"
grep -q "^berth: not root: building as root of a user namespace" "$tmp/owners.log" &&
	echo "ok - unprivileged: the build says it runs in a user namespace" ||
	echo "FAIL - unprivileged: no word of the user namespace in the build's output"

# Every inode of NAME's erofs root, in two lines: "path uid:gid" and "path
# type mode target". Two extractions: fsck.erofs sets a file's mode before
# its owner, and chown(2) clears a setgid bit.
listing() {
	local img=$tmp/$1/owners/work/root.erofs
	fsck.erofs --extract="$tmp/$1-o" --preserve "$img" >/dev/null &&
		fsck.erofs --extract="$tmp/$1-m" --preserve-perms --no-preserve-owner "$img" >/dev/null &&
		{
			(cd "$tmp/$1-o" && find . -printf '%p %U:%G\n')
			(cd "$tmp/$1-m" && find . -printf '%p %y %m %l\n')
		} | LC_ALL=C sort >"$tmp/$1.list"
}
if listing root && listing user && diff "$tmp/root.list" "$tmp/user.list" >"$tmp/list.diff"; then
	echo "ok - unprivileged: every inode's owner and mode is the root build's ($(($(wc -l <"$tmp/user.list") / 2)) inodes)"
else
	echo "FAIL - unprivileged: owners or modes differ from the root build's:"
	head -n 10 "$tmp/list.diff"
fi
for want in './usr/lib/x86_64-linux-gnu/utempter/utempter 0:43' \
	'./usr/lib/x86_64-linux-gnu/utempter/utempter f 2755 ' './etc/motd 1000:1000' './etc/motd f 600 ' \
	'./usr/share/owned 65536:65534' './usr/share/owned/note 65536:65534' './usr/share/owned/note f 640 ' \
	'./usr/bin/busybox 0:0' './usr/bin/busybox f 755 '; do
	grep -qxF "$want" "$tmp/user.list" && echo "ok - unprivileged: the image has '$want'" ||
		echo "FAIL - unprivileged: the image lacks '$want'"
done

x=$(sha256sum <"$tmp/root/owners/disk.raw" | cut -d' ' -f1)
y=$(sha256sum <"$tmp/user/owners/disk.raw" | cut -d' ' -f1)
[ "$x" = "$y" ] && echo "ok - unprivileged: disk.raw is the root build's, bit for bit (${x:0:16})" ||
	echo "FAIL - unprivileged: disk.raw differs from the root build's ($x vs $y)"
