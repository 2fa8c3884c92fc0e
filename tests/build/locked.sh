#!/bin/bash
# --locked builds exactly what the lockfile names, or fails clearly.
set -u
cd "$(dirname "$0")/../.."
manifest=tests/manifests/containerd.yaml
lock=out/containerd/manifest.lock
tmp=$(mktemp -d /tmp/berth-locked.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

refused() { # NAME LOCKFILE MESSAGE-PATTERN
	build/berth build "$manifest" --out "$tmp/out-$1" --locked="$2" >"$tmp/$1.log" 2>&1
	local st=$?
	if [ "$st" -eq 1 ] && grep -Eq "$3" "$tmp/$1.log"; then
		echo "ok - locked: $1 is refused"
	else
		echo "FAIL - locked: $1: exit $st, expected 1 and /$3/:"
		tail -n 5 "$tmp/$1.log"
	fi
	[ ! -e "$tmp/out-$1/disk.raw" ] && echo "ok - locked: $1 writes no disk" ||
		echo "FAIL - locked: $1 wrote a disk"
}

grep -q '^runc ' "$lock" && grep -q '^# kernel: ' "$lock"
[ $? -eq 0 ] && echo "ok - locked: the lockfile names the packages and the kernel" ||
	echo "FAIL - locked: $lock lacks runc or the kernel line"

sed -E 's/^runc [^ ]+ [0-9a-f]{8}([0-9a-f]+) runc_[^_]+_/runc 9.9.9-1 00000000\1 runc_9.9.9-1_/' "$lock" >"$tmp/gone.lock"
refused gone-version "$tmp/gone.lock" "runc=9.9.9-1 .*no longer available"
sed -E 's/^(# kernel: [^ ]+ [^ ]+ )[0-9a-f]{8}/\100000000/' "$lock" >"$tmp/hash.lock"
refused kernel-hash "$tmp/hash.lock" "SHA-256"
