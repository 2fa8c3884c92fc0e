#!/bin/bash
# libyaml for berth-provision, which is static and musl like berth-init:
# Debian's "libyaml" source package built with musl-gcc as a static library
# (image/lib/musl-source.sh's musl_autotools), so that the device checks user
# data with the same YAML parser and schema walker the build checks manifests
# with. Installed in $BERTH_CACHE/libyaml-musl/<key>/ (include/yaml.h,
# lib/libyaml.a). Prints that prefix as the last line of stdout; errors go to
# stderr, the build's output only when it fails.
set -euo pipefail
set -o errtrace

. "${BERTH_SRC:?BERTH_SRC must name the berth source tree}/image/lib/musl-source.sh"
script=$BERTH_SRC/provision/libyaml.sh
need_tools "musl-tools gcc make dpkg-dev autoconf automake libtool util-linux" \
	musl-gcc gcc make dpkg-source autoreconf libtoolize flock sha256sum
musl_cache libyaml-musl

musl_autotools libyaml lib/libyaml.a --disable-shared --enable-static
echo "$PREFIX"
