#!/bin/bash
# Before the stages: berth's own Debian package lists, refreshed once a day.
set -euo pipefail
. "$BERTH_SRC/image/lib/apt.sh"
apt_refresh
