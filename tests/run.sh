#!/bin/bash
# Runs every suite and counts their "ok - " and "FAIL - " lines. The last
# line is "N passed, N failed"; the exit status is 0 only when nothing
# failed and every suite ran to its end.
#
# The unit tests and build suites run in two lanes, one per core; then the
# boots, one at a time: a guest under TCG beside builds can stall for over
# a minute (seen once: berth-init's 60 s watchdog reset it). Each suite's
# output is printed whole when it ends, so the lanes' lines never mix.
set -uo pipefail
cd "$(dirname "$0")/.."

export BERTH_TEST_LOGS=${BERTH_TEST_LOGS:-$PWD/out/test-logs}
mkdir -p "$BERTH_TEST_LOGS"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/log
times=$work/times
: >"$log"
: >"$times"

# A suite that dies without reporting a failure still counts as one. Its
# time goes into the output and the list at the end (not a pass/fail check).
suite() {
	local out=$work/suite.$BASHPID st start=$SECONDS
	"$@" >"$out" 2>&1
	st=$?
	{
		flock 9
		echo "== $*"
		cat "$out"
		if [ "$st" -ne 0 ] && ! grep -q '^FAIL - ' "$out"; then
			echo "FAIL - suite '$*' exited with status $st" | tee -a "$out"
		fi
		echo "# $*: $((SECONDS - start)) s" | tee -a "$times"
		cat "$out" >>"$log"
	} 9>"$work/print.lock"
	rm -f "$out"
}

lane1() {
	local t
	for t in build/unit/test_*; do
		suite "$t"
	done
	suite tests/bad-manifests.sh
	suite tests/fuzz/run.sh
	suite tests/build/layout.sh
	# disk.formats: every format beside out/containerd/disk.raw.
	suite tests/build/formats.sh out/containerd
	suite tests/build/keygen.sh
	# berth publish: a channel folder from out/test and out/test-v2 bundles.
	suite tests/build/publish.sh
	suite tests/build/run-args.sh
	suite python3 tests/build/bundle.py out/test tests/manifests/keys/test.pub
	# Of security epoch 1 (update.security_epoch).
	suite python3 tests/build/bundle.py out/test-v2 tests/manifests/keys/test.pub
	# Its UKIs are signed for Secure Boot (test_secureboot.py checks the signatures).
	suite python3 tests/build/bundle.py out/secureboot tests/manifests/keys/test.pub
	suite tests/history.sh
	suite tests/service/check.sh
	suite tests/rootfs/closure.sh out/containerd/work/root-tree containerd runc crun
	suite tests/rootfs/host.sh
	suite tests/build/locked.sh
	suite tests/build/incremental.sh
	# Two builds at once on one cache and one history.
	suite tests/build/concurrent.sh
}

lane2() {
	suite tests/build/reproducible.sh tests/manifests/containerd.yaml
	# As a user builds: no SOURCE_DATE_EPOCH (out/containerd is make test's plain build).
	suite tests/build/reproducible.sh --plain tests/manifests/containerd.yaml out/containerd
	# Secure Boot signatures hold a signing time: the build must fix it.
	suite tests/build/reproducible.sh tests/manifests/secureboot.yaml
	# A build without root.
	suite tests/build/unprivileged.sh
	suite tests/build/flash.sh
}

lane1 &
lane2 &
wait
for t in tests/e2e/test_*.py; do
	suite python3 "$t"
done

echo "# suites by time:"
sort -t: -k2 -rn "$times" | head -n 12
passed=$(grep -c '^ok - ' "$log")
failed=$(grep -c '^FAIL - ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
