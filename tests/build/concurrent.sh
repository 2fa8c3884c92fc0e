#!/bin/bash
# Builds sharing one cache and one release history at the same time:
#   concurrent.sh [OUT]
# first image/apt-lists.sh, the apt set-up every build starts with, in two
# loops at once; then two builds of different manifests at once, on
# $BERTH_CACHE, into folders side by side (so they commit to one OSTree
# repository), from the lockfiles of OUT's (make test's: out) plain builds
# of the same manifests. Both must succeed, and each disk and bundle must
# be OUT's, bit for bit: what the build made alone.
set -u
shopt -s nullglob
cd "$(dirname "$0")/../.." || exit 1
out=${1:-out}
names=(containerd test)
export BERTH_CACHE=${BERTH_CACHE:-/var/cache/berth}
unset SOURCE_DATE_EPOCH
tmp=$(mktemp -d /tmp/berth-concurrent.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# lists N: image/apt-lists.sh N times, or the first failure's output.
lists() {
	for _ in $(seq "$1"); do
		BERTH_SRC=$PWD bash image/apt-lists.sh >"$tmp/lists.$BASHPID" 2>&1 || {
			cat "$tmp/lists.$BASHPID"
			return 1
		}
	done
}
lists 20 >"$tmp/lists-a.log" &
a=$!
lists 20 >"$tmp/lists-b.log" &
b=$!
if wait "$a" && wait "$b"; then
	echo "ok - concurrent: apt's set-up, 20 times in each of two loops at once"
else
	echo "FAIL - concurrent: apt's set-up failed when two ran at once:"
	cat "$tmp/lists-a.log" "$tmp/lists-b.log" | head -n 10
fi

pids=()
for n in "${names[@]}"; do
	build/berth build "tests/manifests/$n.yaml" --out "$tmp/out/$n" \
		--locked="$out/$n/manifest.lock" >"$tmp/$n.log" 2>&1 &
	pids+=($!)
done
for i in "${!names[@]}"; do
	n=${names[i]}
	if ! wait "${pids[i]}"; then
		echo "FAIL - concurrent: the build of $n failed beside the other:"
		tail -n 20 "$tmp/$n.log"
		continue
	fi
	echo "ok - concurrent: $n built beside the other"
	bundles=("$out/$n"/*.berth)
	for f in disk.raw "${bundles[@]##*/}"; do
		x=$(sha256sum <"$out/$n/$f" | cut -d' ' -f1)
		y=$(sha256sum <"$tmp/out/$n/$f" | cut -d' ' -f1)
		[ "$x" = "$y" ] && echo "ok - concurrent: $n's $f is the one built alone (${x:0:16})" ||
			echo "FAIL - concurrent: $n's $f differs from the one built alone ($x vs $y)"
	done
done
