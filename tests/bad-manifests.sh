#!/bin/bash
# Feeds every tests/manifests/bad/*.yaml to `berth build` and checks that it is
# refused the way the fixture's first line says:
#   # expect: LINE:COL: MESSAGE SUBSTRING
# i.e. exit status 2, stderr's first line "FILE:LINE:COL: ..." containing the
# substring, and no --out directory left behind. Prints one "ok - " or
# "FAIL - " line per fixture and always exits 0: tests/run.sh counts the lines.
set -u
cd "$(dirname "$0")/.." || exit 1

berth=${BERTH:-build/berth}
# A manifest that slips through would start a real build: do not wait for it.
limit=${BERTH_BAD_MANIFEST_TIMEOUT:-60}

# git keeps no modes but the executable bit: the secret keys the fixtures
# name must be their owner's alone (or berth refuses them first), and the
# one that must be refused for its mode must not be.
chmod 600 tests/manifests/keys/*.key
chmod 644 tests/manifests/bad/signing-keys/open.key

# The fixtures' good keys link to the published test keys, as an operator
# names the build machine's key folder; bad/host leads elsewhere.
export BERTH_KEYS=$PWD/tests/manifests/keys

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$berth" ]; then
	echo "FAIL - bad manifests: $berth is not built"
	exit 0
fi

# Prints what is wrong with the run on FILE, or nothing when it is right.
check() {
	local file=$1 expect pos sub status first

	expect=$(sed -n '1s/^# expect: //p' "$file")
	pos=${expect%%: *}
	sub=${expect#*: }
	if [ -z "$expect" ] || [ "$pos" = "$expect" ] || ! [[ $pos =~ ^[0-9]+:[0-9]+$ ]]; then
		echo "first line is not '# expect: LINE:COL: MESSAGE'"
		return
	fi
	rm -rf "$tmp/out"
	timeout "$limit" "$berth" build "$file" --out "$tmp/out" >"$tmp/stdout" 2>"$tmp/stderr"
	status=$?
	first=$(head -n1 "$tmp/stderr")
	if [ "$status" -ne 2 ]; then
		echo "exit status $status, want 2 (stderr: $first)"
	elif [[ $first != "$file:$pos: "* ]]; then
		echo "stderr starts '$first', want '$file:$pos: '"
	elif [[ $first != *"$sub"* ]]; then
		echo "stderr '$first' does not contain '$sub'"
	elif [ -e "$tmp/out" ]; then
		echo "$tmp/out was created"
	fi
}

shopt -s nullglob
fixtures=(tests/manifests/bad/*.yaml)
if [ ${#fixtures[@]} -eq 0 ]; then
	echo "FAIL - bad manifests: no fixtures in tests/manifests/bad"
fi
for file in "${fixtures[@]}"; do
	name=$(basename "$file" .yaml)
	why=$(check "$file")
	if [ -z "$why" ]; then
		echo "ok - bad manifest $name"
	else
		echo "FAIL - bad manifest $name: $why"
	fi
done
exit 0
