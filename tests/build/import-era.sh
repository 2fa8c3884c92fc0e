#!/bin/bash
# The last release of the test container host whose berth-init imported the
# container images into containerd at boot: commit IMPORT_ERA's
# tests/manifests/containerd.yaml, built by that commit's own berth, as
# version 0.0.9 and with a raw disk only (the manifest's only changes), into OUT.
# tests/e2e/test_import_era.py updates it to today's out/containerd (0.1.0).
#   tests/build/import-era.sh OUT
set -euo pipefail
IMPORT_ERA=313dba195c2c2553d437873c283c63d6486265e8

out=$(realpath -m "$1")
cd "$(dirname "$0")/../.."
src=$(mktemp -d /tmp/berth-import-era.XXXXXX)
trap 'rm -rf "$src"' EXIT
git archive "$IMPORT_ERA" | tar -x -C "$src"
sed -i 's/^version: 0\.1\.0$/version: 0.0.9/' "$src/tests/manifests/containerd.yaml"
sed -i 's/^  formats: .*/  formats: [raw]/' "$src/tests/manifests/containerd.yaml"
grep -qx 'version: 0.0.9' "$src/tests/manifests/containerd.yaml"
grep -qx '  formats: \[raw\]' "$src/tests/manifests/containerd.yaml"
make -C "$src" --no-print-directory programs test-keys tests/manifests/images/hello.tar
"$src/build/berth" build "$src/tests/manifests/containerd.yaml" --out "$out"
