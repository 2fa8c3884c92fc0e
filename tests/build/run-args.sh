#!/bin/bash
# `berth run` given what it cannot boot: a clear message, its exit status
# (2 for a wrong command line, 1 otherwise), no QEMU started, nothing left
# in TMPDIR and no output folder made. (A boot: tests/e2e/test_run.py.)
set -u
cd "$(dirname "$0")/../.."
berth=$PWD/build/berth
tmp=$(mktemp -d /tmp/berth-run-args.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tmp" "$tmp/cwd"

# NAME STATUS PATTERN ARGS...: berth run ARGS in an empty folder exits STATUS, says PATTERN.
refused() {
	local name=$1 want=$2 pattern=$3 out st
	shift 3
	out=$(cd "$tmp/cwd" && TMPDIR=$tmp/tmp "$berth" run "$@" 2>&1)
	st=$?
	if [ "$st" -eq "$want" ] && grep -q -- "$pattern" <<<"$out" &&
		[ -z "$(find "$tmp/tmp" "$tmp/cwd" -mindepth 1)" ]; then
		echo "ok - run-args: $name"
	else
		echo "FAIL - run-args: $name: exit $st: $out; left: $(find "$tmp/tmp" "$tmp/cwd" -mindepth 1)"
	fi
}

printf 'name: x\nversion: 1\n' >"$tmp/bad.yaml"
refused "no argument is a usage error" 2 "usage: berth build"
refused "two arguments are a usage error" 2 "usage: berth build" a.raw b.raw
refused "an option is a usage error" 2 "usage: berth build" --kvm
refused "a missing image is named" 1 "nonexistent.qcow2: no disk image there" nonexistent.qcow2
refused "a file of another kind is refused" 1 "not a disk image berth builds" "$PWD/README.md"
refused "a folder without disk.raw is refused" 1 "disk.raw: no disk image there" "$tmp"
refused "a bad manifest boots nothing" 1 "the build of .* failed: nothing to boot" "$tmp/bad.yaml"
