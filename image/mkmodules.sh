#!/bin/bash
# Stage "modules": the kernel modules that kernel.modules names
# (BERTH_KERNEL_MODULES, one glob a line: the manifest's, or the default
# set kernel-config/modules) and those they depend on (modprobe
# --show-depends against the kernel stage's tree: depmod's dependencies
# and the modules' soft dependencies), as a tree that the ostree stage
# commits over the rootfs tree. The root has a merged /usr (/lib is a link
# to usr/lib), so the modules go to usr/lib/modules/RELEASE/kernel/, with
# the kernel's modules.builtin and modules.builtin.modinfo, modules.order
# cut down to them, and what depmod makes of exactly them (modules.dep,
# modules.alias, ... as text and as .bin).
# A glob that matches nothing is not an error (a kernel built from
# kernel-config/ has no modules): the log says so.
# In: $BERTH_WORK/kernel. Out: $BERTH_WORK/modules/ and
# $BERTH_WORK/modules.list, the modules' paths relative to
# lib/modules/RELEASE/ (kernel/...), sorted.
set -euo pipefail
. "$BERTH_SRC/image/lib/modules.sh"

kroot=$(realpath "$BERTH_WORK/kernel/root")
release=$(cat "$BERTH_WORK/kernel/release")
from=$kroot/lib/modules/$release
out=$BERTH_WORK/modules
to=$out/usr/lib/modules/$release
list=$BERTH_WORK/modules.list
rm -rf "$out" "$list"
mkdir -p "$to"

mapfile -t globs < <(sed '/^$/d' <<<"$BERTH_KERNEL_MODULES")
all=()
if [ -d "$from/kernel" ]; then
	mapfile -t all < <(cd "$from" && find kernel -type f \( -name '*.ko' -o -name '*.ko.*' \) | LC_ALL=C sort)
fi

matches=
if [ "${#all[@]}" -gt 0 ]; then
	matches=$(printf '%s\n' "${all[@]}" | modules_match ${globs[@]+"${globs[@]}"})
fi
hit=$(cut -f1 <<<"$matches")
if [ -n "$matches" ]; then
	for g in "${globs[@]}"; do
		grep -qxF -- "$g" <<<"$hit" || echo "berth: modules: '$g' matches no module of kernel $release"
	done
elif [ "${#globs[@]}" -gt 0 ]; then
	echo "berth: modules: warning: kernel.modules matches no module of kernel $release (${#all[@]} modules)" >&2
fi
# The modules and their dependencies, as paths relative to $from.
mapfile -t named < <(cut -f2 <<<"$matches" | sed '/^$/d')
modules_closure "$kroot" "$release" ${named[@]+"${named[@]}"} | LC_ALL=C sort >"$list"
if [ -s "$list" ]; then
	(cd "$from" && xargs -d '\n' cp --parents -t "$to" <"$list")
fi
for f in modules.builtin modules.builtin.modinfo; do
	[ ! -e "$from/$f" ] || cp "$from/$f" "$to/"
done
# modules.order, for those that are here (it names them with .ko); empty
# for a kernel without modules.
touch "$to/modules.order"
if [ -e "$from/modules.order" ]; then
	awk 'NR == FNR { sub(/\.ko.*$/, ".ko"); want[$0] = 1; next } $0 in want' "$list" "$from/modules.order" \
		>"$to/modules.order"
fi
find "$out" -type d -exec chmod 0755 {} +
find "$out" -type f -exec chmod 0644 {} +
depmod -b "$out/usr" "$release"

echo "modules: $(wc -l <"$list") of ${#all[@]} (${#named[@]} named, the rest their dependencies), $(du -sk "$to" | cut -f1) KiB"
